# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The one loop of every DataArts asset watcher (event trigger, Airflow 3): restore the watcher's state,
check every ``poll_interval``, save the state **before** emitting (a restart never emits an event twice),
emit one event per new thing, and never end: a failed check is logged (transient as a warning, permanent
as an error at every interval) and the connection is read again at the next one, so fixing it resumes the
watch. Subclasses say what one check is (:meth:`DataArtsWatchTrigger.step`) and how their state reads.

On Airflow 3.3+ the state lives in the watched asset's state store; on 3.0-3.2 (no store) a restarted
watcher starts afresh. Importing this module on Airflow 2 raises ``ImportError``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar, Protocol

from airflow.triggers.base import TriggerEvent

from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.values import parse_number
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.version_compat import base_event_trigger

#: With nothing to emit, the state is written at most this often (it bounds the catch-up after a restart).
SAVE_EVERY_S = 600.0


class SavedState(Protocol):
    """What a watcher keeps between checks (and in the asset's state store)."""

    @property
    def checked_ms(self) -> int: ...

    def to_json(self) -> dict[str, Any]: ...


class DataArtsWatchTrigger(base_event_trigger()):  # type: ignore[misc]
    """The watch loop; see the module docstring. Subclasses set :attr:`STATE_KEY` and :attr:`WHAT`."""

    #: The asset-state key (Airflow 3.3+) under which the watcher keeps what it has accounted for.
    STATE_KEY: ClassVar[str]
    #: How logs name the watch ("Release watch").
    WHAT: ClassVar[str]

    def __init__(self, *, dataarts_conn_id: str, workspace: str | None, poll_interval: float) -> None:
        super().__init__()
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace
        self.poll_interval = parse_number("poll_interval", poll_interval, minimum=0, maximum=86400)

    def watch_kwargs(self) -> dict[str, Any]:
        """The subclass's own JSON kwargs (what it watches for)."""
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "dataarts_conn_id": self.dataarts_conn_id,
                "workspace": self.workspace,
                **self.watch_kwargs(),
                "poll_interval": self.poll_interval,
            },
        )

    async def step(self, hook: DataArtsHook, state: Any) -> tuple[SavedState, list[dict[str, Any]]]:
        """One check from ``state`` (``None``: the first, which only takes stock): the new state and the
        payloads of the events to emit, oldest first."""
        raise NotImplementedError

    def read_state(self, raw: object) -> SavedState:
        """The state :meth:`SavedState.to_json` wrote (``ValueError`` otherwise)."""
        raise NotImplementedError

    def describe(self, payload: dict[str, Any]) -> str:
        """One log line for an event."""
        raise NotImplementedError

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        state: Any = await self._restore()
        saved = time.monotonic()
        failures = 0
        while True:
            started = time.monotonic()
            try:
                new_state, payloads = await self.step(hook, state)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the watch must not end: say what failed and check again
                failures += 1
                self._log_failure(exc, failures)
                # A new hook reads the connection again: fixing it resumes the watch.
                hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
            else:
                failures = 0
                if payloads or state is None or started - saved >= SAVE_EVERY_S:
                    await self._save(new_state)  # before the events: a restart never emits one twice
                    saved = started
                state = new_state
                for payload in payloads:
                    self.log.info("%s", self.describe(payload))
                    yield TriggerEvent(payload)
            await asyncio.sleep(max(0.0, started + self.poll_interval - time.monotonic()))

    def _log_failure(self, exc: Exception, failures: int) -> None:
        if isinstance(exc, DataArtsError) and not exc.permanent:
            self.log.warning(
                "%s check failed (%d in a row), checking again in %gs: %s",
                self.WHAT,
                failures,
                self.poll_interval,
                exc,
            )
            return
        self.log.error(
            "%s check failed (%d in a row) and will until the cause is fixed; the watch goes on and checks"
            " again every %gs (the connection is read again each time): %s: %s",
            self.WHAT,
            failures,
            self.poll_interval,
            type(exc).__name__,
            exc,
        )

    # ------------------------------------------------------------------ state (Airflow 3.3+)

    def _store(self) -> Any:
        """Airflow 3.3+'s state store of the watched asset (``None`` before 3.3, or once it failed)."""
        return None if getattr(self, "_store_failed", False) else getattr(self, "asset_state_store", None)

    async def _restore(self) -> SavedState | None:
        store = self._store()
        if store is None:
            return None
        try:
            raw = await store.aget(self.STATE_KEY)
            state = None if raw is None else self.read_state(raw)
        except Exception as exc:  # e.g. several assets share this watcher: start afresh, and say so
            self._store_failed = True
            self.log.warning(
                "%s state not restored (%s: %s): this watcher keeps its state in memory only",
                self.WHAT,
                type(exc).__name__,
                exc,
            )
            return None
        if state is not None:
            self.log.info("%s state restored: checked last at %d (epoch ms)", self.WHAT, state.checked_ms)
        return state

    async def _save(self, state: SavedState) -> None:
        store = self._store()
        if store is None:
            return
        try:
            await store.aset(self.STATE_KEY, state.to_json())
        except Exception as exc:
            self.log.warning(
                "%s state not saved (%s: %s): a restart now starts afresh", self.WHAT, type(exc).__name__, exc
            )
