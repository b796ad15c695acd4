# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Sensor gating a DAG on DataArts Factory pending items being packaged or released."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.pending_items.conditions import PendingItemsCondition
from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.links.dataarts import DataArtsReleaseManagementLink, push_console_link
from airflow_dataarts_provider.sensors.base import DataArtsConditionSensor

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


class DataArtsPendingItemsSensor(DataArtsConditionSensor):
    """Wait until the pending items of the given tasks are released (or packaged).

    :param task_names: exact job/script names to watch (templated; a list, or a string holding a JSON or
        Python list literal such as a template rendered without native objects).
    :param task_ids: job/script ids to watch (templated). Neither names nor ids: the whole workspace.
    :param task_type: restrict to 1/"JOB" or 2/"SCRIPT" (stored as ``filter_task_type``).
    :param wait_for: ``"released"`` (default: no pending item left) or ``"packaged"`` (every matching
        pending item is in a release package).
    :param str workspace: workspace id (default: the connection's).

    Modes, deadline and failure handling: see
    :class:`~airflow_dataarts_provider.sensors.base.DataArtsConditionSensor`. Returns (XCom) the last
    snapshot of the matching pending items.
    """

    template_fields: Sequence[str] = (
        "dataarts_conn_id",
        "workspace",
        "task_names",
        "task_ids",
        "filter_task_type",
        "wait_for",
    )
    operator_extra_links = (DataArtsReleaseManagementLink(),)
    ui_color = "#d9f2e6"

    def __init__(
        self,
        *,
        task_names: str | Sequence[str] | None = None,
        task_ids: str | Sequence[str] | None = None,
        task_type: Any = None,
        wait_for: str = "released",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.task_names = task_names
        self.task_ids = task_ids
        self.filter_task_type = task_type  # ``task_type`` is BaseOperator's own (read-only) attribute
        self.wait_for = wait_for

    def condition(self) -> Condition:
        spec = GateSpec.create(self.task_names, self.task_ids, self.filter_task_type, self.wait_for)
        return PendingItemsCondition(spec)

    def trigger(self, condition: Condition, **common: Any) -> DataArtsConditionTrigger:
        from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger

        assert isinstance(condition, PendingItemsCondition)
        return DataArtsPendingItemsTrigger(gate=condition.spec.to_json(), **common)

    def push_links(self, context: Any, hook: DataArtsHook) -> None:
        push_console_link(context, hook)
