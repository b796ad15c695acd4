# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Hostile input: bad connection values, hook arguments, filters and operator arguments are refused with
a message naming the field *before any request* (the emulator's counters prove zero requests, IAM and
metadata included); legitimate odd values (Chinese names, reserved URL characters, huge names) are sent
correctly encoded and signed (the emulator verifies every signature, so a 200 and the exact match prove
it)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.reliability import (
    connection_fields,
    fresh_caches,
    make_hook,
    pending_requests,
    set_raw_connection,
    total_requests,
)

from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator

HUGE = "x" * 100_000
CONFUSABLE_O = "\u043e"  # Cyrillic small o, looks like "o"

# The shapes every identifier-like field is attacked with.
SHAPES: dict[str, str] = {
    "slash": "{v}/x",
    "hash": "{v}#x",
    "at": "x@{v}",
    "dotdot": "..",
    "dotdot-path": "{v}/../x",
    "query": "{v}?a=1",
    "crlf": "{v}\r\nX-Injected: 1",
    "space": "{v} x",
    "lookalike": "{v}" + CONFUSABLE_O,
    "empty-ish": " ",
    "huge": HUGE,
    "nul": "{v}\x00",
    "percent": "{v}%2F..",
}


def _shaped(valid: str) -> list[tuple[str, str]]:
    return [(name, shape.replace("{v}", valid)) for name, shape in SHAPES.items()]


REGION = "cn-north-4"
PROJECT = "5f9c2b7e1a4d4c8b9e3f6a1d2c7b8e90"
WORKSPACE = "a0b1c2d3e4f5061728394a5b6c7d8e9f"

CONNECTION_CASES: list[tuple[str, str, dict[str, Any]]] = [
    *[(f"region-{n}", "region", {"region": v}) for n, v in _shaped(REGION)],
    *[(f"project_id-{n}", "project_id", {"project_id": v}) for n, v in _shaped(PROJECT)],
    *[(f"workspace-{n}", "workspace", {"workspace": v}) for n, v in _shaped(WORKSPACE) if v.strip()],
    ("region-upper", "region", {"region": "CN-NORTH-4"}),
    ("project_id-upper", "project_id", {"project_id": PROJECT.upper()}),
    ("project_id-short", "project_id", {"project_id": PROJECT[:31]}),
    ("region-empty", "region", {"region": None}),
    ("project_id-missing", "project_id", {"project_id": None}),
]

ENDPOINT_CASES: list[tuple[str, str]] = [
    ("http-non-loopback", "http://dayu.cn-north-4.myhuaweicloud.com"),
    ("http-private-ip", "http://10.0.0.8:8080"),
    ("http-metadata-ip", "http://169.254.169.254"),
    ("userinfo", "https://user:pw@dayu.example.com"),
    ("at-confusion", "https://dayu.example.com@evil.example.com"),
    ("path", "https://dayu.example.com/v2"),
    ("dotdot", "https://dayu.example.com/../x"),
    ("query", "https://dayu.example.com?x=1"),
    ("fragment", "https://dayu.example.com#frag"),
    ("crlf", "https://dayu.example.com\r\nX-Injected: 1"),
    ("space", "https://dayu example.com"),
    ("lookalike", "https://dayu.ex" + CONFUSABLE_O + "mple.com"),
    ("huge", "https://" + "a" * 70 + ".com"),
    ("huge-total", "https://" + ".".join(["a" * 60] * 5) + ".com"),
    ("scheme-ftp", "ftp://dayu.example.com"),
    ("scheme-file", "file:///etc/passwd"),
    ("bad-port", "https://dayu.example.com:99999"),
    ("backslash", "https://dayu.example.com\\@evil.example.com"),
]


class _TI:
    def xcom_push(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def _caches() -> Any:
    yield from fresh_caches()


@pytest.fixture(scope="module")
def shared_emu() -> Any:
    from airflow_dataarts_provider.emulator import Emulator, EmulatorConfig

    with Emulator(EmulatorConfig(seed_items=30, rate_limit_per_user=None)) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emu: Any) -> Any:
    shared_emu.reset()  # items, tokens, counters and request log back to the start
    return shared_emu


def _refused(emu: Any, field: str, call: Any) -> DataArtsConfigError:
    with pytest.raises(DataArtsConfigError) as info:
        call()
    error = info.value
    assert error.field == field, (error.field, str(error))
    assert f"Invalid value for '{field}'" in str(error)
    assert len(str(error)) < 2000, "the message must stay readable (huge values are cut)"
    assert total_requests(emu) == 0, emu.request_log()
    return error


@pytest.mark.parametrize(
    ("field", "override"), [c[1:] for c in CONNECTION_CASES], ids=[c[0] for c in CONNECTION_CASES]
)
@pytest.mark.parametrize("auth", ["aksk", "token"])
def test_hostile_connection_values_are_refused_before_any_request(
    emu: Any, monkeypatch: pytest.MonkeyPatch, field: str, override: dict[str, Any], auth: str
) -> None:
    set_raw_connection(monkeypatch, connection_fields(emu, auth, **override))
    error = _refused(emu, field, lambda: make_hook().list_pending_items())
    assert "\r\n" not in str(error)


@pytest.mark.parametrize("host", [c[1] for c in ENDPOINT_CASES], ids=[c[0] for c in ENDPOINT_CASES])
@pytest.mark.parametrize("field", ["host", "iam_endpoint"])
def test_hostile_endpoints_are_refused_before_any_request(
    emu: Any, monkeypatch: pytest.MonkeyPatch, host: str, field: str
) -> None:
    if field == "host":
        fields = connection_fields(emu, "aksk", host=host)
    else:
        fields = connection_fields(emu, "token", iam_endpoint=host)
    set_raw_connection(monkeypatch, fields)
    _refused(emu, field, lambda: make_hook().list_pending_items())


@pytest.mark.parametrize(
    "url", ["http://evil.example.com/openstack/latest/securitykey", "http://10.0.0.1/x/../securitykey"]
)
def test_hostile_metadata_urls_are_refused(emu: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    set_raw_connection(monkeypatch, connection_fields(emu, "agency", metadata_url=url))
    _refused(emu, "metadata_url", lambda: make_hook().list_pending_items())


@pytest.mark.parametrize(("name", "value"), _shaped(WORKSPACE), ids=list(SHAPES))
def test_hostile_workspace_arguments_are_refused(
    emu: Any, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    set_raw_connection(monkeypatch, connection_fields(emu))
    _refused(emu, "workspace", lambda: make_hook(workspace=value).list_pending_items())
    _refused(emu, "workspace", lambda: make_hook().list_pending_items(workspace=value))


FILTER_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("item_name-crlf", "item_name", {"item_name": "job\r\nX-Injected: 1"}),
    ("item_name-nul", "item_name", {"item_name": "job\x00"}),
    ("item_name-empty", "item_name", {"item_name": "  "}),
    ("item_name-u2028", "item_name", {"item_name": "job\u2028x"}),
    ("item_name-type", "item_name", {"item_name": ["a"]}),
    ("submit_user_name-tab", "submit_user_name", {"submit_user_name": "a\tb"}),
    ("task_type-3", "task_type", {"task_type": 3}),
    ("task_type-0", "task_type", {"task_type": 0}),
    ("task_type-neg", "task_type", {"task_type": -1}),
    ("task_type-bool", "task_type", {"task_type": True}),
    ("task_type-name", "task_type", {"task_type": "RESOURCE"}),
    ("task_type-fullwidth-digit", "task_type", {"task_type": "\uff11"}),
    ("update_type-4", "update_type", {"update_type": 4}),
    ("update_type-huge", "update_type", {"update_type": 10**30}),
    ("update_type-float", "update_type", {"update_type": 1.5}),
    ("start_time-month-13", "start_time", {"start_time": "2024-13-01"}),
    ("start_time-words", "start_time", {"start_time": "yesterday"}),
    ("start_time-epoch-seconds", "start_time", {"start_time": 1_700_000_000}),
    ("start_time-too-far", "start_time", {"start_time": 10**15}),
    ("start_time-negative", "start_time", {"start_time": -5}),
    ("start_time-bool", "start_time", {"start_time": False}),
    ("start_time-crlf", "start_time", {"start_time": "2024-01-01\r\n"}),
    ("end_time-float", "end_time", {"end_time": 1.7e12}),
    ("end_time-empty", "end_time", {"end_time": " "}),
    ("start-after-end", "start_time", {"start_time": "2024-02-01", "end_time": "2024-01-01"}),
    ("unknown-filter", "filters", {"limit": 5}),
    ("offset-filter", "filters", {"offset": 1}),
]


@pytest.mark.parametrize(
    ("field", "filters"), [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES]
)
def test_hostile_filters_are_refused_before_any_request(
    emu: Any, monkeypatch: pytest.MonkeyPatch, field: str, filters: dict[str, Any]
) -> None:
    set_raw_connection(monkeypatch, connection_fields(emu))
    _refused(emu, field, lambda: make_hook().list_pending_items(**filters))
    _refused(emu, field, lambda: list(make_hook().iter_pending_items(**filters)))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("limit", 0),
        ("limit", 101),
        ("limit", -1),
        ("limit", True),
        ("limit", "10"),
        ("offset", -1),
        ("offset", 1.0),
        ("offset", None),
    ],
)
def test_limit_and_offset_out_of_range_are_refused(field: str, value: Any) -> None:
    from helpers.reliability import flow_config

    kwargs: dict[str, Any] = {"limit": 10, "offset": 0, field: value}
    with pytest.raises(DataArtsConfigError) as info:
        calls.pending_items(flow_config()).page(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("max_items", {"max_items": -1}),
        ("max_items", {"max_items": "ten"}),
        ("max_items", {"max_items": True}),
        ("max_items", {"max_items": "1e3"}),
        ("fields", {"fields": ["pending_item_id", "password"]}),
        ("fields", {"fields": []}),
        ("task_type", {"task_type": "RESOURCE"}),
        ("update_type", {"update_type": 9}),
        ("start_time", {"start_time": "not a time"}),
        ("workspace", {"workspace": "../x"}),
    ],
)
def test_operator_arguments_are_refused_before_any_request(
    emu: Any, monkeypatch: pytest.MonkeyPatch, field: str, kwargs: dict[str, Any]
) -> None:
    set_raw_connection(monkeypatch, connection_fields(emu))
    operator = DataArtsListPendingItemsOperator(task_id="t", **kwargs)
    _refused(emu, field, lambda: operator.execute({"ti": _TI()}))


# ---------------------------------------------------------------------------------------------- legitimate


LEGIT_NAMES = [
    "数据清洗作业 0000",
    "a+b=c&d#e/f?g %41 ;,",
    "财务报表#月度",
    "name with  two spaces",
    "emoji 🚀 job",
    "combining é vs é",
    "'quotes' \"and\" <tags>",
    "~!@$^*()_-[]{}|:",
    "x" * 4000,
    "长" * 2000,
]


@pytest.mark.parametrize("name", LEGIT_NAMES, ids=[f"name{i}" for i in range(len(LEGIT_NAMES))])
@pytest.mark.parametrize("auth", ["aksk", "token"])
def test_legitimate_odd_names_are_encoded_signed_and_matched(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, name: str, auth: str
) -> None:
    emu = dataarts_emulator_factory(
        items=({"item_name": name}, {"item_name": "other"}),
        rate_limit_per_user=None,
        item_name_match="exact",
    )
    set_raw_connection(monkeypatch, connection_fields(emu, auth))
    items = make_hook().list_pending_items(
        item_name=name, submit_user_name=emu.items()[0]["submit_user_name"]
    )
    assert [i["item_name"] for i in items] == [name]  # the server decoded exactly what we meant
    assert pending_requests(emu) == 1
    assert [r["status"] for r in emu.request_log() if r["endpoint"] == "pending-items"] == [200]


def test_non_ascii_names_in_gate_sensor_and_workspace_argument(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["数据清洗作业 0000", "a+b=c&d#e/f?g"]
    emu = dataarts_emulator_factory(
        items=tuple({"item_name": n} for n in names), rate_limit_per_user=None, item_name_match="exact"
    )
    set_raw_connection(monkeypatch, connection_fields(emu))
    from airflow_dataarts_provider.core.pending_items.gate import GateSpec

    found = make_hook().gate_items(GateSpec.create(names))
    assert sorted(i["item_name"] for i in found) == sorted(names)
    assert all(r["status"] == 200 for r in emu.request_log())
