# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The example DAGs parse on this Airflow line and run end to end with `airflow dags test` against the
emulator (release_gate also runs in tests/demo through `make demo`)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import AIRFLOW_2, connection_json, plain_text

from airflow_dataarts_provider.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "example_dags"
AIRFLOW = Path(sys.executable).with_name("airflow")

pytestmark = pytest.mark.slow


def test_example_dags_parse_without_import_errors(airflow_db: None) -> None:
    from airflow.models import DagBag

    bag = DagBag(str(EXAMPLES), include_examples=False) if AIRFLOW_2 else DagBag(str(EXAMPLES))
    assert bag.import_errors == {}
    assert {"release_gate", "daily_pending_report"} <= set(bag.dag_ids)
    # Asset watchers exist from Airflow 3.0: on 2.11 the release- and job-events examples define no DAG.
    assert ("release_events" in bag.dag_ids) is not AIRFLOW_2
    assert ("job_events" in bag.dag_ids) is not AIRFLOW_2
    for dag_id in ("release_gate", "daily_pending_report"):
        dag = bag.get_dag(dag_id)
        assert dag is not None and "example" in dag.tags


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated SQLite AIRFLOW_HOME with the example DAGs as its DAGs folder."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(EXAMPLES),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )
    if AIRFLOW_2:
        env["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"
    subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env


def _task_states(env: dict[str, str], dag_id: str, *, latest: bool = False) -> dict[str, str]:
    """Task states of the DAG's only run (or of its latest run)."""
    with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as db:
        runs = [
            r[0]
            for r in db.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id", (dag_id,)
            ).fetchall()
        ]
        assert runs and (latest or len(runs) == 1), runs
        rows = db.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, runs[-1])
        ).fetchall()
    return dict(rows)


def _dags_test(env: dict[str, str], emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    run_env = {**env, "AIRFLOW_CONN_DATAARTS_DEFAULT": connection_json(emu.info())}
    return subprocess.run(
        [str(AIRFLOW), "dags", "test", *args],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _interval_items(emu: Emulator, start: datetime, end: datetime) -> list[dict[str, Any]]:
    lo, hi = start.timestamp() * 1000, end.timestamp() * 1000
    return [i for i in emu.items() if lo <= i["submit_timestamp"] <= hi]


def test_daily_pending_report_reports_the_interval_and_fails_on_old_items(
    airflow_env: dict[str, str], dataarts_emulator_factory: Any
) -> None:
    emu = dataarts_emulator_factory(seed_items=120, seed=5)
    day = datetime.fromtimestamp(emu.items()[10]["submit_timestamp"] / 1000, tz=timezone.utc)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)  # a manual run at `end` covers [start, end] (CronDataIntervalTimetable)
    expected = _interval_items(emu, start, end)
    assert 0 < len(expected) < len(emu.items())

    # Generous threshold: nothing has waited too long -> success, and the summary counts the interval.
    conf = json.dumps({"max_wait_hours": 24 * 365 * 100})
    result = _dags_test(airflow_env, emu, "daily_pending_report", end.isoformat(), "-c", conf)
    out = plain_text(result.stdout + result.stderr)
    assert _task_states(airflow_env, "daily_pending_report") == {
        "pending_submitted_in_interval": "success",
        "summarise": "success",
        "check_waiting_time": "success",
    }, out[-3000:]
    assert f"'total': {len(expected)}" in out
    submitters = {i["submit_user_name"] for i in expected}
    assert all(f"'{name}':" in out for name in submitters)

    # A tight threshold: the seeded items are months old -> the check fails loudly, naming them.
    result = _dags_test(
        airflow_env,
        emu,
        "daily_pending_report",
        (end + timedelta(days=1)).isoformat(),
        "-c",
        json.dumps({"max_wait_hours": 1}),
    )
    out = plain_text(result.stdout + result.stderr)
    assert "waited more than 1 h to be released" in out, out[-3000:]
    runs = _task_states(airflow_env, "daily_pending_report", latest=True)
    assert runs["check_waiting_time"] == "failed"
    assert runs["pending_submitted_in_interval"] == "success"


JOBS = ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"]  # release_pipeline's default params


def _seed_jobs(emu: Emulator) -> None:
    for n, name in enumerate(JOBS):
        emu.add_item(
            {"item_name": name, "task_type": 1, "update_type": 1 + n % 3, "submit_user_name": "dev_alice"}
        )


def test_release_pipeline_packages_deploys_and_empties_the_pending_list(
    airflow_env: dict[str, str], dataarts_emulator_factory: Any
) -> None:
    emu = dataarts_emulator_factory(seed_items=40, release_duration_s=1.0)
    _seed_jobs(emu)
    others = {i["pending_item_id"] for i in emu.items() if i["item_name"] not in JOBS}
    result = _dags_test(airflow_env, emu, "release_pipeline")
    out = plain_text(result.stdout + result.stderr)
    assert _task_states(airflow_env, "release_pipeline") == {
        "list_pending_items": "success",
        "package": "success",
        "deploy": "success",
        "wait_for_deployment": "success",
        "run_released_job": "success",
        "production_step": "success",
    }, out[-4000:]
    assert emu.counters()["job_instances_started"] == {JOBS[0]: 1}  # the released job ran, once
    assert not [i for i in emu.items() if i["item_name"] in JOBS]  # released: no longer pending
    assert {i["pending_item_id"] for i in emu.items()} == others  # nothing else was touched
    counters = emu.counters()
    assert counters["packages_created"] == 1 and counters["packages_released"] == 1
    (package,) = emu.packages()
    assert sorted(t["item_name"] for t in emu.package(package["package_id"])["task_details"]) == sorted(JOBS)


def test_script_quality_gate_checks_then_hands_the_rows_downstream(
    airflow_env: dict[str, str], dataarts_emulator_factory: Any
) -> None:
    emu = dataarts_emulator_factory(seed_items=0)
    emu.set_script("dws_daily_sales", rows=2)
    result = _dags_test(airflow_env, emu, "script_quality_gate", "-c", json.dumps({"bizdate": "20261130"}))
    out = plain_text(result.stdout + result.stderr)
    assert _task_states(airflow_env, "script_quality_gate") == {
        "quality_check": "success",
        "daily_sales": "success",
        "publish": "success",
    }, out[-4000:]
    counters = emu.counters()["script_instances_started"]
    assert counters == {"订单质量检查": 1, "dws_daily_sales": 1}
    assert [i["params"] for i in emu.script_instances("dws_daily_sales")] == [{"bizdate": "20261130"}]
    assert "3 rows; first: [{'ok': 1, 'day': '20261130'}]" in out

    emu.set_script("订单质量检查", result_rows=[[0, "${bizdate}"]])  # the check fails: nothing runs after
    result = _dags_test(airflow_env, emu, "script_quality_gate")
    states = _task_states(airflow_env, "script_quality_gate", latest=True)
    assert states["quality_check"] == "failed" and states["daily_sales"] == "upstream_failed", states
    assert emu.counters()["script_instances_started"] == {"订单质量检查": 2, "dws_daily_sales": 1}


def _lineage_events(path: Path) -> list[dict[str, Any]]:
    """The OpenLineage events the file transport wrote (one JSON document per line)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_job_backfill_backfills_the_day_then_repairs_the_report_from_its_failed_node(
    airflow_env: dict[str, str], dataarts_emulator_factory: Any, tmp_path: Path
) -> None:
    """The day's PatchData run (24 hourly instances), then a report whose first run fails at ``load``: the
    retry reruns it from ``load`` (``extract`` ran once). OpenLineage is on (a file transport): its
    listener reports each DataArts run as run facets."""
    emu = dataarts_emulator_factory(seed_items=0)
    emu.set_job("daily_sales_job", run_s=0.1, period_s=3600)
    emu.add_job(
        "ads_finance_report",
        run_s=0.2,
        nodes=["extract", "load"],
        failing_node="load",
        outcome_script=["fail"],
    )
    events = tmp_path / "openlineage.jsonl"
    env = {
        **airflow_env,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "tests",
    }
    result = _dags_test(env, emu, "job_backfill", "2026-12-01T00:00:00+00:00")
    out = plain_text(result.stdout + result.stderr)
    assert _task_states(airflow_env, "job_backfill") == {
        "backfill_day": "success",
        "rebuild_report": "success",
    }, out[-4000:]
    (run,) = emu.patch_data_runs()
    assert run["status"] == "SUCCESS" and len(run["instance_ids"]) == 24
    assert run["start_date"] == int(datetime(2026, 11, 30, tzinfo=timezone.utc).timestamp() * 1000)
    assert run["end_date"] == int(datetime(2026, 11, 30, 23, 59, 59, tzinfo=timezone.utc).timestamp() * 1000)
    counters = emu.counters()
    assert counters["patch_data_created"] == {"daily_sales_job": 1}
    assert counters["job_instances_started"] == {"ads_finance_report": 1}
    assert counters["job_instances_rerun"] == {"ads_finance_report": 1}
    assert counters["job_node_runs"]["ads_finance_report"] == {"extract": 1, "load": 2}
    assert "----- DataArts node 'load' (fail) of instance" in out  # try 1's failed node's log
    assert "rerun from its error node as the same instance" in out

    facets = {}
    for event in _lineage_events(events):
        if event["eventType"] in ("COMPLETE", "FAIL") and "dataarts_run" in event["run"]["facets"]:
            task = event["job"]["name"].rpartition(".")[2]
            facets[(task, event["eventType"])] = event["run"]["facets"]
    backfill = facets[("backfill_day", "COMPLETE")]
    assert (
        backfill["dataarts_run"]["runKind"] == "patch_data"
        and backfill["dataarts_run"]["status"] == "SUCCESS"
    )
    assert backfill["dataarts_run"]["instanceIds"] == [str(i) for i in sorted(run["instance_ids"])]
    assert backfill["externalQuery"]["externalQueryId"].startswith("af_job_backfill_backfill_day_")
    assert backfill["dataarts_run"]["consoleUrl"].endswith("#/dlf/monitor/patchData")
    (instance,) = emu.job_instances("ads_finance_report")
    for kind, status in (("FAIL", "failed"), ("COMPLETE", "success")):
        report = facets[("rebuild_report", kind)]["dataarts_run"]
        assert report["runKind"] == "job_instance" and report["status"] == status
        assert (
            report["instanceIds"] == [str(instance["instanceId"])] and report["name"] == "ads_finance_report"
        )
