# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance: invalid connections and filters are refused before any request; test_connection()."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers.hooks import (
    CONN_TYPE,
    connection_fields,
    make_hook,
    set_connection,
    set_raw_connection,
    start_emulator,
    total_requests,
)

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

N = 150


@pytest.fixture
def emu(dataarts_emulator_factory):
    return start_emulator(dataarts_emulator_factory, N)


# (auth mode, connection overrides, field named by the error)
BAD_CONNECTIONS: list[tuple[str, dict[str, Any], str]] = [
    ("aksk", {"region": "cn-north-4/x"}, "region"),
    ("aksk", {"region": "CN North"}, "region"),
    ("aksk", {"project_id": "5F9C2B7E1A4D4C8B9E3F6A1D2C7B8E90"}, "project_id"),
    ("aksk", {"project_id": "5f9c2b7e1a4d"}, "project_id"),
    ("aksk", {"workspace": "ws#1"}, "workspace"),
    ("aksk", {"workspace": "ws/1"}, "workspace"),
    ("aksk", {"host": "http://dayu.example.com"}, "host"),
    ("aksk", {"host": "http://10.0.0.1:8080"}, "host"),
    ("aksk", {"auth_type": "kerberos"}, "auth_type"),
    ("aksk", {"offset_mode": "bogus"}, "offset_mode"),
    ("aksk", {"max_attempts": 0}, "max_attempts"),
    ("aksk", {"timeout": "soon"}, "timeout"),
    ("aksk", {"login": None}, "login"),
    ("aksk", {"password": None}, "password"),
    ("aksk", {"domain_name": "acme"}, "domain_name"),
    ("token", {"domain_name": None}, "domain_name"),
    ("token", {"iam_endpoint": "http://iam.example.com"}, "iam_endpoint"),
    ("token", {"workspace": "a/b"}, "workspace"),
    ("agency", {"metadata_url": "http://metadata.example.com/openstack/latest/securitykey"}, "metadata_url"),
    ("agency", {"login": "SOMEAK"}, "login"),
]
BAD_IDS = [f"{a}-{'-'.join(f'{k}' for k in o)}-{i}" for i, (a, o, _) in enumerate(BAD_CONNECTIONS)]

BAD_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"task_type": 7}, "task_type"),
    ({"task_type": "RESOURCE"}, "task_type"),
    ({"update_type": "nope"}, "update_type"),
    ({"start_time": "yesterday"}, "start_time"),
    ({"end_time": 1_700_000_000}, "end_time"),  # epoch seconds, not ms
    ({"start_time": "2025-06-02T00:00:00Z", "end_time": "2025-06-01T00:00:00Z"}, "start_time"),
    ({"item_name": ""}, "item_name"),
    ({"submit_user_name": "bob\nalice"}, "submit_user_name"),
    ({"colour": "red"}, "filters"),
]
FILTER_IDS = [f"{'-'.join(f)}-{i}" for i, (f, _) in enumerate(BAD_FILTERS)]


def _assert_names_field(exc: DataArtsConfigError, field: str) -> None:
    assert exc.field == field
    assert f"'{field}'" in str(exc)


@pytest.mark.parametrize(("auth", "overrides", "field"), BAD_CONNECTIONS, ids=BAD_IDS)
def test_invalid_connection_sends_nothing(emu, monkeypatch, auth, overrides, field):
    set_connection(monkeypatch, emu, auth, **overrides)
    with pytest.raises(DataArtsConfigError) as info:
        make_hook().list_pending_items()
    _assert_names_field(info.value, field)
    with pytest.raises(DataArtsConfigError):
        make_hook().iter_pending_items()  # raised on the call, before iteration
    with pytest.raises(DataArtsConfigError):
        asyncio.run(make_hook().alist_pending_items())
    assert total_requests(emu) == 0


@pytest.mark.parametrize("auth", ["aksk", "token"])
@pytest.mark.parametrize(("filters", "field"), BAD_FILTERS, ids=FILTER_IDS)
def test_invalid_filter_sends_nothing(emu, monkeypatch, filters, field, auth):
    set_connection(monkeypatch, emu, auth)
    with pytest.raises(DataArtsConfigError) as info:
        make_hook().list_pending_items(**filters)
    _assert_names_field(info.value, field)
    with pytest.raises(DataArtsConfigError):
        make_hook().iter_pending_items(**filters)
    assert total_requests(emu) == 0


def test_unknown_filter_error_names_the_filter(emu, monkeypatch):
    set_connection(monkeypatch, emu)
    with pytest.raises(DataArtsConfigError, match="colour"):
        make_hook().list_pending_items(colour="red")


def test_invalid_workspace_argument_sends_nothing(emu, monkeypatch):
    set_connection(monkeypatch, emu)
    with pytest.raises(DataArtsConfigError) as info:
        make_hook(workspace="ws#1").list_pending_items()
    _assert_names_field(info.value, "workspace")
    assert total_requests(emu) == 0


AUTH_WS = ["aksk", "token", "agency"]


@pytest.mark.parametrize("auth", AUTH_WS)
@pytest.mark.parametrize("workspace", ["ws#1", "a/b"])
def test_invalid_workspace_filter_sends_nothing(emu, monkeypatch, auth, workspace):
    set_connection(monkeypatch, emu, auth)
    with pytest.raises(DataArtsConfigError) as info:
        make_hook().list_pending_items(workspace=workspace)
    _assert_names_field(info.value, "workspace")
    assert total_requests(emu) == 0


@pytest.mark.parametrize("auth", AUTH_WS)
def test_missing_workspace_sends_nothing(emu, monkeypatch, auth):
    set_connection(monkeypatch, emu, auth, workspace=None)
    with pytest.raises(DataArtsConfigError) as info:
        make_hook().list_pending_items()
    _assert_names_field(info.value, "workspace")
    assert total_requests(emu) == 0


def test_workspace_filter_lists_other_workspace(dataarts_emulator_factory, monkeypatch):
    other = "b" * 32
    emu = start_emulator(dataarts_emulator_factory, N, workspaces=("a0b1c2d3e4f5061728394a5b6c7d8e9f", other))
    emu.seed(120, seed=7, workspace=other)
    set_connection(monkeypatch, emu)
    got = make_hook().list_pending_items(workspace=other)
    assert [i["pending_item_id"] for i in got] == [i["pending_item_id"] for i in emu.items(other)]
    got = make_hook(workspace=other).list_pending_items()
    assert len(got) == 120


# ---------------------------------------------------------------------------------------------- point 7


def test_test_connection_ok(emu, monkeypatch):
    fields = set_connection(monkeypatch, emu)
    ok, message = make_hook().test_connection()
    assert ok is True
    assert emu.url in message
    assert str(N) in message
    assert fields["password"] not in message
    assert total_requests(emu) == 1


@pytest.mark.parametrize("auth", ["aksk_sts", "token", "agency"])
def test_test_connection_ok_other_auth(emu, monkeypatch, auth):
    set_connection(monkeypatch, emu, auth)
    ok, message = make_hook().test_connection()
    assert ok is True, message
    assert emu.url in message


def test_test_connection_wrong_sk(emu, monkeypatch):
    wrong = "Wr0ngSecretKeyValue-0123456789abcdefABCD"
    set_connection(monkeypatch, emu, password=wrong)
    ok, message = make_hook().test_connection()
    assert ok is False
    assert "APIGW.0301" in message
    assert wrong not in message
    assert emu.info()["sk"] not in message
    assert total_requests(emu) == 1


def test_test_connection_wrong_iam_password(emu, monkeypatch):
    set_connection(monkeypatch, emu, "token", password="Wrong@Passw0rd-123")
    ok, message = make_hook().test_connection()
    assert ok is False
    assert "401" in message
    assert "Wrong@Passw0rd-123" not in message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "cn-north-4/x"}, "region"),
        ({"project_id": "nope"}, "project_id"),
        ({"offset_mode": "x"}, "offset_mode"),
    ],
)
def test_test_connection_invalid_connection_never_raises(emu, monkeypatch, overrides, field):
    set_connection(monkeypatch, emu, **overrides)
    ok, message = make_hook().test_connection()
    assert ok is False
    assert field in message
    assert total_requests(emu) == 0


def test_test_connection_unreachable_never_raises(emu, monkeypatch):
    fields = connection_fields(emu, max_attempts=2)
    emu.stop()
    set_raw_connection(monkeypatch, fields)
    ok, message = make_hook().test_connection()
    assert ok is False
    assert message


def test_test_connection_missing_connection_never_raises(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_DATAARTS_MISSING", raising=False)
    ok, message = make_hook("dataarts_missing").test_connection()
    assert ok is False
    assert "dataarts_missing" in message


def test_test_connection_garbage_extra_never_raises(monkeypatch):
    set_raw_connection(
        monkeypatch,
        {"conn_type": CONN_TYPE, "host": "127.0.0.1", "login": "AK", "password": "x", "extra": {}},
    )
    ok, message = make_hook().test_connection()
    assert ok is False
    assert "region" in message
