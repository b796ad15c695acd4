# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Stage 6c of `make e2e`: event-driven scheduling on DataArts releases (the `release_events` example).

The asset watcher's trigger must run in the triggerer; a package released with `dws_sales_summary`
must schedule exactly one run of `release_events`, which succeeds, and an unrelated package none. Then
the triggerer is stopped, a matching package is released while none runs, and the new triggerer's
watcher (its state restored from the asset's state store, Airflow 3.3) schedules exactly one run for
it. Prints the latency from each release (the emulator's release end) to the DAG run's start.

A stage of its own module beside the LocalExecutor stages (scripts/e2e/local.py), which run it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from airflow_dataarts_provider.emulator import SUBMITTERS, airflow_connection

from .deployment import Deployment, unpause
from .harness import HOME, LOGS, WORK, E2EError, say
from .services import (
    emulator_call,
)

EVENTS_DAG = "release_events"
EVENTS_JOB = "dws_sales_summary"  # the example's task_names
WATCHER = f"dataarts_release_{EVENTS_JOB}"
CLASSPATH = "airflow_dataarts_provider.triggers.events.DataArtsReleaseEventTrigger"
POLL_S = 5.0  # DATAARTS_RELEASE_EVENTS_POLL_S in the services' environment
APPROVER = "7e6d5c4b3a291807f6e5d4c3b2a19080"
#: No run may appear for an unrelated package within this long after its release (3 checks + slack).
QUIET_S = 3 * POLL_S + 10


def client_hook(info: dict[str, Any]) -> Any:
    """A DataArts hook in this process, as a developer releasing from a script would use it."""
    os.environ.setdefault("AIRFLOW_HOME", str(WORK / "client-home"))
    os.environ["AIRFLOW_CONN_DATAARTS_E2E_CLIENT"] = json.dumps(airflow_connection(info))
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    return DataArtsHook("dataarts_e2e_client")


def release(d: Deployment, hook: Any, *names: str) -> tuple[str, float]:
    """Package fresh pending items with these names and deploy; returns (package id, release end)."""
    url = d.info["url"]
    ids = [emulator_call(url, "items", {"item_name": n, "task_type": 1})["pending_item_id"] for n in names]
    package_id, _ = hook.create_release_package(
        package_name=f"e2e-{'-'.join(names)}-{time.time_ns()}",
        pending_item_ids=ids,
        approver_ids=[APPROVER],
        apply_user_id=SUBMITTERS[0][0],
    )
    hook.deploy_release_packages([package_id])
    deadline = time.monotonic() + 60
    while (package := emulator_call(url, f"packages/{package_id}"))["deploy_status"] != 2:
        if time.monotonic() > deadline:
            raise E2EError(f"package {package_id} not released within 60s: {package}")
        time.sleep(0.2)
    return str(package_id), float(package["finished_at"])


def watcher_row(d: Deployment, watcher: str) -> list[str]:
    sql = (
        "SELECT t.id, t.classpath, t.triggerer_id, j.job_type, j.state FROM asset_watcher w "
        "JOIN trigger t ON t.id = w.trigger_id LEFT JOIN job j ON j.id = t.triggerer_id "
        f"WHERE w.name = '{watcher}'"
    )
    rows = d.pg.psql("airflow", sql)
    if len(rows) > 1:
        raise E2EError(f"expected one trigger for the watcher {watcher}, found {rows}")
    return rows[0] if rows else []


def wait_watching(  # noqa: PLR0917 - which watcher, and what says it took stock
    d: Deployment, t0: float, log_offset: int, watcher: str, classpath: str, marker: str
) -> tuple[str, str]:
    """Until the watcher's trigger runs in a running TriggererJob and has taken stock (``marker``, its
    log line)."""
    log = LOGS / "triggerer.log"
    while True:
        d.procs.check_alive()
        row = watcher_row(d, watcher)
        text = log.read_bytes()[log_offset:].decode(errors="replace")
        if row and row[3] == "TriggererJob" and row[4] == "running" and marker in text:
            break
        if time.monotonic() - t0 > 150:
            raise E2EError(
                f"the watcher {watcher} did not start in the triggerer within 150s: {row}; see {log}"
            )
        time.sleep(0.5)
    trigger_id, found, triggerer_id = row[:3]
    if found != classpath:
        raise E2EError(f"the watcher's trigger is {found}, expected {classpath}")
    say(
        f"[{time.monotonic() - t0:5.1f}s] watcher {watcher}: trigger {trigger_id} ({classpath}) in "
        f"TriggererJob {triggerer_id}; its first check is done (triggerer log)"
    )
    return trigger_id, triggerer_id


def runs(d: Deployment, dag_id: str = EVENTS_DAG) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = d.api("GET", f"dags/{dag_id}/dagRuns?order_by=id")["dag_runs"]
    return found


def wait_new_run(d: Deployment, known: int, package_id: str, released_at: float) -> float:
    """The one new run for ``package_id``: it succeeds and its asset event carries the package. Returns
    the latency from the release's end to the run's start (s)."""
    deadline = time.monotonic() + 120
    while len(found := runs(d)) <= known or found[-1]["state"] not in ("success", "failed"):
        d.procs.check_alive()
        if time.monotonic() > deadline:
            raise E2EError(f"no finished {EVENTS_DAG} run for package {package_id} within 120s: {found}")
        time.sleep(0.5)
    if len(found) != known + 1:
        raise E2EError(f"expected exactly one new {EVENTS_DAG} run for package {package_id}: {found}")
    run = found[-1]
    if run["state"] != "success" or run["run_type"] != "asset_triggered":
        raise E2EError(
            f"{EVENTS_DAG} run {run['dag_run_id']}: {run['state']} ({run['run_type']}); logs {HOME}"
        )
    events = d.api("GET", f"dags/{EVENTS_DAG}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents")[
        "asset_events"
    ]
    payloads = [e["extra"]["payload"] for e in events]
    if [p["package_id"] for p in payloads] != [package_id] or EVENTS_JOB not in payloads[0]["item_names"]:
        raise E2EError(f"run {run['dag_run_id']} was scheduled by {payloads}, expected package {package_id}")
    started = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00")).timestamp()
    latency = started - released_at
    say(
        f"package {package_id} released -> run {run['dag_run_id']} started {latency:.1f}s later, "
        f"{run['state']}; its asset event's payload: {payloads[0]['package_name']}, "
        f"items {payloads[0]['item_names']}, deployed {payloads[0]['deploy_time']}"
    )
    return latency


def run_release_events(d: Deployment) -> None:
    t0 = time.monotonic()
    hook = client_hook(d.info)
    log_offset = (LOGS / "triggerer.log").stat().st_size
    unpause(d, EVENTS_DAG)
    say(f"unpaused {EVENTS_DAG} (scheduled on the asset {WATCHER}, checked every {POLL_S:g}s)")
    wait_watching(d, t0, log_offset, WATCHER, CLASSPATH, "Watching release packages")
    if runs(d):
        raise E2EError(f"{EVENTS_DAG} ran before any release after its watcher started: {runs(d)}")
    latencies = [wait_new_run(d, 0, *release(d, hook, EVENTS_JOB, "dwd_orders_daily"))]

    unrelated, released_at = release(d, hook, "ods_unrelated_job")
    while time.time() < released_at + QUIET_S:
        d.procs.check_alive()
        time.sleep(1)
    if len(runs(d)) != 1:
        raise E2EError(f"package {unrelated} (no {EVENTS_JOB}) scheduled a run: {runs(d)}")
    say(f"[{time.monotonic() - t0:5.1f}s] unrelated package {unrelated}: no run within {QUIET_S:.0f}s")

    meanwhile, latency, new = across_restart(
        d,
        t0,
        happen=lambda: release(d, hook, EVENTS_JOB),
        what="package released",
        wait_run=lambda key, at: wait_new_run(d, 1, key, at),
        marker="Release watch state restored",
        dag_id=EVENTS_DAG,
    )
    latencies.append(latency)
    say(
        f"[{time.monotonic() - t0:5.1f}s] new triggerer (pid {new}) restored the watcher's state: one run for"
        f" {meanwhile}, none again for the first package; release -> run start: "
        + ", ".join(f"{s:.1f}s" for s in latencies)
    )


def across_restart(
    d: Deployment,
    t0: float,
    *,
    happen: Callable[[], tuple[str, float]],
    what: str,
    wait_run: Callable[[str, float], float],
    marker: str,
    dag_id: str,
) -> tuple[str, float, str]:
    """Stop the triggerer, let ``happen()`` happen meanwhile (it returns what happened and when), start
    the triggerer again: exactly one new run of ``dag_id`` for it (``wait_run`` returns its latency), the
    watcher's state restored (``marker`` in the new triggerer's log), and no run again for what the first
    triggerer reported. Returns (what happened, latency, the new triggerer's pid)."""
    old = d.procs.stop("triggerer")
    key, at = happen()
    say(f"[{time.monotonic() - t0:5.1f}s] triggerer stopped (pid {old}); {what} meanwhile: {key}")
    log_offset = (LOGS / "triggerer.log").stat().st_size
    new = d.procs.start_again("triggerer")
    latency = wait_run(key, at)
    restored = (LOGS / "triggerer.log").read_bytes()[log_offset:].decode(errors="replace")
    if marker not in restored:
        raise E2EError(
            f"the new triggerer (pid {new}) did not restore the watcher's state; see triggerer.log"
        )
    before = len(runs(d, dag_id))
    time.sleep(2 * POLL_S)
    if len(runs(d, dag_id)) != before:
        raise E2EError(f"something was reported twice after the restart: {runs(d, dag_id)}")
    return key, latency, str(new)
