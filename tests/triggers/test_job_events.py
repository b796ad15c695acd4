# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArtsJobEventTrigger (Airflow 3 asset watchers) and the ``job_events`` example's watcher, driven
with asyncio against the emulator over loopback HTTP: one event per run that ends in a wanted status,
job-name filtering, none for runs that ended before the watch, a restart through the asset state store,
and one shared listing per interval for watchers and job waits together. The cursor's property test is
tests/core/job_runs/test_job_event_cursor.py."""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import AIRFLOW_2, connection_json
from helpers.watch import Store, Watcher, until

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

pytestmark = pytest.mark.skipif(AIRFLOW_2, reason="asset watchers exist from Airflow 3.0")

INTERVAL = 0.2
EXAMPLE = Path(__file__).parents[2] / "example_dags" / "job_events.py"


def _trigger(**kwargs: Any) -> Any:
    from airflow_dataarts_provider.triggers.events import DataArtsJobEventTrigger

    return DataArtsJobEventTrigger(**{"poll_interval": INTERVAL, **kwargs})


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None)
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emulator.info(), max_requests_per_second=0)
    )
    return emulator


def _schedule(emu: Any, job: str, outcome: str = "success", run_s: float = 0.05) -> str:
    emu.set_job(job, run_s=run_s, outcome=outcome)
    return str(emu.schedule_job(job)["instanceId"])


async def _started(emu: Any, count: int = 1) -> None:
    """Until the watchers' first check (their stock-taking listing) is done."""
    await until(lambda: emu.counters()["by_endpoint"].get("job-instances", 0) >= count)
    await asyncio.sleep(INTERVAL)


def test_serialize_round_trips_and_bad_arguments_name_the_field() -> None:
    trigger = _trigger(job_names=["数据清洗作业", "b", "b"], statuses=["fail", "success"], workspace="w1")
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_dataarts_provider.triggers.events.DataArtsJobEventTrigger"
    assert kwargs == {
        "dataarts_conn_id": "dataarts_default",
        "workspace": "w1",
        "job_names": ["数据清洗作业", "b"],
        "statuses": ["fail", "success"],
        "poll_interval": INTERVAL,
        "lookback": 86400.0,
    }
    module, _, name = classpath.rpartition(".")
    clone = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    assert clone.serialize() == (classpath, kwargs)
    for bad, field in (
        ({"job_names": []}, "job_names"),
        ({"job_names": [""]}, "job_names"),
        ({"statuses": []}, "statuses"),
        ({"statuses": ["running"]}, "statuses"),
        ({"statuses": ["sucess"]}, "statuses"),
        ({"lookback": 10}, "lookback"),
        ({"lookback": 8 * 86400}, "lookback"),
        ({"poll_interval": 0}, "poll_interval"),
    ):
        with pytest.raises(DataArtsConfigError, match=field):
            _trigger(**bad)


async def test_the_example_dags_watcher_reports_each_success_of_its_job_once(emu: Any) -> None:
    """The watcher of ``example_dags/job_events.py`` as the DAG file builds it (a success of
    ``dws_sales_summary``), over: a run that succeeded before the watch, a failure, another job's
    success, a rerun that succeeds."""
    spec = importlib.util.spec_from_file_location("example_job_events", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    trigger = module.summary_ready.watchers[0].trigger
    trigger.poll_interval = INTERVAL
    before = _schedule(emu, "dws_sales_summary")
    await until(lambda: emu.job_instances("dws_sales_summary")[0]["status"] == "success")
    watcher = Watcher(trigger, "instance_id")
    await _started(emu)
    failed = _schedule(emu, "dws_sales_summary", outcome="fail")
    other = _schedule(emu, "daily_sales_job")
    ok = _schedule(emu, "dws_sales_summary", run_s=0.5)
    await until(lambda: watcher.ids == [ok])
    emu.set_job("dws_sales_summary", outcome="success")
    await asyncio.to_thread(_rerun, failed)
    await until(lambda: len(watcher.events) == 2)
    await asyncio.sleep(5 * INTERVAL)
    await watcher.stop()
    assert watcher.ids == [ok, failed]  # the failed instance's successful rerun is a run of its own
    assert before not in watcher.ids and other not in watcher.ids
    payload = watcher.events[0]
    assert payload["job_name"] == "dws_sales_summary" and payload["status"] == "success"
    assert payload["workspace"] == emu.info()["workspace"]
    assert payload["end_timestamp"] >= payload["start_timestamp"] >= payload["plan_timestamp"] > 0
    assert payload["end_time"].endswith("+00:00")
    assert f"jobName=dws_sales_summary&instanceId={ok}" in payload["console_url"]


def _rerun(instance_id: str) -> None:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    DataArtsHook().rerun_job_instance("dws_sales_summary", instance_id)


async def test_a_restart_reports_what_ended_meanwhile_once(emu: Any) -> None:
    store = Store()
    first = _trigger(statuses=["success", "fail"])
    first.asset_state_store = store
    watcher = Watcher(first, "instance_id")
    await _started(emu)
    seen = _schedule(emu, "daily_sales_job")
    await until(lambda: watcher.ids == [seen])
    await watcher.stop()
    meanwhile = _schedule(emu, "daily_sales_job", outcome="fail")
    await until(lambda: emu.job_instances("daily_sales_job")[0]["status"] == "fail")
    second = _trigger(statuses=["success", "fail"])
    second.asset_state_store = store
    again = Watcher(second, "instance_id")
    await until(lambda: again.ids == [meanwhile])
    await asyncio.sleep(5 * INTERVAL)
    await again.stop()
    assert again.ids == [meanwhile]  # once, and not the one the first watcher reported
    assert json.loads(store.values["dataarts_job_events"])["version"] == 1


async def test_watchers_and_job_waits_share_one_listing_per_interval(emu: Any) -> None:
    """Three watchers and ten deferred job waits of one workspace: one listing per interval in all."""
    from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

    watchers = [Watcher(_trigger(job_names=[f"w_{n}"]), "instance_id") for n in range(3)]
    for n in range(3):
        emu.add_job(f"w_{n}", run_s=0.05)
    await _started(emu)
    waits = []
    for _ in range(10):
        iid = _schedule(emu, "daily_sales_job", run_s=1.5)
        wait = DataArtsJobInstanceTrigger(
            job_name="daily_sales_job",
            instance_id=iid,
            plan_since=int(time.time() * 1000),
            dataarts_conn_id="dataarts_default",
            poke_interval=INTERVAL,
            deadline=time.time() + 30,
        )
        waits.append(Watcher(wait, "status"))
    listings = emu.counters()["by_endpoint"]["job-instances"]
    began = time.monotonic()
    ended = [_schedule(emu, f"w_{n}") for n in range(3)]
    await until(lambda: all(len(w.events) == 1 for w in waits + watchers))
    took = time.monotonic() - began
    for w in watchers:
        await w.stop()
    assert [w.ids for w in watchers] == [[i] for i in ended]
    assert {w.events[0]["status"] for w in waits} == {"success"}
    shared = emu.counters()["by_endpoint"]["job-instances"] - listings
    assert shared <= took / INTERVAL + 2  # one listing per interval, for 13 subscribers
