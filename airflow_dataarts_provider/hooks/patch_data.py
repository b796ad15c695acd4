# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The PatchData methods of :class:`~.dataarts.DataArtsHook` (create at most once, find by name, list,
stop, the instances a run produced)."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.hooks.base import DataArtsHookBase


class PatchDataHookMixin(DataArtsHookBase):  # type: ignore[misc]
    """PatchData (supplement data) runs: backfill a scheduled job over a date range (V2 factory API)."""

    def create_patch_data_run(
        self,
        job_name: str,
        start: Any,
        end: Any,
        *,
        name: str,
        parallel: int = 1,
        depend_jobs: Any = None,
        stop_when_fail: bool = True,
        workspace: str | None = None,
    ) -> dict[str, Any]:
        """Backfill ``job_name`` over ``[start, end]`` (datetimes, ISO text or epoch; sent in UTC as
        ``yyyy-MM-ddTHH:mm:ss +00``): one instance per period of the job's schedule, ``parallel`` (1-5)
        at a time; ``depend_jobs``: job names or ``{"job_name", "workspace_id"}``. ``name`` (1-64 of
        ``A-Za-z0-9_-``) identifies the run: a run of that name is never created twice, whatever fails in
        between; an existing one is returned. Returns the run as listed (``name``, ``status``,
        ``start_date``/``end_date`` in epoch ms...)."""
        from airflow_dataarts_provider.core.patch_data import flows
        from airflow_dataarts_provider.core.patch_data import values as patch

        body = patch.create_body(
            name, job_name, start, end, parallel=parallel, depend=depend_jobs, stop_when_fail=stop_when_fail
        )
        return self._run(lambda ctx: flows.create_flow(ctx, body), workspace)

    def get_patch_data_run(self, name: str, *, workspace: str | None = None) -> dict[str, Any] | None:
        """The run called exactly ``name``, or None."""
        from airflow_dataarts_provider.core.patch_data import flows

        return self._run(lambda ctx: flows.find_flow(ctx, name), workspace)

    def list_patch_data_runs(
        self, name_contains: str | None = None, *, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """Every PatchData run of the workspace (or those matching the service's ``name`` filter), paged
        completely."""
        from airflow_dataarts_provider.core.patch_data import flows

        return self._run(lambda ctx: flows.runs_flow(ctx, name_contains), workspace, listing="PatchData runs")

    def latest_patch_data_run(
        self, base_name: str, *, workspace: str | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """``(generation, run)``: the newest of the runs ``base_name``, ``base_name_2``...; ``(0, None)``
        when there is none."""
        from airflow_dataarts_provider.core.patch_data import flows

        return self._run(lambda ctx: flows.latest_flow(ctx, base_name), workspace)

    def list_patch_data_instances(
        self, job_name: str, run: dict[str, Any], *, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """The job's PatchData instances (type 5) planned in ``run``'s range, oldest first."""
        from airflow_dataarts_provider.core.patch_data import flows

        return self._run(lambda ctx: flows.run_instances_flow(ctx, job_name, run), workspace)

    def stop_patch_data_run(self, name: str, *, workspace: str | None = None) -> None:
        """Stop a running run (instances not started yet never start)."""
        from airflow_dataarts_provider.core.patch_data import flows

        self._run(lambda ctx: flows.stop_flow(ctx, name), workspace)

    async def astop_patch_data_run(self, name: str, *, workspace: str | None = None) -> None:
        """Async twin of :meth:`stop_patch_data_run` (a trigger's cleanup)."""
        from airflow_dataarts_provider.core.patch_data import flows

        await self._arun(lambda ctx: flows.stop_flow(ctx, name), workspace)
