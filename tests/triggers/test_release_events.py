# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArtsReleaseEventTrigger (Airflow 3 asset watchers), driven with asyncio against the emulator over
loopback HTTP: one event per release, task-name filtering, checks shared between watchers, errors that
never end the watch, and the state that survives a restart (Airflow 3.3's asset state store).

On Airflow 2.11 the module cannot be imported (tests/registration checks its error message)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import re
from typing import Any

import pytest
from conftest import AIRFLOW_2, task_output
from helpers.hooks import by_endpoint
from helpers.release import release_package, set_conn, start
from helpers.watch import Store, Watcher, until

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.emulator import ENDPOINT_PACKAGES_LIST
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

pytestmark = pytest.mark.skipif(AIRFLOW_2, reason="asset watchers exist from Airflow 3.0")

CONN = "dataarts_release_events"
INTERVAL = 0.2
WRONG_SK = "Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1"


def _trigger(**kwargs: Any) -> Any:
    from airflow_dataarts_provider.triggers.events import DataArtsReleaseEventTrigger

    return DataArtsReleaseEventTrigger(**{"dataarts_conn_id": CONN, "poll_interval": INTERVAL, **kwargs})


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = start(dataarts_emulator_factory, seed_items=0, release_duration_s=0.1)
    set_conn(monkeypatch, emulator, CONN, max_attempts=2)
    return emulator


async def release(emu: Any, *names: str) -> str:
    """Package fresh pending items with these names and deploy the package (the sync hook, in a thread)."""

    return await asyncio.to_thread(release_package, emu, DataArtsHook(CONN), *names)


async def started(emu: Any) -> None:
    """Until the watchers' first check (two listings) is done."""
    await until(lambda: by_endpoint(emu, ENDPOINT_PACKAGES_LIST) >= 2)
    await asyncio.sleep(INTERVAL / 2)


class Logs:
    """Everything logged so far (Airflow 3 logs through structlog to the captured output)."""

    def __init__(self, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
        self.capfd, self.caplog, self.seen = capfd, caplog, ""
        caplog.set_level(logging.INFO)

    @property
    def text(self) -> str:
        self.seen += " " + task_output(self.capfd, self.caplog)
        self.caplog.clear()
        return self.seen


@pytest.fixture
def logs(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Logs:
    return Logs(capfd, caplog)


# ---------------------------------------------------------------- construction


def test_serialize_round_trips_and_bad_arguments_name_the_field() -> None:
    trigger = _trigger(task_names=["数据清洗作业", "b", "b"], workspace="w1")
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_dataarts_provider.triggers.events.DataArtsReleaseEventTrigger"
    assert kwargs == {
        "dataarts_conn_id": CONN,
        "workspace": "w1",
        "task_names": ["数据清洗作业", "b"],
        "poll_interval": INTERVAL,
    }
    module, _, name = classpath.rpartition(".")
    clone = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    assert clone.serialize() == (classpath, kwargs)
    # One name, or a list rendered as text, as the sensors take them.
    assert _trigger(task_names="job").task_names == _trigger(task_names="['job']").task_names == ["job"]
    for bad, field in (
        ({"task_names": 3}, "task_names"),
        ({"task_names": []}, "task_names"),
        ({"task_names": [""]}, "task_names"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": float("nan")}, "poll_interval"),
    ):
        with pytest.raises(DataArtsConfigError, match=field):
            _trigger(**bad)


def test_it_is_an_event_trigger_an_asset_watcher_accepts() -> None:
    from airflow.sdk import Asset, AssetWatcher
    from airflow.triggers.base import BaseEventTrigger

    trigger = _trigger(task_names=["job"])
    assert isinstance(trigger, BaseEventTrigger)
    asset = Asset("dataarts_release_job", watchers=[AssetWatcher(name="w", trigger=trigger)])
    assert asset.watchers[0].trigger is trigger
    # Airflow identifies a watcher's trigger by this hash of its serialised form: the same arguments are
    # one trigger, other names another.
    same, other = _trigger(task_names=["job"]).serialize(), _trigger(task_names=["job_b"]).serialize()
    assert BaseEventTrigger.hash(*trigger.serialize()) == BaseEventTrigger.hash(*same)
    assert BaseEventTrigger.hash(*trigger.serialize()) != BaseEventTrigger.hash(*other)


# ---------------------------------------------------------------- events


async def test_one_event_per_release_filtered_by_exact_task_names(emu: Any) -> None:
    before = await release(emu, "job_before")
    await until(lambda: emu.package(before)["deploy_status"] == 2)
    everything, sales = Watcher(_trigger()), Watcher(_trigger(task_names=["dws_sales"]))
    await started(emu)
    matching = await release(emu, "dws_sales", "dwd_orders")
    unrelated = await release(emu, "dws_sales_v2")  # not an exact match
    await until(lambda: len(everything.events) == 2)
    await asyncio.sleep(5 * INTERVAL)
    await everything.stop()
    await sales.stop()
    assert everything.ids == [matching, unrelated]  # released before the watch began: not reported
    assert sales.ids == [matching]
    payload = sales.events[0]
    assert payload["item_names"] == ["dws_sales", "dwd_orders"]
    assert payload["workspace"] == emu.info()["workspace"]
    assert [i["item_name"] for i in payload["items"]] == payload["item_names"]
    assert payload["deploy_time"] and payload["package_name"].startswith("pkg-dws_sales-dwd_orders")


async def test_watchers_of_one_connection_share_their_checks(emu: Any) -> None:
    """Five watchers, started at different times, cost the listings of one."""
    watchers = []
    for _ in range(5):
        watchers.append(Watcher(_trigger(task_names=["job_a"])))
        await asyncio.sleep(INTERVAL * 0.7)
    released = await release(emu, "job_a")
    await until(lambda: all(w.ids == [released] for w in watchers))
    lists = by_endpoint(emu, ENDPOINT_PACKAGES_LIST)
    await asyncio.sleep(10 * INTERVAL)
    during = by_endpoint(emu, ENDPOINT_PACKAGES_LIST) - lists
    for w in watchers:
        await w.stop()
    assert all(w.ids == [released] for w in watchers)
    # 10 intervals: one check (2 listings) per interval shared by all, give or take two checks.
    # Five independent watchers would list 5 x 2 x 10 = 100 times.
    assert 2 * 8 <= during <= 2 * 12, during


async def test_restart_with_the_asset_state_store_reports_what_was_released_meanwhile_once(
    emu: Any,
) -> None:
    store = Store()
    first = Watcher(_trigger())
    first.trigger.asset_state_store = store
    await started(emu)
    assert store.writes == 1  # the first check's stock-taking, saved at once
    early = await release(emu, "job_early")
    await until(lambda: first.ids == [early])
    await first.stop()  # the triggerer goes away
    meanwhile = await release(emu, "job_meanwhile")
    await until(lambda: emu.package(meanwhile)["deploy_status"] == 2)

    second = Watcher(_trigger())  # a new triggerer re-creates the trigger from its kwargs
    second.trigger.asset_state_store = store
    await until(lambda: second.ids == [meanwhile])
    later = await release(emu, "job_later")
    await until(lambda: second.ids == [meanwhile, later])
    await asyncio.sleep(3 * INTERVAL)
    await second.stop()
    assert second.ids == [meanwhile, later]  # job_early was not reported again

    third = Watcher(_trigger())  # without a store (Airflow 3.0-3.2): starts afresh, reports nothing old
    await asyncio.sleep(5 * INTERVAL)
    await third.stop()
    assert third.ids == []


async def test_an_unreadable_stored_state_starts_afresh_and_says_so(emu: Any, logs: Logs) -> None:
    store = Store()
    store.values["dataarts_release_watch"] = json.dumps({"version": 0})
    watcher = Watcher(_trigger())
    watcher.trigger.asset_state_store = store
    await started(emu)
    released = await release(emu, "job_x")
    await until(lambda: watcher.ids == [released])
    await watcher.stop()
    assert "Release watch state not restored (ValueError" in logs.text


async def test_a_permanent_error_is_logged_every_interval_and_the_watch_resumes_once_fixed(
    emu: Any, monkeypatch: pytest.MonkeyPatch, logs: Logs
) -> None:
    set_conn(monkeypatch, emu, CONN, password=WRONG_SK, max_attempts=1)
    watcher = Watcher(_trigger())
    await until(lambda: "Release watch check failed (3 in a row)" in logs.text)
    assert not watcher.task.done()  # the watch goes on
    assert "Release watch check failed (3 in a row) and will until the cause is fixed; the watch goes on" in (
        logs.text
    )
    assert re.search(r"DataArtsAuthenticationError: .*APIGW\.0301.*request id [0-9a-f]{32}", logs.text)
    assert WRONG_SK not in logs.text
    set_conn(monkeypatch, emu, CONN)  # the user fixes the connection
    await until(lambda: "Watching release packages of workspace" in logs.text)
    released = await release(emu, "job_after_fix")
    await until(lambda: watcher.ids == [released])
    await watcher.stop()


async def test_transient_failures_are_retried_and_nothing_is_reported_twice(emu: Any, logs: Logs) -> None:
    watcher = Watcher(_trigger())
    await started(emu)
    released = await release(emu, "job_flaky")
    # Every listing of the next checks fails at first: 503s and dropped connections, beyond the
    # connection's two attempts, so whole checks fail and are repeated at the next interval.
    emu.script_faults(ENDPOINT_PACKAGES_LIST, ["503", "503", "drop", "503", "html", "503"])
    await until(lambda: watcher.ids == [released])
    await asyncio.sleep(3 * INTERVAL)
    await watcher.stop()
    assert watcher.ids == [released]
    assert (
        "Release watch check failed (1 in a row), checking again in 0.2s: DataArts API error: HTTP 503"
        in (logs.text)
    )
