# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Sensor waiting for a DataArts Factory job instance (started elsewhere) to finish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition
from airflow_dataarts_provider.core.protocol.request import name_segment
from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.links.dataarts import DataArtsJobInstanceLink
from airflow_dataarts_provider.sensors.base import DataArtsConditionSensor

if TYPE_CHECKING:
    from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


class DataArtsJobInstanceSensor(DataArtsConditionSensor):
    """Wait until a job instance succeeds; fail when it fails (naming the failed nodes and their logs),
    is stopped or skipped, or reports a status this provider does not know.

    :param job_name: the job (templated).
    :param instance_id: the instance (templated); without one, the newest instance of the job whose plan
        time lies in the DAG run's data interval (until one appears, the sensor waits).
    :param str workspace: workspace id (default: the connection's).

    Modes (poke, reschedule, deferrable), deadline and failure handling: see
    :class:`~airflow_dataarts_provider.sensors.base.DataArtsConditionSensor`. Returns (XCom) the instance.
    """

    template_fields: Sequence[str] = ("dataarts_conn_id", "workspace", "job_name", "instance_id")
    operator_extra_links = (DataArtsJobInstanceLink(),)
    ui_color = "#e0ecff"

    def __init__(self, *, job_name: str, instance_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.instance_id = instance_id
        self._window: tuple[int | None, int | None] = (None, None)

    def _set_window(self, context: Any) -> None:
        self._window = (_ms(context.get("data_interval_start")), _ms(context.get("data_interval_end")))

    def execute(self, context: Any) -> Any:
        self._set_window(context)
        return super().execute(context)

    def poke(self, context: Any) -> Any:
        self._set_window(context)
        return super().poke(context)

    def condition(self) -> Condition:
        name_segment("job_name", self.job_name)
        instance = str(self.instance_id) if self.instance_id not in (None, "") else None
        low, high = (None, None) if instance is not None else self._window
        return JobInstanceCondition(self.job_name, instance, low, high)

    def trigger(self, condition: Condition, **common: Any) -> DataArtsConditionTrigger:
        from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

        assert isinstance(condition, JobInstanceCondition)
        return DataArtsJobInstanceTrigger(
            job_name=condition.job_name,
            instance_id=condition.instance_id,
            min_plan_time=condition.min_plan_time,
            max_plan_time=condition.max_plan_time,
            **common,
        )


def _ms(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if isinstance(moment, datetime) else None
