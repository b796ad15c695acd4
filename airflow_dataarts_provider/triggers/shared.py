"""Shared snapshots for trigger fleets: triggers in one triggerer process that watch pending items of the
same connection and workspace share one listing per poll window, whatever their number; the listing is
indexed once (:class:`~airflow_dataarts_provider.core.gate.ListingIndex`), so each trigger's evaluation
costs its own matches, not a scan of the workspace.

Without it, 1,000 deferred sensors on one workspace cost 1,000 listings per interval and a throttled
account. The key holds the connection id and the identity it authenticates as, so sharing never mixes
credentials or connections; snapshots live per event loop.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from airflow_dataarts_provider.core.config import ClientConfig
from airflow_dataarts_provider.core.gate import ListingIndex


@dataclass
class _Snapshot:
    started: float
    task: asyncio.Future[ListingIndex]


_SNAPSHOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Snapshot]] = (
    weakref.WeakKeyDictionary()
)


def snapshot_key(conn_id: str, config: ClientConfig, workspace: str | None) -> tuple[str, ...]:
    """Who is asking (connection and identity, never a secret) and about which workspace."""
    identity = config.ak or config.username or config.metadata_url or ""
    return (conn_id, config.endpoint, config.project_id, str(config.auth_type), identity, workspace or "")


async def shared_listing(
    key: Hashable, max_age: float, fetch: Callable[[], Awaitable[list[dict[str, Any]]]]
) -> ListingIndex:
    """The indexed listing for ``key``: the one in flight or fetched less than ``max_age`` seconds ago,
    else a new one. A failed fetch is not reused: every waiter sees its error, the next call fetches
    again."""
    snapshots = _SNAPSHOTS.setdefault(asyncio.get_running_loop(), {})
    now = time.monotonic()
    current = snapshots.get(key)
    stale = current is None or now - current.started >= max_age
    if not stale and current is not None and current.task.done() and current.task.exception() is not None:
        stale = True
    if stale:
        current = snapshots[key] = _Snapshot(now, asyncio.ensure_future(_indexed(fetch)))
    assert current is not None
    # shield: one trigger being cancelled must not cancel the listing the others wait for
    return await asyncio.shield(current.task)


async def _indexed(fetch: Callable[[], Awaitable[list[dict[str, Any]]]]) -> ListingIndex:
    return ListingIndex(await fetch())
