"""Listings as flows: a :class:`~.pagination.ListingWalk` fed page by page, each page one
:func:`~.engine.perform` of a :class:`~.calls.ListingCall` page; the release gate's query plan.

Once a walk can predict its next requests (offset semantics and ``total`` known), they are fetched by
``max_concurrency`` lanes at once; the shared rate limiter still spaces the requests. Pages are fed in
order; if the walk changes course (the listing changed), the rest are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_dataarts_provider.core import calls
from airflow_dataarts_provider.core.calls import ListingCall
from airflow_dataarts_provider.core.effects import Emit, Flow, Parallel
from airflow_dataarts_provider.core.engine import CallContext, perform
from airflow_dataarts_provider.core.enums import PAGE_SIZE_MAX
from airflow_dataarts_provider.core.errors import DataArtsInvalidRequestError
from airflow_dataarts_provider.core.filters import build_filter_query
from airflow_dataarts_provider.core.gate import GateSpec, choose_plan
from airflow_dataarts_provider.core.pages import Page
from airflow_dataarts_provider.core.pagination import ListingWalk, OffsetSemantics, PageRequest

# What ``offset_mode="auto"`` learned, per (endpoint, project, listing kind): later walks skip the probe.
_LEARNED_OFFSET_SEMANTICS: dict[tuple[str, str, str], OffsetSemantics] = {}
#: The release-package listing's maximum page size is undocumented: tried in this order, and the size
#: that worked (or the cap the server applied) is remembered per (endpoint, project) in the process.
RELEASE_PAGE_SIZES = (PAGE_SIZE_MAX, 50, 10)
_LEARNED_RELEASE_PAGE_SIZE: dict[tuple[str, str], int] = {}


@dataclass(frozen=True)
class Listing:
    """A complete listing (the final consistent pass), the server's ``total``, and whether
    ``max_items`` cut it."""

    items: list[dict[str, Any]]
    total: int | None
    truncated: bool


def new_walk(
    ctx: CallContext, listing: ListingCall, max_items: int | None = None, page_size: int = PAGE_SIZE_MAX
) -> ListingWalk:
    config = ctx.config
    return ListingWalk(
        page_size=page_size,
        offset_mode=config.offset_mode.value,
        known_mode=_LEARNED_OFFSET_SEMANTICS.get((config.endpoint, config.project_id, listing.kind)),
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
    are emitted page by page; with ``detect_cap``, a capped first page raises :class:`_CappedPage`."""
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
            _LEARNED_OFFSET_SEMANTICS[key] = walk.learned_mode
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
        raise _CappedPage(rows)
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


def release_packages_flow(
    ctx: CallContext, filters: dict[str, Any], max_items: int | None = None
) -> Flow[Listing]:
    """Every release package matching ``filters``, paged with the largest page size the server takes."""
    listing = calls.release_packages(ctx.config, filters)
    key = (ctx.config.endpoint, ctx.config.project_id)
    while True:
        size = _LEARNED_RELEASE_PAGE_SIZE.get(key, RELEASE_PAGE_SIZES[0])
        walk = new_walk(ctx, listing, max_items, page_size=size)
        try:
            yield from walk_flow(ctx, walk, listing, emit=False, detect_cap=True)
        except DataArtsInvalidRequestError:
            smaller = [s for s in RELEASE_PAGE_SIZES if s < size]
            if walk.pages or not smaller:
                raise  # not the page size (a later page failed), or even the smallest was refused
            _LEARNED_RELEASE_PAGE_SIZE[key] = smaller[0]
        except _CappedPage as capped:
            _LEARNED_RELEASE_PAGE_SIZE[key] = capped.size
        else:
            return _result(walk)


class _CappedPage(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def gate_flow(ctx: CallContext, spec: GateSpec) -> Flow[list[dict[str, Any]]]:
    """The pending items that match ``spec``, with the cheaper query plan (see :mod:`.gate`).

    The task type is matched on the client only (``spec.matching``): the server's task_type format is
    undocumented, and a filter it misread could answer "nothing pending" and open the gate.
    """
    if choose_plan(spec, None) == "per_name":
        return (yield from _per_name_flow(ctx, spec))
    everything = calls.pending_items(ctx.config)
    walk = new_walk(ctx, everything)
    yield from walk_flow(ctx, walk, everything, emit=False, max_pages=1)
    if not walk.done:
        if choose_plan(spec, walk.total) == "per_name":
            return (yield from _per_name_flow(ctx, spec))
        yield from walk_flow(ctx, walk, everything, emit=False)
    return spec.matching(walk.snapshot)


def _per_name_flow(ctx: CallContext, spec: GateSpec) -> Flow[list[dict[str, Any]]]:
    found: list[dict[str, Any]] = []
    for name in spec.task_names:
        query = build_filter_query({"item_name": name}, time_format=ctx.config.time_format)
        listing = calls.pending_items(ctx.config, query)
        walk = new_walk(ctx, listing)
        yield from walk_flow(ctx, walk, listing, emit=False)
        found += walk.snapshot
    return spec.matching(found)


def probe_flow(ctx: CallContext) -> Flow[Page]:
    """The cheapest authenticated read (one pending-items page of one item), e.g. for a connection test."""
    return (yield from perform(ctx, calls.pending_items(ctx.config).page(1, 0)))
