# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of DataArtsPendingItemsTrigger (driven directly with asyncio against the emulator
over loopback HTTP) and of the sensor's ``execute_complete``."""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import time
from datetime import datetime
from typing import Any

import pytest

from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.emulator import ENDPOINT_PENDING_ITEMS
from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor
from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger
from airflow_dataarts_provider.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)

CONN_ID = "dataarts_trigger_test"
FAST = {"max_attempts": 1, "backoff_initial": 0.01, "backoff_max": 0.05, "max_requests_per_second": 0}
WRONG_SK = "Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1"


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Any:
    return dataarts_emulator_factory(seed_items=25, rate_limit_per_user=None)


def _connect(monkeypatch: pytest.MonkeyPatch, emu: Any, password: str | None = None, **extra: Any) -> None:
    from airflow_dataarts_provider.emulator import airflow_connection

    fields = airflow_connection(
        emu.info(), **{**FAST, **extra, **({"password": password} if password else {})}
    )
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(fields))


def _trigger(
    names: list[str] | None = None,
    *,
    wait_for: str = "released",
    deadline_in: float = 5.0,
    poke_interval: float = 0.2,
    max_consecutive_failures: int = 3,
    **gate: Any,
) -> DataArtsPendingItemsTrigger:
    return DataArtsPendingItemsTrigger(
        dataarts_conn_id=CONN_ID,
        gate=GateSpec.create(names, gate.get("task_ids"), gate.get("task_type"), wait_for).to_json(),
        poke_interval=poke_interval,
        deadline=time.time() + deadline_in,
        max_consecutive_failures=max_consecutive_failures,
    )


async def _events(trigger: DataArtsPendingItemsTrigger, limit_s: float = 10.0) -> list[dict[str, Any]]:
    """Every event the trigger yields (the generator must end by itself)."""

    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return await asyncio.wait_for(collect(), limit_s)


def _pending_requests(emu: Any) -> int:
    return int(emu.counters()["by_endpoint"].get(ENDPOINT_PENDING_ITEMS, 0))


# ---------------------------------------------------------------- serialisation


def test_serialize_round_trips_through_json_and_the_classpath() -> None:
    trigger = _trigger(["数据清洗作业 0000", "a+b=c 0021"], wait_for="packaged", task_type="SCRIPT")
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_dataarts_provider.triggers.pending_items.DataArtsPendingItemsTrigger"
    restored_kwargs = json.loads(json.dumps(kwargs))  # JSON-serialisable, and survives the trip
    module, _, name = classpath.rpartition(".")
    clone = getattr(importlib.import_module(module), name)(**restored_kwargs)
    assert isinstance(clone, DataArtsPendingItemsTrigger)
    assert clone.serialize() == (classpath, kwargs)
    assert GateSpec.from_json(clone.gate) == GateSpec.from_json(trigger.gate)
    assert kwargs["gate"]["task_type"] == 2 and kwargs["gate"]["wait_for"] == "packaged"


def test_serialize_of_the_sensors_deferral(emu: Any) -> None:
    spec = GateSpec.create(None, ["abc", "def"], 1, "released")
    trigger = DataArtsPendingItemsTrigger(
        dataarts_conn_id=CONN_ID, gate=spec.to_json(), workspace="w1", deadline=123.5
    )
    _, kwargs = trigger.serialize()
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert kwargs["workspace"] == "w1" and kwargs["deadline"] == 123.5


# ---------------------------------------------------------------- run()


async def test_success_at_once_when_nothing_is_pending(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _connect(monkeypatch, emu)
    events = await _events(_trigger(["no such task"]))
    assert len(events) == 1
    assert events[0]["status"] == "success" and events[0]["result"] == []
    assert _pending_requests(emu) == 1


async def test_success_after_release_mid_run(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _connect(monkeypatch, emu)
    names = [i["item_name"] for i in emu.items()[:2]]
    asyncio.get_running_loop().call_later(0.5, lambda: emu.release(item_names=names))
    events = await _events(_trigger(names))
    assert [e["status"] for e in events] == ["success"]
    assert events[0]["result"] == []
    assert _pending_requests(emu) >= 2


async def test_packaged_success_carries_the_last_snapshot(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _connect(monkeypatch, emu)
    names = [i["item_name"] for i in emu.items()[3:6]]
    asyncio.get_running_loop().call_later(0.4, lambda: emu.mark_packaged(item_names=names))
    events = await _events(_trigger(names, wait_for="packaged"))
    assert [e["status"] for e in events] == ["success"]
    expected = [i for i in emu.items() if i["item_name"] in names]
    key = lambda i: i["pending_item_id"]  # noqa: E731
    assert sorted(events[0]["result"], key=key) == sorted(expected, key=key)
    assert all(i["package_flag"] == 1 for i in events[0]["result"])


@pytest.mark.parametrize("deadline_in", [-10.0, 0.6], ids=["past-deadline", "near-deadline"])
async def test_timeout_at_the_deadline(deadline_in: float, emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _connect(monkeypatch, emu)
    watched = emu.items()[0]
    started = time.monotonic()
    events = await _events(_trigger([watched["item_name"]], deadline_in=deadline_in))
    assert [e["status"] for e in events] == ["timeout"]
    assert [i["pending_item_id"] for i in events[0]["waiting"]] == [watched["pending_item_id"]]
    assert watched["item_name"] in events[0]["message"]
    assert time.monotonic() - started < max(deadline_in, 0) + 1.0
    # The message says when the deadline was and how late the trigger saw it (the task resumes later).
    found = re.search(r"deadline reached \((\S+), checked (-?[0-9.]+)s after it\)", events[0]["message"])
    assert found is not None, events[0]["message"]
    assert datetime.fromisoformat(found.group(1)).tzinfo is not None
    assert 0 <= float(found.group(2)) < (10.5 if deadline_in < 0 else 0.5)


async def test_error_event_on_401_after_one_request(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _connect(monkeypatch, emu, password=WRONG_SK)
    events = await _events(_trigger(["x"]))
    assert [e["status"] for e in events] == ["error"]
    log = [r for r in emu.request_log() if r["endpoint"] == ENDPOINT_PENDING_ITEMS]
    assert len(log) == 1 and log[0]["status"] == 401
    error = events[0]["error"]
    assert error["status"] == 401 and error["error_code"] == "APIGW.0301"
    assert error["request_id"] == log[0]["request_id"]
    json.dumps(events[0])  # events must be JSON-serialisable (they are stored in the DB)


@pytest.mark.parametrize("max_failures", [0, 2])
async def test_error_after_max_consecutive_transient_failures(
    max_failures: int, emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _connect(monkeypatch, emu)
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [503] * (max_failures + 5))
    events = await _events(_trigger(["x"], poke_interval=0.05, max_consecutive_failures=max_failures))
    assert [e["status"] for e in events] == ["error"]
    assert _pending_requests(emu) == max_failures + 1
    assert events[0]["error"]["status"] == 503
    assert f"{max_failures + 1} failed checks in a row" in events[0]["message"]


async def test_transient_failures_below_the_limit_are_tolerated(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _connect(monkeypatch, emu)
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [503, 503])
    events = await _events(_trigger(["x"], poke_interval=0.05, max_consecutive_failures=2))
    assert [e["status"] for e in events] == ["success"]
    assert _pending_requests(emu) == 3


# ---------------------------------------------------------------- the sensor's execute_complete


def _sensor(**kwargs: Any) -> DataArtsPendingItemsSensor:
    return DataArtsPendingItemsSensor(task_id="s", task_names=["a"], deferrable=True, **kwargs)


@pytest.mark.parametrize(
    "event",
    [None, {}, {"status": "unknown"}, {"status": None}, "success", ["success"], {"message": "x"}],
    ids=["none", "empty", "unknown", "null-status", "str", "list", "no-status"],
)
@pytest.mark.parametrize("soft_fail", [False, True])
def test_execute_complete_rejects_malformed_events(event: Any, soft_fail: bool) -> None:
    with pytest.raises(AirflowException) as info:
        _sensor(soft_fail=soft_fail).execute_complete({}, event)
    assert not isinstance(info.value, AirflowSkipException)
    assert "Unexpected trigger event" in str(info.value)


def test_execute_complete_success_returns_items() -> None:
    items = [{"pending_item_id": "1", "item_name": "a", "package_flag": 1}]
    assert _sensor().execute_complete({}, {"status": "success", "message": "ok", "result": items}) == items
    assert _sensor().execute_complete({}, {"status": "success", "message": "ok"}) is None


def test_execute_complete_timeout() -> None:
    event = {"status": "timeout", "message": "deadline reached", "waiting": []}
    with pytest.raises(AirflowSensorTimeout):
        _sensor().execute_complete({}, event)
    with pytest.raises(AirflowSkipException):
        _sensor(soft_fail=True).execute_complete({}, event)


@pytest.mark.parametrize("soft_fail", [False, True])
def test_execute_complete_error_fails_without_retry(soft_fail: bool) -> None:
    error = {
        "type": "DataArtsAuthenticationError",
        "status": 401,
        "error_code": "APIGW.0301",
        "request_id": "r1",
    }
    with pytest.raises(AirflowFailException) as info:
        _sensor(soft_fail=soft_fail).execute_complete(
            {}, {"status": "error", "message": "permanent error: x", "error": error}
        )
    assert "APIGW.0301" in str(info.value) and "r1" in str(info.value)


def test_execute_complete_exhausted_transient_budget_leaves_task_retries_to_apply() -> None:
    """Same outcome as poke mode: a transient budget running out raises AirflowException (retries
    apply), a permanent error AirflowFailException (no retries)."""
    from airflow_dataarts_provider.version_compat import AirflowException

    error = {"type": "DataArtsServerError", "status": 503, "permanent": False}
    with pytest.raises(AirflowException) as info:
        _sensor().execute_complete(
            {}, {"status": "error", "message": "4 failed checks in a row", "error": error}
        )
    assert not isinstance(info.value, AirflowFailException)
    with pytest.raises(AirflowFailException):
        _sensor().execute_complete(
            {}, {"status": "error", "message": "x", "error": {**error, "permanent": True}}
        )
