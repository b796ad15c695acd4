"""Trigger that waits, in the triggerer, until a DataArts job instance finishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import TriggerEvent

from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


class DataArtsJobInstanceTrigger(DataArtsConditionTrigger):
    """Polls a job instance (or the newest instance of a job planned in a window) until it finishes.

    Success events carry the instance (status, nodes with log paths) as ``result``; a failed instance
    gives an ``error`` event naming the failed nodes. With ``stop_on_timeout``, the instance is stopped
    before the ``timeout`` event is sent; a user's kill stops it too (``on_kill``, on the Airflow lines
    whose triggerer calls it). See :class:`~airflow_dataarts_provider.triggers.base.DataArtsConditionTrigger`.
    """

    def __init__(
        self,
        *,
        job_name: str,
        instance_id: str | None = None,
        min_plan_time: int | None = None,
        max_plan_time: int | None = None,
        stop_on_timeout: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.instance_id = None if instance_id is None else str(instance_id)
        self.min_plan_time = min_plan_time
        self.max_plan_time = max_plan_time
        self.stop_on_timeout = bool(stop_on_timeout)

    def condition(self) -> Condition:
        return JobInstanceCondition(self.job_name, self.instance_id, self.min_plan_time, self.max_plan_time)

    def condition_kwargs(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "instance_id": self.instance_id,
            "min_plan_time": self.min_plan_time,
            "max_plan_time": self.max_plan_time,
            "stop_on_timeout": self.stop_on_timeout,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        async for event in super().run():
            if event.payload.get("status") == "timeout" and self.stop_on_timeout:
                event.payload["stopped"] = await self._stop("the deadline passed")
                if event.payload["stopped"]:
                    event.payload["message"] += f"; instance {self.instance_id} stopped"
            yield event

    async def on_kill(self) -> None:
        """The user killed the task: stop the remote instance (Airflow 3.3+ calls this)."""
        await self._stop("the task was killed")

    async def _stop(self, why: str) -> bool:
        if self.instance_id is None:
            return False
        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        try:
            await hook.astop_job_instance(self.job_name, self.instance_id, workspace=self.workspace)
        except DataArtsError as exc:
            self.log.warning(
                "Could not stop job %r instance %s (%s): %s", self.job_name, self.instance_id, why, exc
            )
            return False
        self.log.info("Stopped job %r instance %s: %s", self.job_name, self.instance_id, why)
        return True
