# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pending-items sensor condition: a release gate over the workspace's pending items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_dataarts_provider.core.pending_items.gate import (
    GateSpec,
    ListingIndex,
    describe_blocking,
)
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition

if TYPE_CHECKING:  # the engine (auth, signing...) loads with the hook, not at DAG parse time
    from airflow_dataarts_provider.core.protocol.engine import CallContext


@dataclass(frozen=True)
class PendingItemsCondition(Condition):
    spec: GateSpec
    subject: ClassVar[str | None] = "pending items"

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.pending_items.flows import gate_flow

        items = yield from gate_flow(ctx, self.spec)
        return self.evaluate(items)

    def evaluate(self, listing: list[dict[str, Any]] | ListingIndex) -> CheckResult:
        """The result over a listing (the gate's own query, or a whole-workspace snapshot shared by
        many triggers: matching is exact, so a wider listing gives the same answer)."""
        items = self.spec.matching(listing)
        blocking = self.spec.blocking(items)
        if blocking:
            return CheckResult("waiting", f"still waiting for {describe_blocking(blocking)}", blocking)
        message = f"gate satisfied ({self.spec.wait_for}); {len(items)} matching item(s)"
        return CheckResult("done", message, items)
