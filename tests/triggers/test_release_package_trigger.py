# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of DataArtsReleasePackageTrigger, driven directly with asyncio against the emulator
over loopback HTTP, and of the release sensor's ``execute_complete``."""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from typing import Any

import pytest
from helpers.hooks import by_endpoint
from helpers.release import APPROVER, WRONG_SK, set_conn, start

from airflow_dataarts_provider.core.release_packages.conditions import ReleasePackageCondition
from airflow_dataarts_provider.emulator import ENDPOINT_PACKAGE_DETAIL
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.sensors.release_package import DataArtsReleasePackageSensor
from airflow_dataarts_provider.triggers.release_package import DataArtsReleasePackageTrigger
from airflow_dataarts_provider.version_compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

CONN = "dataarts_release_trigger"
CLASSPATH = "airflow_dataarts_provider.triggers.release_package.DataArtsReleasePackageTrigger"


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = start(dataarts_emulator_factory, release_duration_s=0.4)
    set_conn(monkeypatch, emulator, CONN)
    return emulator


def _package(emu: Any, index: int, label: str, *, deploy: bool = True) -> str:
    hook = DataArtsHook(CONN)
    package_id, _ = hook.create_release_package(
        package_name=label,
        pending_item_ids=[emu.items()[index]["pending_item_id"]],
        approver_ids=[APPROVER],
        apply_user_id="u-1",
    )
    if deploy:
        hook.deploy_release_packages([package_id])
    return package_id


def _trigger(package_id: str, *, deadline_in: float = 5.0, **kwargs: Any) -> DataArtsReleasePackageTrigger:
    kwargs.setdefault("poke_interval", 0.2)
    return DataArtsReleasePackageTrigger(
        package_id=package_id, dataarts_conn_id=CONN, deadline=time.time() + deadline_in, **kwargs
    )


async def _events(trigger: DataArtsReleasePackageTrigger, limit_s: float = 10.0) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    events = await asyncio.wait_for(collect(), limit_s)
    json.dumps(events)  # events are stored in the DB: JSON only
    return events


def test_serialize_round_trips_through_json() -> None:
    trigger = DataArtsReleasePackageTrigger(
        package_id=1000007,  # type: ignore[arg-type]
        dataarts_conn_id=CONN,
        workspace="w1",
        poke_interval=3,
        deadline=1_760_000_123.5,
        max_consecutive_failures=2,
        initial_delay=3,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == CLASSPATH
    assert kwargs == {
        "package_id": "1000007",
        "dataarts_conn_id": CONN,
        "workspace": "w1",
        "poke_interval": 3.0,
        "deadline": 1_760_000_123.5,
        "max_consecutive_failures": 2,
        "initial_delay": 3.0,
    }
    restored = json.loads(json.dumps(kwargs))
    module, _, name = classpath.rpartition(".")
    clone = getattr(importlib.import_module(module), name)(**restored)
    assert isinstance(clone, DataArtsReleasePackageTrigger)
    assert clone.serialize() == (classpath, kwargs)
    assert clone.condition() == ReleasePackageCondition("1000007")


async def test_success_event_carries_the_detail(emu: Any) -> None:
    package_id = _package(emu, 0, "trig-ok")
    events = await _events(_trigger(package_id))
    assert [e["status"] for e in events] == ["success"]
    result = events[0]["result"]
    assert result["release_package"]["package_id"] == package_id
    assert result["release_package"]["deploy_status"] == 2
    assert by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL) >= 2


async def test_error_event_names_the_failing_task(emu: Any) -> None:
    emu.add_item({"item_name": "etl_broken"})
    emu.set_fail_items(["etl_broken"])
    index = [i["item_name"] for i in emu.items()].index("etl_broken")
    package_id = _package(emu, index, "trig-fail")
    started = time.monotonic()
    events = await _events(_trigger(package_id, deadline_in=30))
    assert time.monotonic() - started < 5  # not at the deadline
    assert [e["status"] for e in events] == ["error"]
    assert "etl_broken" in events[0]["message"]
    assert events[0]["error"]["permanent"] is True
    assert [t["item_name"] for t in events[0]["error"]["details"]] == ["etl_broken"]


async def test_timeout_event_while_pending_approval(emu: Any) -> None:
    package_id = _package(emu, 1, "trig-timeout", deploy=False)
    started = time.monotonic()
    events = await _events(_trigger(package_id, deadline_in=0.7))
    assert [e["status"] for e in events] == ["timeout"]
    assert time.monotonic() - started < 2.0
    assert events[0]["waiting"] == {"deploy_status": 1}
    assert "pending approval" in events[0]["message"]


async def test_error_event_on_401_after_one_request(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    package_id = _package(emu, 2, "trig-401")
    set_conn(monkeypatch, emu, CONN, password=WRONG_SK)
    before = by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL)
    events = await _events(_trigger(package_id))
    assert [e["status"] for e in events] == ["error"]
    assert by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL) - before == 1
    assert events[0]["error"]["status"] == 401 and events[0]["error"]["permanent"] is True


def _sensor(soft_fail: bool = False) -> DataArtsReleasePackageSensor:
    return DataArtsReleasePackageSensor(
        task_id="s", package_id="1", dataarts_conn_id=CONN, soft_fail=soft_fail, deferrable=True
    )


def test_execute_complete_maps_events() -> None:
    detail = {"release_package": {"package_id": "1"}, "task_details": []}
    assert _sensor().execute_complete({}, {"status": "success", "message": "ok", "result": detail}) == detail
    with pytest.raises(AirflowFailException, match="etl_broken"):
        _sensor().execute_complete(
            {},
            {"status": "error", "message": "failing tasks: etl_broken", "error": {"permanent": True}},
        )
    with pytest.raises(AirflowSensorTimeout):
        _sensor().execute_complete({}, {"status": "timeout", "message": "deadline reached"})
    with pytest.raises(AirflowSkipException):
        _sensor(soft_fail=True).execute_complete({}, {"status": "timeout", "message": "deadline reached"})
