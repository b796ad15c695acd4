"""The job-run methods of :class:`~.dataarts.DataArtsHook` (start at most once, read, list, stop, rerun)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_dataarts_provider.hooks.base import DataArtsHookBase


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

    def rerun_job_instance(self, job_name: str, instance_id: str, *, workspace: str | None = None) -> None:
        """Run a finished instance again (``restart``)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        self._run(lambda ctx: job_flows.rerun_flow(ctx, job_name, instance_id), workspace)

    async def astop_job_instance(
        self, job_name: str, instance_id: str, *, workspace: str | None = None
    ) -> None:
        """Async twin of :meth:`stop_job_instance` (a trigger's cleanup)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        await self._arun(lambda ctx: job_flows.stop_flow(ctx, job_name, instance_id), workspace)
