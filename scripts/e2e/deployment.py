# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""A running deployment and what the stages do with it through the REST API: unpause, trigger, wait for a
task's state."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from airflow_dataarts_provider.emulator import airflow_connection

from .harness import (
    DAG_ID,
    HOME,
    LOGS,
    REPO,
    VENV,
    E2EError,
    Processes,
    free_port,
    group_members,
    listening_sockets,
    say,
)
from .services import (
    Postgres,
)


def airflow_env(pg: Postgres, info: dict[str, Any], api_port: int, password: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k != "VIRTUAL_ENV"}
    env["PATH"] = f"{VENV / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    (HOME / "passwords.json").write_text(json.dumps({"admin": password}))
    base = f"http://127.0.0.1:{api_port}"
    env.update(
        AIRFLOW_HOME=str(HOME),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "example_dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__FERNET_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(HOME / "passwords.json"),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{base}/execution/",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"postgresql+psycopg2://postgres@127.0.0.1:{pg.port}/airflow",
        AIRFLOW__API__BASE_URL=base,
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(api_port),
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        # The log servers bind every interface (no host option): the scheduler and the triggerer run with
        # --skip-serve-logs (LocalExecutor: the api-server reads the log files directly). Ports set anyway.
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST="127.0.0.1",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="5",  # an unpaused DAG's watcher starts soon
        DATAARTS_RELEASE_EVENTS_POLL_S="5",  # the release_events example's check interval
        DATAARTS_JOB_EVENTS_POLL_S="5",  # the job_events example's
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        AIRFLOW_CONN_DATAARTS_DEFAULT=json.dumps(airflow_connection(info)),
    )
    return env


def http(method: str, url: str, token: str | None = None, body: Any = None, timeout: float = 30) -> Any:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # loopback only
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise E2EError(f"{method} {url} -> HTTP {exc.code}: {exc.read()[:500]!r}") from exc
    return json.loads(raw) if raw else None


def wait_healthy(base: str, procs: Processes, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        procs.check_alive()
        with contextlib.suppress(OSError, E2EError, ValueError):
            last = http("GET", f"{base}/api/v2/monitor/health", timeout=5)
            parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
            if isinstance(last, dict) and all((last.get(p) or {}).get("status") == "healthy" for p in parts):
                return dict(last)
        time.sleep(1)
    raise E2EError(f"Airflow not healthy after {timeout:.0f}s: {last}")


def check_loopback(procs: Processes, pg: Postgres) -> None:
    pids = {pid for pgid in procs.pgids() for pid in group_members(pgid)}
    if pg.postmaster_pid():
        pids.add(pg.postmaster_pid())  # type: ignore[arg-type]
    sockets = listening_sockets(pids)
    bad = [s for s in sockets if not (s[1].startswith("127.") or s[1] == "::1")]
    if bad:
        raise E2EError(f"listening on a non-loopback address: {bad}")
    say("listening sockets (all loopback): " + ", ".join(sorted({f"{a}:{p}" for _, a, p in sockets})))


class Deployment:
    """What the stages share: the services and how to reach them."""

    def __init__(self, pg: Postgres, info: dict[str, Any], procs: Processes, base: str, token: str) -> None:
        self.pg, self.info, self.procs, self.base, self.token = pg, info, procs, base, token

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return http(method, f"{self.base}/api/v2/{path}", self.token, body)


def check_retries(d: Deployment, dag_id: str, run_id: str) -> None:
    """A task of the run tried more than once is allowed only when Airflow's scheduler failed its first
    try with a "state mismatch" (the deferral race of Airflow 3.2-3.3, apache/airflow#72716, which the
    example DAGs' one retry absorbs); any other retry is a failure of ours."""
    query = urllib.parse.urlencode({"dag_id": dag_id, "run_id": run_id, "event": "state mismatch"})
    raced = {log["task_id"] for log in d.api("GET", f"eventLogs?{query}")["event_logs"]}
    tis = d.api("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
    retried = {ti["task_id"]: ti["try_number"] for ti in tis if ti["try_number"] > 1}
    if set(retried) - raced:
        raise E2EError(
            f"tasks of {run_id} tried again without Airflow's state-mismatch race: {retried}; logs in {LOGS}"
        )
    for task in sorted(retried):
        say(f"{task}: Airflow's scheduler failed try 1 (state mismatch, apache/airflow#72716); try 2 passed")


def unpause(d: Deployment, dag_id: str) -> None:
    """Wait for the DAG to be parsed, then unpause it."""
    deadline = time.monotonic() + 90
    while True:  # the dag-processor must have parsed example_dags first
        d.procs.check_alive()
        try:
            d.api("GET", f"dags/{dag_id}")
            break
        except E2EError:
            if time.monotonic() > deadline:
                raise E2EError(f"{dag_id} not parsed within 90s; see {LOGS / 'dag-processor.log'}") from None
            time.sleep(1)
    d.api("PATCH", f"dags/{dag_id}?update_mask=is_paused", {"is_paused": False})


def trigger_run(d: Deployment, dag_id: str = DAG_ID) -> str:
    """Unpause the DAG and trigger a run through the REST API; returns the run id."""
    unpause(d, dag_id)
    run_id = f"e2e__{dag_id}__{time.time_ns()}"
    d.api("POST", f"dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": None})
    say(f"unpaused {dag_id} and triggered run {run_id} through the REST API")
    return run_id
