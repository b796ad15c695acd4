# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from airflow_dataarts_provider.core.pending_items.values import (
    TaskType,
    UpdateType,
    build_filter_query,
    normalize_task_type,
    normalize_update_type,
)
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.times import (
    format_time,
    parse_time,
    validate_time_format,
)

T0 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)  # 1700000000000 ms


@pytest.mark.parametrize("value", [1, TaskType.JOB, "JOB", "job", " Job ", "1"])
def test_task_type_job(value: object) -> None:
    assert normalize_task_type(value) is TaskType.JOB


@pytest.mark.parametrize("value", [2, "script", "SCRIPT", TaskType.SCRIPT])
def test_task_type_script(value: object) -> None:
    assert normalize_task_type(value) is TaskType.SCRIPT


@pytest.mark.parametrize(
    "value", [3, "resource", TaskType.RESOURCE, 0, 4, "jobs", True, False, 1.0, None, [1]]
)
def test_task_type_rejected(value: object) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        normalize_task_type(value)
    assert info.value.field == "task_type"
    assert info.value.allowed is not None
    assert "JOB (1)" in info.value.allowed and "SCRIPT (2)" in info.value.allowed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("modify", UpdateType.MODIFY),
        ("ADD", UpdateType.ADD),
        (3, UpdateType.DELETE),
        (UpdateType.ADD, UpdateType.ADD),
    ],
)
def test_update_type(value: object, expected: UpdateType) -> None:
    assert normalize_update_type(value) is expected


@pytest.mark.parametrize("value", [0, 4, "remove", True, 2.5])
def test_update_type_rejected(value: object) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        normalize_update_type(value)
    assert info.value.field == "update_type"
    assert "MODIFY (2)" in (info.value.allowed or "")


@pytest.mark.parametrize(
    "value",
    [
        T0,
        T0.replace(tzinfo=None),
        T0.astimezone(timezone(timedelta(hours=8))),
        pendulum.datetime(2023, 11, 14, 22, 13, 20, tz="UTC"),
        pendulum.datetime(2023, 11, 15, 6, 13, 20, tz="Asia/Shanghai"),
        1700000000000,
        "1700000000000",
        "2023-11-14T22:13:20Z",
        "2023-11-14T22:13:20.000+00:00",
        "2023-11-15T06:13:20+08:00",
        "2023-11-14T22:13:20",
    ],
)
def test_parse_time_equivalents(value: object) -> None:
    assert parse_time("start_time", value) == T0
    assert format_time(parse_time("start_time", value)) == "1700000000000"


@pytest.mark.parametrize(
    "value",
    ["yesterday", "", "  ", "2023-13-01", "1700000000", 1700000000, True, 1.7e12, "17000\n00000000", None],
)
def test_parse_time_rejected(value: object) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        parse_time("end_time", value)
    assert info.value.field == "end_time"
    assert "epoch milliseconds" in (info.value.allowed or "")


def test_epoch_seconds_hint() -> None:
    with pytest.raises(DataArtsConfigError, match="epoch seconds"):
        parse_time("start_time", 1700000000)


def test_time_formats() -> None:
    t = T0 + timedelta(microseconds=1500)
    assert format_time(t, "epoch_ms") == "1700000000001"
    assert format_time(t, "epoch_ms", round_up=True) == "1700000000002"
    assert format_time(t, "epoch_s") == "1700000000"
    assert format_time(t, "epoch_s", round_up=True) == "1700000001"
    assert format_time(t, "iso8601") == "2023-11-14T22:13:20.001Z"
    assert format_time(T0, "strftime:%Y-%m-%d %H:%M:%S") == "2023-11-14 22:13:20"
    assert format_time(t, "strftime:%Y-%m-%d %H:%M:%S", round_up=True) == "2023-11-14 22:13:21"
    assert format_time(t, "strftime:%Y-%m-%d", round_up=True) == "2023-11-15"


@pytest.mark.parametrize("fmt", ["epoch", "strftime:", "strftime:abc", 5, "ISO8601"])
def test_time_format_rejected(fmt: object) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        validate_time_format(fmt)
    assert info.value.field == "time_format"
    assert "epoch_ms" in (info.value.allowed or "")


def test_build_filter_query_order_and_values() -> None:
    pairs = build_filter_query(
        {
            "end_time": "2023-11-15T00:00:00Z",
            "start_time": T0,
            "task_type": "script",
            "update_type": "MODIFY",
            "item_name": "作业 A/b&c",
            "submit_user_name": "alice",
        }
    )
    assert pairs == [
        ("submit_user_name", "alice"),
        ("item_name", "作业 A/b&c"),
        ("task_type", "2"),
        ("update_type", "2"),
        ("start_time", "1700000000000"),
        ("end_time", "1700006400000"),
    ]


def test_build_filter_query_skips_none_and_empty() -> None:
    assert build_filter_query(None) == []
    assert build_filter_query({}) == []
    assert build_filter_query({"item_name": None, "task_type": 1}) == [("task_type", "1")]


def test_build_filter_query_epoch_s() -> None:
    assert build_filter_query({"start_time": T0}, time_format="epoch_s") == [("start_time", "1700000000")]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"itemname": "x"}, "filters"),
        ({"workspace": "ws"}, "filters"),
        ({"limit": 5}, "filters"),
        ({"item_name": ""}, "item_name"),
        ({"item_name": "a\x00b"}, "item_name"),
        ({"submit_user_name": "a\nb"}, "submit_user_name"),
        ({"submit_user_name": 5}, "submit_user_name"),
        ({"task_type": True}, "task_type"),
        ({"update_type": 9}, "update_type"),
        ({"start_time": "2024-01-02T00:00:00Z", "end_time": "2024-01-01T00:00:00Z"}, "start_time"),
        ({"start_time": "not a time"}, "start_time"),
    ],
)
def test_build_filter_query_rejects(filters: dict[str, object], field: str) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        build_filter_query(filters)
    assert info.value.field == field
    assert field in str(info.value)


def test_unknown_filter_lists_allowed() -> None:
    with pytest.raises(DataArtsConfigError) as info:
        build_filter_query({"itemname": "x"})
    assert "item_name" in (info.value.allowed or "")
    assert "itemname" in info.value.problem


def test_long_item_name_not_truncated() -> None:
    name = "x" * 5000
    assert build_filter_query({"item_name": name}) == [("item_name", name)]
