# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Stage 6d of `make e2e`: DAGs scheduled on DataArts job outcomes (the `job_events` example).

The asset watcher's trigger must run in the triggerer. A run of `dws_sales_summary` that DataArts
schedules and that succeeds must schedule exactly one run of `job_events`, which succeeds with the
instance in its asset event; a failed run and another job's success schedule none. Then the triggerer
is stopped, a run succeeds while none runs, and the new triggerer's watcher (its state restored from the
asset's state store, Airflow 3.3) schedules exactly one run for it. Prints the event latency: from the
instance's end (the emulator's end time) to the DAG run's start.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from .deployment import Deployment, unpause
from .events import across_restart, runs, wait_watching
from .harness import HOME, LOGS, E2EError, say
from .services import emulator_call

DAG_ID = "job_events"
JOB = "dws_sales_summary"
WATCHER = f"dataarts_job_{JOB}_success"
CLASSPATH = "airflow_dataarts_provider.triggers.events.DataArtsJobEventTrigger"
POLL_S = 5.0  # DATAARTS_JOB_EVENTS_POLL_S in the services' environment
QUIET_S = 3 * POLL_S + 10


def scheduled_run(d: Deployment, job: str, outcome: str) -> tuple[str, float]:
    """DataArts' schedule starts one instance of ``job`` that ends with ``outcome``; returns (instance id,
    its end time in epoch seconds) once it ended."""
    url = d.info["url"]
    emulator_call(url, f"jobs/{job}", {"run_s": 1.0, "outcome": outcome})
    instance_id = str(emulator_call(url, f"jobs/{job}/schedule", {})["instanceId"])
    deadline = time.monotonic() + 30
    while True:
        rows = emulator_call(url, f"jobs/{job}/instances")["data"]
        row = next(r for r in rows if str(r["instanceId"]) == instance_id)
        if row["status"] == outcome:
            return instance_id, row["endTime"] / 1000
        if time.monotonic() > deadline:
            raise E2EError(f"job {job} instance {instance_id} did not end within 30s: {row}")
        time.sleep(0.2)


def wait_new_run(d: Deployment, known: int, instance_id: str, ended_at: float) -> float:
    """The one new run for ``instance_id``: it succeeds and its asset event carries the instance. Returns
    the latency from the instance's end to the run's start (s)."""
    deadline = time.monotonic() + 120
    while len(found := runs(d, DAG_ID)) <= known or found[-1]["state"] not in ("success", "failed"):
        d.procs.check_alive()
        if time.monotonic() > deadline:
            raise E2EError(f"no finished {DAG_ID} run for instance {instance_id} within 120s: {found}")
        time.sleep(0.5)
    if len(found) != known + 1:
        raise E2EError(f"expected exactly one new {DAG_ID} run for instance {instance_id}: {found}")
    run = found[-1]
    if run["state"] != "success" or run["run_type"] != "asset_triggered":
        raise E2EError(f"{DAG_ID} run {run['dag_run_id']}: {run['state']} ({run['run_type']}); logs {HOME}")
    events = d.api("GET", f"dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents")["asset_events"]
    payloads: list[dict[str, Any]] = [e["extra"]["payload"] for e in events]
    if [(p["instance_id"], p["job_name"], p["status"]) for p in payloads] != [(instance_id, JOB, "success")]:
        raise E2EError(
            f"run {run['dag_run_id']} was scheduled by {payloads}, expected instance {instance_id}"
        )
    started = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00")).timestamp()
    latency = started - ended_at
    say(
        f"{JOB} instance {instance_id} ended -> run {run['dag_run_id']} started {latency:.1f}s later, "
        f"{run['state']}; payload: ended {payloads[0]['end_time']}, planned {payloads[0]['plan_time']}"
    )
    return latency


def quiet(d: Deployment, count: int, why: str, since: float) -> None:
    while time.time() < since + QUIET_S:
        d.procs.check_alive()
        time.sleep(1)
    if len(runs(d, DAG_ID)) != count:
        raise E2EError(f"{why} scheduled a run: {runs(d, DAG_ID)}")


def run_job_events(d: Deployment) -> None:
    t0 = time.monotonic()
    log_offset = (LOGS / "triggerer.log").stat().st_size
    unpause(d, DAG_ID)
    say(f"unpaused {DAG_ID} (scheduled on the asset {WATCHER}, checked every {POLL_S:g}s)")
    wait_watching(d, t0, log_offset, WATCHER, CLASSPATH, "Watching jobs ['dws_sales_summary']")
    if runs(d, DAG_ID):
        raise E2EError(f"{DAG_ID} ran before any job ended after its watcher started: {runs(d, DAG_ID)}")
    latencies = [wait_new_run(d, 0, *scheduled_run(d, JOB, "success"))]

    failed, failed_at = scheduled_run(d, JOB, "fail")
    other, _ = scheduled_run(d, "daily_sales_job", "success")
    quiet(d, 1, f"a failed {JOB} run ({failed}) or another job's success ({other})", failed_at)
    say(
        f"[{time.monotonic() - t0:5.1f}s] failed run {failed}, other job's run {other}:"
        f" no run in {QUIET_S:.0f}s"
    )

    meanwhile, latency, new = across_restart(
        d,
        t0,
        happen=lambda: scheduled_run(d, JOB, "success"),
        what=f"an instance of {JOB} succeeded",
        wait_run=lambda key, at: wait_new_run(d, 1, key, at),
        marker="Job event watch state restored",
        dag_id=DAG_ID,
    )
    latencies.append(latency)
    say(
        f"[{time.monotonic() - t0:5.1f}s] new triggerer (pid {new}) restored the watcher's state: one run for"
        f" {meanwhile}, none again for the first; instance end -> run start: "
        + ", ".join(f"{s:.1f}s" for s in latencies)
    )
