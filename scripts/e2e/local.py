# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make e2e` with the LocalExecutor: the stages of docs/e2e.md (release_gate deferred in the triggerer, job
runs, release events, the connection form in Chromium)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

from .deployment import (
    Deployment,
    airflow_env,
    check_loopback,
    check_retries,
    http,
    trigger_run,
    wait_healthy,
)
from .harness import (
    CHROMIUM,
    DAG_ID,
    GATED_JOBS,
    HOME,
    LOGS,
    NODE_DIR,
    REPO,
    SCREENSHOT,
    SENSOR,
    VENV,
    WORK,
    E2EError,
    Processes,
    Stages,
    free_port,
    run,
    say,
)
from .services import (
    Postgres,
    emulator_call,
    environments,
    pg_bindir,
    prerequisites,
    start_emulator,
)


def wait_deferred_in_triggerer(d: Deployment, run_id: str, t0: float) -> tuple[str, str]:
    """Wait until the sensor is deferred and its trigger runs in a TriggererJob: (trigger id, job id)."""
    sql = (
        "SELECT ti.state, ti.trigger_id, t.classpath, t.triggerer_id, j.job_type, j.state, j.hostname "
        "FROM task_instance ti LEFT JOIN trigger t ON t.id = ti.trigger_id "
        "LEFT JOIN job j ON j.id = t.triggerer_id "
        f"WHERE ti.dag_id = '{DAG_ID}' AND ti.run_id = '{run_id}' AND ti.task_id = '{SENSOR}'"
    )
    row: list[str] = []
    while True:
        d.procs.check_alive()
        rows = d.pg.psql("airflow", sql)
        row = rows[0] if rows else []
        if row and row[0] == "deferred" and row[4] == "TriggererJob" and row[5] == "running":
            break
        if row and row[0] in ("success", "failed", "up_for_retry", "upstream_failed"):
            raise E2EError(f"{SENSOR} reached {row[0]} before it was deferred in the triggerer: {row}")
        if time.monotonic() - t0 > 120:
            raise E2EError(f"{SENSOR} not deferred to a running triggerer within 120s: {row}")
        time.sleep(0.5)
    _, trigger_id, classpath, triggerer_id, job_type, _, host = row
    say(
        f"[{time.monotonic() - t0:5.1f}s] {SENSOR} deferred: task_instance.trigger_id={trigger_id} "
        f"({classpath}); trigger.triggerer_id={triggerer_id} = job {job_type} on {host}"
    )
    # Only the triggerer process started here creates TriggererJob rows in this fresh database.
    jobs = d.pg.psql("airflow", "SELECT id FROM job WHERE job_type = 'TriggererJob'")
    if [r[0] for r in jobs] != [triggerer_id]:
        raise E2EError(f"expected exactly one TriggererJob ({triggerer_id}), found {jobs}")
    # ...and the trigger is running there: it keeps polling the emulator while the task stays deferred.
    url = d.info["url"]
    before = emulator_call(url, "counters")["by_endpoint"].get("pending-items", 0)
    while emulator_call(url, "counters")["by_endpoint"].get("pending-items", 0) <= before:
        if time.monotonic() - t0 > 150:
            raise E2EError("the trigger made no request to the emulator while deferred")
        time.sleep(0.5)
    still = d.pg.psql("airflow", sql)[0]
    if still[0] != "deferred":
        raise E2EError(f"{SENSOR} left the deferred state before the release: {still}")
    say(
        f"[{time.monotonic() - t0:5.1f}s] the trigger polled the emulator while the task stayed deferred "
        f"(pending-items requests: {before} -> more)"
    )
    return trigger_id, triggerer_id


def check_trigger_log(run_id: str, trigger_id: str, triggerer_id: str) -> None:
    """The triggerer writes the trigger's log next to the task's, named after its job id: read it back."""
    task_logs = HOME / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}" / f"task_id={SENSOR}"
    trigger_logs = sorted(task_logs.glob(f"attempt=*.log.trigger.{triggerer_id}.log"))
    if not trigger_logs:
        raise E2EError(f"no trigger log of triggerer job {triggerer_id} in {task_logs}")
    events = []
    for line in trigger_logs[0].read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            events.append(json.loads(line).get("event", ""))
    if not any(f"(ID {trigger_id}) starting" in e for e in events) or "Trigger fired event" not in events:
        raise E2EError(
            f"the trigger log {trigger_logs[0]} does not show trigger {trigger_id} starting and firing"
        )
    say(f"trigger log written by triggerer job {triggerer_id}: {trigger_logs[0].relative_to(HOME)}")
    for event in events[:6]:
        say(f"  | {event[:150]}")


def run_release_gate(d: Deployment, timeout: float) -> None:
    run_id = trigger_run(d)
    t0 = time.monotonic()
    trigger_id, triggerer_id = wait_deferred_in_triggerer(d, run_id, t0)
    packaged = emulator_call(d.info["url"], "mark-packaged", {"item_names": GATED_JOBS})["matched"]
    released = emulator_call(d.info["url"], "release", {"item_names": GATED_JOBS})["released"]
    say(f"[{time.monotonic() - t0:5.1f}s] emulator: {packaged} items packaged, {released} released")
    end = time.monotonic() + timeout
    run_state = None
    while time.monotonic() < end:
        d.procs.check_alive()
        run_state = d.api("GET", f"dags/{DAG_ID}/dagRuns/{run_id}")["state"]
        if run_state in ("success", "failed"):
            break
        time.sleep(1)
    tis = d.api("GET", f"dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")["task_instances"]
    states = {ti["task_id"]: ti["state"] for ti in tis}
    say(f"[{time.monotonic() - t0:5.1f}s] DAG run {run_state}; tasks: {states}")
    if run_state != "success" or len(states) != 3 or set(states.values()) != {"success"}:
        raise E2EError(
            f"DAG run did not succeed within {timeout:.0f}s: {run_state} {states}; logs in {HOME}/logs"
        )
    check_retries(d, DAG_ID, run_id)
    check_trigger_log(run_id, trigger_id, triggerer_id)


PIPELINE = "release_pipeline"


RUN_TASK = "run_released_job"


PIPELINE_JOB = GATED_JOBS[0]  # release_pipeline runs the first of its (default) jobs


def wait_task_state(d: Deployment, run_id: str, task_id: str, wanted: set[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        d.procs.check_alive()
        state = d.api("GET", f"dags/{PIPELINE}/dagRuns/{run_id}/taskInstances/{task_id}")["state"]
        if state in wanted:
            return str(state)
        if state in ("failed", "upstream_failed") and "failed" not in wanted:
            tis = d.api("GET", f"dags/{PIPELINE}/dagRuns/{run_id}/taskInstances")["task_instances"]
            tries = {ti["task_id"]: f"{ti['state']} (try {ti['try_number']})" for ti in tis}
            raise E2EError(f"{task_id} of {run_id} {state}; tasks: {tries}; logs in {HOME}/logs")
        time.sleep(0.5)
    raise E2EError(f"{task_id} of {run_id} still {state} after {timeout:.0f}s (wanted {sorted(wanted)})")


def job_instances(d: Deployment) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = emulator_call(d.info["url"], f"jobs/{PIPELINE_JOB}/instances")["data"]
    return rows


def instance_reads(url: str) -> int:
    """Requests that read job instances: a trigger's check reads its instance or the job feed's listing."""
    by_endpoint = emulator_call(url, "counters")["by_endpoint"]
    return int(by_endpoint.get("job-instance", 0) + by_endpoint.get("job-instances", 0))


def pipeline_run(d: Deployment, run_s: float) -> str:
    """Fresh pending items for release_pipeline's jobs, the job scripted to run ``run_s``, a run
    triggered; returns its id once the job's task is deferred in the triggerer."""
    url = d.info["url"]
    for name in GATED_JOBS:
        emulator_call(url, "items", {"item_name": name, "task_type": 1, "submit_user_name": "dev_alice"})
    try:
        emulator_call(url, "jobs", {"name": PIPELINE_JOB, "run_s": run_s})
    except urllib.error.HTTPError:  # it exists (released before): script its next runs
        emulator_call(url, f"jobs/{PIPELINE_JOB}", {"run_s": run_s})
    run_id = trigger_run(d, PIPELINE)
    wait_task_state(d, run_id, RUN_TASK, {"deferred"}, 180)
    # The task checked once before deferring; wait for the trigger's own first check (its triggerer has
    # picked it up): a kill before that cannot reach any trigger's on_kill.
    checks = instance_reads(url)
    deadline = time.monotonic() + 60
    while instance_reads(url) <= checks:
        if time.monotonic() > deadline:
            raise E2EError(f"the trigger of {RUN_TASK} did not check the instance within 60s")
        time.sleep(0.3)
    (instance, *_) = job_instances(d)
    say(
        f"{RUN_TASK} deferred; emulator: job {PIPELINE_JOB} instance {instance['instanceId']}"
        f" {instance['status']}"
    )
    return run_id


def run_jobs(d: Deployment) -> None:
    """A triggerer restart while the job's task is deferred: the new triggerer resumes the wait, one
    instance in all. Then a user marks a deferred job task failed: the triggerer's on_kill stops it."""
    t0 = time.monotonic()
    run_id = pipeline_run(d, run_s=20)
    old, new = d.procs.restart("triggerer")
    say(f"[{time.monotonic() - t0:5.1f}s] triggerer restarted mid-wait (pid {old} -> {new})")
    wait_task_state(d, run_id, RUN_TASK, {"success"}, 180)
    rows = job_instances(d)
    if [r["status"] for r in rows] != ["success"]:
        raise E2EError(f"expected one successful instance of {PIPELINE_JOB}, found {rows}")
    check_retries(d, PIPELINE, run_id)
    say(f"[{time.monotonic() - t0:5.1f}s] {RUN_TASK} succeeded after the restart; instances started: 1")

    run_id = pipeline_run(d, run_s=600)
    d.api("PATCH", f"dags/{PIPELINE}/dagRuns/{run_id}/taskInstances/{RUN_TASK}", {"new_state": "failed"})
    say(f"[{time.monotonic() - t0:5.1f}s] {RUN_TASK} of {run_id} marked failed through the REST API")
    deadline = time.monotonic() + 60
    while (rows := job_instances(d)) and rows[0]["status"] != "manual-stop" and time.monotonic() < deadline:
        time.sleep(0.5)
    counters = emulator_call(d.info["url"], "counters")
    started = counters["job_instances_started"].get(PIPELINE_JOB, 0)
    stopped = counters["job_instances_stopped"].get(PIPELINE_JOB, 0)
    if rows[0]["status"] != "manual-stop" or (started, stopped) != (2, 1):
        raise E2EError(
            f"the killed task's instance was not stopped: {rows[0]}, started {started}, stopped {stopped}"
        )
    check_retries(d, PIPELINE, run_id)
    say(
        f"[{time.monotonic() - t0:5.1f}s] the trigger's on_kill stopped instance {rows[0]['instanceId']};"
        f" emulator counted {started} started (one per run) and {stopped} stopped"
    )


def connection_form(base: str, token: str, info: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "E2E_NODE_DIR": str(NODE_DIR),
        "E2E_BASE": base,
        "E2E_TOKEN": token,
        "E2E_CHROMIUM": CHROMIUM,
        "E2E_PROFILE": str(WORK / "chromium-profile"),
        "E2E_SCREENSHOT": str(SCREENSHOT),
        "E2E_SCREENSHOT_STANDARD": str(WORK / "connection-form-standard.png"),
        "E2E_SHOTS": str(LOGS),
        "E2E_CONN": json.dumps(
            {
                "host": info["url"],
                "login": info["ak"],
                "password": info["sk"],
                "region": info["region"],
                "project_id": info["project_id"],
                "workspace": info["workspace"],
            }
        ),
    }
    out = LOGS / "connection-form.log"
    try:
        run(["node", str(REPO / "scripts" / "e2e" / "connection_form.js")], out, env=env, timeout=180)
    except subprocess.TimeoutExpired as exc:
        raise E2EError(f"the browser script timed out; log {out}") from exc
    for line in out.read_text(errors="replace").splitlines():
        say(line)


def deploy(stages: Stages, procs: Processes, pg: Postgres, timeout: float) -> None:
    with stages.stage("1. prerequisites (Debian packages: postgresql, chromium)"):
        prerequisites()
        pg.bindir = pg_bindir()
    with stages.stage("2. environments (.work/e2e/venv with uv; playwright-core with npm)"):
        environments()
    with stages.stage("3. PostgreSQL (own cluster on loopback)"):
        pg.start()
    with stages.stage("4. emulator + airflow db migrate"):
        info = start_emulator(procs)
        api_port, password = free_port(), secrets.token_urlsafe(16)
        env = airflow_env(pg, info, api_port, password)
        airflow = str(VENV / "bin" / "airflow")
        run([airflow, "db", "migrate"], LOGS / "db-migrate.log", env=env, cwd=WORK, timeout=300)
    base = f"http://127.0.0.1:{api_port}"
    with stages.stage("5. Airflow services (api-server, scheduler, dag-processor, triggerer)"):
        procs.start(
            "api-server", [airflow, "api-server", "-H", "127.0.0.1", "-p", str(api_port), "-w", "1"], env
        )
        procs.start("scheduler", [airflow, "scheduler", "--skip-serve-logs"], env)
        procs.start("dag-processor", [airflow, "dag-processor"], env)
        procs.start("triggerer", [airflow, "triggerer", "--skip-serve-logs"], env)
        health = wait_healthy(base, procs)
        say(
            "health: " + ", ".join(f"{k}={v.get('status')}" for k, v in health.items() if isinstance(v, dict))
        )
        check_loopback(procs, pg)
        login = {"username": "admin", "password": password}
        token = http("POST", f"{base}/auth/token", body=login)["access_token"]
        say("JWT from POST /auth/token (simple auth manager, user admin)")
    deployment = Deployment(pg, info, procs, base, token)
    with stages.stage("6. release_gate through the REST API, deferred in the triggerer"):
        run_release_gate(deployment, timeout)
    with stages.stage("6b. job runs: a triggerer restart mid-wait, a user's kill of a deferred task"):
        run_jobs(deployment)
    with stages.stage("6c. release events: an asset watcher schedules one run per matching release"):
        from .events import run_release_events

        run_release_events(deployment)
    with stages.stage("6d. job events: an asset watcher schedules one run per successful job run"):
        from .job_events import run_job_events

        run_job_events(deployment)
    with stages.stage("7. connection form in headless Chromium (screenshot, Test button)"):
        connection_form(base, token, info)
        check_loopback(procs, pg)
