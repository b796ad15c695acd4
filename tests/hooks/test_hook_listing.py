# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance: listing through the hook in every auth mode, offset semantics, filters and the log line."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from helpers.hooks import (
    AUTH_MODES,
    SERVER_MODES,
    assert_same_items,
    iam_requests,
    ids,
    listing_lines,
    make_hook,
    metadata_requests,
    pages_for,
    pending_requests,
    set_connection,
    start_emulator,
)

from airflow_dataarts_provider.core.pending_items.values import TaskType, UpdateType
from airflow_dataarts_provider.core.protocol.errors import DataArtsPaginationError

N = 250


# ---------------------------------------------------------------------------------------------- point 1


@pytest.mark.parametrize("server_mode", SERVER_MODES)
@pytest.mark.parametrize("auth", AUTH_MODES)
def test_auto_mode_lists_every_item_once_then_learns(
    dataarts_emulator_factory, monkeypatch, auth, server_mode
):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, auth)
    expected = emu.items()
    assert len(expected) == N

    items = make_hook().list_pending_items()
    assert_same_items(items, expected)
    first = pending_requests(emu)
    # auto costs at most one extra request (the offset-1 probe)
    assert pages_for(N) <= first <= pages_for(N) + 1

    # a second listing in the same process (a new hook) uses the learned semantics: no extra request
    lazy = list(make_hook().iter_pending_items())
    assert_same_items(lazy, expected)
    assert pending_requests(emu) - first == pages_for(N)

    # credentials are fetched once per process and reused by the second hook
    if auth == "token":
        assert iam_requests(emu) == 1
        assert metadata_requests(emu) == 0
    elif auth == "agency":
        assert metadata_requests(emu) == 1
        assert iam_requests(emu) == 0
    else:
        assert iam_requests(emu) == metadata_requests(emu) == 0


@pytest.mark.parametrize("server_mode", SERVER_MODES)
@pytest.mark.parametrize("auth", AUTH_MODES)
def test_fixed_matching_offset_mode_costs_ceil_n_over_100(
    dataarts_emulator_factory, monkeypatch, auth, server_mode
):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, auth, offset_mode=server_mode)
    items = make_hook().list_pending_items()
    assert_same_items(items, emu.items())
    assert pending_requests(emu) == pages_for(N)


@pytest.mark.parametrize("server_mode", SERVER_MODES)
def test_items_keep_server_order_and_fields(dataarts_emulator_factory, monkeypatch, server_mode):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu)
    items = make_hook().list_pending_items()
    assert items == emu.items()


@pytest.mark.parametrize(("server_mode", "wrong_mode"), [("page", "record"), ("record", "page")])
def test_wrong_fixed_offset_mode_fails_loudly_never_truncates(
    dataarts_emulator_factory, monkeypatch, server_mode, wrong_mode
):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, offset_mode=wrong_mode)
    with pytest.raises(DataArtsPaginationError):
        make_hook().list_pending_items()
    assert pending_requests(emu) <= 3 * (pages_for(N) + 2)


def test_small_listing_single_request_and_empty_listing(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, 25)
    set_connection(monkeypatch, emu)
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert pending_requests(emu) == 1

    emu.seed(0)
    assert make_hook().list_pending_items() == []
    assert list(make_hook().iter_pending_items()) == []
    assert pending_requests(emu) == 3


def test_exactly_100_items_in_auto_mode(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, 100)
    set_connection(monkeypatch, emu)
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert pending_requests(emu) <= 2


def test_max_items(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="record")
    set_connection(monkeypatch, emu, offset_mode="record")
    first = make_hook().list_pending_items(max_items=150)
    assert [i["pending_item_id"] for i in first] == [i["pending_item_id"] for i in emu.items()[:150]]
    assert pending_requests(emu) == 2


def test_with_default_client_and_server_rate_limits(dataarts_emulator_factory, monkeypatch):
    """The defaults (10 req/s on both sides) must not produce a 429 on a normal walk."""
    emu = dataarts_emulator_factory(seed_items=N)  # default server limit 10/s
    set_connection(monkeypatch, emu, max_requests_per_second=None)
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert emu.counters()["throttled"] == 0


# ---------------------------------------------------------------------------------------------- point 8

SPECIAL_NAMES = [
    "库存 & 物流 同步",
    "订单/退款 对账",
    "财务报表#月度",
    "日志归档?旧",
    "指标计算 100%",
    "营销 + 渠道",
    "job A/b",
    "etl load & merge",
    "report #1",
    "user=profile",
    "c++ build",
    "what? now",
    "spaces  in  name",
    "a+b=c",
    "用户画像 更新",
]


def _client_filter(items: list[dict[str, Any]], **f: Any) -> list[dict[str, Any]]:
    out = []
    for i in items:
        if "task_type" in f and i["task_type"] != f["task_type"]:
            continue
        if "update_type" in f and i["update_type"] != f["update_type"]:
            continue
        if "submit_user_name" in f and i["submit_user_name"] != f["submit_user_name"]:
            continue
        if "item_name" in f and f["item_name"] not in i["item_name"]:
            continue
        if "start" in f and i["submit_timestamp"] < f["start"]:
            continue
        if "end" in f and i["submit_timestamp"] > f["end"]:
            continue
        out.append(i)
    return out


@pytest.fixture
def filter_env(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, query_plus_as_space=True)
    set_connection(monkeypatch, emu)
    return emu


@pytest.mark.parametrize(
    ("value", "expected"),
    [(TaskType.SCRIPT, 2), ("script", 2), ("JOB", 1), (1, 1), ("2", 2)],
)
def test_filter_task_type(filter_env, value, expected):
    want = _client_filter(filter_env.items(), task_type=expected)
    assert 0 < len(want) < N
    assert_same_items(make_hook().list_pending_items(task_type=value), want)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(UpdateType.MODIFY, 2), ("delete", 3), ("ADD", 1), (3, 3)],
)
def test_filter_update_type(filter_env, value, expected):
    want = _client_filter(filter_env.items(), update_type=expected)
    assert 0 < len(want) < N
    assert_same_items(make_hook().list_pending_items(update_type=value), want)


@pytest.mark.parametrize("user", ["carol li", "zhang.wei", "ops-bob"])
def test_filter_submit_user_name(filter_env, user):
    want = _client_filter(filter_env.items(), submit_user_name=user)
    assert 0 < len(want) < N
    assert_same_items(make_hook().list_pending_items(submit_user_name=user), want)


@pytest.mark.parametrize("name", SPECIAL_NAMES)
def test_filter_item_name_with_chinese_and_reserved_characters(filter_env, name):
    want = _client_filter(filter_env.items(), item_name=name)
    assert want, f"no seeded item contains {name!r}"
    got = make_hook().list_pending_items(item_name=name)
    assert_same_items(got, want)
    assert_same_items(list(make_hook().iter_pending_items(item_name=name)), want)


def test_filter_item_name_exact_full_name(filter_env):
    target = next(i for i in filter_env.items() if "&" in i["item_name"] and "/" not in i["item_name"])
    got = make_hook().list_pending_items(item_name=target["item_name"])
    assert_same_items(got, _client_filter(filter_env.items(), item_name=target["item_name"]))
    assert target["pending_item_id"] in ids(got)


def _window(items: list[dict[str, Any]]) -> tuple[int, int]:
    stamps = sorted(i["submit_timestamp"] for i in items)
    return stamps[len(stamps) // 4], stamps[(3 * len(stamps)) // 4]


def _dt(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)


def _iso(ms: int, tz: timezone = timezone.utc) -> str:
    return _dt(ms).astimezone(tz).isoformat(timespec="milliseconds")


@pytest.mark.parametrize("form", ["datetime", "datetime_cst", "naive_datetime", "epoch_ms", "iso", "iso_z"])
def test_filter_time_window(filter_env, form):
    start, end = _window(filter_env.items())
    cst = timezone(timedelta(hours=8))
    if form == "datetime":
        s, e = _dt(start), _dt(end)
    elif form == "datetime_cst":
        s, e = _dt(start).astimezone(cst), _dt(end).astimezone(cst)
    elif form == "naive_datetime":
        s, e = _dt(start).replace(tzinfo=None), _dt(end).replace(tzinfo=None)
    elif form == "epoch_ms":
        s, e = start, end
    elif form == "iso":
        s, e = _iso(start, cst), _iso(end, cst)
    else:
        s, e = _iso(start).replace("+00:00", "Z"), _iso(end).replace("+00:00", "Z")
    want = _client_filter(filter_env.items(), start=start, end=end)
    assert 0 < len(want) < N
    got = make_hook().list_pending_items(start_time=s, end_time=e)
    assert_same_items(got, want)
    # boundaries are inclusive: the items at exactly start and end are in
    assert {i["submit_timestamp"] for i in got} >= {start, end}


def test_filters_combined(filter_env):
    items = filter_env.items()
    start, end = _window(items)
    want = _client_filter(items, task_type=1, update_type=2, start=start, end=end)
    assert want
    got = make_hook().list_pending_items(
        task_type="job", update_type=UpdateType.MODIFY, start_time=_dt(start), end_time=str(end)
    )
    assert_same_items(got, want)


def test_filter_matching_nothing(filter_env):
    assert make_hook().list_pending_items(item_name="no such item 不存在") == []
    assert pending_requests(filter_env) == 1


# ---------------------------------------------------------------------------------------------- point 10

_LINE_RE = re.compile(r"Listed (\d+) pending items .*?(\d+) pages, (\d+) requests, (\d+) retries")


def _parse_line(record: logging.LogRecord) -> tuple[int, int, int, int]:
    match = _LINE_RE.search(record.getMessage())
    assert match, record.getMessage()
    items, pages, requests, retries = (int(g) for g in match.groups())
    return items, pages, requests, retries


def test_one_info_line_per_listing(dataarts_emulator_factory, monkeypatch, caplog):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    caplog.set_level(logging.DEBUG)

    make_hook().list_pending_items()
    lines = listing_lines(caplog.records)
    assert len(lines) == 1
    assert _parse_line(lines[0]) == (N, 3, 3, 0)

    caplog.clear()
    emu.script_faults("pending-items", [200, 503])
    assert len(list(make_hook().iter_pending_items())) == N
    lines = listing_lines(caplog.records)
    assert len(lines) == 1
    assert _parse_line(lines[0]) == (N, 3, 4, 1)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "retrying" in r.getMessage()]
    assert len(warnings) == 1

    caplog.clear()
    make_hook().list_pending_items(task_type="script")
    lines = listing_lines(caplog.records)
    assert len(lines) == 1
    got_items, _pages, requests, retries = _parse_line(lines[0])
    assert got_items == len(_client_filter(emu.items(), task_type=2))
    assert (requests, retries) == (2, 0)


def test_info_line_counts_restart_requests(dataarts_emulator_factory, monkeypatch, caplog):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page", max_concurrency=1)  # no page fetched in vain
    caplog.set_level(logging.INFO)
    emu.schedule_mutation(1, insert=2)
    items = make_hook().list_pending_items()
    assert_same_items(items, emu.items())
    (line,) = listing_lines(caplog.records)
    got_items, pages, requests, retries = _parse_line(line)
    assert got_items == N + 2
    assert requests == pending_requests(emu) == pages
    assert retries == 0
