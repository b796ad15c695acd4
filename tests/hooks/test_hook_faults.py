# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance: faults and concurrent changes during a walk, through the hook, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.hooks import (
    SERVER_MODES,
    assert_same_items,
    iam_requests,
    ids,
    make_hook,
    metadata_requests,
    pages_for,
    pending_requests,
    set_connection,
    start_emulator,
    wait_for,
)

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsPaginationError,
    DataArtsResponseError,
    DataArtsServerError,
    DataArtsTransportError,
)

N = 250
RETRYABLE_FAULTS: list[Any] = [
    503,
    500,
    {"status": 429, "headers": {"Retry-After": "1"}},
    "drop",
    "malformed",
    "truncated",
    "html",
]
FAULT_IDS = ["503", "500", "429-retry-after", "drop", "malformed", "truncated", "html"]
QUICK_FAULTS = [f for f in RETRYABLE_FAULTS if not isinstance(f, dict)]
QUICK_IDS = [i for i in FAULT_IDS if i != "429-retry-after"]


FIXED_CASES = [
    (m, f) for m in SERVER_MODES for f in RETRYABLE_FAULTS if m == "page" or not isinstance(f, dict)
]
FIXED_IDS = [
    f"{m}-{i}"
    for m in SERVER_MODES
    for f, i in zip(RETRYABLE_FAULTS, FAULT_IDS, strict=True)
    if m == "page" or not isinstance(f, dict)
]


@pytest.mark.parametrize(("server_mode", "fault"), FIXED_CASES, ids=FIXED_IDS)
def test_fault_mid_walk_fixed_mode_costs_one_request(
    dataarts_emulator_factory, monkeypatch, fault, server_mode
):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, offset_mode=server_mode)
    emu.script_faults("pending-items", [200, fault])  # the second request of the walk fails once
    items = make_hook().list_pending_items()
    assert_same_items(items, emu.items())
    assert pending_requests(emu) == pages_for(N) + 1
    assert emu.counters()["faults_injected"] == 2
    assert emu.pending_faults() == {}


@pytest.mark.parametrize("fault", QUICK_FAULTS, ids=QUICK_IDS)
@pytest.mark.parametrize("server_mode", SERVER_MODES)
def test_fault_during_auto_probe_iter(dataarts_emulator_factory, monkeypatch, fault, server_mode):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu)  # auto: the faulty request is the offset-1 probe
    emu.script_faults("pending-items", [200, fault])
    lazy = list(make_hook().iter_pending_items())
    assert_same_items(lazy, emu.items())
    assert pending_requests(emu) <= pages_for(N) + 2


@pytest.mark.parametrize("fault", QUICK_FAULTS, ids=QUICK_IDS)
def test_fault_on_first_and_last_page(dataarts_emulator_factory, monkeypatch, fault):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="record")
    set_connection(monkeypatch, emu, offset_mode="record")
    emu.script_faults("pending-items", [fault, 200, 200, fault])
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert pending_requests(emu) == pages_for(N) + 2


def test_several_consecutive_faults_within_max_attempts(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page", max_attempts=5)
    emu.script_faults("pending-items", [200, 503, "drop", "malformed", "html"])
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert pending_requests(emu) == pages_for(N) + 4


@pytest.mark.parametrize(
    ("fault", "error"),
    [(503, DataArtsServerError), ("drop", DataArtsTransportError), ("truncated", DataArtsResponseError)],
)
def test_persistent_fault_gives_up_after_max_attempts(dataarts_emulator_factory, monkeypatch, fault, error):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page", max_attempts=3, max_concurrency=1)
    emu.script_faults("pending-items", [200] + [fault] * 3)
    with pytest.raises(error):
        make_hook().list_pending_items()
    assert pending_requests(emu) == 1 + 3


@pytest.mark.parametrize("concurrency", [2, 4])
def test_persistent_fault_with_concurrent_pages_stays_bounded(
    dataarts_emulator_factory, monkeypatch, concurrency
):
    """Pages after the first are fetched concurrently: a server failing every request costs at most
    max_attempts per page in flight, then the listing fails (no retry storm)."""
    emu = start_emulator(dataarts_emulator_factory, 1000, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page", max_attempts=3, max_concurrency=concurrency)
    emu.script_faults("pending-items", [200] + [503] * 100)
    with pytest.raises(DataArtsServerError):
        make_hook().list_pending_items()
    assert 1 + 3 <= pending_requests(emu) <= 1 + 3 * concurrency


def test_timeout_is_retried(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page", timeout=0.2)
    emu.script_faults("pending-items", [200, "sleep:0.5"])
    assert_same_items(make_hook().list_pending_items(), emu.items())
    # the timed-out request is counted once the emulator has finished sleeping
    assert wait_for(lambda: pending_requests(emu) == pages_for(N) + 1)


def test_server_throttling_is_absorbed(dataarts_emulator_factory, monkeypatch):
    """Server limit 2/s, client limiter disabled: 429s with Retry-After are waited out."""
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page", rate_limit_per_user=2)
    set_connection(monkeypatch, emu, offset_mode="page", max_attempts=5)
    assert_same_items(make_hook().list_pending_items(), emu.items())
    throttled = emu.counters()["throttled"]
    assert pending_requests(emu) == pages_for(N) + throttled


@pytest.mark.parametrize("fault", [503, "drop", "malformed"], ids=["503", "drop", "malformed"])
def test_iam_token_fault_is_retried(dataarts_emulator_factory, monkeypatch, fault):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "token")
    emu.script_faults("iam-tokens", [fault])
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert iam_requests(emu) == 2


@pytest.mark.parametrize("fault", [503, "drop", "html"], ids=["503", "drop", "html"])
def test_metadata_fault_is_retried(dataarts_emulator_factory, monkeypatch, fault):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "agency")
    emu.script_faults("securitykey", [fault])
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert metadata_requests(emu) == 2


# ---------------------------------------------------------------------------------------------- mutations

MUTATIONS = [
    {"after_requests": 1, "insert": 3, "position": "front"},
    {"after_requests": 2, "insert": 4, "position": "back"},
    {"after_requests": 1, "remove": 5, "position": "front"},
    {"after_requests": 2, "remove": 2, "position": "back"},
    {"after_requests": 1, "insert": 2, "remove": 7, "position": "front"},
]
MUTATION_IDS = ["insert-front", "insert-back", "remove-front", "remove-back", "insert2-remove7-front"]


def _mutate(emu: Any, m: dict[str, Any]) -> None:
    m = dict(m)
    emu.schedule_mutation(m.pop("after_requests"), **m)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=MUTATION_IDS)
@pytest.mark.parametrize("server_mode", SERVER_MODES)
@pytest.mark.parametrize("offset_mode", ["auto", "fixed"])
def test_mutation_mid_walk_list_returns_final_set(
    dataarts_emulator_factory, monkeypatch, mutation, server_mode, offset_mode
):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, offset_mode=server_mode if offset_mode == "fixed" else "auto")
    _mutate(emu, mutation)
    items = make_hook().list_pending_items()
    final = emu.items()
    assert len(final) == N + mutation.get("insert", 0) - mutation.get("remove", 0)
    assert_same_items(items, final)
    assert items == final  # server order
    # one restart at most: the disturbed pass plus one clean pass (plus the probes in auto mode)
    assert pending_requests(emu) <= 2 * (pages_for(len(final)) + 1)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=MUTATION_IDS)
@pytest.mark.parametrize("server_mode", SERVER_MODES)
def test_mutation_mid_walk_iter_no_duplicates(dataarts_emulator_factory, monkeypatch, mutation, server_mode):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu)
    before = ids(emu.items())
    _mutate(emu, mutation)
    lazy = list(make_hook().iter_pending_items())
    final = ids(emu.items())
    got = ids(lazy)
    assert max(got.values()) == 1, "an item was yielded twice"
    assert set(final) <= set(got), "an item present at the end was never yielded"
    # anything else yielded was present at the start and removed meanwhile
    assert set(got) - set(final) <= set(before) - set(final)


def test_mutation_and_fault_together(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="record")
    set_connection(monkeypatch, emu)
    emu.schedule_mutation(1, insert=1, remove=3, position="back")
    emu.script_faults("pending-items", [200, 503, 200, "drop"])
    items = make_hook().list_pending_items()
    assert_same_items(items, emu.items())
    assert len(items) == N - 2


def test_two_mutations_two_restarts(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    emu.schedule_mutation(1, insert=1)
    emu.schedule_mutation(3, remove=1, position="back")
    items = make_hook().list_pending_items()
    assert_same_items(items, emu.items())
    assert len(items) == N


# ---------------------------------------- a page that repeats a row (and hides another): never "complete"


@pytest.mark.parametrize("server_mode", SERVER_MODES)
def test_a_page_repeating_a_row_once_is_read_again_and_the_listing_is_exact(
    dataarts_emulator_factory, monkeypatch, server_mode
):
    """1,234 items; the third page repeats a row and hides another (total unchanged). The walk notices,
    restarts and returns exactly the 1,234 (before the fix: 1,233 returned as complete)."""
    emu = start_emulator(dataarts_emulator_factory, 1234, offset_mode=server_mode)
    set_connection(monkeypatch, emu, offset_mode=server_mode)
    emu.script_faults("pending-items", [200, 200, "repeat_row"])
    items = make_hook().list_pending_items()
    assert len(items) == 1234
    assert_same_items(items, emu.items())


def test_pages_that_always_repeat_a_row_raise_naming_offset_and_ids(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, 1234, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    emu.script_faults("pending-items", ["repeat_row"] * 50)
    with pytest.raises(DataArtsPaginationError) as info:
        make_hook().list_pending_items()
    first = emu.items()[0]["pending_item_id"]
    assert "offset 0" in str(info.value) and repr(first) in str(info.value)
    assert pending_requests(emu) == 3  # the first pass and two restarts, each stopped at its first page
