# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArtsPatchDataOperator in real DAG runs (``dag.test()``) against the emulator: a backfill over a
range (in the worker and deferred), a failed instance (its node's log in the task log), a retry mid-run
and a crashed worker (one PatchData run in all), a retry after a failed run (the next run of the series),
a kill (the run is stopped). Every scenario checks how many runs the emulator created and stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import connection_json, task_output
from helpers.runs import RUN_FAST, execute_then_kill, fast_trigger, first_event, state

from airflow_dataarts_provider.emulator import ENDPOINT_PATCH_QUERY, Emulator
from airflow_dataarts_provider.operators.job import DataArtsPatchDataOperator

pytestmark = pytest.mark.workflows

JOB = "daily_sales_job"
DAY = datetime(2026, 11, 30, tzinfo=timezone.utc)
RANGE = {
    "job_name": JOB,
    "start": DAY.isoformat(),
    "end": (DAY + timedelta(hours=4) - timedelta(seconds=1)).isoformat(),
}


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    emulator.set_job(JOB, run_s=0.2, period_s=3600, nodes=["extract", "load"])
    return emulator


def _counts(emu: Emulator) -> tuple[int, int]:
    c = emu.counters()
    return c["patch_data_created"].get(JOB, 0), c["patch_data_stopped"].get(JOB, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_backfill_over_a_range_returns_its_instances(run_dag: Any, emu: Emulator, mode: str) -> None:
    dr = run_dag(f"dataarts_patch_data_{mode}", emu, RANGE, **RUN_FAST)
    assert state(dr) == "success"
    ti = dr.get_task_instance("patch")
    result = ti.xcom_pull(task_ids="patch")
    assert result["status"] == "SUCCESS" and result["name"].startswith("af_dataarts_patch_d_patch_")
    plans = [i["plan_time"] for i in result["instances"]]
    assert plans == [int((DAY + timedelta(hours=h)).timestamp() * 1000) for h in range(4)]
    assert {i["status"] for i in result["instances"]} == {"success"}
    assert ti.xcom_pull(task_ids="patch", key="patch_data_name") == result["name"]
    url = ti.xcom_pull(task_ids="patch", key="job_instance_url")
    assert f"patchDataName={result['name']}" in url and url.startswith("https://console.")
    assert _counts(emu) == (1, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_failed_instance_fails_the_task_with_its_nodes_log(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.set_job(JOB, outcome_script=["success", "success", "fail"], failing_node="load")
    dr = run_dag(f"dataarts_patch_data_{mode}", emu, RANGE, **RUN_FAST)
    assert state(dr) == "failed"
    text = task_output(capfd, caplog)
    (run,) = emu.patch_data_runs()
    failed = run["instance_ids"][2]
    assert f"instances failed: instance {failed} (plan time 2026-11-30T02:00:00+00:00)" in text
    assert f"----- DataArts node 'load' (fail) of instance {failed}: " in text
    # parallel 2 and stop_when_fail: the fourth instance started beside the third, none after
    assert len(run["instance_ids"]) == 4
    assert _counts(emu) == (1, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_retry_mid_run_re_attaches_one_run_in_all(run_dag: Any, emu: Emulator, mode: str) -> None:
    """Try 1's check fails (503s, no failure budget) while the run goes on; the retry finds the run by
    its name and waits for it."""
    emu.set_job(JOB, run_s=0.5)
    emu.script_faults(ENDPOINT_PATCH_QUERY, [200, 200, 503, 503])  # try 1: two finds pass, its check fails
    dr = run_dag(f"dataarts_patch_data_{mode}_retry", emu, RANGE, **RUN_FAST)
    ti = dr.get_task_instance("patch")
    assert state(dr) == "success", state(ti)
    assert ti.try_number == 2
    assert _counts(emu) == (1, 0)


def test_a_retry_after_a_failed_run_creates_the_next_run_of_the_series(run_dag: Any, emu: Emulator) -> None:
    emu.set_job(JOB, outcome_script=["fail"])
    dr = run_dag("dataarts_patch_data_worker_retry", emu, RANGE, **RUN_FAST)
    assert state(dr) == "success"
    names = sorted(r["name"] for r in emu.patch_data_runs())
    assert len(names) == 2 and names[1] == names[0] + "_2"
    assert dr.get_task_instance("patch").xcom_pull(task_ids="patch")["name"] == names[1]
    assert _counts(emu) == (2, 0)


def test_a_kill_stops_the_run(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    emu.set_job(JOB, run_s=60)
    op = DataArtsPatchDataOperator(
        task_id="k", job_name=JOB, start=RANGE["start"], end=RANGE["end"], poll_interval=0.1, timeout=30
    )
    outcome = execute_then_kill(op, lambda: bool(emu.patch_data_runs()))
    (run,) = emu.patch_data_runs()
    assert run["status"] == "CANCEL"
    # the check that ends the wait reads the row, then the instances: it sees the run stopped, or (the
    # stop landing between the two reads) its instance stopped; a failure either way
    assert outcome is not None and ("was stopped (CANCEL)" in str(outcome) or "(manual-stop" in str(outcome))
    assert _counts(emu) == (1, 1)


_CRASHING_WORKER = """
import sys
from airflow_dataarts_provider.operators.job import DataArtsPatchDataOperator
from helpers.runs import patch_context
op = DataArtsPatchDataOperator(task_id="patch", job_name=sys.argv[1], start=sys.argv[2], end=sys.argv[3],
                               poll_interval=0.1, timeout=60)
op.execute(patch_context(try_number=1))
"""


def test_a_crashed_worker_s_retry_re_attaches_one_run_in_all(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Try 1's worker is killed (SIGKILL) while it waits; try 2, a new operator in another process's
    place, finds the run by its name and waits for it: one PatchData run in all."""
    from helpers.runs import patch_context

    conn = connection_json(emu.info(), **RUN_FAST)
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", conn)
    emu.set_job(JOB, run_s=1.0)
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "AIRFLOW_CONN_DATAARTS_DEFAULT": conn, "PYTHONPATH": tests}
    worker = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CRASHING_WORKER), JOB, RANGE["start"], RANGE["end"]], env=env
    )
    deadline = time.monotonic() + 60
    while not emu.patch_data_runs() and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert emu.patch_data_runs()[0]["status"] == "RUNNING"
    op = DataArtsPatchDataOperator(
        task_id="patch", job_name=JOB, start=RANGE["start"], end=RANGE["end"], poll_interval=0.1, timeout=30
    )
    result = op.execute(patch_context(try_number=2))
    assert result["status"] == "SUCCESS" and len(result["instances"]) == 4
    assert _counts(emu) == (1, 0)


def test_the_trigger_stops_the_run_at_its_deadline_and_on_kill(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from helpers.hooks import make_hook

    from airflow_dataarts_provider.triggers.patch_data import DataArtsPatchDataTrigger

    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    emu.set_job(JOB, run_s=60)
    hook = make_hook("dataarts_default")
    for name in ("af_timed", "af_killed"):
        hook.create_patch_data_run(JOB, RANGE["start"], RANGE["end"], name=name)

    def trigger(name: str, seconds: float) -> DataArtsPatchDataTrigger:
        made: DataArtsPatchDataTrigger = fast_trigger(
            DataArtsPatchDataTrigger, seconds, job_name=JOB, name=name, stop_on_timeout=True
        )
        return made

    event = asyncio.run(first_event(trigger("af_timed", 0.5)))
    assert event["status"] == "timeout" and event["stopped"] is True
    assert "PatchData run 'af_timed' of job 'daily_sales_job' stopped" in event["message"]
    asyncio.run(trigger("af_killed", 30).on_kill())
    assert {r["name"]: r["status"] for r in emu.patch_data_runs()} == {
        "af_timed": "CANCEL",
        "af_killed": "CANCEL",
    }
    assert _counts(emu) == (2, 2)
