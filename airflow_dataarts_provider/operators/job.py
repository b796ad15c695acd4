# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Operators running a DataArts Factory job: :class:`DataArtsRunJobOperator` starts one instance (or reruns
a failed one from its error node), :class:`DataArtsPatchDataOperator` backfills a date range with one
PatchData run. Both wait (in the worker or deferred), stop the run when the task is killed or times out,
and re-attach to it after a retry or a crashed worker."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.request import name_segment
from airflow_dataarts_provider.core.protocol.times import epoch_ms
from airflow_dataarts_provider.links.dataarts import DataArtsJobInstanceLink, push_job_instance_link
from airflow_dataarts_provider.operators.node_logs import log_failed_nodes
from airflow_dataarts_provider.operators.patch_data import DataArtsPatchDataOperator
from airflow_dataarts_provider.operators.remote_run import DataArtsRemoteRunOperator
from airflow_dataarts_provider.version_compat import AirflowFailException
from airflow_dataarts_provider.waiting import Wait

if TYPE_CHECKING:  # the hook (and the protocol core) load on first use, not at DAG parse time
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger

__all__ = ["STATE_KEY", "DataArtsPatchDataOperator", "DataArtsRunJobOperator"]

#: Where Airflow 3.3's task state store keeps the started instance across tries and crashed workers.
STATE_KEY = "dataarts_job_instance_id"


class DataArtsRunJobOperator(DataArtsRemoteRunOperator):
    """Run a DataArts Factory job (``run-immediate``) and, by default, wait until the instance finishes.

    Returns (XCom) the instance: ``instance_id``, ``status``, times and ``nodes`` (``name``, ``status``,
    ``log_path``); the instance id is also pushed as XCom ``instance_id`` before any waiting, with a
    console link, and its console URL as XCom ``job_instance_url`` (also in the task log). A failed
    instance fails the task naming its failed nodes and their log paths (the task's retries apply: a
    retry starts a new instance, or reruns the failed one with ``retry_from_failure``).

    At most one instance per task, whatever the retries and crashes: the started id is kept in Airflow
    3.3's task state store; on other lines a retry re-attaches to the newest instance of the job that is
    still waiting or running and was planned since the DAG run started (documented: an instance another
    user or schedule started meanwhile would be taken for ours; ``reattach=False`` never adopts one).

    :param job_name: the job (templated; Chinese names work).
    :param job_params: ``{"name": "value"}`` or ``[{"name", "value", "paramType"}]`` (templated).
    :param bool wait_for_completion: wait for the outcome (default True).
    :param bool deferrable: wait in the triggerer (default ``[operators] default_deferrable``).
    :param float poll_interval: seconds between checks (default 30).
    :param float timeout: seconds to wait, from the start (default: ``execution_timeout``, else none); an
        absolute deadline, kept in the triggerer too.
    :param bool stop_on_timeout: stop the instance when the deadline passes (default True).
    :param int max_consecutive_failures: transient check failures tolerated in a row (default 3).
    :param retry_from_failure: a try after a try whose instance failed reruns that instance from its
        error node instead of starting a new one (default False). The instance is the one in the task
        state store (3.3), else the newest failed instance planned since the DAG run started.
    :param reattach: on lines without a task state store, adopt the instance of an earlier try (default
        True); False never adopts one (a retry after a lost worker then starts a new instance).
    :param log_tail_bytes: when the instance fails, the last this many bytes of each failed node's log
        are read from OBS and written to the task log (default 64 KiB; 0: off). An unreadable log is a
        warning, never a failure of its own.
    """

    template_fields: Sequence[str] = ("dataarts_conn_id", "workspace", "job_name", "job_params")
    operator_extra_links = (DataArtsJobInstanceLink(),)
    ui_color = "#e0ecff"
    lineage_kind = "job_instance"

    def __init__(
        self,
        *,
        job_name: str,
        job_params: Any = None,
        retry_from_failure: bool = False,
        reattach: bool = True,
        log_tail_bytes: int = jobs.DEFAULT_TAIL_BYTES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.log_tail_bytes = log_tail_bytes
        self.job_name = job_name
        self.job_params = job_params
        self.retry_from_failure = retry_from_failure
        self.reattach = reattach

    def execute(self, context: Any) -> Any:
        try:
            name_segment("job_name", self.job_name)
            jobs.job_params(self.job_params)
        except DataArtsConfigError as exc:
            raise AirflowFailException(str(exc)) from exc
        hook = self._hook()
        self._plan_since: int | None = None  # a lower bound of the instance's plan time (epoch ms)
        instance_id, finished = self._attach_or_start(hook, context)
        self._instance_id = instance_id
        context["ti"].xcom_push(key="instance_id", value=instance_id)
        url = push_job_instance_link(context, hook, self.job_name, instance_id)
        context["ti"].xcom_push(key="job_instance_url", value=url)
        self.log.info("Job %r instance %s: %s", self.job_name, instance_id, url)
        self.remember_run(hook, instance_id, url)
        if finished is not None:
            self._outcome = finished
            return finished
        if not self.wait_for_completion:
            return {"instance_id": instance_id, "job_name": self.job_name, "status": "started"}
        return self.wait_for_run(hook, JobInstanceCondition(self.job_name, instance_id), instance_id)

    def _attach_or_start(self, hook: DataArtsHook, context: Any) -> tuple[str, dict[str, Any] | None]:
        """``(instance id, its detail when it already succeeded)``: the instance of an earlier try or
        crashed worker when one is alive (or rerun when it failed, with ``retry_from_failure``), else a
        new one."""
        store = context.get("task_state_store")
        earlier = self._earlier_instance(hook, context, store)
        if earlier is not None:
            known, shaped, how = earlier
            step = jobs.phase(shaped.get("status"))
            self._plan_since = epoch_ms(shaped.get("plan_time"))
            if step in ("active", "held"):
                self.log.info(
                    "Re-attaching to job %r instance %s (%s%s)", self.job_name, known, shaped["status"], how
                )
                return known, None
            if step == "succeeded":
                self.log.info(
                    "Job %r instance %s already succeeded: not running it again", self.job_name, known
                )
                return known, shaped
            if step == "failed" and self.retry_from_failure:
                return self._rerun(hook, known, store), None
        self._plan_since = int(time.time() * 1000)  # a new instance is planned when it starts
        instance_id = hook.run_job(self.job_name, job_params=self.job_params, workspace=self.workspace)
        if store is not None:
            store.set(STATE_KEY, instance_id)
        self.log.info("Started job %r: instance %s", self.job_name, instance_id)
        return instance_id, None

    def _earlier_instance(
        self, hook: DataArtsHook, context: Any, store: Any
    ) -> tuple[str, dict[str, Any], str] | None:
        """``(id, detail, how it was found)`` of the instance an earlier try of this task started."""
        if store is not None:
            known = store.get(STATE_KEY)
            if not known:
                return None
            return str(known), hook.get_job_instance(self.job_name, str(known), workspace=self.workspace), ""
        if not self.reattach or _try_number(context) <= 1:
            return None
        since = _run_started(context)
        recent = hook.list_recent_job_instances(self.job_name, since, workspace=self.workspace)
        how = f", planned since the DAG run started at {since.isoformat()}; no task state store on this line"
        for row in recent:  # newest first: an active one, else (to rerun it) a failed one
            step = jobs.phase(row.get("status"))
            if step in ("active", "held") or (step == "failed" and self.retry_from_failure):
                iid = str(row["instance_id"])
                return iid, hook.get_job_instance(self.job_name, iid, workspace=self.workspace), how
        return None

    def _rerun(self, hook: DataArtsHook, instance_id: str, store: Any) -> str:
        rerun = hook.rerun_job_instance(
            self.job_name, instance_id, retry_location="error_node", workspace=self.workspace
        )
        if rerun.note:
            self.log.warning("Rerunning job %r instance %s: %s", self.job_name, instance_id, rerun.note)
        where = (
            "the same instance" if rerun.same_id else f"a new instance {rerun.instance_id} (same plan time)"
        )
        self.log.info(
            "Job %r instance %s failed in an earlier try: rerun from its error node as %s",
            self.job_name,
            instance_id,
            where,
        )
        if store is not None:
            store.set(STATE_KEY, rerun.instance_id)
        return rerun.instance_id

    def target(self) -> str:
        return self.job_name

    def subject(self) -> str:
        return f"job {self.job_name!r}"

    def report_failure(self, hook: DataArtsHook, instance_id: str) -> None:
        """The end of each failed node's log (at most :data:`MAX_LOGGED_NODES`), read from OBS."""
        log_failed_nodes(self, hook, self.job_name, [instance_id], self.log_tail_bytes)

    def make_trigger(self, instance_id: str, wait: Wait) -> DataArtsRunTrigger:
        from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

        return DataArtsJobInstanceTrigger(
            job_name=self.job_name,
            instance_id=instance_id,
            stop_on_timeout=self.stop_on_timeout,
            plan_since=self._plan_since,
            **wait.trigger_kwargs(),
        )

    def stop_run(self, hook: DataArtsHook, instance_id: str) -> None:
        hook.stop_job_instance(self.job_name, instance_id, workspace=self.workspace)

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        return self.complete_run(event, context)


def _try_number(context: Any) -> int:
    return int(getattr(context.get("ti"), "try_number", 1) or 1)


def _run_started(context: Any) -> datetime:
    start = getattr(context.get("dag_run"), "start_date", None)
    if isinstance(start, datetime):
        return start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)
