# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Helpers of `make e2e E2E_EXECUTOR=celery` (scripts/e2e/celery.py): the metadata database's view of
runs, task instances and triggers, and what the logs say (trigger events, Celery workloads, secrets)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .deployment import Deployment, unpause
from .harness import HOME, LOGS, E2EError, say
from .services import (
    emulator_call,
)


def rows(d: Deployment, sql: str) -> list[list[str]]:
    return d.pg.psql("airflow", sql)


def states(d: Deployment, dag_id: str, run_id: str) -> dict[str, int]:
    sql = (
        f"SELECT state, count(*) FROM task_instance WHERE dag_id = '{dag_id}' AND run_id = '{run_id}' "
        "GROUP BY state"
    )
    return {state or "none": int(n) for state, n in rows(d, sql)}


def trigger(d: Deployment, dag_id: str, conf: dict[str, Any] | None = None) -> str:
    unpause(d, dag_id)
    run_id = f"e2e__{dag_id}__{time.time_ns()}"
    d.api("POST", f"dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": None, "conf": conf or {}})
    say(f"triggered {dag_id} run {run_id}")
    return run_id


def wait_for(what: str, check: Any, timeout: float, d: Deployment, every: float = 2.0) -> Any:
    """Poll ``check()`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        d.procs.check_alive()
        last = check()
        if last:
            return last
        time.sleep(every)
    raise E2EError(f"{what}: not within {timeout:.0f}s (task states: {last_state(d)})")


def last_state(d: Deployment) -> str:
    sql = "SELECT dag_id, state, count(*) FROM task_instance GROUP BY 1, 2 ORDER BY 1, 2"
    return "; ".join(" ".join(r) for r in rows(d, sql))


def triggers_by_triggerer(d: Deployment, dag_id: str, run_id: str) -> dict[str, int]:
    sql = (
        "SELECT coalesce(t.triggerer_id::text, 'unassigned'), count(*) FROM task_instance ti "
        f"JOIN trigger t ON t.id = ti.trigger_id WHERE ti.dag_id = '{dag_id}' AND ti.run_id = '{run_id}' "
        "AND ti.state = 'deferred' GROUP BY 1"
    )
    return {k: int(n) for k, n in rows(d, sql)}


def run_state(d: Deployment, dag_id: str, run_id: str) -> str:
    return str(d.api("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"])


def wait_success(d: Deployment, dag_id: str, run_id: str, timeout: float) -> None:
    """Until the run succeeds; fail at once when it fails (with its task states)."""

    def done() -> bool:
        state = run_state(d, dag_id, run_id)
        if state == "failed":
            raise E2EError(f"{dag_id} run {run_id} failed: {states(d, dag_id, run_id)}")
        return state == "success"

    wait_for(f"{dag_id} run success", done, timeout, d, every=3)


def counters(d: Deployment) -> dict[str, Any]:
    return dict(emulator_call(d.info["url"], "counters"))


def log_time(text: str) -> float:
    """Epoch seconds of an ISO 8601 UTC timestamp as Airflow's logs write it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def task_folder(dag_id: str, run_id: str, task_id: str) -> Path:
    return HOME / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"


TIMEOUT_REPORT = re.compile(r"The wait timed out: deadline reached \((\S+), checked ([0-9.]+)s after it\)")


def timeout_report(dag_id: str, run_id: str, task_id: str) -> tuple[float, float] | None:
    """(deadline as epoch, seconds the trigger saw it late) from the task's log (execute_complete logs
    the trigger's timeout message), or None."""
    for line in (
        (task_folder(dag_id, run_id, task_id) / "attempt=1.log").read_text(errors="replace").splitlines()
    ):
        found = TIMEOUT_REPORT.search(line)
        if found:
            return log_time(found.group(1)), float(found.group(2))
    return None


def trigger_jobs(dag_id: str, run_id: str, task_id: str) -> list[str]:
    """The triggerer jobs that ran the task's trigger (attempt=1.log.trigger.<job id>.log files)."""
    return [
        p.name.split(".")[-2]
        for p in task_folder(dag_id, run_id, task_id).glob("attempt=1.log.trigger.*.log")
    ]


def check_canary(secret: str, what: str) -> None:
    """``secret`` must appear in no log file (the services' and the task and trigger logs)."""
    files = [p for root in (LOGS, HOME / "logs") for p in root.rglob("*") if p.is_file()]
    hits = [str(p) for p in files if secret.encode() in p.read_bytes()]
    if hits:
        raise E2EError(f"the {what} appears in {hits}")
    say(f"the {what} appears in none of {len(files)} log files")


def reschedule_pokes() -> dict[str, Any]:
    """Which Celery worker ran each reschedule-mode poke (their "Executing workload" log lines)."""
    workers: dict[str, set[str]] = {}
    pokes: dict[str, int] = {}
    for worker in ("worker-a", "worker-b"):
        pokes[worker] = 0
        for line in (LOGS / f"{worker}.log").read_text(errors="replace").splitlines():
            if "Executing workload in Celery" in line and "task_id=reschedule_" in line:
                task = line.split("task_id=", 1)[1].split("/", 1)[0]
                workers.setdefault(task, set()).add(worker)
                pokes[worker] += 1
    both = sum(1 for seen in workers.values() if len(seen) == 2)
    return {"pokes_by_worker": pokes, "sensors_poked_on_both_workers": f"{both} of {len(workers)}"}
