# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Sensor waiting for a DataArts release package's deployment to succeed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.protocol import values as release
from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.core.release_packages.conditions import ReleasePackageCondition
from airflow_dataarts_provider.links.dataarts import DataArtsReleasePackageLink, push_package_link
from airflow_dataarts_provider.sensors.base import DataArtsConditionSensor

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


class DataArtsReleasePackageSensor(DataArtsConditionSensor):
    """Wait until a release package is deployed (``deploy_status`` success); fail when its deployment
    failed, naming the failing tasks.

    :param package_id: the release package id (templated, e.g. the create operator's XCom).
    :param str workspace: workspace id (default: the connection's).

    Modes, deadline and failure handling as :class:`~.pending_items.DataArtsPendingItemsSensor` (the
    same base class). Returns (XCom) the package detail: ``release_package`` and ``task_details``.
    """

    template_fields: Sequence[str] = ("dataarts_conn_id", "workspace", "package_id")
    operator_extra_links = (DataArtsReleasePackageLink(),)
    ui_color = "#d9f2e6"

    def __init__(self, *, package_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.package_id = package_id

    def condition(self) -> Condition:
        (package_id,) = release.ids("package_id", [self.package_id], maximum=1)
        return ReleasePackageCondition(package_id)

    def trigger(self, condition: Condition, **common: Any) -> DataArtsConditionTrigger:
        from airflow_dataarts_provider.triggers.release_package import DataArtsReleasePackageTrigger

        assert isinstance(condition, ReleasePackageCondition)
        return DataArtsReleasePackageTrigger(package_id=condition.package_id, **common)

    def push_links(self, context: Any, hook: DataArtsHook) -> None:
        push_package_link(context, hook, str(self.package_id))
