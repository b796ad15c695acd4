# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger that waits, in the triggerer, until a release package is deployed."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.core.release_packages.conditions import ReleasePackageCondition
from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger


class DataArtsReleasePackageTrigger(DataArtsConditionTrigger):
    """Polls a release package until its deployment succeeds (``result``: the package detail) or fails
    (an ``error`` event naming the failing tasks). See
    :class:`~airflow_dataarts_provider.triggers.base.DataArtsConditionTrigger`."""

    def __init__(self, *, package_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.package_id = str(package_id)

    def condition(self) -> Condition:
        return ReleasePackageCondition(self.package_id)

    def condition_kwargs(self) -> dict[str, Any]:
        return {"package_id": self.package_id}
