# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The generic listing walk as flows: pages fetched in concurrent lanes, fed to the paging state machine
(:mod:`.pagination`), emitted or collected as one consistent snapshot. ``max_concurrency`` lanes at once;
the rate limiter still spaces the requests. The offset semantics learned per (endpoint, project, listing
kind) are kept by the process state (:mod:`.state`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_dataarts_provider.core.protocol.calls import ListingCall
from airflow_dataarts_provider.core.protocol.effects import Emit, Flow, Parallel
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.pages import Page
from airflow_dataarts_provider.core.protocol.pagination import ListingWalk
from airflow_dataarts_provider.core.protocol.pagination_terms import PageRequest
from airflow_dataarts_provider.core.protocol.state import STATE


@dataclass(frozen=True)
class Listing:
    """A complete listing (the final consistent pass), the server's ``total``, and whether
    ``max_items`` cut it."""

    items: list[dict[str, Any]]
    total: int | None
    truncated: bool


def new_walk(
    ctx: CallContext, listing: ListingCall, max_items: int | None = None, page_size: int | None = None
) -> ListingWalk:
    """A walk of ``listing`` in pages of ``page_size`` (default: the listing's largest)."""
    config = ctx.config
    return ListingWalk(
        page_size=listing.max_limit if page_size is None else page_size,
        page_size_max=listing.max_limit,
        offset_mode=config.offset_mode.value,
        known_mode=listing.semantics
        or STATE.offset_semantics.get((config.endpoint, config.project_id, listing.kind)),
        max_items=max_items,
        id_key=listing.id_key,
    )


def walk_flow(
    ctx: CallContext,
    walk: ListingWalk,
    listing: ListingCall,
    *,
    emit: bool,
    max_pages: int | None = None,
    detect_cap: bool = False,
) -> Flow[None]:
    """Feed ``walk`` until it is done (or ``max_pages`` more pages were read). With ``emit``, new items
    are emitted page by page; with ``detect_cap``, a capped first page raises :class:`CappedPage`."""
    fed = 0
    rounds = 0  # concurrent rounds in the current pass
    restarts = walk.restarts
    while max_pages is None or fed < max_pages:
        width = ctx.config.max_concurrency
        if walk.restarts != restarts:
            rounds, restarts = 0, walk.restarts
        # One page per lane in a pass's first concurrent round, then up to four: the plan trusts the
        # server's ``total``, so a server that lies about it costs at most one round before it is noticed.
        ahead = width * (1 if rounds == 0 else 4)
        planned = walk.upcoming(ahead if max_pages is None else min(ahead, max_pages - fed))
        if len(planned) > 1:
            rounds += 1
        if not planned:
            break
        if len(planned) == 1 or width == 1:
            planned = planned[:1]
            pages = [(yield from _page_flow(ctx, listing, planned[0], detect_cap))]
        else:
            # ``width`` lanes, each fetching its share in order: no lane waits for another's slow page.
            lanes = [planned[i::width] for i in range(min(width, len(planned)))]
            by_lane = yield Parallel([_lane_flow(ctx, listing, lane) for lane in lanes])
            pages = [by_lane[i % len(lanes)][i // len(lanes)] for i in range(len(planned))]
        for request, page in zip(planned, pages, strict=True):
            if walk.next_request() != request:
                break  # a restart or the end: later pages belong to another plan
            ctx.stats.pages += 1
            fed += 1
            fresh = walk.feed(page)
            if emit and fresh:
                yield Emit(fresh)
    if walk.done:
        if walk.learned_mode is not None:
            key = (ctx.config.endpoint, ctx.config.project_id, listing.kind)
            STATE.offset_semantics[key] = walk.learned_mode
        ctx.stats.items += walk.items


def _page_flow(ctx: CallContext, listing: ListingCall, request: PageRequest, detect_cap: bool) -> Flow[Page]:
    page = yield from perform(ctx, listing.page(request.limit, request.offset))
    rows = len(page.items)
    # A first page with fewer rows than asked for while ``total`` says there are more: the server caps
    # the page size (silently) at that many rows.
    if (
        detect_cap
        and request.offset == 0
        and page.total is not None
        and 0 < rows < min(request.limit, page.total)
    ):
        raise CappedPage(rows)
    return page


def _lane_flow(ctx: CallContext, listing: ListingCall, requests: list[PageRequest]) -> Flow[list[Page]]:
    pages = []
    for request in requests:
        pages.append((yield from perform(ctx, listing.page(request.limit, request.offset))))
    return pages


def _result(walk: ListingWalk) -> Listing:
    items = walk.snapshot
    truncated = walk.stop_reason == "max_items" and (walk.total is None or walk.total > len(items))
    return Listing(items, walk.total, truncated)


def list_flow(
    ctx: CallContext, listing: ListingCall, *, max_items: int | None = None, emit: bool = True
) -> Flow[Listing]:
    """Walk ``listing`` with the largest page size. With ``emit``, new items are emitted page by page
    (lazy iteration). Returns the snapshot of the final consistent pass (see :mod:`.pagination`)."""
    walk = new_walk(ctx, listing, max_items)
    yield from walk_flow(ctx, walk, listing, emit=emit)
    return _result(walk)


class CappedPage(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size
