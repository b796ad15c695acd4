# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance: the async twins (alist_pending_items, aiter_pending_items) behave like the sync methods."""

from __future__ import annotations

import logging

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
    total_requests,
)

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAuthenticationError,
    DataArtsConfigError,
)

N = 250


async def _collect(hook, **filters):
    return [item async for item in hook.aiter_pending_items(**filters)]


@pytest.mark.parametrize("server_mode", SERVER_MODES)
@pytest.mark.parametrize("auth", AUTH_MODES)
async def test_aiter_matches_iter(dataarts_emulator_factory, monkeypatch, auth, server_mode):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, auth)
    got = await _collect(make_hook())
    assert_same_items(got, emu.items())
    first = pending_requests(emu)
    assert pages_for(N) <= first <= pages_for(N) + 1
    sync = list(make_hook().iter_pending_items())
    assert [i["pending_item_id"] for i in got] == [i["pending_item_id"] for i in sync]
    # learned semantics and cached credentials are shared between the async and the sync path
    assert pending_requests(emu) - first == pages_for(N)
    assert iam_requests(emu) == (1 if auth == "token" else 0)
    assert metadata_requests(emu) == (1 if auth == "agency" else 0)


@pytest.mark.parametrize("auth", AUTH_MODES)
async def test_alist_matches_list(dataarts_emulator_factory, monkeypatch, auth):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="record")
    set_connection(monkeypatch, emu, auth)
    got = await make_hook().alist_pending_items()
    assert got == make_hook().list_pending_items()
    assert_same_items(got, emu.items())


@pytest.mark.parametrize("server_mode", SERVER_MODES)
async def test_aiter_fixed_mode_request_count(dataarts_emulator_factory, monkeypatch, server_mode):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode=server_mode)
    set_connection(monkeypatch, emu, offset_mode=server_mode)
    assert_same_items(await _collect(make_hook()), emu.items())
    assert pending_requests(emu) == pages_for(N)


@pytest.mark.parametrize(
    "fault",
    [503, "drop", "malformed", "truncated", "html"],
    ids=["503", "drop", "malformed", "truncated", "html"],
)
async def test_aiter_under_fault(dataarts_emulator_factory, monkeypatch, fault):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    emu.script_faults("pending-items", [200, fault])
    assert_same_items(await _collect(make_hook()), emu.items())
    assert pending_requests(emu) == pages_for(N) + 1


async def test_aiter_under_429_with_retry_after(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="record")
    set_connection(monkeypatch, emu, offset_mode="record")
    emu.script_faults("pending-items", [200, {"status": 429, "headers": {"Retry-After": "1"}}])
    assert_same_items(await _collect(make_hook()), emu.items())
    assert pending_requests(emu) == pages_for(N) + 1


async def test_alist_under_fault(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    emu.script_faults("pending-items", [200, 503, "drop"])
    assert_same_items(await make_hook().alist_pending_items(), emu.items())
    assert pending_requests(emu) == pages_for(N) + 2


async def test_aiter_token_fault_and_refresh(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "token")
    emu.script_faults("iam-tokens", [503])
    assert_same_items(await _collect(make_hook()), emu.items())
    assert iam_requests(emu) == 2
    emu.expire_tokens()
    assert_same_items(await _collect(make_hook()), emu.items())
    assert iam_requests(emu) == 3


async def test_aiter_mutation_no_duplicates(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    emu.schedule_mutation(1, insert=3)
    got = ids(await _collect(make_hook()))
    assert max(got.values()) == 1
    assert set(got) == set(ids(emu.items()))


async def test_aiter_mutation_removal_no_duplicates(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    emu.schedule_mutation(2, remove=1, position="front")
    before = set(ids(emu.items()))
    got = ids(await _collect(make_hook()))
    final = set(ids(emu.items()))
    assert max(got.values()) == 1
    assert final <= set(got) <= before
    assert pending_requests(emu) > pages_for(N)  # the walk did restart


async def test_aiter_empty_listing(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, 0)
    set_connection(monkeypatch, emu)
    assert await _collect(make_hook()) == []
    assert pending_requests(emu) == 1


async def test_aiter_filter_matching_nothing(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu)
    assert await _collect(make_hook(), item_name="不存在 nothing") == []


async def test_aiter_filters_match_sync(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu)
    filters = {"task_type": "script", "item_name": "& ", "update_type": 2}
    got = await _collect(make_hook(), **filters)
    assert got
    assert got == make_hook().list_pending_items(**filters)


@pytest.mark.parametrize("call", ["alist", "aiter"])
async def test_async_wrong_sk_one_request(dataarts_emulator_factory, monkeypatch, call):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, password="Wr0ngSecretKeyValue-0123456789abcdefABCD")
    with pytest.raises(DataArtsAuthenticationError) as info:
        if call == "alist":
            await make_hook().alist_pending_items()
        else:
            await _collect(make_hook())
    assert total_requests(emu) == 1
    assert "APIGW.0301" in str(info.value)
    assert info.value.request_id == emu.request_log()[-1]["request_id"]


async def test_async_wrong_iam_password_one_request(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "token", password="Wrong@Passw0rd-123")
    with pytest.raises(DataArtsAuthenticationError):
        await _collect(make_hook())
    assert total_requests(emu) == iam_requests(emu) == 1


@pytest.mark.parametrize(
    ("overrides", "filters", "field"),
    [
        ({"region": "cn/north"}, {}, "region"),
        ({"workspace": "ws#1"}, {}, "workspace"),
        ({}, {"task_type": 7}, "task_type"),
        ({}, {"start_time": "yesterday"}, "start_time"),
    ],
)
@pytest.mark.parametrize("call", ["alist", "aiter"])
async def test_async_invalid_input_sends_nothing(
    dataarts_emulator_factory, monkeypatch, overrides, filters, field, call
):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, **overrides)
    with pytest.raises(DataArtsConfigError) as info:
        if call == "alist":
            await make_hook().alist_pending_items(**filters)
        else:
            await _collect(make_hook(), **filters)
    assert info.value.field == field
    assert total_requests(emu) == 0


async def test_aiter_logs_one_info_line(dataarts_emulator_factory, monkeypatch, caplog):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, offset_mode="page")
    caplog.set_level(logging.INFO)
    emu.script_faults("pending-items", [503])
    await _collect(make_hook())
    (line,) = listing_lines(caplog.records)
    message = line.getMessage()
    assert f"Listed {N} pending items" in message
    assert "3 pages, 4 requests, 1 retries" in message
