# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Operator backfilling a DataArts Factory job over a date range with one PatchData (supplement data) run:
create it at most once (its name is derived from the task), wait for it (in the worker or deferred), stop
it when the task is killed or times out, re-attach to it after a retry or a crashed worker. Also
importable from :mod:`airflow_dataarts_provider.operators.job`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.patch_data.conditions import PatchDataCondition
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsError
from airflow_dataarts_provider.links.dataarts import DataArtsPatchDataLink, push_patch_data_link
from airflow_dataarts_provider.operators.node_logs import log_failed_nodes
from airflow_dataarts_provider.operators.remote_run import DataArtsRemoteRunOperator
from airflow_dataarts_provider.version_compat import AirflowFailException
from airflow_dataarts_provider.waiting import Wait

if TYPE_CHECKING:  # the hook (and the protocol core) load on first use, not at DAG parse time
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger


class DataArtsPatchDataOperator(DataArtsRemoteRunOperator):
    """Backfill a DataArts Factory job over a date range with one PatchData (supplement data) run, and by
    default wait until it ends.

    The range is ``[start, end]``, both included (templated; datetimes, ISO text or epoch; default: the
    DAG run's data interval, ``end`` one second before the interval's end, which Airflow excludes). The
    service runs one instance of the job per period of its schedule in the range (only periodically
    scheduled jobs can be backfilled), ``parallel`` (1-5) at a time.

    **One run per task.** The run's name is derived from the DAG, the DAG run, the task and its map index
    (and how often the task was cleared): a retry or a crashed worker finds the run by its name and
    re-attaches to it (or returns it when it already succeeded), never creating a second one. A try
    after a run that failed or was stopped creates the next run of the series (``<name>_2``...).

    Returns (XCom) the run: ``name``, ``status``, ``start_date``/``end_date`` (epoch ms) and
    ``instances`` (``instance_id``, ``status``, ``plan_time``...); XCom ``patch_data_name`` and
    ``job_instance_url`` (the run's console page, also in the task log) are pushed before any waiting.
    A stopped run or a failed instance fails the task naming the failed instances and nodes, with the
    end of each failed node's log.

    :param job_name: the job (templated).
    :param start: first plan time included (templated; default the data interval's start).
    :param end: last plan time included (templated; default one second before the data interval's end).
    :param parallel: instances run at once, 1 to 5 (default 1).
    :param depend_jobs: jobs backfilled with it: names, or ``{"job_name", "workspace_id"}`` (templated).
    :param stop_when_fail: the service starts no more instances after one fails, and the task fails as
        soon as none is active (default True); False waits for the run to end.
    :param poll_interval: seconds between checks (default 60).
    :param log_tail_bytes: bytes of each failed node's log written to the task log (default 64 KiB; 0:
        off).

    Waiting, ``deferrable``, ``timeout`` and ``stop_on_timeout`` (the run is stopped at the deadline and
    when the task is killed) are those of :class:`DataArtsRunJobOperator`.
    """

    template_fields: Sequence[str] = (
        "dataarts_conn_id",
        "workspace",
        "job_name",
        "start",
        "end",
        "depend_jobs",
    )
    operator_extra_links = (DataArtsPatchDataLink(),)
    ui_color = "#e0ecff"
    lineage_kind = "patch_data"
    run_key = "patch_data_name"

    def __init__(
        self,
        *,
        job_name: str,
        start: Any = None,
        end: Any = None,
        parallel: int = 1,
        depend_jobs: Any = None,
        stop_when_fail: bool = True,
        poll_interval: float = 60.0,
        log_tail_bytes: int = jobs.DEFAULT_TAIL_BYTES,
        **kwargs: Any,
    ) -> None:
        super().__init__(poll_interval=poll_interval, **kwargs)
        self.job_name = job_name
        self.start = start
        self.end = end
        self.parallel = parallel
        self.depend_jobs = depend_jobs
        self.stop_when_fail = stop_when_fail
        self.log_tail_bytes = log_tail_bytes

    def execute(self, context: Any) -> Any:
        from airflow_dataarts_provider.core.patch_data import values as patch

        try:
            low, high = patch.date_range(*_patch_range(self.start, self.end, context))
            base = patch.task_run_name(*_task_key(context, self.retries))
            # every value checked before any request
            patch.create_body(base, self.job_name, low, high, parallel=self.parallel, depend=self.depend_jobs)
        except DataArtsConfigError as exc:
            raise AirflowFailException(str(exc)) from exc
        hook = self._hook()
        name, done = self._attach_or_create(hook, base, low, high)
        self._instance_id = name
        context["ti"].xcom_push(key="patch_data_name", value=name)
        url = push_patch_data_link(context, hook, name)
        context["ti"].xcom_push(key="job_instance_url", value=url)
        self.log.info("PatchData run %r: %s", name, url)
        self.remember_run(hook, name, url)
        if done is not None:
            self._outcome = done
            return done
        if not self.wait_for_completion:
            return {"name": name, "job_name": self.job_name, "status": "started"}
        return self.wait_for_run(hook, self._condition(name), name)

    def _attach_or_create(
        self, hook: DataArtsHook, base: str, low: datetime, high: datetime
    ) -> tuple[str, Any]:
        """``(run name, its value when it already succeeded)``: the newest run of this task's series while
        it runs or after it succeeded, else a new one (the next of the series after a failed run)."""
        from airflow_dataarts_provider.core.patch_data import values as patch

        generation, row = hook.latest_patch_data_run(base, workspace=self.workspace)
        if row is not None:
            verdict = hook.check_condition(self._condition(row["name"]), self.workspace)
            if verdict.state == "done":
                self.log.info("PatchData run %r already succeeded: not running it again", row["name"])
                return row["name"], verdict.value
            if verdict.state == "waiting":
                self.log.info("Re-attaching to PatchData run %r (%s)", row["name"], verdict.message)
                return row["name"], None
            self.log.info("The earlier PatchData run failed (%s): creating the next one", verdict.message)
        name = patch.generation_name(base, generation + 1)
        hook.create_patch_data_run(
            self.job_name,
            low,
            high,
            name=name,
            parallel=self.parallel,
            depend_jobs=self.depend_jobs,
            stop_when_fail=self.stop_when_fail,
            workspace=self.workspace,
        )
        self.log.info("Created PatchData run %r of job %r over [%s, %s]", name, self.job_name, low, high)
        return name, None

    def _condition(self, name: str) -> PatchDataCondition:
        return PatchDataCondition(self.job_name, name, self.stop_when_fail)

    def target(self) -> str:
        return self.job_name

    def subject(self) -> str:
        return f"PatchData of job {self.job_name!r}"

    def report_failure(self, hook: DataArtsHook, instance_id: str) -> None:
        """The end of the failed nodes' logs of the run's failed instances."""
        if self.log_tail_bytes <= 0:
            return
        try:
            row = hook.get_patch_data_run(instance_id, workspace=self.workspace)
            rows = (
                []
                if row is None
                else hook.list_patch_data_instances(self.job_name, row, workspace=self.workspace)
            )
        except DataArtsError as exc:
            self.log.warning("Could not list the instances of PatchData run %r: %s", instance_id, exc)
            return
        failed = [str(r["instance_id"]) for r in rows if jobs.phase(r.get("status")) == "failed"]
        log_failed_nodes(self, hook, self.job_name, failed, self.log_tail_bytes)

    def make_trigger(self, instance_id: str, wait: Wait) -> DataArtsRunTrigger:
        from airflow_dataarts_provider.triggers.patch_data import DataArtsPatchDataTrigger

        return DataArtsPatchDataTrigger(
            job_name=self.job_name,
            name=instance_id,
            stop_when_fail=self.stop_when_fail,
            stop_on_timeout=self.stop_on_timeout,
            **wait.trigger_kwargs(),
        )

    def stop_run(self, hook: DataArtsHook, instance_id: str) -> None:
        hook.stop_patch_data_run(instance_id, workspace=self.workspace)

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        return self.complete_run(event, context)


def _patch_range(start: Any, end: Any, context: Any) -> tuple[Any, Any]:
    """``(start, end)``: the given values, else the data interval (its end excluded: one second before)."""
    low = context.get("data_interval_start") if start is None else start
    high = context.get("data_interval_end") if end is None else end
    if low is None or high is None or (start is None and end is None and low == high):
        raise DataArtsConfigError(
            "start" if start is None else "end",
            "not given, and the DAG run's data interval is empty (a manual run, or a schedule whose"
            " timetable makes no intervals such as CronTriggerTimetable)",
            "a datetime, ISO text or epoch; or a CronDataIntervalTimetable schedule",
        )
    if end is None and isinstance(high, datetime):
        high -= timedelta(seconds=1)
    return low, high


def _task_key(context: Any, retries: int | None) -> tuple[str, str, str, int, int]:
    """What names a task's PatchData run: DAG, DAG run, task, map index, and which series of tries
    (Airflow raises ``max_tries`` by the task's retries each time the task is cleared)."""
    ti = context["ti"]
    series = max(0, int(getattr(ti, "max_tries", retries) or 0) - int(retries or 0))
    map_index = getattr(ti, "map_index", -1)
    return (
        str(ti.dag_id),
        str(context["run_id"]),
        str(ti.task_id),
        int(-1 if map_index is None else map_index),
        series,
    )
