# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of DataArtsListPendingItemsOperator: real DAG runs (``dag.test()``) against the
emulator over loopback HTTP. The DAG ``dataarts_acc_list`` (tests/dags) takes every filter from
``dag_run.conf``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import AIRFLOW_2, connection_json, task_output

from airflow_dataarts_provider.emulator import ENDPOINT_PENDING_ITEMS

DAG_ID = "dataarts_acc_list"
FAST = {"max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.05, "max_requests_per_second": 0}


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Any:
    """250 seeded items (3 pages), no server-side rate limit."""
    return dataarts_emulator_factory(seed_items=250, rate_limit_per_user=None)


@pytest.fixture(scope="module")
def list_dag(dag_bag: Any) -> Any:
    dag = dag_bag.get_dag(DAG_ID)
    assert dag is not None
    return dag


@pytest.fixture
def run(list_dag: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``run(emu, conf, logical_date=None)`` -> the DagRun of one ``dag.test()``."""

    def _run(emulator: Any, conf: dict[str, Any], logical_date: datetime | None = None) -> Any:
        monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emulator.info(), **FAST))
        kwargs: dict[str, Any] = {"run_conf": conf}
        if logical_date is not None:
            kwargs["execution_date" if AIRFLOW_2 else "logical_date"] = logical_date
        return list_dag.test(**kwargs)

    return _run


def _state(ti: Any) -> str:
    return str(getattr(ti.state, "value", ti.state))


def _pull(dr: Any, key: str | None = None) -> Any:
    ti = dr.get_task_instance("t")
    return ti.xcom_pull(task_ids="t") if key is None else ti.xcom_pull(task_ids="t", key=key)


def _pending_requests(emu: Any) -> int:
    return int(emu.counters()["by_endpoint"].get(ENDPOINT_PENDING_ITEMS, 0))


def _expected(
    emu: Any,
    *,
    task_type: int | None = None,
    update_type: int | None = None,
    user: str | None = None,
    name: str | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> list[dict[str, Any]]:
    """The emulator's items filtered client-side the way the API documents (item_name: substring)."""
    return [
        i
        for i in emu.items()
        if (task_type is None or i["task_type"] == task_type)
        and (update_type is None or i["update_type"] == update_type)
        and (user is None or i["submit_user_name"] == user)
        and (name is None or name in i["item_name"])
        and (start_ms is None or i["submit_timestamp"] >= start_ms)
        and (end_ms is None or i["submit_timestamp"] <= end_ms)
    ]


def _assert_success(dr: Any) -> None:
    ti = dr.get_task_instance("t")
    assert _state(ti) == "success", f"task ended {ti.state}"


def test_unfiltered_listing_equals_emulator_items_and_total(emu: Any, run: Any) -> None:
    dr = run(emu, {})
    _assert_success(dr)
    expected = emu.items()
    assert len(expected) == 250
    assert _pull(dr) == expected
    assert _pull(dr, "total") == 250
    assert json.loads(json.dumps(_pull(dr))) == expected  # plain JSON values


@pytest.mark.parametrize(
    ("conf", "client_filter"),
    [
        ({"task_type": "JOB"}, {"task_type": 1}),
        ({"task_type": 2}, {"task_type": 2}),
        ({"task_type": "script", "update_type": "MODIFY"}, {"task_type": 2, "update_type": 2}),
        ({"update_type": 3}, {"update_type": 3}),
        ({"submit_user_name": "carol li"}, {"user": "carol li"}),
        ({"submit_user_name": "zhang.wei", "update_type": "ADD"}, {"user": "zhang.wei", "update_type": 1}),
        ({"item_name": "订单/退款"}, {"name": "订单/退款"}),
        ({"item_name": "营销 + 渠道"}, {"name": "营销 + 渠道"}),
        ({"item_name": "a+b=c"}, {"name": "a+b=c"}),
        ({"item_name": "指标计算 100%"}, {"name": "指标计算 100%"}),
        ({"item_name": "财务报表#月度"}, {"name": "财务报表#月度"}),
        ({"item_name": "what? now"}, {"name": "what? now"}),
        ({"item_name": "库存 & 物流"}, {"name": "库存 & 物流"}),
    ],
    ids=lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v),
)
def test_filters_match_client_side_filter(
    emu: Any, run: Any, conf: dict[str, Any], client_filter: dict[str, Any]
) -> None:
    expected = _expected(emu, **client_filter)
    assert 0 < len(expected) < 250, "test data must make the filter meaningful"
    dr = run(emu, conf)
    _assert_success(dr)
    assert _pull(dr) == expected
    assert _pull(dr, "total") == len(expected)


def test_fields_keep_only_those_keys(emu: Any, run: Any) -> None:
    dr = run(emu, {"fields": ["item_name", "task_id"], "task_type": 1})
    _assert_success(dr)
    expected = [{"item_name": i["item_name"], "task_id": i["task_id"]} for i in _expected(emu, task_type=1)]
    got = _pull(dr)
    assert got == expected
    assert all(set(i) == {"item_name", "task_id"} for i in got)


def test_max_items_returns_exactly_that_many_and_says_it_cut(
    emu: Any, run: Any, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    dr = run(emu, {"max_items": 7})
    _assert_success(dr)
    got = _pull(dr)
    assert got == emu.items()[:7]
    assert _pull(dr, "total") == 250
    text = task_output(capfd, caplog)
    assert "max_items=7: returning 7 of 250 pending items" in text


def test_max_items_as_template_string(emu: Any, run: Any) -> None:
    dr = run(emu, {"max_items": "5", "task_type": 2})
    _assert_success(dr)
    assert _pull(dr) == _expected(emu, task_type=2)[:5]


def test_templated_data_interval_filters_submit_timestamps(emu: Any, run: Any) -> None:
    # Seeded timestamps span the 30 days before 2025-06-15T14:40Z; the run's interval is 7 days of it.
    dr = run(emu, {"use_interval": True}, logical_date=datetime(2025, 6, 8, tzinfo=timezone.utc))
    _assert_success(dr)
    start, end = dr.data_interval_start, dr.data_interval_end
    assert start is not None and end is not None and start < end
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    expected = _expected(emu, start_ms=start_ms, end_ms=end_ms)
    assert 0 < len(expected) < 250, (start, end)
    assert _pull(dr) == expected
    assert _pull(dr, "total") == len(expected)
    # the query carried the interval as epoch milliseconds
    queries = [r for r in emu.request_log() if r.get("endpoint") == ENDPOINT_PENDING_ITEMS]
    assert queries
    assert all(str(start_ms) in json.dumps(r) and str(end_ms) in json.dumps(r) for r in queries)


@pytest.mark.parametrize(
    "conf",
    [
        {"fields": ["item_name", "no_such_field"]},
        {"fields": []},
        {"max_items": -1},
        {"max_items": "ten"},
        {"max_items": 2.5},
        {"max_items": True},
    ],
    ids=["unknown-field", "empty-fields", "negative-max", "text-max", "float-max", "bool-max"],
)
def test_invalid_fields_or_max_items_fail_before_any_request(
    emu: Any, run: Any, conf: dict[str, Any]
) -> None:
    dr = run(emu, conf)
    ti = dr.get_task_instance("t")
    assert _state(ti) == "failed"
    assert _pending_requests(emu) == 0
    assert _state(dr) == "failed"
