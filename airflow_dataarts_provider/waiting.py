# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The one waiting machinery of the Airflow side: every sensor, the job and deploy operators and their
triggers wait the same way.

A wait is a :class:`Wait`: which connection and workspace, how often (``interval``: a sensor's
``poke_interval``, an operator's ``poll_interval``), the absolute ``deadline`` (epoch seconds, computed once
from the task's first start) and the failure budget. :func:`wait_in_worker` checks until the condition
holds, fails, or the deadline passes (or defers to a trigger when the task is deferrable);
:func:`check_once` is one check (its requests end at the deadline); :func:`raise_for` and
:func:`event_result` turn steps and trigger events into Airflow's exceptions. What a check's outcome
means is decided by :class:`~airflow_dataarts_provider.core.protocol.waiting.Waiter`, in the core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

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
)

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


@dataclass(frozen=True)
class Wait:
    """How a task waits: see the module docstring."""

    dataarts_conn_id: str
    workspace: str | None
    interval: float
    deadline: float
    max_consecutive_failures: int

    def trigger_kwargs(self) -> dict[str, Any]:
        """What every DataArts trigger takes from the task that defers to it (besides its condition)."""
        return {
            "dataarts_conn_id": self.dataarts_conn_id,
            "workspace": self.workspace,
            "poke_interval": self.interval,
            "deadline": self.deadline,
            "max_consecutive_failures": self.max_consecutive_failures,
            "initial_delay": self.interval,  # the task has just checked
        }


def defer_waiting(task: Any, trigger: DataArtsConditionTrigger, wait: Wait) -> None:
    """Defer ``task`` to ``trigger`` (resuming in ``execute_complete``) until the deadline: the trigger
    reports its own timeout at the deadline; Airflow's timeout is the backstop."""
    remaining = wait.deadline - time.time()
    task.defer(
        trigger=trigger,
        method_name="execute_complete",
        timeout=timedelta(seconds=remaining + max(60.0, wait.interval)),
    )


def wait_in_worker(
    task: Any,
    hook: DataArtsHook,
    condition: Condition,
    wait: Wait,
    *,
    trigger: Callable[[], DataArtsConditionTrigger] | None,
    on_deadline: Callable[[Step], None],
    raise_step: Callable[[Step, Any], None] | None = None,
) -> Any:
    """Check every ``interval`` until ``condition`` holds (its value is returned), fails (raised by
    ``raise_step``, default :func:`raise_for`) or the deadline passes (``on_deadline``, which raises). With
    ``trigger``, the first check that does not end the wait defers to it instead of sleeping."""
    waiter = Waiter(wait.max_consecutive_failures)
    while True:
        step = check_once(hook, condition, wait.workspace, waiter, wait.deadline)
        (raise_step or raise_for)(step, task.log)
        if step.action == "done":
            return step.value
        remaining = wait.deadline - time.time()
        if remaining <= 0:
            on_deadline(step)
        if trigger is not None:
            defer_waiting(task, trigger(), wait)
        time.sleep(max(0.0, min(wait.interval, remaining)))


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


def event_result(event: Any, log: Any, *, soft_fail: bool, waiting_for: str | None = None) -> Any:
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
        timed_out(str(event.get("message")), soft_fail=soft_fail, waiting_for=waiting_for)
    error = event.get("error") or {}
    message = f"{event.get('message')} ({error})"
    if error.get("permanent", True):
        raise AirflowFailException(message)
    raise AirflowException(message)  # transient budget exhausted: the task's retries apply


def timed_out(message: str, *, soft_fail: bool, waiting_for: str | None = None) -> None:
    """The deadline passed: skip with ``soft_fail``; else a sensor's ``AirflowSensorTimeout`` (no retries,
    as Airflow's sensors), or, for an operator ``waiting_for`` something, an ``AirflowException`` naming
    it (the task's retries apply)."""
    what = "Sensor timed out" if waiting_for is None else f"Timed out waiting for {waiting_for}"
    if soft_fail:
        raise AirflowSkipException(f"{what} (soft_fail): {message}")
    if waiting_for is None:
        raise AirflowSensorTimeout(f"{what}: {message}")
    raise AirflowException(f"{what}: {message}")


def started_at(context: Any) -> float:
    """When this sensor first started (the timeout counts from there), as epoch seconds."""
    start = getattr(context.get("ti"), "start_date", None)
    if isinstance(start, datetime):
        return (start if start.tzinfo else start.replace(tzinfo=timezone.utc)).timestamp()
    return time.time()


def stop_said(log: Any, what: str, why: str, error: DataArtsError | None) -> bool:
    """Say in the task's or trigger's log how stopping the remote ``what`` went (``error`` is None when
    it stopped); True when it stopped. The one wording of every stop (a deadline, a kill, a timeout)."""
    if error is not None:
        log.warning("Could not stop %s (%s): %s", what, why, error)
        return False
    log.info("Stopped %s: %s", what, why)
    return True


#: A task without ``timeout`` or ``execution_timeout`` waits this long (ten years: no deadline).
NO_DEADLINE = 10 * 365 * 24 * 3600.0


def task_wait(task: Any, timeout: float | None) -> Wait:
    """The :class:`Wait` of an operator that runs something remote: its deadline is ``timeout`` or the
    task's ``execution_timeout`` from now, whichever is sooner (none: :data:`NO_DEADLINE`)."""
    limit = getattr(task, "execution_timeout", None)
    limits = [t for t in (timeout, None if limit is None else limit.total_seconds()) if t is not None]
    deadline = time.time() + (min(limits) if limits else NO_DEADLINE)
    return Wait(
        task.dataarts_conn_id,
        task.workspace,
        task.poll_interval,
        deadline,
        task.max_consecutive_failures,
    )


def raise_for_run(step: Step, log: Any) -> None:
    """For a remote run (a job or script instance): a failed run is an ordinary failure (the task's
    retries apply); check errors as for every sensor (:func:`raise_for`)."""
    if step.action == "fail" and step.exception is None:
        raise AirflowException(step.message)
    raise_for(step, log)


def run_event_result(event: Any, log: Any, what: str) -> Any:
    """The XCom of a remote run's trigger event: a failed run or a timeout fails the task (retries
    apply), anything else as :func:`event_result`."""
    try:
        payload = validate_event(event)
    except ValueError as exc:
        raise AirflowException(str(exc)) from exc
    if payload["status"] == "error" and (payload.get("error") or {}).get("reason") == "failed":
        raise AirflowException(payload.get("message"))
    if payload["status"] == "timeout":
        raise AirflowException(f"Timed out waiting for {what}: {payload.get('message')}")
    return event_result(payload, log, soft_fail=False)
