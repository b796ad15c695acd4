"""Operator running a DataArts Factory job: start one instance, wait for it (in the worker or deferred),
stop it when the task is killed or times out, and re-attach to it after a retry or a crashed worker."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsError
from airflow_dataarts_provider.core.protocol.request import name_segment
from airflow_dataarts_provider.core.protocol.waiting import Step, validate_event
from airflow_dataarts_provider.links.dataarts import DataArtsJobInstanceLink, push_job_instance_link
from airflow_dataarts_provider.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowTaskTimeout,
    BaseOperator,
    conf,
)
from airflow_dataarts_provider.waiting import Wait, event_result, raise_for, wait_in_worker

if TYPE_CHECKING:  # the hook (and the protocol core) load on first use, not at DAG parse time
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

#: Where Airflow 3.3's task state store keeps the started instance across tries and crashed workers.
STATE_KEY = "dataarts_job_instance_id"
NO_DEADLINE = 10 * 365 * 24 * 3600.0


class DataArtsRunJobOperator(BaseOperator):  # type: ignore[misc]
    """Run a DataArts Factory job (``run-immediate``) and, by default, wait until the instance finishes.

    Returns (XCom) the instance: ``instance_id``, ``status``, times and ``nodes`` (``name``, ``status``,
    ``log_path``); the instance id is also pushed as XCom ``instance_id`` before any waiting, with a
    console link. A failed instance fails the task naming its failed nodes and their log paths (the
    task's retries apply: a retry starts a new instance).

    At most one instance per task, whatever the retries and crashes: the started id is kept in Airflow
    3.3's task state store; on other lines a retry re-attaches to the newest instance of the job that is
    still waiting or running and was planned since the DAG run started (documented: an instance another
    user or schedule started meanwhile would be taken for ours).

    :param job_name: the job (templated; Chinese names work).
    :param job_params: ``{"name": "value"}`` or ``[{"name", "value", "paramType"}]`` (templated).
    :param wait_for_completion: wait for the outcome (default True).
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``).
    :param poll_interval: seconds between checks (default 30).
    :param timeout: seconds to wait, from the start (default: ``execution_timeout``, else none); an
        absolute deadline, kept in the triggerer too.
    :param stop_on_timeout: stop the instance when the deadline passes (default True).
    :param max_consecutive_failures: transient check failures tolerated in a row (default 3).
    """

    template_fields: Sequence[str] = ("dataarts_conn_id", "workspace", "job_name", "job_params")
    operator_extra_links = (DataArtsJobInstanceLink(),)
    ui_color = "#e0ecff"

    def __init__(
        self,
        *,
        job_name: str,
        job_params: Any = None,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 30.0,
        timeout: float | None = None,
        stop_on_timeout: bool = True,
        max_consecutive_failures: int = 3,
        workspace: str | None = None,
        dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.job_params = job_params
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = float(poll_interval)
        self.timeout = timeout
        self.stop_on_timeout = stop_on_timeout
        self.max_consecutive_failures = max_consecutive_failures
        self.workspace = workspace
        self.dataarts_conn_id = dataarts_conn_id
        self._instance_id: str | None = None

    def _hook(self) -> DataArtsHook:
        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        return DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)

    def _wait_spec(self) -> Wait:
        limits = [t for t in (self.timeout, _seconds(self.execution_timeout)) if t is not None]
        deadline = time.time() + (min(limits) if limits else NO_DEADLINE)
        return Wait(
            self.dataarts_conn_id, self.workspace, self.poll_interval, deadline, self.max_consecutive_failures
        )

    def execute(self, context: Any) -> Any:
        try:
            name_segment("job_name", self.job_name)
            jobs.job_params(self.job_params)
        except DataArtsConfigError as exc:
            raise AirflowFailException(str(exc)) from exc
        hook = self._hook()
        instance_id, finished = self._attach_or_start(hook, context)
        self._instance_id = instance_id
        context["ti"].xcom_push(key="instance_id", value=instance_id)
        push_job_instance_link(context, hook, self.job_name, instance_id)
        if finished is not None:
            return finished
        if not self.wait_for_completion:
            return {"instance_id": instance_id, "job_name": self.job_name, "status": "started"}
        return self._wait(hook, JobInstanceCondition(self.job_name, instance_id), self._wait_spec())

    def _attach_or_start(self, hook: DataArtsHook, context: Any) -> tuple[str, dict[str, Any] | None]:
        """``(instance id, its detail when it already succeeded)``: the instance of an earlier try or
        crashed worker when one is alive, else a new one."""
        store = context.get("task_state_store")
        known = store.get(STATE_KEY) if store is not None else None
        if known:
            shaped = hook.get_job_instance(self.job_name, str(known), workspace=self.workspace)
            step = jobs.phase(shaped.get("status"))
            if step in ("active", "held"):
                self.log.info(
                    "Re-attaching to job %r instance %s (%s)", self.job_name, known, shaped["status"]
                )
                return str(known), None
            if step == "succeeded":
                self.log.info(
                    "Job %r instance %s already succeeded: not running it again", self.job_name, known
                )
                return str(known), shaped
        elif store is None and _try_number(context) > 1:
            since = _run_started(context)
            active = hook.active_job_instances(self.job_name, since, workspace=self.workspace)
            if active:
                found = str(active[0]["instance_id"])
                self.log.info(
                    "Re-attaching to job %r instance %s (%s, planned since the DAG run started at %s;"
                    " no task state store on this Airflow line)",
                    self.job_name,
                    found,
                    active[0]["status"],
                    since.isoformat(),
                )
                return found, None
        instance_id = hook.run_job(self.job_name, job_params=self.job_params, workspace=self.workspace)
        if store is not None:
            store.set(STATE_KEY, instance_id)
        self.log.info("Started job %r: instance %s", self.job_name, instance_id)
        return instance_id, None

    def _wait(self, hook: DataArtsHook, condition: JobInstanceCondition, wait: Wait) -> Any:
        def trigger() -> Any:
            from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

            return DataArtsJobInstanceTrigger(
                job_name=self.job_name,
                instance_id=condition.instance_id,
                stop_on_timeout=self.stop_on_timeout,
                **wait.trigger_kwargs(),
            )

        try:
            return wait_in_worker(
                self,
                hook,
                condition,
                wait,
                trigger=trigger if self.deferrable else None,
                on_deadline=lambda step: self._on_deadline(hook, f"deadline reached; {step.message}"),
                raise_step=_raise_for_job,
            )
        except AirflowTaskTimeout:  # execution_timeout in the worker
            self._stop(hook, "the task's execution_timeout passed")
            raise

    def _on_deadline(self, hook: DataArtsHook, message: str) -> None:
        stopped = self.stop_on_timeout and self._stop(hook, "the deadline passed")
        raise AirflowException(
            f"Timed out waiting for job {self.job_name!r}: {message}"
            + ("; instance stopped" if stopped else "")
        )

    def _stop(self, hook: DataArtsHook, why: str) -> bool:
        if self._instance_id is None:
            return False
        try:
            hook.stop_job_instance(self.job_name, self._instance_id, workspace=self.workspace)
        except DataArtsError as exc:
            self.log.warning(
                "Could not stop job %r instance %s (%s): %s", self.job_name, self._instance_id, why, exc
            )
            return False
        self.log.info("Stopped job %r instance %s: %s", self.job_name, self._instance_id, why)
        return True

    def on_kill(self) -> None:
        """The task was killed (or timed out) in the worker: stop the remote instance."""
        self._stop(self._hook(), "the task was killed")

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        try:
            payload = validate_event(event)
        except ValueError as exc:
            raise AirflowException(str(exc)) from exc
        if payload["status"] == "error" and (payload.get("error") or {}).get("reason") == "failed":
            raise AirflowException(payload.get("message"))  # the job failed: the task's retries apply
        if payload["status"] == "timeout":
            raise AirflowException(f"Timed out waiting for job {self.job_name!r}: {payload.get('message')}")
        return event_result(payload, self.log, soft_fail=False)


def _raise_for_job(step: Step, log: Any) -> None:
    """A failed instance is an ordinary failure (retries apply); check errors as for every sensor."""
    if step.action == "fail" and step.exception is None:
        raise AirflowException(step.message)
    raise_for(step, log)


def _seconds(delta: Any) -> float | None:
    return None if delta is None else float(delta.total_seconds())


def _try_number(context: Any) -> int:
    return int(getattr(context.get("ti"), "try_number", 1) or 1)


def _run_started(context: Any) -> datetime:
    start = getattr(context.get("dag_run"), "start_date", None)
    if isinstance(start, datetime):
        return start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)
