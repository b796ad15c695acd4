# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The one sensor machinery shared by every DataArts sensor: poke, reschedule and deferrable modes over a
:class:`~airflow_dataarts_provider.core.protocol.waiting.Condition`. Subclasses say what they wait for; how
waiting works (checks, deadlines, deferring, events) is in :mod:`airflow_dataarts_provider.waiting`."""

from __future__ import annotations

import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.waiting import (
    Condition,
    Waiter,
)
from airflow_dataarts_provider.version_compat import (
    AirflowFailException,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)
from airflow_dataarts_provider.waiting import (
    Wait,
    check_once,
    defer_waiting,
    event_result,
    raise_for,
    started_at,
    timed_out,
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
        step = check_once(self.hook, condition, self.workspace, self._waiter, self._wait(context).deadline)
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
        wait = self._wait(context)
        if wait.deadline - time.time() <= 0:
            timed_out("deadline reached before deferring", soft_fail=self.soft_fail)
        defer_waiting(self, self.trigger(condition, **wait.trigger_kwargs()), wait)
        return None  # pragma: no cover - defer() raises

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        return event_result(event, self.log, soft_fail=self.soft_fail)

    def _wait(self, context: Any) -> Wait:
        """The wait, its deadline counted from the sensor's first start (reschedules included)."""
        return Wait(
            self.dataarts_conn_id,
            self.workspace,
            self.poke_interval,
            started_at(context) + self.timeout,
            self.max_consecutive_failures,
        )
