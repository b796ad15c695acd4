# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger that waits, in the triggerer, until a release gate over pending items is satisfied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_dataarts_provider.core.pending_items.conditions import PendingItemsCondition
from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.core.protocol.waiting import (
    EVENT_STATUSES,
    CheckResult,
    Condition,
    validate_event,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.base import DataArtsConditionTrigger
from airflow_dataarts_provider.triggers.shared import shared_config, shared_listing, snapshot_key

__all__ = ["EVENT_STATUSES", "DataArtsPendingItemsTrigger", "validate_event"]


class DataArtsPendingItemsTrigger(DataArtsConditionTrigger):
    """Polls the pending items of a workspace until the gate ``gate`` (``GateSpec.to_json()``) is
    satisfied. Success events carry the matching items as ``result``; timeouts the blocking ones as
    ``waiting``. See :class:`~airflow_dataarts_provider.triggers.base.DataArtsConditionTrigger`."""

    def __init__(self, *, gate: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = dict(gate)

    def condition(self) -> Condition:
        return PendingItemsCondition(GateSpec.from_json(self.gate))

    def condition_kwargs(self) -> dict[str, Any]:
        return {"gate": self.gate}

    async def check(self, hook: DataArtsHook, condition: Condition) -> CheckResult:
        """Evaluate the gate over the workspace snapshot shared by every pending-items trigger of this
        connection and workspace in this process (one listing per poll interval, whatever their number)."""
        assert isinstance(condition, PendingItemsCondition)
        config = await shared_config(hook, self.poke_interval)
        key = snapshot_key(self.dataarts_conn_id, config, self.workspace)
        listing = await shared_listing(
            key, self.poke_interval, lambda: hook.alist_pending_items(workspace=self.workspace)
        )
        return condition.evaluate(listing)
