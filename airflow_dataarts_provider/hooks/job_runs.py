# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run methods of :class:`~.dataarts.DataArtsHook` (start at most once, read, list, stop, rerun)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.hooks.base import DataArtsHookBase

if TYPE_CHECKING:
    from airflow_dataarts_provider.core.job_runs.events import EventState, EventStep
    from airflow_dataarts_provider.core.job_runs.feed import FeedSnapshot
    from airflow_dataarts_provider.core.job_runs.flows import Rerun
    from airflow_dataarts_provider.core.job_runs.logs import LogTail


class JobRunsHookMixin(DataArtsHookBase):  # type: ignore[misc]
    """Job runs (the V1 DLF job API)."""

    def run_job(self, job_name: str, *, job_params: Any = None, workspace: str | None = None) -> str:
        """Start one instance of ``job_name`` (``run-immediate``) and return its id; ``job_params``:
        ``{"name": "value"}`` or ``[{"name", "value", "paramType"}]``. Never started twice by a retry of
        the request (see :func:`~airflow_dataarts_provider.core.job_runs.flows.run_job_flow`)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.run_job_flow(ctx, job_name, job_params), workspace)

    def get_job_instance(
        self, job_name: str, instance_id: str, *, workspace: str | None = None
    ) -> dict[str, Any]:
        """The instance: ``instance_id``, ``status``, times, ``nodes`` (``name``, ``status``, ``log_path``)"""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.instance_flow(ctx, job_name, instance_id), workspace)

    def list_job_instances(
        self,
        job_name: str,
        *,
        min_plan_time: Any = None,
        max_plan_time: Any = None,
        status: str | None = None,
        workspace: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every instance of the job in the plan-time range (any time form), paged completely."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(
            lambda ctx: job_flows.instances_flow(
                ctx, job_name, min_plan_time=min_plan_time, max_plan_time=max_plan_time, status=status
            ),
            workspace,
            listing="job instances",
        )

    def list_recent_job_instances(
        self, job_name: str, since: datetime, *, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """Every instance of the job planned since ``since`` (a clock-skew margin earlier), whatever its
        status, newest first."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.recent_instances_flow(ctx, job_name, since), workspace)

    def active_job_instances(
        self, job_name: str, since: datetime, *, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """The job's waiting or running instances planned since ``since``, newest first."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.active_instances_flow(ctx, job_name, since), workspace)

    def stop_job_instance(self, job_name: str, instance_id: str, *, workspace: str | None = None) -> None:
        """Stop a running instance."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        self._run(lambda ctx: job_flows.stop_flow(ctx, job_name, instance_id), workspace)

    def rerun_job_instance(
        self,
        job_name: str,
        instance_id: str,
        *,
        retry_location: str | None = None,
        node_name: str | None = None,
        job_param_version: str | None = None,
        workspace: str | None = None,
    ) -> Rerun:
        """Run a finished instance again (``restart``), at most once, and say which instance runs it.

        ``retry_location``: ``error_node`` (only the failed node and the ones after it run again),
        ``first_node`` or ``specified_node`` (from ``node_name``); None sends no body, as the official
        SDK does (the service's default node). ``job_param_version``: ``original_version`` or
        ``latest_version``. Whether the service reruns the same instance or makes a new one for the
        same plan time is undocumented: the returned :class:`~.flows.Rerun` names the one to follow, and
        a body the service refused (sent again without it) or ignored is said in its ``note``."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows
        from airflow_dataarts_provider.core.job_runs import values as jobs

        body = jobs.rerun_body(retry_location, node_name, job_param_version)
        return self._run(lambda ctx: job_flows.rerun_flow(ctx, job_name, instance_id, body), workspace)

    def read_obs_log_tail(self, log_path: str, max_bytes: int = 64 * 1024) -> LogTail:
        """The last ``max_bytes`` of a node's log (``obs://bucket/key``, a node's ``log_path``), read from
        OBS (the connection's ``obs_endpoint``) with the connection's AK/SK, temporary or agency
        credentials (not an IAM token: OBS needs a key to sign)."""
        from airflow_dataarts_provider.core.job_runs.logs import log_tail_flow

        return self._run(lambda ctx: log_tail_flow(ctx, log_path, max_bytes))

    async def aget_job_instance(
        self, job_name: str, instance_id: str, *, workspace: str | None = None
    ) -> dict[str, Any]:
        """Async twin of :meth:`get_job_instance`."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return await self._arun(lambda ctx: job_flows.instance_flow(ctx, job_name, instance_id), workspace)

    async def astop_job_instance(
        self, job_name: str, instance_id: str, *, workspace: str | None = None
    ) -> None:
        """Async twin of :meth:`stop_job_instance` (a trigger's cleanup)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        await self._arun(lambda ctx: job_flows.stop_flow(ctx, job_name, instance_id), workspace)

    def read_job_feed(self, since_ms: int, now_ms: int, *, workspace: str | None = None) -> FeedSnapshot:
        """Every instance of every job of the workspace planned (or started) from ``since_ms`` (epoch
        ms; at most the service's 7 days back): the job feed (:mod:`~.core.job_runs.feed`)."""
        from airflow_dataarts_provider.core.job_runs.feed import feed_flow

        return self._run(lambda ctx: feed_flow(ctx, since_ms, now_ms), workspace, listing="job instances")

    async def aread_job_feed(
        self, since_ms: int, now_ms: int, *, workspace: str | None = None
    ) -> FeedSnapshot:
        """Async twin of :meth:`read_job_feed` (the triggerer's shared feed)."""
        from airflow_dataarts_provider.core.job_runs.feed import feed_flow

        return await self._arun(
            lambda ctx: feed_flow(ctx, since_ms, now_ms), workspace, listing="job instances"
        )

    async def ajob_event_step(
        self,
        previous: EventState | None,
        since_ms: int,
        snapshot: FeedSnapshot,
        *,
        job_names: tuple[str, ...] | None = None,
        workspace: str | None = None,
    ) -> EventStep:
        """Which runs finished since ``previous``, from a feed snapshot (and the detail of followed
        instances the snapshot does not show): :mod:`~.core.job_runs.events`."""
        from airflow_dataarts_provider.core.job_runs.events import event_step_flow

        return await self._arun(
            lambda ctx: event_step_flow(ctx, previous, since_ms, snapshot, job_names=job_names),
            workspace,
        )
