# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pagination state machine against simulated servers with either offset semantics."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsPaginationError,
)
from airflow_dataarts_provider.core.protocol.pages import Page
from airflow_dataarts_provider.core.protocol.pagination import ListingWalk
from airflow_dataarts_provider.core.protocol.pagination_terms import PageRequest

LOOP_GUARD = 20_000


def rows_for(
    items: list[str], semantics: str, limit: int, offset: int, server_page: int | None = None
) -> list[str]:
    """What a server returns for ``limit``/``offset``. ``server_page`` models a server ignoring limit."""
    size = server_page or limit
    if semantics == "page":
        return items[offset * size : offset * size + size]
    if semantics == "record":
        return items[offset : offset + size]
    if semantics == "ignore":  # a server that ignores offset
        return items[:size]
    raise AssertionError(semantics)


def make_page(ids: list[str], total: int | None) -> Page:
    return Page(
        items=[{"pending_item_id": i, "item_name": f"name {i}"} for i in ids], total=total, request_id="r"
    )


@dataclass
class Server:
    """A pure simulated server; ``mutations[k]`` is applied just before request ``k`` (0-based)."""

    items: list[str]
    semantics: str
    with_total: bool = True
    server_page: int | None = None
    mutations: dict[int, tuple[str, float]] = field(default_factory=dict)
    requests: list[PageRequest] = field(default_factory=list)
    ever: set[str] = field(default_factory=set)
    _new: int = 0

    def __post_init__(self) -> None:
        self.ever = set(self.items)

    def __call__(self, request: PageRequest) -> Page:
        op = self.mutations.get(len(self.requests))
        if op is not None:
            kind, where = op
            if kind == "insert":
                self._new += 1
                new_id = f"new-{self._new}"
                self.items.insert(int(where * (len(self.items) + 1)) % (len(self.items) + 1), new_id)
                self.ever.add(new_id)
            elif self.items:
                del self.items[int(where * len(self.items)) % len(self.items)]
        self.requests.append(request)
        ids = rows_for(self.items, self.semantics, request.limit, request.offset, self.server_page)
        return make_page(ids, len(self.items) if self.with_total else None)


def drive(walk: ListingWalk, server: Callable[[PageRequest], Page]) -> list[str]:
    out: list[str] = []
    for _ in range(LOOP_GUARD):
        request = walk.next_request()
        if request is None:
            return out
        assert request.limit == walk.page_size
        out.extend(item["pending_item_id"] for item in walk.feed(server(request)))
    raise AssertionError("the walk did not terminate")


def ids(n: int) -> list[str]:
    return [f"id-{i:04d}" for i in range(n)]


# ---------------------------------------------------------------------------- properties (stable)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 1000),
    limit=st.sampled_from([2, 3, 10, 99, 100]),
    semantics=st.sampled_from(["page", "record"]),
    how=st.sampled_from(["fixed", "auto", "known"]),
    with_total=st.booleans(),
)
def test_stable_listing_every_item_exactly_once(
    n: int, limit: int, semantics: str, how: str, with_total: bool
) -> None:
    if how == "fixed":
        walk = ListingWalk(limit, offset_mode=semantics, max_pages=5000)  # type: ignore[arg-type]
    elif how == "known":
        walk = ListingWalk(limit, known_mode=semantics, max_pages=5000)  # type: ignore[arg-type]
    else:
        walk = ListingWalk(limit, max_pages=5000)
    server = Server(ids(n), semantics, with_total=with_total)
    yielded = drive(walk, server)

    assert yielded == ids(n)  # every item exactly once, in server order
    assert [i["pending_item_id"] for i in walk.snapshot] == ids(n)
    assert walk.items == n and walk.restarts == 0
    assert walk.pages == len(server.requests)
    exact = max(1, math.ceil(n / limit)) if with_total else n // limit + 1
    if how == "auto":
        assert exact <= walk.pages <= exact + 1
        if semantics == "page":
            assert walk.pages == exact
        if walk.learned_mode is not None:
            assert walk.learned_mode == semantics
        if n > limit:
            assert walk.learned_mode == semantics
    else:
        assert walk.pages == exact


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), semantics=st.sampled_from(["page", "record"]), with_total=st.booleans())
def test_page_size_one_needs_no_detection(n: int, semantics: str, with_total: bool) -> None:
    walk = ListingWalk(1, max_pages=5000)
    server = Server(ids(n), semantics, with_total=with_total)
    assert drive(walk, server) == ids(n)
    assert walk.pages == (max(1, n) if with_total else n + 1)
    assert [r.offset for r in server.requests] == list(range(walk.pages))
    assert walk.learned_mode is None


# ---------------------------------------------------------------------------- properties (mutating)

mutation = st.tuples(st.sampled_from(["insert", "remove"]), st.floats(0, 1, exclude_max=True))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 1000),
    limit=st.sampled_from([2, 7, 100]),
    semantics=st.sampled_from(["page", "record"]),
    offset_mode=st.sampled_from(["auto", "fixed"]),
    mutations=st.dictionaries(st.integers(0, 40), mutation, max_size=6),
    max_restarts=st.integers(0, 3),
)
def test_mutations_end_consistent_or_raise(
    n: int,
    limit: int,
    semantics: str,
    offset_mode: str,
    mutations: dict[int, tuple[str, float]],
    max_restarts: int,
) -> None:
    mode = "auto" if offset_mode == "auto" else semantics
    walk = ListingWalk(limit, offset_mode=mode, max_restarts=max_restarts, max_pages=5000)  # type: ignore[arg-type]
    server = Server(ids(n), semantics, mutations=mutations)
    yielded: list[str] = []
    try:
        for _ in range(LOOP_GUARD):
            request = walk.next_request()
            if request is None:
                break
            yielded.extend(item["pending_item_id"] for item in walk.feed(server(request)))
        else:
            raise AssertionError("the walk did not terminate")
    except DataArtsPaginationError as exc:
        assert "consistently" in str(exc)
        assert walk.done and walk.next_request() is None
        assert walk.restarts == max_restarts
        assert len(yielded) == len(set(yielded))  # never a duplicate, even on failure
        return

    snapshot = [i["pending_item_id"] for i in walk.snapshot]
    assert snapshot == server.items  # the final pass is the listing as it is now
    assert len(yielded) == len(set(yielded))  # each id at most once
    assert set(snapshot) <= set(yielded) <= server.ever  # released items may have been yielded
    assert walk.restarts <= max_restarts
    if not any(k < len(server.requests) for k in mutations):
        assert yielded == server.items and walk.restarts == 0


# ---------------------------------------------------------------------------- edge cases


def run(n: int, semantics: str, limit: int = 100, **kwargs: Any) -> tuple[ListingWalk, Server, list[str]]:
    server = Server(
        ids(n), semantics, **{k: kwargs.pop(k) for k in ("with_total", "server_page") if k in kwargs}
    )
    walk = ListingWalk(limit, **kwargs)
    return walk, server, drive(walk, server)


@pytest.mark.parametrize(
    ("n", "semantics", "offsets", "learned"),
    [
        (0, "page", [0], None),
        (0, "record", [0], None),
        (99, "record", [0], None),
        (100, "page", [0], None),  # total exactly 100: no second request
        (100, "record", [0], None),
        (101, "page", [0, 1], "page"),  # the probe brings row 100 alone
        (101, "record", [0, 1], "record"),  # the probe brings rows 1..100, row 100 new
        (200, "page", [0, 1], "page"),
        (200, "record", [0, 1, 101], "record"),  # the one extra request
        (350, "page", [0, 1, 2, 3], "page"),
        (350, "record", [0, 1, 101, 201, 301], "record"),
    ],
)
def test_auto_detection_requests(n: int, semantics: str, offsets: list[int], learned: str | None) -> None:
    walk, server, yielded = run(n, semantics)
    assert yielded == ids(n)
    assert [r.offset for r in server.requests] == offsets
    assert walk.learned_mode == learned
    assert walk.stop_reason == "reached total"


def test_total_absent_stops_on_short_or_empty_page() -> None:
    walk, server, yielded = run(100, "page", with_total=False)
    assert yielded == ids(100)
    assert [r.offset for r in server.requests] == [0, 1]
    assert walk.stop_reason == "empty page" and walk.learned_mode == "page"

    walk, server, yielded = run(100, "record", with_total=False)
    assert yielded == ids(100)
    assert [r.offset for r in server.requests] == [0, 1]
    assert walk.stop_reason == "short page" and walk.learned_mode == "record"


def test_known_mode_skips_detection() -> None:
    walk, server, yielded = run(250, "record", known_mode="record")
    assert yielded == ids(250)
    assert [r.offset for r in server.requests] == [0, 100, 200]
    assert walk.learned_mode == "record"


@pytest.mark.parametrize(("cached", "actual"), [("page", "record"), ("record", "page")])
def test_stale_known_mode_is_detected_and_relearned(cached: str, actual: str) -> None:
    walk, _server, yielded = run(250, actual, limit=10, known_mode=cached)
    assert sorted(yielded) == ids(250) and len(yielded) == 250
    assert [i["pending_item_id"] for i in walk.snapshot] == ids(250)
    assert walk.restarts == 1
    assert walk.learned_mode == actual


@pytest.mark.parametrize(("fixed", "actual"), [("page", "record"), ("record", "page")])
def test_wrong_fixed_mode_raises_instead_of_dropping(fixed: str, actual: str) -> None:
    with pytest.raises(DataArtsPaginationError, match=r"offset|total") as info:
        run(250, actual, limit=10, offset_mode=fixed)
    assert "Gave up after 2 restart(s)" in str(info.value)


def test_server_ignoring_offset_raises_when_more_rows_exist() -> None:
    with pytest.raises(DataArtsPaginationError, match="ignores 'offset'"):
        run(250, "ignore")
    with pytest.raises(DataArtsPaginationError, match="ignores 'offset'"):
        run(250, "ignore", offset_mode="page")
    # Everything fits on the first page: nothing to notice.
    walk, _server, yielded = run(42, "ignore")
    assert yielded == ids(42) and walk.pages == 1


def test_page_longer_than_limit_is_tolerated() -> None:
    for semantics in ("page", "record"):
        for with_total in (True, False):
            walk, _server, yielded = run(400, semantics, server_page=150, with_total=with_total)
            assert yielded == ids(400), (semantics, with_total)
            assert walk.learned_mode == semantics


def test_a_row_repeated_within_a_page_restarts_then_raises_naming_offset_and_ids() -> None:
    """A page that repeats a row hides another: never counted as complete (it used to be: 3 of 4)."""
    walk = ListingWalk(4, max_restarts=1)
    assert walk.next_request() == PageRequest(4, 0)
    assert walk.feed(make_page(["a", "b", "a", "c"], total=4)) == []  # anomaly: restart
    assert walk.restarts == 1 and walk.next_request() == PageRequest(4, 0)
    with pytest.raises(DataArtsPaginationError, match=r"offset 0 lists 'a' more than once"):
        walk.feed(make_page(["a", "b", "a", "c"], total=4))


def test_a_repeat_on_a_later_page_is_caught_and_the_next_pass_is_exact() -> None:
    walk = ListingWalk(2, offset_mode="page")
    walk.next_request()
    assert [i["pending_item_id"] for i in walk.feed(make_page(["a", "b"], total=4))] == ["a", "b"]
    assert walk.next_request() == PageRequest(2, 1)
    assert walk.feed(make_page(["c", "c"], total=4)) == []  # "d" hidden behind a repeated "c"
    assert walk.restarts == 1
    for offset, page in ((0, ["a", "b"]), (1, ["c", "d"])):
        assert walk.next_request() == PageRequest(2, offset)
        walk.feed(make_page(page, total=4))
    assert walk.done and [i["pending_item_id"] for i in walk.snapshot] == ["a", "b", "c", "d"]


def test_total_smaller_than_items_seen_restarts_then_raises() -> None:
    """More rows than ``total`` is as inconsistent as fewer: never returned as a complete listing."""
    walk = ListingWalk(3, max_restarts=1)
    walk.next_request()
    assert walk.feed(make_page(["a", "b", "c"], total=1)) == []  # anomaly: not yielded, restart
    assert walk.restarts == 1 and walk.next_request() == PageRequest(3, 0)
    with pytest.raises(DataArtsPaginationError, match="at least 3 rows but total is 1"):
        walk.feed(make_page(["a", "b", "c"], total=1))


def test_listing_shorter_than_total_restarts_then_raises() -> None:
    walk = ListingWalk(3, max_restarts=1)
    walk.next_request()
    assert walk.feed(make_page(["a", "b"], total=5)) == []  # anomaly: not yielded, restart
    assert walk.restarts == 1 and walk.next_request() == PageRequest(3, 0)
    with pytest.raises(DataArtsPaginationError, match="ended after 2 rows but total is 5"):
        walk.feed(make_page(["a", "b"], total=5))


def test_total_change_restarts_and_yields_only_new_items() -> None:
    walk = ListingWalk(2, offset_mode="page")
    assert walk.next_request() == PageRequest(2, 0)
    assert [i["pending_item_id"] for i in walk.feed(make_page(["a", "b"], total=5))] == ["a", "b"]
    assert walk.next_request() == PageRequest(2, 1)
    # "x" was inserted at the front: b shifts onto page 1, total changes.
    assert walk.feed(make_page(["b", "c"], total=6)) == []
    assert walk.restarts == 1 and walk.total is None
    assert walk.next_request() == PageRequest(2, 0)
    assert [i["pending_item_id"] for i in walk.feed(make_page(["x", "a"], total=6))] == ["x"]
    walk.next_request()
    assert [i["pending_item_id"] for i in walk.feed(make_page(["b", "c"], total=6))] == ["c"]
    walk.next_request()
    assert [i["pending_item_id"] for i in walk.feed(make_page(["d", "e"], total=6))] == ["d", "e"]
    assert walk.done
    assert [i["pending_item_id"] for i in walk.snapshot] == ["x", "a", "b", "c", "d", "e"]


def test_removed_item_yielded_earlier_is_not_in_snapshot() -> None:
    walk = ListingWalk(2, offset_mode="record")
    walk.next_request()
    walk.feed(make_page(["a", "b"], total=3))
    walk.next_request()
    assert walk.feed(make_page(["c"], total=2)) == []  # "a" was released meanwhile
    walk.next_request()
    assert walk.feed(make_page(["b", "c"], total=2))[0]["pending_item_id"] == "c"
    assert walk.done
    assert [i["pending_item_id"] for i in walk.snapshot] == ["b", "c"]
    assert walk.items == 3  # the lazy consumer saw a, b, c


def test_max_items_stops_early() -> None:
    walk, server, yielded = run(1000, "page", max_items=150)
    assert yielded == ids(150)
    assert walk.stop_reason == "max_items" and len(server.requests) == 2
    assert [i["pending_item_id"] for i in walk.snapshot] == ids(150)
    walk = ListingWalk(max_items=0)
    assert walk.done and walk.next_request() is None


def test_absolute_page_cap() -> None:
    with pytest.raises(DataArtsPaginationError, match="max_pages=3"):
        run(1000, "page", with_total=False, max_pages=3)


def test_protocol_misuse() -> None:
    walk = ListingWalk(10)
    with pytest.raises(RuntimeError):
        walk.feed(make_page([], total=0))
    first = walk.next_request()
    assert walk.next_request() is first  # idempotent until fed
    walk.feed(make_page([], total=0))
    assert walk.done and walk.next_request() is None
    with pytest.raises(RuntimeError):
        walk.feed(make_page([], total=0))
    with pytest.raises(RuntimeError):
        ListingWalk(10).snapshot  # noqa: B018


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"page_size": True},
        {"offset_mode": "pages"},
        {"known_mode": "auto"},
        {"max_pages": 0},
        {"max_items": -1},
        {"max_restarts": -1},
    ],
)
def test_invalid_configuration(kwargs: dict[str, Any]) -> None:
    with pytest.raises(DataArtsConfigError) as error:
        ListingWalk(**kwargs)
    assert error.value.field == next(iter(kwargs))  # the error names the argument


def test_custom_id_key_for_other_listings() -> None:
    walk = ListingWalk(2, id_key="package_id")
    walk.next_request()
    got = walk.feed(Page(items=[{"package_id": "p1"}, {"package_id": "p2"}], total=2, request_id=None))
    assert len(got) == 2 and walk.done
