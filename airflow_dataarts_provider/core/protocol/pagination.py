# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""A pure (sans-I/O) state machine that walks a ``limit``/``offset`` listing such as pending items.

The listing driver (:func:`airflow_dataarts_provider.core.protocol.listing.walk_flow`) feeds it::

    walk = ListingWalk(page_size=100, known_mode=learned.get(key))
    while (request := walk.next_request()) is not None:
        walk.feed(fetch_page(request.limit, request.offset))   # fetch_page -> Page; returns new items
    learned[key] = walk.learned_mode or learned.get(key)

``offset`` semantics are UNCERTAIN for this API: documented as a *page number*, but sibling Huawei code
advances it by *record count*. ``offset_mode="auto"`` works against either at the cost of at most one
extra request: the first page is read at offset 0 and, when more rows exist, the second at offset 1.
With page semantics offset 1 returns rows ``limit..2*limit-1`` (all new); with record semantics rows
``1..limit`` (the first page shifted by one). The walk concludes, keeps the new rows and continues.
With ``page_size == 1`` both semantics coincide and nothing needs to be learned.

Stopping: a short or empty page, reaching ``total``, ``max_items``. Safety bounds: at most
``ceil(total/limit) + 2`` requests per pass when ``total`` is known and ``max_pages`` requests overall;
exceeding them raises :class:`DataArtsPaginationError` (never a silent truncation).

Consistency. A *pass* reads the listing from offset 0 to its end. A pass is disturbed (an *anomaly*)
when ``total`` changes between its pages, when a page repeats ids already read in the pass (rows were
inserted before the read position, or the server ignores ``offset``), when the offset-1 probe matches
neither semantics, or when the listing ends before ``total`` rows or has more. Then the walk restarts
from offset 0 (at most ``max_restarts`` times, else :class:`DataArtsPaginationError`). The anomalous
page's items are not yielded; later passes yield only ids not yielded before. Ids are deduplicated
on ``id_key``.

Guarantees, when the walk ends normally (not by ``max_items``):

* List API (:attr:`ListingWalk.snapshot`): exactly the items of the final pass, a pass during
  which ``total`` never changed and pages neither overlapped nor fell short, in server order, each id
  once. Any single insertion or removal changes ``total``, so the snapshot reflects the listing as it
  was during the final pass. (Only an insertion and a removal landing between the same two requests
  can escape detection; no client of a ``limit``/``offset`` API can see that.)
* Lazy iterator (what :meth:`ListingWalk.feed` returns): every id at most once; every item
  present for the whole walk is yielded; yielded = snapshot plus items read in an earlier pass that
  were gone by the final pass (legitimately released or deleted meanwhile): yielded items cannot be
  taken back, so a lazy consumer may see such released items; the list API does not.
* With ``max_items`` the result is the first ``max_items`` distinct items met, with no completeness
  claim. With ``total`` absent, a wrong fixed ``offset_mode`` (or a stale ``known_mode``) cannot be
  detected when the server answers an empty page."""

from __future__ import annotations

import math
from typing import Any

from airflow_dataarts_provider.core.protocol.enums import PAGE_SIZE_MAX
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsPaginationError,
)
from airflow_dataarts_provider.core.protocol.pages import Page
from airflow_dataarts_provider.core.protocol.pagination_terms import (
    DEFAULT_MAX_PAGES,
    OffsetModeValue,
    OffsetSemantics,
    PageRequest,
    check_walk_arguments,
    some_ids,
)


class _Disturbed(Exception):
    """A page showed that the listing moved under the current pass."""


class ListingWalk:
    """Walk a listing page by page; see the module docstring for the protocol and its guarantees.

    Not thread-safe: one walk is driven by one caller.
    """

    def __init__(
        self,
        page_size: int = PAGE_SIZE_MAX,
        *,
        offset_mode: OffsetModeValue = "auto",
        known_mode: OffsetSemantics | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_items: int | None = None,
        max_restarts: int = 2,
        id_key: str = "pending_item_id",
        page_size_max: int = PAGE_SIZE_MAX,
    ) -> None:
        check_walk_arguments(
            page_size, offset_mode, known_mode, max_pages, max_items, max_restarts, page_size_max
        )
        self._limit = page_size
        self._offset_mode: OffsetModeValue = offset_mode
        self._max_pages = max_pages
        self._max_items = max_items
        self._max_restarts = max_restarts
        self._id_key = id_key

        # Semantics in use: fixed, cached (auto + known_mode) or None (auto, not yet detected).
        self._mode: OffsetSemantics | None = known_mode if offset_mode == "auto" else offset_mode
        self._detected: OffsetSemantics | None = None  # concluded by a probe during this walk

        self._pages = 0
        self._restarts = 0
        self._yielded_ids: set[str] = set()
        self._yielded: list[dict[str, Any]] = []
        self._pending: PageRequest | None = None
        self._done = False
        self._stop_reason: str | None = None
        # Current pass: ids and items read, rows covered, pages, total, first page's ids, probing.
        self._pass_ids: set[str] = set()
        self._pass_items: list[dict[str, Any]] = []
        self._rows = 0
        self._pass_pages = 0
        self._pass_total: int | None = None
        self._first_ids: list[str] = []
        self._probing = False
        if max_items == 0:
            self._finish("max_items")

    # ------------------------------------------------------------------ public state

    @property
    def page_size(self) -> int:
        return self._limit

    @property
    def pages(self) -> int:
        """Pages fed so far (= requests sent), restarts included."""
        return self._pages

    @property
    def items(self) -> int:
        """Items yielded so far (distinct ids)."""
        return len(self._yielded)

    @property
    def restarts(self) -> int:
        return self._restarts

    @property
    def done(self) -> bool:
        return self._done

    @property
    def stop_reason(self) -> str | None:
        """Why the walk ended: 'reached total', 'short page', 'empty page' or 'max_items'."""
        return self._stop_reason

    @property
    def total(self) -> int | None:
        """``total`` as reported during the current (or final) pass."""
        return self._pass_total

    @property
    def mode(self) -> OffsetSemantics | None:
        """The offset semantics in use (None while auto detection has not concluded)."""
        return self._mode

    @property
    def learned_mode(self) -> OffsetSemantics | None:
        """In auto mode: the semantics detected during this walk, else the ``known_mode`` it was given
        and that nothing contradicted; None when unknown (e.g. a single page). Always None for a
        fixed ``offset_mode``. Callers remember it per endpoint and pass it back as ``known_mode``."""
        if self._offset_mode != "auto":
            return None
        return self._detected or self._mode

    @property
    def snapshot(self) -> list[dict[str, Any]]:
        """The list result: the final consistent pass (or, after ``max_items``, the items yielded)."""
        if not self._done:
            raise RuntimeError("snapshot is only available once the walk is done")
        if self._stop_reason == "max_items":
            return list(self._yielded)
        return list(self._pass_items)

    # ------------------------------------------------------------------ protocol

    def next_request(self) -> PageRequest | None:
        """The next request to send, or None when the walk is over. Idempotent until :meth:`feed`."""
        if self._done:
            return None
        if self._pending is not None:
            return self._pending
        if self._pages >= self._max_pages:
            self._done = True
            raise DataArtsPaginationError(
                f"Listing not finished after {self._pages} requests (max_pages={self._max_pages}):"
                f" {len(self._yielded)} items read; raise max_pages or narrow the filters"
            )
        if self._pass_total is not None:
            bound = math.ceil(self._pass_total / self._limit) + 2
            if self._pass_pages >= bound:
                self._done = True
                raise DataArtsPaginationError(
                    f"The server keeps returning full pages: {self._pass_pages} requests in this pass"
                    f" for total={self._pass_total} and limit={self._limit} (bound {bound})"
                )
        if self._pass_pages == 0:
            offset = 0
        elif self._probing:
            offset = 1
        elif self._semantics() == "page":
            offset = self._pass_pages
        else:
            offset = self._rows
        self._pending = PageRequest(limit=self._limit, offset=offset)
        return self._pending

    def upcoming(self, count: int) -> list[PageRequest]:
        """Up to ``count`` requests that will follow, in order, if every page arrives full and nothing
        changes: the next one plus the ones after it. Only predictable once the offset semantics and
        ``total`` are known (else just :meth:`next_request`); a caller may fetch them concurrently and
        feed them in order, checking each against :meth:`next_request`."""
        first = self.next_request()
        if first is None:
            return []
        semantics = self._semantics()
        if self._probing or semantics is None or self._pass_total is None or self._pass_pages == 0:
            return [first]
        remaining = math.ceil(max(0, self._pass_total - self._rows) / self._limit)
        if self._max_items is not None:
            remaining = min(remaining, math.ceil(max(0, self._max_items - len(self._yielded)) / self._limit))
        step = 1 if semantics == "page" else self._limit
        return [
            PageRequest(self._limit, first.offset + i * step) for i in range(max(1, min(count, remaining)))
        ]

    def feed(self, page: Page) -> list[dict[str, Any]]:
        """Account for the answer to the last :meth:`next_request` request; return the items to yield
        (new ids only, in server order). May raise :class:`DataArtsPaginationError`."""
        request = self._pending
        if self._done or request is None:
            raise RuntimeError("feed() called without a pending request from next_request()")
        self._pending = None
        self._pages += 1
        self._pass_pages += 1
        first = self._pass_pages == 1
        ids = self._ids(page.items)

        try:
            rows = self._rows_after(ids, page.total, request.offset, first)
        except _Disturbed as disturbed:
            return self._anomaly(str(disturbed))
        short = len(ids) < self._limit
        total = self._pass_total
        self._rows = rows

        if self._pass_ids.isdisjoint(ids) and self._yielded_ids.isdisjoint(ids):  # the common case
            self._pass_ids.update(ids)
            self._pass_items.extend(page.items)
            fresh, fresh_ids = list(page.items), ids
        else:
            fresh, fresh_ids = self._account(page.items, ids)

        if self._max_items is not None:
            room = self._max_items - len(self._yielded)
            if len(fresh) >= room:
                fresh = fresh[:room]
                self._commit(fresh, fresh_ids[:room])
                self._finish("max_items")
                return fresh
        self._commit(fresh, fresh_ids)

        if total is not None and rows >= total:
            self._finish("reached total")
        elif short:
            self._finish("empty page" if not ids else "short page")
        elif first and self._mode is None and self._limit > 1:
            self._probing = True
        return fresh

    # ------------------------------------------------------------------ internals

    def _rows_after(self, ids: list[str], total_now: int | None, offset: int, first: bool) -> int:
        """Rows the pass covers once this page is counted; raises _Disturbed when the page shows that
        the listing moved under the pass (see the module docstring)."""
        if total_now is not None:
            if self._pass_total is None:
                self._pass_total = total_now
            elif total_now != self._pass_total:
                raise _Disturbed(f"total changed from {self._pass_total} to {total_now} (offset {offset})")

        repeats = [] if len(set(ids)) == len(ids) else sorted({i for i in ids if ids.count(i) > 1})
        if repeats:
            # A page that repeats a row hides another one (rows shifted while it was read): counting
            # it as `limit` rows would return a listing one short of `total` as complete.
            raise _Disturbed(f"the page at offset {offset} lists {some_ids(repeats)} more than once")
        if first:
            rows = len(ids)
            self._first_ids = ids
        elif self._probing:
            self._probing = False
            verdict = self._classify_probe(ids)
            if verdict is None:
                raise _Disturbed(
                    "the page at offset 1 matches neither page-number nor record-offset semantics"
                    " (the listing changed, or the server ignores 'offset')"
                )
            self._mode = self._detected = verdict
            rows = self._rows + len(ids) if verdict == "page" else 1 + len(ids)
        else:
            repeated = [] if self._pass_ids.isdisjoint(ids) else sorted(set(ids) & self._pass_ids)
            if repeated:
                raise _Disturbed(
                    f"{len(repeated)} of the {len(ids)} items at offset {offset} were already"
                    f" listed in this pass ({some_ids(repeated)}; rows were inserted, or the server ignores"
                    f" 'offset' or uses other offset semantics than {self._semantics()!r})"
                )
            rows = self._rows + len(ids)

        short = len(ids) < self._limit
        total = self._pass_total
        if total is not None and (rows > total or (short and rows < total)):
            raise _Disturbed(
                f"the listing has at least {rows} rows but total is {total}"
                if rows > total
                else f"the listing ended after {rows} rows but total is {total}"
                f" (offset semantics {self._semantics()!r} may be wrong for this server)"
            )
        if total is not None and rows >= total:
            # The invariant, whatever path led here: complete means exactly `total` distinct ids.
            distinct = len(self._pass_ids | set(ids))
            if distinct != total:
                raise _Disturbed(f"{distinct} distinct items but total is {total}")
        return rows

    def _semantics(self) -> OffsetSemantics | None:
        # With limit 1 both semantics send offset = number of rows read.
        return "record" if self._limit == 1 else self._mode

    def _account(self, items: list[dict[str, Any]], ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
        """Add a page's items to the pass; return the ones (and their ids) never yielded before."""
        fresh: list[dict[str, Any]] = []
        fresh_ids: list[str] = []
        for item, item_id in zip(items, ids, strict=True):
            if item_id in self._pass_ids:
                continue  # the record-semantics probe's expected overlap with the first page
            self._pass_ids.add(item_id)
            self._pass_items.append(item)
            if item_id not in self._yielded_ids:
                fresh.append(item)
                fresh_ids.append(item_id)
        return fresh, fresh_ids

    def _ids(self, items: list[dict[str, Any]]) -> list[str]:
        key = self._id_key
        try:
            ids = [item[key] for item in items]
        except (KeyError, TypeError):
            raise DataArtsPaginationError(f"A listed item has no '{key}'") from None
        return [i if type(i) is str else str(i) for i in ids]

    def _classify_probe(self, ids: list[str]) -> OffsetSemantics | None:
        first = self._first_ids
        if not ids:
            # Record semantics would return rows 1.. (page 0 was full, so they exist).
            return "page"
        common = min(len(ids), len(first) - 1)
        if common >= 1 and ids[:common] == first[1 : 1 + common]:
            return "record"
        if not set(ids) & set(first):
            return "page"
        return None

    def _commit(self, fresh: list[dict[str, Any]], fresh_ids: list[str]) -> None:
        self._yielded_ids.update(fresh_ids)
        self._yielded.extend(fresh)

    def _finish(self, reason: str) -> None:
        self._done = True
        self._stop_reason = reason

    def _reset_pass(self) -> None:
        self._pass_ids = set()
        self._pass_items = []
        self._rows = 0
        self._pass_pages = 0
        self._pass_total = None
        self._first_ids = []
        self._probing = False

    def _anomaly(self, reason: str) -> list[dict[str, Any]]:
        if self._restarts >= self._max_restarts:
            self._done = True
            raise DataArtsPaginationError(
                f"Could not list the items consistently: {reason}. Gave up after {self._restarts}"
                f" restart(s) and {self._pages} requests: the listing kept changing while it was"
                f" read, or the server does not page as expected (offset_mode={self._offset_mode!r},"
                f" semantics {self._semantics()!r})"
            )
        self._restarts += 1
        if self._offset_mode == "auto" and self._detected is None:
            self._mode = None  # a cached known_mode may be stale: detect again
        self._reset_pass()
        return []
