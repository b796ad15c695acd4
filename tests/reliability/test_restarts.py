# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Restarts: waiting survives a triggerer restart and a sensor reschedule with its original deadline.

* Triggerer restart: run the trigger, cancel it mid-wait, rebuild it from ``serialize()`` (through JSON
  and the class path, as the triggerer does) and run it again: same deadline, correct final event.
* Reschedule: a ``mode="reschedule"`` sensor times out ``timeout`` seconds after its *first* start,
  however many times it was rescheduled; a fresh sensor instance (a new worker) computes its deferral
  deadline from the task instance's original start date, not from its own start.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import AIRFLOW_2, TESTS, upstream_reschedule_timeout_bug
from helpers.reliability import fresh_caches, pending_requests, set_connection, start_emulator

from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor
from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger
from airflow_dataarts_provider.version_compat import AirflowSensorTimeout

POKE = 0.2


@pytest.fixture(autouse=True)
def _caches() -> Any:
    yield from fresh_caches()


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = start_emulator(dataarts_emulator_factory, 30)
    set_connection(monkeypatch, emulator)
    return emulator


def _rebuild(trigger: DataArtsPendingItemsTrigger) -> DataArtsPendingItemsTrigger:
    classpath, kwargs = trigger.serialize()
    kwargs = json.loads(json.dumps(kwargs))  # what the triggerer stores in the database
    module, _, name = classpath.rpartition(".")
    clone = getattr(importlib.import_module(module), name)(**kwargs)
    assert isinstance(clone, DataArtsPendingItemsTrigger)
    return clone


async def _run_then_cancel(trigger: DataArtsPendingItemsTrigger, after_s: float) -> list[Any]:
    events: list[Any] = []

    async def consume() -> None:
        async for event in trigger.run():
            events.append(event.payload)

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(after_s)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return events


async def _events(trigger: DataArtsPendingItemsTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


def _trigger(names: list[str], deadline: float) -> DataArtsPendingItemsTrigger:
    return DataArtsPendingItemsTrigger(
        dataarts_conn_id="dataarts_default",
        gate=GateSpec.create(names).to_json(),
        poke_interval=POKE,
        deadline=deadline,
        max_consecutive_failures=1,
        initial_delay=POKE,
    )


def test_rebuilt_trigger_keeps_the_deadline_and_succeeds_after_release(emu: Any) -> None:
    name = emu.items()[3]["item_name"]
    deadline = time.time() + 6.0
    first = _trigger([name], deadline)
    assert asyncio.run(_run_then_cancel(first, 0.7)) == []  # still waiting when the triggerer stops
    checks_before = pending_requests(emu)
    assert checks_before >= 2

    clone = _rebuild(first)
    assert clone.deadline == deadline and clone.serialize() == first.serialize()
    emu.release(item_names=[name])
    started = time.monotonic()
    events = asyncio.run(asyncio.wait_for(_events(clone), 10))
    assert len(events) == 1 and events[0]["status"] == "success", events
    assert time.monotonic() - started < 2.0  # the next check, not the deadline
    assert pending_requests(emu) > checks_before


def test_rebuilt_trigger_times_out_at_the_original_deadline(emu: Any) -> None:
    name = emu.items()[3]["item_name"]
    deadline = time.time() + 2.0
    first = _trigger([name], deadline)
    asyncio.run(_run_then_cancel(first, 0.8))
    clone = _rebuild(first)
    events = asyncio.run(asyncio.wait_for(_events(clone), 10))
    finished = time.time()
    assert len(events) == 1 and events[0]["status"] == "timeout", events
    # At the original deadline: not 2 s after the restart (that would be >= deadline + 0.8).
    assert deadline - 0.05 <= finished < deadline + 0.6, finished - deadline
    waiting = events[0].get("waiting", events[0].get("blocking"))
    assert [i["item_name"] for i in waiting] == [name]


def test_rebuilt_trigger_past_its_deadline_checks_once_and_times_out(emu: Any) -> None:
    """A triggerer down for longer than the remaining wait: one last check, then the timeout."""
    name = emu.items()[0]["item_name"]
    first = _trigger([name], time.time() + 0.5)
    asyncio.run(_run_then_cancel(first, 0.3))
    time.sleep(0.4)  # the restart takes longer than the remaining time
    before = pending_requests(emu)
    events = asyncio.run(asyncio.wait_for(_events(_rebuild(first)), 5))
    assert [e["status"] for e in events] == ["timeout"]
    assert pending_requests(emu) == before + 1


# ---------------------------------------------------------------------------------------------- sensors


class _TI(SimpleNamespace):
    def xcom_push(self, *args: Any, **kwargs: Any) -> None:
        pass


def _context(started_ago: float) -> dict[str, Any]:
    from datetime import datetime, timedelta, timezone

    start = datetime.now(timezone.utc) - timedelta(seconds=started_ago)
    return {"ti": _TI(start_date=start, try_number=1, task_id="s", dag_id="d", run_id="r", map_index=-1)}


def test_fresh_sensor_instance_defers_with_the_original_deadline(emu: Any) -> None:
    """A new worker (a fresh operator instance) computes the deadline from the TI's first start."""
    try:
        from airflow.sdk.exceptions import TaskDeferred
    except ImportError:  # Airflow 2.11
        from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]

    name = emu.items()[0]["item_name"]
    context = _context(started_ago=4.0)
    sensor = DataArtsPendingItemsSensor(task_id="s", task_names=[name], deferrable=True, timeout=10)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, DataArtsPendingItemsTrigger)
    assert trigger.deadline == pytest.approx(context["ti"].start_date.timestamp() + 10, abs=0.01)


def test_fresh_sensor_instance_past_the_deadline_times_out_without_deferring(emu: Any) -> None:
    name = emu.items()[0]["item_name"]
    sensor = DataArtsPendingItemsSensor(task_id="s", task_names=[name], deferrable=True, timeout=3)
    with pytest.raises(AirflowSensorTimeout, match="deadline reached before deferring"):
        sensor.execute(_context(started_ago=5.0))
    assert pending_requests(emu) == 1  # the one check before deferring, nothing more


@pytest.fixture(scope="module")
def bag(airflow_db: None) -> Any:
    from airflow.models import DagBag

    dagbag = DagBag(str(TESTS / "dags"), include_examples=False) if AIRFLOW_2 else DagBag(str(TESTS / "dags"))
    assert not dagbag.import_errors, dagbag.import_errors
    return dagbag


def test_rescheduled_sensor_times_out_from_its_first_start(
    emu: Any,
    bag: Any,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    """Every reschedule is a new task run (a new sensor instance); the timeout still counts from the
    first one (``timeout`` 6 s, ``poke_interval`` 0.4 s in ``dataarts_rel_sensor_reschedule``)."""
    upstream_reschedule_timeout_bug(request)
    from datetime import datetime

    timeout_s = 6.0  # RESCHEDULE_TIMEOUT_S
    name = emu.items()[0]["item_name"]
    dag = bag.get_dag("dataarts_rel_sensor_reschedule")
    capfd.readouterr()
    caplog.clear()
    dr = dag.test(run_conf={"names": [name]})
    out, err = capfd.readouterr()
    err += caplog.text  # on 2.11 the log records are the reliable source (see test_fault_matrix)
    ti = dr.get_task_instance("s")
    assert str(getattr(ti.state, "value", ti.state)) == "failed"
    assert "AirflowSensorTimeout" in out + err or "Sensor has timed out" in out + err
    log = [r for r in emu.request_log() if r["endpoint"] == "pending-items"]
    first = datetime.fromisoformat(log[0]["time"].replace("Z", "+00:00"))
    last = datetime.fromisoformat(log[-1]["time"].replace("Z", "+00:00"))
    # Rescheduled several times, yet the checks stopped about `timeout` after the first start.
    assert len(log) >= 3, len(log)
    assert len(log) <= timeout_s / 0.4 + 2, len(log)
    # The last check may come up to one reschedule cycle after the deadline (about 1.5 s under 3.1's
    # dag.test()); a deadline that restarted with every reschedule would never end the run at all.
    assert timeout_s - 1.0 <= (last - first).total_seconds() <= timeout_s + 3.0
    assert timeout_s - 0.2 <= (ti.end_date - first).total_seconds() < timeout_s + 4.0
