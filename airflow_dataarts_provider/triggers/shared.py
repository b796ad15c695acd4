# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Shared snapshots for trigger fleets: triggers in one triggerer process that watch pending items of the
same connection and workspace share one listing per poll window, whatever their number; the listing is
indexed once (:class:`~airflow_dataarts_provider.core.pending_items.gate.ListingIndex`), so each trigger's
evaluation
costs its own matches, not a scan of the workspace. Release watchers (asset watchers) share their checks
the same way (:func:`shared_step`).

Without it, 1,000 deferred sensors on one workspace cost 1,000 listings per interval and a throttled
account. The key holds the connection id and the identity it authenticates as, so sharing never mixes
credentials or connections; snapshots live per event loop.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_dataarts_provider.core.pending_items.gate import ListingIndex
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.release_packages.watch import WatchState, WatchStep

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook


T = TypeVar("T")


#: Waiters of one fetch resume at most this many per event-loop iteration: thousands of triggers waking
#: together would otherwise hold the loop (and every other provider's triggers on it) for the whole batch.
WAKE_BATCH = 100


@dataclass
class Snapshot:
    started: float
    task: asyncio.Future[Any]
    waiters: int = 0
    #: One future per batch of waiters after the first, released one loop iteration apart.
    turns: list[asyncio.Future[None]] = field(default_factory=list)
    releaser: asyncio.Task[None] | None = None

    async def result(self) -> Any:
        if not self.task.done():
            batch = self.waiters // WAKE_BATCH
            self.waiters += 1
            if batch == 0:
                await asyncio.shield(self.task)  # one trigger's cancellation must not cancel the fetch
            else:
                if batch > len(self.turns):
                    self.turns.append(asyncio.get_running_loop().create_future())
                    if len(self.turns) == 1:
                        self.task.add_done_callback(self._release)
                await asyncio.shield(self.turns[batch - 1])
        return self.task.result()

    def _release(self, _task: asyncio.Future[Any]) -> None:
        self.releaser = asyncio.ensure_future(self._release_turns())

    async def _release_turns(self) -> None:
        for turn in self.turns:
            await asyncio.sleep(0)  # let timers, I/O and other triggers run between batches
            turn.set_result(None)


_SNAPSHOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, Snapshot]] = (
    weakref.WeakKeyDictionary()
)
#: The last loop's snapshots: a triggerer has one loop, and a weak-dictionary lookup per check costs
#: more than the rest of a fleet member's check (measured by B4).
_LAST: list[Any] = [None, None]


def _snapshots() -> dict[Hashable, Snapshot]:
    loop = asyncio.get_running_loop()
    if _LAST[0] is not loop:
        _LAST[:] = [loop, _SNAPSHOTS.setdefault(loop, {})]
    snapshots: dict[Hashable, Snapshot] = _LAST[1]
    return snapshots


def snapshot_key(conn_id: str, config: ClientConfig, workspace: str | None) -> tuple[str, ...]:
    """Who is asking (connection and identity, never a secret) and about which workspace."""
    identity = config.ak or config.username or config.metadata_url or ""
    return (conn_id, config.endpoint, config.project_id, str(config.auth_type), identity, workspace or "")


#: A value is shared while younger than this share of ``max_age``: a trigger checking at exactly its
#: interval gets a new listing, never the one of its own previous check.
SHARE_WINDOW = 0.9


async def shared(key: Hashable, max_age: float, fetch: Callable[[], Awaitable[T]]) -> T:
    """The value for ``key``: the one in flight or fetched less than ``SHARE_WINDOW * max_age`` seconds
    ago, else a new one. A failed fetch is not reused: every waiter sees its error, the next call
    fetches again."""
    snapshots = _snapshots()
    now = time.monotonic()
    current = snapshots.get(key)
    stale = current is None or now - current.started >= max_age * SHARE_WINDOW
    if not stale and current is not None and current.task.done() and current.task.exception() is not None:
        stale = True
    if stale:
        current = snapshots[key] = Snapshot(now, asyncio.ensure_future(fetch()))
    assert current is not None
    result: T = await current.result()
    return result


async def shared_config(hook: DataArtsHook, max_age: float) -> ClientConfig:
    """The connection's validated config, read once per ``max_age`` seconds for every trigger of this
    connection and workspace (reading and validating it is the largest per-trigger cost of a fleet)."""
    return await shared(("config", hook.dataarts_conn_id, hook.workspace), max_age, hook.aget_config)


async def shared_listing(
    key: Hashable, max_age: float, fetch: Callable[[], Awaitable[list[dict[str, Any]]]]
) -> ListingIndex:
    """The indexed pending-items listing for ``key``, shared as :func:`shared` shares values."""
    return await shared(key, max_age, lambda: _indexed(fetch))


async def _indexed(fetch: Callable[[], Awaitable[list[dict[str, Any]]]]) -> ListingIndex:
    return ListingIndex(await fetch())


@dataclass
class _Chain:
    """The release-watch steps of one connection and workspace in this process."""

    #: The newest finished step (never a first check: that one only takes stock for its watcher).
    head: WatchStep | None = None
    #: Steps in flight: the state each started from (``None``: a first check), its check time, the step.
    running: list[tuple[WatchState | None, int, asyncio.Future[WatchStep]]] = field(default_factory=list)


_CHAINS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Chain]] = (
    weakref.WeakKeyDictionary()
)


def _joins(start: WatchState | None, checked_ms: int, state: WatchState | None) -> bool:
    """Whether a step in flight from ``start``, checking at ``checked_ms``, will cover ``state``."""
    if state is None or start is None:
        return state is None and start is None
    return start.checked_ms <= state.checked_ms < checked_ms


async def shared_step(
    key: Hashable,
    state: WatchState | None,
    check: Callable[[WatchState | None, int], Awaitable[WatchStep]],
) -> WatchStep:
    """The step that takes a release watcher on from ``state``: the newest finished one that covers it,
    one in flight that will, else a new ``check(state, now_ms)``.

    Watchers of one connection and workspace therefore share one check per interval whatever their
    number and start times: a watcher that started later, or from a restored state, joins the others'
    steps as soon as one covers it. The caller drops what its own state had already seen
    (:meth:`WatchStep.released_after`)."""
    chain = _CHAINS.setdefault(asyncio.get_running_loop(), {}).setdefault(key, _Chain())
    if state is not None and chain.head is not None and chain.head.covers(state):
        return chain.head
    for start, checked_ms, running in chain.running:
        if _joins(start, checked_ms, state):
            return await asyncio.shield(running)
    now_ms = int(time.time() * 1000)
    if state is not None:
        now_ms = max(now_ms, state.checked_ms + 1)  # a step always moves time on (clock adjustments)
    future = asyncio.ensure_future(check(state, now_ms))
    entry = (state, now_ms, future)
    chain.running.append(entry)

    def finished(done: asyncio.Future[WatchStep]) -> None:
        chain.running.remove(entry)
        if done.cancelled() or done.exception() is not None:
            return
        step = done.result()
        newest = chain.head is None or step.state.checked_ms > chain.head.state.checked_ms
        if step.previous is not None and newest:
            chain.head = step

    future.add_done_callback(finished)
    return await asyncio.shield(future)
