# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The one waiting loop shared by every DataArts trigger: check a condition until it holds, fails, or the
absolute deadline passes. Subclasses only say which condition and how they serialise."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition, Waiter, check_deadline
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.transport.aio import within
from airflow_dataarts_provider.waiting import stop_said


class DataArtsConditionTrigger(BaseTrigger):  # type: ignore[misc]
    """Checks a condition every ``poke_interval`` seconds until it holds, fails or ``deadline`` passes.

    Yields exactly one event: ``{"status": "success", "result": ...}``, ``{"status": "timeout",
    "waiting": ...}`` or ``{"status": "error", "error": {...}}``, each with a ``message``.

    :param deadline: absolute deadline, seconds since the epoch (survives triggerer restarts).
    :param max_consecutive_failures: transient failures tolerated in a row before giving up.
    :param initial_delay: seconds to wait before the first check (the sensor checked just before deferring).
    """

    def __init__(
        self,
        *,
        dataarts_conn_id: str,
        workspace: str | None = None,
        poke_interval: float = 60.0,
        deadline: float,
        max_consecutive_failures: int = 3,
        initial_delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace
        self.poke_interval = float(poke_interval)
        self.deadline = float(deadline)
        self.max_consecutive_failures = int(max_consecutive_failures)
        self.initial_delay = float(initial_delay)

    def condition(self) -> Condition:
        raise NotImplementedError

    def condition_kwargs(self) -> dict[str, Any]:
        """The subclass's own JSON kwargs (what it waits for)."""
        raise NotImplementedError

    async def check(self, hook: DataArtsHook, condition: Condition) -> CheckResult:
        """One check (subclasses may share work between triggers)."""
        return await hook.acheck_condition(condition, self.workspace)

    def next_check(self, started: float) -> float:
        """When the check after one that started at ``started`` starts (epoch seconds): an interval later
        (not an interval after it ended: a slow check, or a busy loop, must not stretch the interval)."""
        return started + self.poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.condition_kwargs(),
                "dataarts_conn_id": self.dataarts_conn_id,
                "workspace": self.workspace,
                "poke_interval": self.poke_interval,
                "deadline": self.deadline,
                "max_consecutive_failures": self.max_consecutive_failures,
                "initial_delay": self.initial_delay,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # One generator frame per trigger and the session's one client (thousands of triggers wait in
        # one triggerer: B4 counts their memory).
        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        async with hook.async_session():  # one HTTP client for the whole run, not one per check
            condition = self.condition()
            waiter = Waiter(self.max_consecutive_failures)
            waiting: Any = None
            waiting_message = ""
            # The sensor has just checked before deferring: no request repeating it at once.
            await asyncio.sleep(max(0.0, min(self.initial_delay, self.deadline - time.time())))
            while True:
                started = time.time()
                # A check in flight ends at the deadline (a slow or trickling server cannot make the
                # timeout event late); after a restart that outlasted the deadline, one last check gets
                # a short bound.
                bound = check_deadline(self.deadline, started) - started
                outcome: CheckResult | DataArtsError
                try:
                    async with within(bound):
                        outcome = await self.check(hook, condition)
                except asyncio.TimeoutError:
                    late = f"{waiting_message}; a check still ran after {bound:.1f}s"
                    yield self._timeout_event(waiting, late)
                    return
                except DataArtsError as exc:
                    outcome = exc
                step = waiter.after(outcome)
                if step.action == "done":
                    yield TriggerEvent({"status": "success", "message": step.message, "result": step.value})
                    return
                if step.action == "fail":
                    error = {**(step.error or {}), "permanent": step.permanent}
                    yield TriggerEvent({"status": "error", "message": step.message, "error": error})
                    return
                if step.error is None:
                    waiting, waiting_message = step.value, f"; {step.message}"
                    self.log.info("%s", step.sentence)
                else:
                    self.log.warning("%s", step.sentence)
                remaining = self.deadline - time.time()
                if remaining <= 0:
                    yield self._timeout_event(waiting, waiting_message)
                    return
                await asyncio.sleep(max(0.0, min(self.next_check(started) - time.time(), remaining)))

    def _timeout_event(self, waiting: Any, waiting_message: str) -> TriggerEvent:
        """When the deadline was and how late the trigger saw it: the task resumes later, when a worker
        slot is free, so its end time says little about when the wait ended."""
        late = time.time() - self.deadline
        deadline = datetime.fromtimestamp(self.deadline, timezone.utc).isoformat(timespec="milliseconds")
        message = f"deadline reached ({deadline}, checked {late:.1f}s after it){waiting_message}"
        return TriggerEvent({"status": "timeout", "message": message, "waiting": waiting})


class DataArtsRunTrigger(DataArtsConditionTrigger):
    """Waits for a remote run (a job or script instance) that it can stop: with ``stop_on_timeout`` the
    run is stopped before the ``timeout`` event is sent; a user's kill stops it too (``on_kill``, on the
    Airflow lines whose triggerer calls it). Subclasses name the run and send the stop."""

    stop_on_timeout: bool = False

    def run_name(self) -> str | None:
        """``job 'x' instance 1``; None when there is no run to stop yet."""
        raise NotImplementedError

    async def stop_run(self, hook: DataArtsHook) -> None:
        raise NotImplementedError

    async def run(self) -> AsyncIterator[TriggerEvent]:
        async for event in super().run():
            if event.payload.get("status") == "timeout" and self.stop_on_timeout:
                event.payload["stopped"] = await self._stop("the deadline passed")
                if event.payload["stopped"]:
                    event.payload["message"] += f"; {self.run_name()} stopped"
            yield event

    async def on_kill(self) -> None:
        """The user killed the task: stop the remote run (Airflow 3.3+ calls this)."""
        await self._stop("the task was killed")

    async def _stop(self, why: str) -> bool:
        name = self.run_name()
        if name is None:
            return False
        error = None
        try:
            await self.stop_run(DataArtsHook(self.dataarts_conn_id, workspace=self.workspace))
        except DataArtsError as exc:
            error = exc
        return stop_said(self.log, name, why, error)
