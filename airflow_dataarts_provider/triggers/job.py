# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger that waits, in the triggerer, until a DataArts job instance finishes."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition
from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger


class DataArtsJobInstanceTrigger(DataArtsRunTrigger):
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

    def run_name(self) -> str | None:
        return None if self.instance_id is None else f"job {self.job_name!r} instance {self.instance_id}"

    async def stop_run(self, hook: DataArtsHook) -> None:
        assert self.instance_id is not None  # run_name() is None without one: never called then
        await hook.astop_job_instance(self.job_name, self.instance_id, workspace=self.workspace)
