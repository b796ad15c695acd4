# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The shared job feed (issue 26): N deferred job waits of one workspace cost one listing per interval,
as one wait does, and each reads its instance's detail once, when the feed shows it ended; correct
under either reading of the listing's time filter, either order and either offset semantics, for
instances the feed cannot show, and when the feed fails. Real triggers, real loopback HTTP."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import pytest
from conftest import connection_json, task_output

from airflow_dataarts_provider.core.job_runs.feed import FeedSnapshot
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

POKE = 0.25


def _start(
    emu: Any,
    monkeypatch: pytest.MonkeyPatch,
    jobs: int,
    run_s: float,
    *,
    spread: bool = True,
    prefix: str = "",
) -> list[tuple[str, str]]:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), max_requests_per_second=0)
    )
    started = []
    for n in range(jobs):
        name = f"feed_job_{prefix}{n}"
        # ends spread over several intervals, or all at once
        emu.add_job(name, run_s=run_s + (n % 4) * POKE if spread else run_s)
        started.append((name, emu.schedule_job(name)["instanceId"]))
    return started


def _wait_all(started: list[tuple[str, str]], plan_since: int | None) -> tuple[list[dict[str, Any]], float]:
    triggers = [
        DataArtsJobInstanceTrigger(
            job_name=name,
            instance_id=str(iid),
            plan_since=plan_since,
            dataarts_conn_id="dataarts_default",
            poke_interval=POKE,
            deadline=time.time() + 60,
        )
        for name, iid in started
    ]

    async def first(trigger: DataArtsJobInstanceTrigger) -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("no event")

    async def everything() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(first(t) for t in triggers)))

    began = time.time()
    events = asyncio.run(everything())
    return events, time.time() - began


def test_forty_waits_of_one_workspace_cost_the_listings_of_one(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same wait alone, then forty of them, their instances ending together: the forty cost the
    listings the one did (counted; the grid makes every wait check together) and one detail read each."""
    emu = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None)
    counts = []
    for waits in (1, 40):
        started = _start(emu, monkeypatch, waits, run_s=1.2, spread=False, prefix=f"{waits}_")
        before = dict(emu.counters()["by_endpoint"])
        events, _ = _wait_all(started, plan_since=int(time.time() * 1000) - 1000)
        assert [e["status"] for e in events] == ["success"] * waits
        assert {e["result"]["instance_id"] for e in events} == {str(i) for _, i in started}
        after = emu.counters()["by_endpoint"]
        counts.append({k: after.get(k, 0) - before.get(k, 0) for k in ("job-instances", "job-instance")})
    one, forty = counts
    assert one["job-instances"] >= 2  # the one wait used the feed too
    # At most one listing more (the forty may straddle one more grid point), never forty times as many.
    assert forty["job-instances"] <= one["job-instances"] + 1
    # Each wait reads its own instance once: when the feed shows it ended (for its nodes and log paths).
    assert (one["job-instance"], forty["job-instance"]) == (1, 40)


def test_waits_ending_at_different_times_share_one_listing_per_interval(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None)
    started = _start(emu, monkeypatch, 40, run_s=0.6)
    events, took = _wait_all(started, plan_since=int(time.time() * 1000) - 1000)
    assert [e["status"] for e in events] == ["success"] * 40
    by_endpoint = emu.counters()["by_endpoint"]
    assert 2 <= by_endpoint["job-instances"] <= math.ceil(took / POKE) + 1
    assert by_endpoint["job-instance"] == 40


@pytest.mark.parametrize(
    "settings",
    [
        {"instance_time_filter": "start"},
        {"instance_order": "oldest", "offset_mode": "record"},
    ],
    ids=["start-time-filter", "oldest-first-record-offsets"],
)
def test_every_reading_of_the_listing_gives_each_wait_its_end(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any]
) -> None:
    emu = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None, **settings)
    for n in range(1200):  # more rows than one page of 1,000: the walk pages and detects the offsets
        emu.schedule_job("daily_sales_job") if n % 2 else emu.schedule_job("dws_sales_summary")
    emu.set_job("daily_sales_job", wait_s=0.3, run_s=0.4, outcome="fail")
    started = _start(emu, monkeypatch, 3, run_s=0.5)
    started.append(("daily_sales_job", emu.schedule_job("daily_sales_job")["instanceId"]))
    events, _ = _wait_all(started, plan_since=int(time.time() * 1000) - 1000)
    assert [e["status"] for e in events] == ["success"] * 3 + ["error"]
    assert "ended with status 'fail'" in events[-1]["message"]
    assert emu.counters()["by_endpoint"]["job-instance"] == len(started)


def test_an_instance_the_feed_cannot_show_is_read_on_its_own(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance planned more than the service's 7 days back (a long run), or one whose plan time the
    task did not know: the wait reads its detail, and still ends exactly when it does."""
    emu = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None)
    started = _start(emu, monkeypatch, 2, run_s=0.8)
    eight_days_ago = int(time.time() * 1000) - 8 * 86_400_000
    old, took = _wait_all(started[:1], plan_since=eight_days_ago)
    assert old[0]["status"] == "success"
    # Read on every check (the service's range is 7 days: no listing can vouch for it), none listed.
    counts = dict(emu.counters()["by_endpoint"])
    assert counts.get("job-instances", 0) == 0
    assert counts["job-instance"] >= math.floor(took / POKE)
    unknown, _ = _wait_all(started[1:], plan_since=None)
    assert unknown[0]["status"] == "success"
    # The other: its first check read its plan time, then the feed served it until it ended.
    after = emu.counters()["by_endpoint"]
    assert after["job-instance"] - counts["job-instance"] == 2
    assert after["job-instances"] >= 1


def test_a_failing_feed_falls_back_to_each_instance(
    dataarts_emulator_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None)
    started = _start(emu, monkeypatch, 2, run_s=0.6)
    emu.script_faults(
        "job-instances",
        [{"status": 403, "body": {"error_code": "DLF.6201", "error_msg": "no permission"}}] * 50,
    )
    events, _ = _wait_all(started, plan_since=int(time.time() * 1000))
    assert [e["status"] for e in events] == ["success", "success"]
    assert "job feed failed, reading the instance itself" in task_output(capfd, caplog)
    assert emu.counters()["by_endpoint"]["job-instance"] > 2  # the waits read their instances


def test_the_feed_reaches_back_to_the_oldest_need(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook's feed read: every job's instances planned from the bound, one listing; older ones not."""
    emu = dataarts_emulator_factory(rate_limit_per_user=None, dlf_rate_limit_per_user=None)
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info()))
    now = time.time()
    old = emu.schedule_job("daily_sales_job", plan_at=now - 3 * 3600)["instanceId"]
    recent = [emu.schedule_job(job)["instanceId"] for job in ("daily_sales_job", "数据清洗作业")]
    snapshot = DataArtsHook().read_job_feed(int((now - 3600) * 1000), int(now * 1000))
    assert isinstance(snapshot, FeedSnapshot)
    assert set(snapshot.rows) == {str(i) for i in recent}
    assert str(old) not in snapshot.rows
    assert {snapshot.rows[str(i)]["job_name"] for i in recent} == {"daily_sales_job", "数据清洗作业"}
