# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The shared job feed of a triggerer: for each connection identity and workspace, one listing of every
job instance per interval (:mod:`~airflow_dataarts_provider.core.job_runs.feed`) answers every job wait
and job-event watcher of that workspace in this process, whatever their number.

Each subscriber says how far back it needs to see (:meth:`JobFeed.snapshot`); a new listing reaches back
to the oldest need of the subscribers seen in the last :data:`HINT_TTL` intervals. A snapshot is shared
while younger than ``SHARE_WINDOW`` of the interval and it reaches back far enough for the asker; its
waiters resume in batches (:class:`~.shared.Snapshot`). A failed listing is not reused."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_dataarts_provider.core.job_runs.feed import FeedSnapshot, feed_since
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.triggers.shared import SHARE_WINDOW, Snapshot, snapshot_key

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

#: A subscriber's need is forgotten after this many intervals without a check (its trigger ended).
HINT_TTL = 3.0


@dataclass
class JobFeed:
    """The feed of one connection identity and workspace in one event loop."""

    #: subscriber -> (epoch ms it needs to see back to, monotonic time of its last check).
    needs: dict[Hashable, tuple[int, float]] = field(default_factory=dict)
    since_ms: int = 0
    current: Snapshot | None = None
    #: The grid point (``floor(time / interval)``) the current snapshot was taken for, if any.
    tick: tuple[float, int] | None = None

    async def snapshot(  # noqa: PLR0917 - who asks, for what, and when
        self,
        hook: DataArtsHook,
        subscriber: Hashable,
        since_ms: int,
        max_age: float,
        workspace: str | None,
        tick: int | None = None,
    ) -> FeedSnapshot:
        """A snapshot that reaches back to ``since_ms`` (or as far as the service allows: a need the
        service's range reaches is always met, :func:`~.feed.reaches`), listed less
        than ``SHARE_WINDOW * max_age`` seconds ago, for grid point ``tick`` of ``max_age`` or a later one,
        or in flight; else a new listing for every need."""
        now = time.monotonic()
        self.needs[subscriber] = (since_ms, now)
        now_ms = int(time.time() * 1000)
        current = self.current
        same_tick = (
            tick is not None and self.tick is not None and self.tick[0] == max_age and self.tick[1] >= tick
        )
        usable = (
            current is not None
            and (same_tick or now - current.started < max_age * SHARE_WINDOW)
            and self.since_ms <= feed_since([since_ms], now_ms)
            and not (current.task.done() and current.task.exception() is not None)
        )
        if not usable:
            # Forgotten needs are dropped here, once per listing (not at every check: O(N) each).
            self.needs = {k: v for k, v in self.needs.items() if now - v[1] <= HINT_TTL * max_age}
            self.since_ms = feed_since((need for need, _ in self.needs.values()), now_ms)
            fetch = hook.aread_job_feed(self.since_ms, now_ms, workspace=workspace)
            current = self.current = Snapshot(now, asyncio.ensure_future(fetch))
            self.tick = None if tick is None else (max_age, tick)
        assert current is not None
        result: FeedSnapshot = await current.result()
        return result


_FEEDS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, JobFeed]] = (
    weakref.WeakKeyDictionary()
)


def job_feed(conn_id: str, config: ClientConfig, workspace: str | None) -> JobFeed:
    """The feed of this connection's identity and workspace in the running event loop."""
    key = ("job-feed", *snapshot_key(conn_id, config, workspace))
    return _FEEDS.setdefault(asyncio.get_running_loop(), {}).setdefault(key, JobFeed())
