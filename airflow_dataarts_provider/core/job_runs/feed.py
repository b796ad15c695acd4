# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job feed: every instance of every job of a workspace, read with one listing (the V1 instance
listing without ``jobName``, pages of up to 1,000 rows) for all the job waits and job-event watchers of
that workspace. Pure: the flow's requests run on either driver.

Each subscriber says how far back it needs to see (a lower bound of its instances' plan times); the
listing reaches back to the oldest need, at most :data:`~.values.V1_LIST_RANGE_MS` (the service's 7-day
range). The service applies ``minPlanTime`` to the plan time or to the start time (UNCERTAIN, see
docs/job-events.md): either way an instance whose plan time is at or after the bound is listed, since an
instance starts after its plan time; one that is not listed (not started yet under the start-time
reading, older than the range, created after the listing) is read on its own by its subscriber. The
listing walk makes the snapshot exact whatever the service's order and offset semantics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_dataarts_provider.core.job_runs import calls
from airflow_dataarts_provider.core.job_runs.values import V1_LIST_RANGE_MS
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.listing import list_flow

#: How much earlier than a subscriber's bound the listing starts (clock skew between this host and the
#: service: the signature accepts 15 minutes).
FEED_MARGIN_MS = 20 * 60 * 1000
#: How far inside the service's 7-day range the listing stays (requests take time to arrive).
RANGE_MARGIN_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class FeedSnapshot:
    """The workspace's instances planned (or started) from ``since_ms``, as listed at ``taken_ms``."""

    since_ms: int
    taken_ms: int
    rows: Mapping[str, dict[str, Any]]

    def row(self, instance_id: str) -> dict[str, Any] | None:
        return self.rows.get(instance_id)


def reaches(since_ms: int, now_ms: int) -> bool:
    """Whether a listing can reach back to ``since_ms`` at all (the service's range is 7 days)."""
    return feed_since([since_ms], now_ms) == since_ms - FEED_MARGIN_MS


def feed_since(needs: Iterable[int], now_ms: int) -> int:
    """The listing's ``minPlanTime`` for these needs: the oldest, less :data:`FEED_MARGIN_MS`, but no
    further back than the service's range allows."""
    return in_range(min(needs, default=now_ms) - FEED_MARGIN_MS, now_ms)


def in_range(since_ms: int, now_ms: int) -> int:
    """``since_ms``, or the oldest time the service's range lets a listing reach at ``now_ms``."""
    return max(since_ms, now_ms - V1_LIST_RANGE_MS + RANGE_MARGIN_MS)


def feed_flow(ctx: CallContext, since_ms: int, now_ms: int) -> Flow[FeedSnapshot]:
    """One complete listing of the workspace's instances from ``since_ms``, or from as far back as the
    service's range allows (the snapshot says which)."""
    since_ms = in_range(since_ms, now_ms)
    result = yield from list_flow(ctx, calls.workspace_instances(ctx.config, since_ms), emit=False)
    return FeedSnapshot(since_ms, now_ms, {str(row["instance_id"]): row for row in result.items})
