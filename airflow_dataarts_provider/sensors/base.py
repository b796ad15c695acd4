"""The one sensor machinery shared by every DataArts sensor: poke, reschedule and deferrable modes over a
:class:`~airflow_dataarts_provider.core.protocol.waiting.Condition`. Subclasses say what they wait for.

What a check's outcome means is decided by :class:`~airflow_dataarts_provider.core.protocol.waiting.Waiter`
(the
triggers use the same one); :func:`raise_for` and :func:`event_result` translate its steps and the
triggers' events into Airflow's exceptions, for the sensors and the deploy operator alike."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.waiting import (
    CheckResult,
    Condition,
    Step,
    Waiter,
    check_deadline,
    validate_event,
)
from airflow_dataarts_provider.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import (
        DataArtsHook,  # triggers (and airflow.triggers) are imported only when a sensor defers
    )
    from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


class DataArtsConditionSensor(BaseSensorOperator):  # type: ignore[misc]
    """Base of the DataArts sensors.

    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``). The sensor checks
        once before deferring; ``timeout`` stays an absolute deadline and ``soft_fail`` keeps its meaning.
    :param max_consecutive_failures: transient failures (after the hook's own retries) tolerated in a row
        before failing, in poke mode and in the trigger (in reschedule mode each reschedule starts a new
        count). Authentication, permission and invalid-request errors fail at once.
    """

    def __init__(
        self,
        *,
        dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID,
        workspace: str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_consecutive_failures: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace
        self.deferrable = deferrable
        self.max_consecutive_failures = max_consecutive_failures
        self._waiter = Waiter(max_consecutive_failures)

    # ------------------------------------------------------------------ what subclasses provide

    def condition(self) -> Condition:
        """What to wait for, from the rendered fields (raise ``DataArtsError`` for bad input)."""
        raise NotImplementedError

    def trigger(self, condition: Condition, **common: Any) -> DataArtsConditionTrigger:
        raise NotImplementedError

    def push_links(self, context: Any, hook: DataArtsHook) -> None:
        """Push console links before any waiting (default: none)."""

    # ------------------------------------------------------------------ machinery

    def _condition(self) -> Condition:
        try:
            return self.condition()
        except DataArtsError as exc:
            raise AirflowFailException(str(exc)) from exc

    @cached_property
    def hook(self) -> DataArtsHook:
        """One hook per task execution: every poke reuses its connection, config and HTTP pool."""
        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        return DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)

    def poke(self, context: Any) -> PokeReturnValue:
        condition = self._condition()
        deadline = _started(context) + self.timeout
        step = check_once(self.hook, condition, self.workspace, self._waiter, deadline)
        raise_for(step, self.log)
        return PokeReturnValue(
            is_done=step.action == "done", xcom_value=step.value if step.action == "done" else None
        )

    def execute(self, context: Any) -> Any:
        condition = self._condition()  # bad input fails before anything is sent
        self.push_links(context, self.hook)
        if not self.deferrable:
            return super().execute(context)
        first = self.poke(context)
        if first.is_done:
            return first.xcom_value
        deadline = _started(context) + self.timeout
        remaining = deadline - time.time()
        if remaining <= 0:
            timed_out("deadline reached before deferring", soft_fail=self.soft_fail)
        defer_waiting(self, self.trigger(condition, **trigger_kwargs(self, deadline)), deadline)
        return None  # pragma: no cover - defer() raises

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        return event_result(event, self.log, soft_fail=self.soft_fail)


def trigger_kwargs(task: Any, deadline: float) -> dict[str, Any]:
    """What every DataArts trigger takes from the task that defers to it (besides its condition)."""
    return {
        "dataarts_conn_id": task.dataarts_conn_id,
        "workspace": task.workspace,
        "poke_interval": task.poke_interval,
        "deadline": deadline,
        "max_consecutive_failures": task.max_consecutive_failures,
        "initial_delay": task.poke_interval,  # the task has just checked
    }


def defer_waiting(task: Any, trigger: DataArtsConditionTrigger, deadline: float) -> None:
    """Defer ``task`` to ``trigger`` (resuming in ``execute_complete``) until ``deadline``: the trigger
    reports its own timeout at the deadline; Airflow's timeout is the backstop."""
    remaining = deadline - time.time()
    task.defer(
        trigger=trigger,
        method_name="execute_complete",
        timeout=timedelta(seconds=remaining + max(60.0, task.poke_interval)),
    )


def check_once(
    hook: DataArtsHook,
    condition: Condition,
    workspace: str | None,
    waiter: Waiter,
    deadline: float | None = None,
) -> Step:
    """One check and what it means (the failure budget lives in ``waiter``); a check still running at
    ``deadline`` (epoch seconds) ends then (one that starts after it gets a short bound:
    :func:`~airflow_dataarts_provider.core.protocol.waiting.check_deadline`)."""
    outcome: CheckResult | DataArtsError
    try:
        bound = None if deadline is None else check_deadline(deadline, time.time())
        outcome = hook.check_condition(condition, workspace, deadline=bound)
    except DataArtsError as exc:
        outcome = exc
    return waiter.after(outcome)


def raise_for(step: Step, log: Any) -> None:
    """Log a step; raise for a failure: AirflowFailException when permanent (no task retries),
    AirflowException when the transient budget is exhausted (the task's retries apply)."""
    if step.action == "fail":
        if step.permanent:
            raise AirflowFailException(step.message) from step.exception
        raise AirflowException(step.message) from step.exception
    if step.error is not None:
        log.warning("%s", step.sentence)
    else:
        log.info("%s", step.sentence)


def event_result(event: Any, log: Any, *, soft_fail: bool) -> Any:
    """The XCom of a trigger's success event; raise for any other event."""
    try:
        event = validate_event(event)
    except ValueError as exc:
        raise AirflowException(str(exc)) from exc
    if event["status"] == "success":
        log.info("%s", event.get("message"))
        return event.get("result")
    if event["status"] == "timeout":
        log.warning("The wait timed out: %s", event.get("message"))  # Airflow logs a skip without it
        timed_out(str(event.get("message")), soft_fail=soft_fail)
    error = event.get("error") or {}
    message = f"{event.get('message')} ({error})"
    if error.get("permanent", True):
        raise AirflowFailException(message)
    raise AirflowException(message)  # transient budget exhausted: the task's retries apply


def timed_out(message: str, *, soft_fail: bool) -> None:
    if soft_fail:
        raise AirflowSkipException(f"Sensor timed out (soft_fail): {message}")
    raise AirflowSensorTimeout(f"Sensor timed out: {message}")


def _started(context: Any) -> float:
    """When this sensor first started (the timeout counts from there), as epoch seconds."""
    start = getattr(context.get("ti"), "start_date", None)
    if isinstance(start, datetime):
        return (start if start.tzinfo else start.replace(tzinfo=timezone.utc)).timestamp()
    return time.time()
