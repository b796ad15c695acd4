# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Event-driven scheduling on DataArts (Airflow 3 asset watchers): schedule a DAG whenever a release
package is released successfully (:class:`DataArtsReleaseEventTrigger`), or whenever a DataArts job
instance ends in a given status (:class:`DataArtsJobEventTrigger`). Give an ``Asset`` an
``AssetWatcher`` with one of these triggers and schedule the DAG on the asset; the example DAGs
``release_events`` and ``job_events``, ``docs/release-events.md`` and ``docs/job-events.md`` show it.

Importing this module on Airflow 2 raises ``ImportError`` (it has no asset watchers). How a check infers
what happened, and what "never twice" rests on, is in
:mod:`airflow_dataarts_provider.core.release_packages.watch` and
:mod:`airflow_dataarts_provider.core.job_runs.events`; the loop they share in :mod:`.watch`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from airflow_dataarts_provider.core.job_runs import events as job_events
from airflow_dataarts_provider.core.pending_items.gate import task_strings
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.release_packages.watch import (
    WatchState,
    WatchStep,
    contains_any,
    event_payload,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.links.dataarts import job_instance_url
from airflow_dataarts_provider.triggers.job_feed import job_feed
from airflow_dataarts_provider.triggers.shared import shared_config, shared_step, snapshot_key
from airflow_dataarts_provider.triggers.watch import DataArtsWatchTrigger

__all__ = ["DataArtsJobEventTrigger", "DataArtsReleaseEventTrigger"]

#: The asset-state key (Airflow 3.3+) under which a release watcher keeps what it has accounted for.
STATE_KEY = "dataarts_release_watch"


def _names(field: str, value: object, every: str) -> list[str] | None:
    names = None if value is None else list(task_strings(field, value))  # type: ignore[arg-type]
    if names == []:
        raise DataArtsConfigError(field, "an empty list", f"None ({every}) or exact names")
    return names


class DataArtsReleaseEventTrigger(DataArtsWatchTrigger):
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

    STATE_KEY = STATE_KEY
    WHAT = "Release watch"

    def __init__(
        self,
        *,
        dataarts_conn_id: str = "dataarts_default",
        workspace: str | None = None,
        task_names: list[str] | None = None,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__(dataarts_conn_id=dataarts_conn_id, workspace=workspace, poll_interval=poll_interval)
        self.task_names = _names("task_names", task_names, "every package")

    def watch_kwargs(self) -> dict[str, Any]:
        return {"task_names": self.task_names}

    def wanted(self, detail: Mapping[str, Any]) -> bool:
        """Whether a released package is one this watcher reports (exact names)."""
        return self.task_names is None or contains_any(detail, self.task_names)

    def read_state(self, raw: object) -> WatchState:
        return WatchState.from_json(raw)

    async def step(self, hook: DataArtsHook, state: Any) -> tuple[WatchState, list[dict[str, Any]]]:
        config = await shared_config(hook, self.poll_interval)
        key = ("release-watch", *snapshot_key(self.dataarts_conn_id, config, self.workspace))
        step = await shared_step(key, state, self._check(hook))
        return step.state, self._take(step, state, self.workspace or config.workspace or "")

    def describe(self, payload: dict[str, Any]) -> str:
        items = ", ".join(str(n) for n in payload["item_names"])
        return (
            f"Release package {payload['package_id']} ({payload['package_name']}) released at"
            f" {payload['deploy_time']}: {items}"
        )

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


class DataArtsJobEventTrigger(DataArtsWatchTrigger):
    """Fires one event per run of a DataArts job instance that ends in one of ``statuses`` after the
    watcher started (the instances DataArts schedules itself, and any other: manual, PatchData); with
    ``job_names``, only for those exact job names.

    The payload (``triggering_asset_events[...][0].extra["payload"]`` in the scheduled DAG):
    ``job_name``, ``instance_id``, ``status``, ``workspace``, ``instance_type``, ``plan_time``,
    ``start_time``, ``end_time`` (ISO 8601, UTC) with their ``*_timestamp`` (epoch ms), and
    ``console_url``.

    ``lookback`` (seconds, default one day, at most 6): how old an instance's plan time may be for a run
    of it (a rerun, an instance planned in the past) to be seen when the service filters its listing on
    plan times (UNCERTAIN); the first check takes stock of as much history. Each check lists the
    workspace's instances of one look-back (more rows per listing, never more listings).

    Never twice for one run, never for a run that ended before the watch began. A **rerun** of an
    instance that ends again is a new run and fires again (whether the service reruns under the same id
    or a new one). Watchers and deferred job waits of one connection and workspace in a triggerer share
    one listing of the workspace's instances per interval (the job feed). Errors, restarts and Airflow
    lines as :class:`DataArtsReleaseEventTrigger` (the state lives in the asset's state store on 3.3+);
    the cursor and its limits are in :mod:`~airflow_dataarts_provider.core.job_runs.events` and
    ``docs/job-events.md``.
    """

    STATE_KEY = "dataarts_job_events"
    WHAT = "Job event watch"

    def __init__(
        self,
        *,
        dataarts_conn_id: str = "dataarts_default",
        workspace: str | None = None,
        job_names: list[str] | None = None,
        statuses: list[str] | tuple[str, ...] = ("success",),
        poll_interval: float = 60.0,
        lookback: float = job_events.DEFAULT_LOOKBACK_MS / 1000,
    ) -> None:
        super().__init__(dataarts_conn_id=dataarts_conn_id, workspace=workspace, poll_interval=poll_interval)
        self.job_names = _names("job_names", job_names, "every job")
        self.statuses = list(job_events.check_statuses(statuses))
        self.lookback_ms = job_events.check_lookback(lookback)

    def watch_kwargs(self) -> dict[str, Any]:
        return {"job_names": self.job_names, "statuses": self.statuses, "lookback": self.lookback_ms / 1000}

    def read_state(self, raw: object) -> job_events.EventState:
        return job_events.EventState.from_json(raw)

    async def step(
        self, hook: DataArtsHook, state: Any
    ) -> tuple[job_events.EventState, list[dict[str, Any]]]:
        config = await shared_config(hook, self.poll_interval)
        since = job_events.window_start(state, int(time.time() * 1000), self.lookback_ms)
        feed = job_feed(self.dataarts_conn_id, config, self.workspace)
        snapshot = await feed.snapshot(hook, ("events", id(self)), since, self.poll_interval, self.workspace)
        names = None if self.job_names is None else tuple(self.job_names)
        step = await hook.ajob_event_step(state, since, snapshot, job_names=names, workspace=self.workspace)
        for note in step.notes:
            self.log.warning("%s", note)
        workspace = self.workspace or config.workspace or ""
        if state is None:
            self.log.info(
                "Watching %s of workspace %s every %gs for %s: %d runs ended before the watch began, %d"
                " instances not ended yet",
                "every job" if names is None else f"jobs {list(names)}",
                workspace,
                self.poll_interval,
                ", ".join(self.statuses),
                len(step.state.seen),
                len(step.state.unfinished),
            )
        payloads = []
        for row in step.finished:
            if row.get("status") in self.statuses:
                iid, job = str(row["instance_id"]), str(row.get("job_name"))
                url = job_instance_url(config.region, config.project_id, workspace, job, iid)
                payloads.append(job_events.event_payload(row, workspace, url))
        return step.state, payloads

    def describe(self, payload: dict[str, Any]) -> str:
        return (
            f"Job {payload['job_name']!r} instance {payload['instance_id']} ended {payload['status']} at"
            f" {payload['end_time']}"
        )
