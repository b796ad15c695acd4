# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""What every operator that starts something remote (a job or script instance) and waits for it shares:
the wait (in the worker or deferred, to one absolute deadline), and stopping the run at the deadline, on
the task's ``execution_timeout`` and when the task is killed. Subclasses start the run, say what it is
called, build their trigger and send the stop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.waiting import Condition, Step
from airflow_dataarts_provider.version_compat import (
    AirflowException,
    AirflowTaskTimeout,
    BaseOperator,
    conf,
)
from airflow_dataarts_provider.waiting import (
    Wait,
    raise_for_run,
    run_event_result,
    stop_said,
    task_wait,
    wait_in_worker,
)

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger


class DataArtsRemoteRunOperator(BaseOperator):  # type: ignore[misc]
    """The shared part of the run operators (not used on its own); ``_instance_id`` is set once the run
    started. Parameters: see :class:`~airflow_dataarts_provider.operators.job.DataArtsRunJobOperator`.
    With OpenLineage installed, the run is reported as run facets (:mod:`airflow_dataarts_provider.lineage`):
    ``lineage_kind`` and ``run_key`` (the XCom key of the run's id) say what it is."""

    lineage_kind: ClassVar[str]
    run_key: ClassVar[str] = "instance_id"

    def __init__(
        self,
        *,
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
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = float(poll_interval)
        self.timeout = timeout
        self.stop_on_timeout = stop_on_timeout
        self.max_consecutive_failures = max_consecutive_failures
        self.workspace = workspace
        self.dataarts_conn_id = dataarts_conn_id
        self._instance_id: str | None = None
        #: What OpenLineage reports (:mod:`airflow_dataarts_provider.lineage`), kept in memory: its
        #: listener may run in a forked process, where asking Airflow for XComs or connections can hang.
        self._run_facts: dict[str, Any] | None = None
        self._outcome: Any = None

    def subject(self) -> str:
        """What is run: ``job 'x'``, ``script 'y'``."""
        raise NotImplementedError

    def target(self) -> str:
        """The job or script run (its name, as the service knows it)."""
        raise NotImplementedError

    def make_trigger(self, instance_id: str, wait: Wait) -> DataArtsRunTrigger:
        raise NotImplementedError

    def stop_run(self, hook: DataArtsHook, instance_id: str) -> None:
        raise NotImplementedError

    def _hook(self) -> DataArtsHook:
        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        return DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)

    def remember_run(self, hook: DataArtsHook, run_id: str, url: str | None = None) -> None:
        """Keep what OpenLineage reports of the run the task started or re-attached to."""
        config = hook.get_config()
        self._run_facts = {
            "run_id": str(run_id),
            "url": url,
            "workspace": config.workspace,
            "project_id": config.project_id,
            "region": config.region,
        }

    def wait_for_run(self, hook: DataArtsHook, condition: Condition, instance_id: str) -> Any:
        """Wait until the run ends (its value is returned); deferred when the task is deferrable."""
        wait = task_wait(self, self.timeout)
        try:
            self._outcome = wait_in_worker(
                self,
                hook,
                condition,
                wait,
                trigger=(lambda: self.make_trigger(instance_id, wait)) if self.deferrable else None,
                on_deadline=lambda step: self._on_deadline(hook, f"deadline reached; {step.message}"),
                raise_step=lambda step, log: self._raise_for(hook, step, log),
            )
            return self._outcome
        except AirflowTaskTimeout:  # execution_timeout in the worker
            self._stop(hook, "the task's execution_timeout passed")
            raise

    def report_failure(self, hook: DataArtsHook, instance_id: str) -> None:
        """Add to the task log what explains a failed run (nothing by default); never raises."""

    def _raise_for(self, hook: DataArtsHook, step: Step, log: Any) -> None:
        if step.action == "fail" and step.exception is None and self._instance_id is not None:
            self.report_failure(hook, self._instance_id)
        raise_for_run(step, log)

    def _on_deadline(self, hook: DataArtsHook, message: str) -> None:
        stopped = self.stop_on_timeout and self._stop(hook, "the deadline passed")
        raise AirflowException(
            f"Timed out waiting for {self.subject()}: {message}" + ("; instance stopped" if stopped else "")
        )

    def _stop(self, hook: DataArtsHook, why: str) -> bool:
        if self._instance_id is None:
            return False
        error = None
        try:
            self.stop_run(hook, self._instance_id)
        except DataArtsError as exc:
            error = exc
        return stop_said(self.log, f"{self.subject()} instance {self._instance_id}", why, error)

    def on_kill(self) -> None:
        """The task was killed (or timed out) in the worker: stop the remote instance."""
        self._stop(self._hook(), "the task was killed")

    def complete_run(self, event: Any, context: Any) -> Any:
        """The value of a deferred wait's event (a failed run or a timeout fails the task)."""
        ti = context["ti"]
        run_id = ti.xcom_pull(task_ids=self.task_id, key=self.run_key)
        if run_id:
            hook = self._hook()
            self.remember_run(hook, str(run_id), ti.xcom_pull(task_ids=self.task_id, key="job_instance_url"))
            if isinstance(event, dict) and (event.get("error") or {}).get("reason") == "failed":
                self.report_failure(hook, str(run_id))
        self._outcome = run_event_result(event, self.log, self.subject())
        return self._outcome

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage (optional): the run behind the task (:mod:`airflow_dataarts_provider.lineage`)."""
        from airflow_dataarts_provider.lineage import run_lineage

        return run_lineage(self, task_instance, failed=False)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """OpenLineage (optional): the run behind the failed task."""
        from airflow_dataarts_provider.lineage import run_lineage

        return run_lineage(self, task_instance, failed=True)
