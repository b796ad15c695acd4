# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Event-driven scheduling on DataArts releases (Airflow 3 asset watchers): schedule a DAG whenever a
release package is released successfully. Give an ``Asset`` an ``AssetWatcher`` with this trigger and
schedule the DAG on the asset; the example DAG ``release_events`` and ``docs/release-events.md`` show
it in full.

Importing this module on Airflow 2 raises ``ImportError`` (it has no asset watchers). How a check infers
the releases, and what "never twice" rests on, is in
:mod:`airflow_dataarts_provider.core.release_packages.watch`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from airflow.triggers.base import TriggerEvent

from airflow_dataarts_provider.core.pending_items.gate import task_strings
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsError
from airflow_dataarts_provider.core.protocol.values import parse_number
from airflow_dataarts_provider.core.release_packages.watch import (
    WatchState,
    WatchStep,
    contains_any,
    event_payload,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.shared import shared_config, shared_step, snapshot_key
from airflow_dataarts_provider.version_compat import base_event_trigger

#: The asset-state key (Airflow 3.3+) under which a watcher keeps what it has accounted for.
STATE_KEY = "dataarts_release_watch"
#: With nothing to emit, the state is written at most this often (it bounds the catch-up after a restart).
SAVE_EVERY_S = 600.0


def _task_names(value: object) -> list[str] | None:
    names = None if value is None else list(task_strings("task_names", value))  # type: ignore[arg-type]
    if names == []:
        raise DataArtsConfigError("task_names", "an empty list", "None (every package) or job/script names")
    return names


class DataArtsReleaseEventTrigger(base_event_trigger()):  # type: ignore[misc]
    """Fires one event per release package released successfully after the watcher started; with
    ``task_names``, only for packages that contain one of those exact job or script names.

    The event's payload (``triggering_asset_events[...][0].extra["payload"]`` in the scheduled DAG):
    ``package_id``, ``package_name``, ``workspace``, ``deploy_time`` (ISO 8601, UTC),
    ``deploy_timestamp`` (epoch ms), ``deploy_user_name``, ``apply_user_name``, ``item_names`` and
    ``items`` (the released items as the package detail lists them).

    Watchers of one connection and workspace in a triggerer share their checks (two listings per
    interval, plus one detail per newly released package). Transient errors are retried (the
    connection's retry policy) and then at the next interval; permanent ones (credentials,
    permissions) are logged as errors at every interval while the watch goes on: the connection is
    read again each interval, so fixing it resumes the watch. On Airflow 3.3+ the watcher keeps its
    state in the asset's state store: after a restart it emits what was released meanwhile, once.
    On 3.0-3.2 a restarted watcher starts afresh: packages released while no triggerer ran it are
    not emitted.
    """

    def __init__(
        self,
        *,
        dataarts_conn_id: str = "dataarts_default",
        workspace: str | None = None,
        task_names: list[str] | None = None,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__()
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace
        self.task_names = _task_names(task_names)
        self.poll_interval = parse_number("poll_interval", poll_interval, minimum=0, maximum=86400)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "dataarts_conn_id": self.dataarts_conn_id,
                "workspace": self.workspace,
                "task_names": self.task_names,
                "poll_interval": self.poll_interval,
            },
        )

    def wanted(self, detail: Mapping[str, Any]) -> bool:
        """Whether a released package is one this watcher reports (exact names)."""
        return self.task_names is None or contains_any(detail, self.task_names)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        state = await self._restore()
        saved = time.monotonic()
        failures = 0
        while True:
            started = time.monotonic()
            try:
                config = await shared_config(hook, self.poll_interval)
                key = ("release-watch", *snapshot_key(self.dataarts_conn_id, config, self.workspace))
                step = await shared_step(key, state, self._check(hook))
                workspace = self.workspace or config.workspace or ""
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the watch must not end: say what failed and check again
                failures += 1
                self._log_failure(exc, failures)
                # A new hook reads the connection again: fixing it resumes the watch.
                hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
            else:
                failures = 0
                payloads = self._take(step, state, workspace)
                state = step.state
                if payloads or step.previous is None or started - saved >= SAVE_EVERY_S:
                    await self._save(state)  # before the events: a restart never emits one twice
                    saved = started
                for payload in payloads:
                    items = ", ".join(str(n) for n in payload["item_names"])
                    self.log.info(
                        "Release package %s (%s) released at %s: %s",
                        payload["package_id"],
                        payload["package_name"],
                        payload["deploy_time"],
                        items,
                    )
                    yield TriggerEvent(payload)
            await asyncio.sleep(max(0.0, started + self.poll_interval - time.monotonic()))

    def _check(self, hook: DataArtsHook) -> Any:
        async def check(state: WatchState | None, now_ms: int) -> WatchStep:
            return await hook.awatch_releases(state, now_ms=now_ms, workspace=self.workspace)

        return check

    def _take(self, step: WatchStep, state: WatchState | None, workspace: str) -> list[dict[str, Any]]:
        for package_id, error in step.unreadable:
            self.log.error("Release package %s cannot be read, so it is not reported: %s", package_id, error)
        if state is None:
            self.log.info(
                "Watching release packages of workspace %s (%s) every %gs: %d released before the watch"
                " began, %d not finished yet",
                workspace,
                "any package" if self.task_names is None else f"packages with {self.task_names}",
                self.poll_interval,
                len(step.state.seen),
                len(step.state.unfinished),
            )
            return []
        return [event_payload(d, workspace) for d in step.released_after(state) if self.wanted(d)]

    def _log_failure(self, exc: Exception, failures: int) -> None:
        if isinstance(exc, DataArtsError) and not exc.permanent:
            self.log.warning(
                "Release watch check failed (%d in a row), checking again in %gs: %s",
                failures,
                self.poll_interval,
                exc,
            )
            return
        self.log.error(
            "Release watch check failed (%d in a row) and will until the cause is fixed; the watch goes"
            " on and checks again every %gs (the connection is read again each time): %s: %s",
            failures,
            self.poll_interval,
            type(exc).__name__,
            exc,
        )

    # ------------------------------------------------------------------ state (Airflow 3.3+)

    def _store(self) -> Any:
        """Airflow 3.3+'s state store of the watched asset (``None`` before 3.3, or once it failed)."""
        return None if getattr(self, "_store_failed", False) else getattr(self, "asset_state_store", None)

    async def _restore(self) -> WatchState | None:
        store = self._store()
        if store is None:
            return None
        try:
            raw = await store.aget(STATE_KEY)
            state = None if raw is None else WatchState.from_json(raw)
        except Exception as exc:  # e.g. several assets share this watcher: start afresh, and say so
            self._store_failed = True
            self.log.warning(
                "Release watch state not restored (%s: %s): this watcher keeps its state in memory only",
                type(exc).__name__,
                exc,
            )
            return None
        if state is not None:
            self.log.info("Release watch state restored: checked last at %d (epoch ms)", state.checked_ms)
        return state

    async def _save(self, state: WatchState) -> None:
        store = self._store()
        if store is None:
            return
        try:
            await store.aset(STATE_KEY, state.to_json())
        except Exception as exc:
            self.log.warning(
                "Release watch state not saved (%s: %s): a restart now starts afresh", type(exc).__name__, exc
            )
