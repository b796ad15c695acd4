# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Response fuzzing (hypothesis): whatever the server answers, the client never hangs, never raises
anything but a ``DataArtsError`` subclass, and never returns a silently partial listing.

Fast properties run on the pure core (``core/protocol/pages.py``,
``core/protocol/error_bodies.parse_api_error``,
``core/protocol/pagination.py`` and the flows driven by a scripted fake transport); a few end-to-end cases go
through the emulator's ``{"status": 200, "body": ...}`` fault entries and the real HTTP drivers.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from helpers.reliability import (
    clear_process_caches,
    connection_fields,
    flow_config,
    fresh_caches,
    json_response,
    make_hook,
    pending_requests,
    set_raw_connection,
    start_emulator,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.pending_items.calls import parse_pending_items_page
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.error_bodies import parse_api_error
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAPIError,
    DataArtsError,
    DataArtsPaginationError,
    DataArtsResponseError,
    api_error_class,
)
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.core.protocol.pagination import ListingWalk
from airflow_dataarts_provider.transport.scripted import ScriptedDriver

EXAMPLES = int(os.environ.get("DATAARTS_FUZZ_EXAMPLES", "0")) or 250
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
PATH = "/v2/p/factory/pending-items"

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
ids_ = st.one_of(st.text(min_size=1, max_size=12), st.integers(-5, 10**12), st.none(), st.booleans())
items = st.lists(
    st.one_of(
        st.fixed_dictionaries({"pending_item_id": ids_}, optional={"item_name": json_values}),
        json_values,
    ),
    max_size=8,
)
totals = st.one_of(
    st.none(), st.integers(-(10**6), 10**18), st.booleans(), st.floats(allow_nan=False), st.text(max_size=5)
)
listing_bodies = st.one_of(
    st.fixed_dictionaries({}, optional={"data": st.one_of(items, json_values), "total": totals}),
    json_values,
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json;charset=UTF-8",
        "text/html",
        "text/plain",
        "",
        "application/problem+json",
    ]
)


@pytest.fixture(autouse=True)
def _caches() -> Any:
    yield from fresh_caches()


def _response(body: Any, content_type: str = "application/json", status: int = 200) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"x-request-id": "req-fuzz"}
    if content_type:
        headers["content-type"] = content_type
    return HttpResponse(status, headers, raw)


# ---------------------------------------------------------------------------------------------- page parsing


@FUZZ
@given(body=listing_bodies, content_type=content_types)
def test_page_parser_accepts_only_well_formed_pages(body: Any, content_type: str) -> None:
    try:
        page = parse_pending_items_page(_response(body, content_type), "GET", PATH)
    except DataArtsResponseError as exc:
        assert "req-fuzz" in str(exc)  # always says which response it was
        return
    # Accepted: then it really is a documented page.
    assert isinstance(body, dict)
    assert page.total is None or (isinstance(page.total, int) and page.total >= 0)
    assert len(page.items) == len(body.get("data") or [])
    for item in page.items:
        assert isinstance(item["pending_item_id"], str) and item["pending_item_id"].strip()


@FUZZ
@given(raw=st.binary(max_size=300), content_type=content_types)
def test_page_parser_on_arbitrary_bytes(raw: bytes, content_type: str) -> None:
    """Either a classified refusal or a well-formed page: never another exception, never a bad shape."""
    try:
        page = parse_pending_items_page(_response(raw, content_type), "GET", PATH)
    except DataArtsResponseError:
        return
    assert all(isinstance(i, dict) and isinstance(i["pending_item_id"], str) for i in page.items)
    assert page.total is None or (not isinstance(page.total, bool) and page.total >= 0)


# ---------------------------------------------------------------------------------------------- error bodies


@FUZZ
@given(
    status=st.integers(400, 599),
    body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=3000)),
    retry_after=st.one_of(
        st.none(), st.text(max_size=40), st.sampled_from(["1", "-3", "1e309", "nan", "inf"])
    ),
    date=st.one_of(st.none(), st.text(max_size=40)),
)
def test_error_parser_always_classifies(status: int, body: bytes, retry_after: Any, date: Any) -> None:
    headers = {"x-request-id": "req-err"}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    if date is not None:
        headers["date"] = date
    error = parse_api_error(HttpResponse(status, headers, body), "GET", PATH)
    assert type(error) is api_error_class(status)
    assert isinstance(error, DataArtsAPIError) and error.status == status
    assert error.retry_after is None or (error.retry_after >= 0 and error.retry_after == error.retry_after)
    text = str(error)
    assert f"HTTP {status}" in text and "req-err" in text
    assert len(error.error_msg) <= 2100  # bounded excerpt, whatever the body size


# ---------------------------------------------------------------------------------------------- walk


@st.composite
def server_pages(draw: Any) -> list[Any]:
    """A sequence of (possibly lying) pages: right or wrong totals, pages longer than the limit,
    repeated or missing ids."""
    universe = [f"id{i}" for i in range(draw(st.integers(0, 30)))]
    pages = []
    for _ in range(draw(st.integers(1, 12))):
        size = draw(st.integers(0, 14))
        chosen = draw(st.lists(st.sampled_from(universe or ["id0"]), min_size=size, max_size=size))
        total = draw(st.one_of(st.none(), st.integers(0, 40), st.just(len(universe))))
        pages.append({"data": [{"pending_item_id": i} for i in chosen], "total": total})
    return pages


@FUZZ
@given(pages=server_pages(), limit=st.integers(1, 10), mode=st.sampled_from(["auto", "page", "record"]))
def test_walk_never_loops_and_never_returns_a_silent_partial(pages: list[Any], limit: int, mode: Any) -> None:
    from airflow_dataarts_provider.core.protocol.pages import Page

    walk = ListingWalk(limit, offset_mode=mode, max_pages=50)
    fed = 0
    yielded: list[str] = []
    try:
        while (request := walk.next_request()) is not None:
            assert request.limit == limit and request.offset >= 0
            body = pages[fed % len(pages)]
            page = Page(
                [dict(i, pending_item_id=str(i["pending_item_id"])) for i in body["data"]],
                body["total"],
                None,
            )
            yielded += [str(i["pending_item_id"]) for i in walk.feed(page)]
            fed += 1
            assert fed <= 50, "the walk must stop by itself"
    except DataArtsPaginationError:
        return
    assert walk.done
    snapshot = [str(i["pending_item_id"]) for i in walk.snapshot]
    assert len(set(yielded)) == len(yielded), "an id was yielded twice"
    assert len(set(snapshot)) == len(snapshot)
    if walk.total is not None and walk.stop_reason != "max_items":
        # Done normally with a total: the listing returned as complete holds exactly `total` distinct
        # ids (docs/api-notes.md, "Completeness"); anything else must have raised.
        assert len(snapshot) == walk.total, (walk.total, len(snapshot))


@FUZZ
@given(
    script=st.lists(st.one_of(listing_bodies, st.binary(max_size=60)), min_size=1, max_size=6),
    statuses=st.lists(st.sampled_from([200, 200, 200, 400, 401, 429, 500, 503]), min_size=6, max_size=6),
)
def test_flow_on_arbitrary_answers_ends_classified(script: list[Any], statuses: list[int]) -> None:
    """The whole listing flow (auth, retries, paging) against arbitrary answers: ends with a result or a
    DataArtsError, within the retry and page bounds."""
    responses = [
        _response(body, "application/json", status)
        for body, status in zip(script * 50, statuses * 50, strict=False)
    ]
    transport = ScriptedDriver(responses[:300], max_sends=300)
    clear_process_caches()  # per example: fixtures run once per test, not per example

    config = flow_config(max_attempts=3)
    client = CallContext.create(config, monotonic=transport.monotonic)
    try:
        result = transport.run(list_flow(client, calls.pending_items(config), emit=True))
    except DataArtsError:
        return
    got = [i["pending_item_id"] for i in result.items]
    assert len(set(got)) == len(got)
    if result.total is not None and not result.truncated:
        assert len(got) == result.total, "a complete listing must match the server's total"


@FUZZ
@given(short=st.integers(0, 99), gap=st.integers(1, 10**9))
def test_listing_ending_before_total_is_never_returned_as_complete(short: int, gap: int) -> None:
    """Pages that stop before ``total`` (a silently partial answer) must fail, not be returned."""
    total = 100 + short + gap
    first = json_response({"data": [{"pending_item_id": f"a{i}"} for i in range(100)], "total": total})
    tail = json_response({"data": [{"pending_item_id": f"b{i}"} for i in range(short)], "total": total})
    config = flow_config()
    bound = 3 * (1 + config.max_concurrency)  # three passes (two restarts): first page + one round each
    transport = ScriptedDriver([first, tail] * bound)
    clear_process_caches()  # per example: fixtures run once per test, not per example

    client = CallContext.create(config, monotonic=transport.monotonic)
    with pytest.raises(DataArtsPaginationError):
        transport.run(list_flow(client, calls.pending_items(config), emit=False))
    assert len(transport.requests) <= bound


@FUZZ
@given(extra=st.integers(1, 50))
def test_pages_longer_than_the_limit_are_not_trusted_blindly(extra: int) -> None:
    body = {"data": [{"pending_item_id": f"x{i}"} for i in range(100 + extra)], "total": 100 + extra}
    transport = ScriptedDriver([json_response(body)] * 10)
    clear_process_caches()  # per example: fixtures run once per test, not per example

    config = flow_config()
    client = CallContext.create(config, monotonic=transport.monotonic)
    try:
        result = transport.run(list_flow(client, calls.pending_items(config), emit=False))
    except DataArtsError:
        return
    got = [i["pending_item_id"] for i in result.items]
    assert len(set(got)) == len(got) == 100 + extra


# ---------------------------------------------------------------------------------------------- end to end


E2E_BODIES: list[Any] = [
    {"data": None, "total": 5},
    {"data": "items", "total": 1},
    {"data": [{"pending_item_id": None}], "total": 1},
    {"data": [{"pending_item_id": True}], "total": 1},
    {"data": [{"id": "x"}], "total": 1},
    {"data": [], "total": -1},
    {"data": [], "total": "7"},
    {"data": [], "total": 1.5},
    {"data": [1, 2, 3], "total": 3},
    [],
    "just a string",
]


@pytest.mark.parametrize("body", E2E_BODIES, ids=[f"body{i}" for i in range(len(E2E_BODIES))])
def test_end_to_end_bad_success_bodies(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, body: Any
) -> None:
    emu = start_emulator(dataarts_emulator_factory, 5)
    set_raw_connection(monkeypatch, connection_fields(emu))
    emu.script_faults(
        "pending-items", [{"status": 200, "body": body, "headers": {"Content-Type": "application/json"}}] * 10
    )
    with pytest.raises(DataArtsResponseError) as info:
        make_hook().list_pending_items()
    assert "Unexpected response to GET" in str(info.value)
    assert pending_requests(emu) == 3  # a bad body is retried (GET), within max_attempts


def test_end_to_end_absurd_total_is_refused_not_walked(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = start_emulator(dataarts_emulator_factory, 5)
    set_raw_connection(monkeypatch, connection_fields(emu))
    page = {"data": [{"pending_item_id": f"i{i}"} for i in range(100)], "total": 10**15}
    emu.script_faults("pending-items", [{"status": 200, "body": page}] * 50)
    hook = make_hook()
    with pytest.raises(DataArtsError):
        hook.list_pending_items()
    # Three passes (two restarts), each the first page plus at most one batch of concurrent pages.
    width = getattr(hook.get_config(), "max_concurrency", 1)
    assert pending_requests(emu) <= 3 * (1 + width)
