# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make e2e E2E_EXECUTOR=celery`: the provider at scale on a distributed Airflow (docs/e2e.md).

Stages (each prints its wall time):
  1. prerequisites: PostgreSQL and Redis from the Debian packages (apt-get, only when missing);
  2. environments: the venv of `make e2e` (.work/e2e/venv; it has the Celery provider);
  3. PostgreSQL (its own cluster on loopback) and Redis (its own server on loopback, a password, no
     persistence): Redis is the Celery broker, and so (rate_limit_backend ``auto``) the shared rate budget;
  4. the emulator with its per-user limit on (10 requests/s, the documented one), 300 seeded items, the
     release pipeline's jobs and one job that is never released; `airflow db migrate`;
  5. Airflow with CeleryExecutor, each its own process: api-server, scheduler, dag-processor, two
     triggerers, two Celery workers; every listening socket is checked to be on loopback;
  6. the fleet (scripts/e2e/dags/dataarts_fleet.py): 300 deferrable pending-items sensors and 30 in
     reschedule mode on one connection, until all wait (the deferred ones' triggers spread over both
     triggerers);
  7. the kill test: 10 sensors with a 90 s deadline (a job never released, soft_fail) defer, then the
     triggerer holding the most triggers is killed by pid (SIGKILL); the other must adopt every trigger;
  8. the release pipeline (example DAG) packages, deploys and waits for the fleet's jobs; every fleet
     sensor must succeed, every deadline sensor end skipped at its deadline, every run succeed;
  9. figures from the emulator's counters (requests/s of the identity, 429s, requests per poll interval
     against the number of sensors, release -> last gate open) into .work/e2e/celery-figures.json; the run
     fails on any 429 or on the Redis password in any log;
 10. cleanup (always): every process group started here is stopped by pid, PostgreSQL too.

Scale for a quick try: DATAARTS_FLEET_DEFERRED / _RESCHEDULED / _DEADLINES in the environment. The
database and log helpers are in scripts/e2e/fleet.py.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from .deployment import Deployment, airflow_env, check_loopback, check_retries, http, wait_healthy
from .fleet import (
    check_canary,
    counters,
    reschedule_pokes,
    rows,
    states,
    timeout_report,
    trigger,
    trigger_jobs,
    triggers_by_triggerer,
    wait_for,
    wait_success,
)
from .harness import (
    GATED_JOBS,
    HOME,
    LOGS,
    REDIS_SERVER,
    REPO,
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

FLEET_DAG = "dataarts_fleet"
DEADLINE_DAG = "dataarts_fleet_deadlines"
PIPELINE_DAG = "release_pipeline"
NEVER_RELEASED = "fleet_never_released"
DEFERRED = int(os.environ.get("DATAARTS_FLEET_DEFERRED", "300"))
RESCHEDULED = int(os.environ.get("DATAARTS_FLEET_RESCHEDULED", "30"))
DEADLINES = int(os.environ.get("DATAARTS_FLEET_DEADLINES", "10"))
POKE_S = 30.0  # the deferred sensors' trigger interval
RESCHEDULE_POKE_S = 60.0
DEADLINE_S = 90.0
RATE_LIMIT = 10  # the emulator's per-user limit: the documented one, and the connection's default
SEED_ITEMS = 300
APPROVER = "7e6d5c4b3a291807f6e5d4c3b2a19080"
#: The connection's rate_limit_backend: auto (the default, the shared budget). DATAARTS_E2E_RATE_BACKEND=local
#: runs the same fleet with a budget per process, for comparison (429s then do not fail the run).
BACKEND = os.environ.get("DATAARTS_E2E_RATE_BACKEND", "auto")
FIGURES = WORK / ("celery-figures.json" if BACKEND == "auto" else f"celery-figures-{BACKEND}.json")
DAGS = HOME / "dags"


class Redis:
    """Debian's redis-server on 127.0.0.1 and a free port, with a password and no persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.password = "e2e-redis-" + secrets.token_hex(12)  # a canary: must appear in no log
        self.dir = Path(tempfile.mkdtemp(prefix="dataarts-e2e-redis-"))

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self, procs: Processes) -> None:
        conf = self.dir / "redis.conf"  # the password in a 0600 file, not on a command line
        conf.write_text(
            f'bind 127.0.0.1\nport {self.port}\nrequirepass {self.password}\nsave ""\n'
            f"appendonly no\ndir {self.dir}\nprotected-mode yes\n"
        )
        conf.chmod(0o600)
        procs.start("redis", [REDIS_SERVER, str(conf)], env=dict(os.environ))
        deadline = time.monotonic() + 20
        while self.cli("PING") != "PONG":
            procs.check_alive()
            if time.monotonic() > deadline:
                raise E2EError(f"redis-server did not answer PING; log {LOGS / 'redis.log'}")
            time.sleep(0.2)
        say(
            f"Redis {self.cli('INFO', 'server').split('redis_version:')[1].split()[0]} "
            f"on 127.0.0.1:{self.port}"
        )

    def cli(self, *args: str) -> str:
        env = {**os.environ, "REDISCLI_AUTH": self.password}
        proc = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=10,
            check=False,
        )
        return proc.stdout.strip()

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------------------------------ helpers


# ------------------------------------------------------------------------------------------- stages


def setup(d: Deployment) -> None:
    for name in (NEVER_RELEASED,):
        emulator_call(
            d.info["url"], "items", {"item_name": name, "task_type": 1, "submit_user_name": "dev_bob"}
        )


def start_fleet(d: Deployment) -> tuple[str, float, dict[str, int]]:
    """Trigger the fleet and wait until every sensor waits; returns (run id, seconds, triggers/triggerer)."""
    t0 = time.monotonic()
    run_id = trigger(d, FLEET_DAG)

    def all_waiting() -> dict[str, int] | None:
        s = states(d, FLEET_DAG, run_id)
        if s.get("failed") or s.get("upstream_failed"):
            raise E2EError(f"fleet sensors failed while starting: {s}")
        if s.get("deferred", 0) == DEFERRED and s.get("up_for_reschedule", 0) == RESCHEDULED:
            spread = triggers_by_triggerer(d, FLEET_DAG, run_id)
            if "unassigned" not in spread and sum(spread.values()) == DEFERRED:
                return spread
        return None

    spread = wait_for("every fleet sensor waiting", all_waiting, 1500, d, every=5)
    took = time.monotonic() - t0
    say(
        f"{DEFERRED} sensors deferred (triggers per triggerer job: {spread}) and {RESCHEDULED} "
        f"rescheduled, {took:.0f}s after the trigger"
    )
    return run_id, took, spread


def kill_test(d: Deployment, fleet_run: str, triggerer_jobs: dict[str, str]) -> dict[str, Any]:
    """Deadline sensors defer; the busiest triggerer is killed; the other must adopt every trigger."""
    deadline_run = trigger(d, DEADLINE_DAG)

    def deferred() -> bool:
        spread = triggers_by_triggerer(d, DEADLINE_DAG, deadline_run)
        return sum(spread.values()) == DEADLINES and "unassigned" not in spread

    wait_for("the deadline sensors deferred", deferred, 300, d)
    spread = triggers_by_triggerer(d, FLEET_DAG, fleet_run)
    victim_job = max(spread, key=lambda job: spread[job])
    victim = triggerer_jobs[victim_job]
    survivor_job = next(job for job in triggerer_jobs if job != victim_job)
    deadline_held = triggers_by_triggerer(d, DEADLINE_DAG, deadline_run).get(victim_job, 0)
    held = spread[victim_job] + deadline_held
    t_kill = time.time()
    pid = d.procs.stop(victim, sig=signal.SIGKILL)
    say(
        f"killed {victim} (pid {pid}, job {victim_job}) with SIGKILL; it held {held} triggers "
        f"({deadline_held} of them deadline sensors')"
    )

    def adopted() -> bool:
        fleet = triggers_by_triggerer(d, FLEET_DAG, fleet_run)
        dl = triggers_by_triggerer(d, DEADLINE_DAG, deadline_run)  # may end (deadline) meanwhile
        return set(fleet) == {survivor_job} and set(dl) <= {survivor_job}

    wait_for(f"job {survivor_job} adopting every trigger", adopted, 180, d)
    adoption = time.time() - t_kill
    say(f"{survivor_job} runs every trigger {adoption:.1f}s after the kill")
    return {
        "killed": victim,
        "killed_pid": pid,
        "triggers_held": held,
        "deadline_triggers_held": deadline_held,
        "adoption_s": round(adoption, 1),
        "deadline_run": deadline_run,
        "killed_at": t_kill,
    }


def release(d: Deployment) -> tuple[str, float]:
    """The release pipeline on the fleet's jobs; returns (run id, the package's release end, epoch)."""
    run_id = trigger(d, PIPELINE_DAG, {"job_names": GATED_JOBS, "approver_ids": [APPROVER]})

    wait_success(d, PIPELINE_DAG, run_id, 900)
    check_retries(d, PIPELINE_DAG, run_id)
    packages = emulator_call(d.info["url"], "packages")["data"]
    released = [p for p in packages if p.get("deploy_status") == 2 and p.get("finished_at")]
    if len(released) != 1:
        raise E2EError(f"expected one released package, found {released}")
    return run_id, float(released[0]["finished_at"])


def finish_fleet(d: Deployment, fleet_run: str, kill: dict[str, Any], released_at: float) -> dict[str, Any]:
    wait_success(d, FLEET_DAG, fleet_run, 1200)
    fleet = states(d, FLEET_DAG, fleet_run)
    if fleet != {"success": DEFERRED + RESCHEDULED}:
        raise E2EError(f"every fleet sensor must succeed: {fleet}")
    (last_open,) = rows(
        d,
        f"SELECT extract(epoch from max(end_date)) FROM task_instance WHERE dag_id = '{FLEET_DAG}' "
        f"AND run_id = '{fleet_run}'",
    )[0]
    deadline_run = kill["deadline_run"]
    wait_success(d, DEADLINE_DAG, deadline_run, 300)
    ends = rows(
        d,
        "SELECT task_id, state, extract(epoch from start_date), extract(epoch from end_date) "
        f"FROM task_instance WHERE dag_id = '{DEADLINE_DAG}' AND run_id = '{deadline_run}'",
    )
    # The trigger's timeout message says when the deadline was and how late it saw it; the task ends
    # later, when a worker slot is free for execute_complete (the fleet's 300 resumes come at the same time).
    deadlines, late, ended, problems, moved = [], [], [], [], 0
    for task_id, state, started, end in ends:
        found = timeout_report(DEADLINE_DAG, deadline_run, task_id)
        if state != "skipped" or found is None:
            problems.append((task_id, state, found))
            continue
        deadlines.append(found[0] - float(started))
        late.append(found[1])
        ended.append(float(end) - float(started))
        moved += len(trigger_jobs(DEADLINE_DAG, deadline_run, task_id)) > 1
    slack = 5.0  # a check in flight when the deadline came
    # The sensor counts from the start_date its task runner was given; the row's start_date is stamped
    # by the supervisor a moment apart: 1.8-2.0 s apart once, on a 2-core machine running a test cell
    # beside 330 sensors (within 1.5 s otherwise). Both are Airflow's; 3 s bounds their gap.
    wrong = [x for x in deadlines if abs(x - DEADLINE_S) > 3.0] + [x for x in late if not 0 <= x <= slack]
    if problems or wrong or len(deadlines) != DEADLINES:
        raise E2EError(
            f"deadline sensors: each deadline {DEADLINE_S:.0f}s after its start (found {deadlines}), seen "
            f"within {slack:.0f}s (found {late}), the task skipped; not so: {problems}"
        )
    late.sort()
    ended.sort()
    say(
        f"{FLEET_DAG}: {fleet['success']} sensors succeeded, the last {float(last_open) - released_at:.1f}s "
        f"after the release; {DEADLINE_DAG}: {len(deadlines)} deadlines {DEADLINE_S:.0f}s after their "
        f"sensor's start ({moved} of them moved with the killed triggerer's triggers), each seen by its "
        f"trigger {late[0]:.1f}-{late[-1]:.1f}s after it; the tasks skipped {ended[0]:.0f}-{ended[-1]:.0f}s "
        "after their start"
    )
    return {
        "release_to_last_gate_open_s": round(float(last_open) - released_at, 1),
        "deadline_sensors_moved_between_triggerers": moved,
        "deadline_seen_late_by_s": late,
        "deadline_sensors_ended_after_s": [round(x, 1) for x in ended],
    }


def figures(
    d: Deployment,
    redis: Redis,
    span: tuple[float, float],
    steady: tuple[float, dict[str, Any], float, dict[str, Any]],
) -> dict[str, Any]:
    c = counters(d)
    users = list(c["by_user_second"])
    if len(users) != 1:
        raise E2EError(f"expected one identity at the emulator, found {users}")
    user = users[0]
    per_second = {int(k): v for k, v in c["by_user_second"][user].items()}
    start, end = int(span[0]), int(span[1])
    series = [per_second.get(s, 0) for s in range(start, end + 1)]
    t1, c1, t2, c2 = steady
    pending = "pending-items"
    steady_requests = c2["by_endpoint"].get(pending, 0) - c1["by_endpoint"].get(pending, 0)
    per_interval = steady_requests / max(t2 - t1, 1e-9) * POKE_S
    keys = redis.cli("--scan", "--pattern", "airflow-dataarts-provider:rate:*").split()
    out = {
        "identity": user,
        "rate_limit_per_user": RATE_LIMIT,
        "throttled_429": c["throttled"],
        "requests_total": sum(series),
        "requests_per_s_mean": round(sum(series) / max(len(series), 1), 2),
        "requests_per_s_max_in_a_clock_second": max(series or [0]),
        "most_requests_in_a_sliding_1s_window": c["peak_1s_window"].get(user, 0),
        "sensors": DEFERRED + RESCHEDULED,
        "steady_window_s": round(t2 - t1, 1),
        "steady_pending_items_requests": steady_requests,
        f"pending_items_requests_per_{POKE_S:.0f}s_interval": round(per_interval, 1),
        "shared_budget_keys_in_redis": len(keys),
        "by_endpoint": c["by_endpoint"],
        "by_status": c["by_status"],
    }
    if BACKEND != "auto":
        return out  # the comparison run: 429s are expected, and absorbed (every sensor must still pass)
    if c["throttled"]:
        raise E2EError(f"the emulator answered 429 {c['throttled']} times: {out}")
    if not keys:
        raise E2EError("no shared budget in Redis: rate_limit_backend auto did not find the broker")
    return out


# --------------------------------------------------------------------------------------------- main


def celery_env(env: dict[str, str], pg: Postgres, redis: Redis) -> dict[str, str]:
    env = dict(env)
    env.update(
        AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__PARALLELISM="32",
        AIRFLOW__CELERY__BROKER_URL=redis.url,
        AIRFLOW__CELERY__RESULT_BACKEND=f"db+postgresql+psycopg2://postgres@127.0.0.1:{pg.port}/airflow",
        AIRFLOW__CELERY__WORKER_CONCURRENCY="8",
        AIRFLOW__SCHEDULER__MAX_TIS_PER_QUERY="64",
        AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC="3",
        AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD="15",
        AIRFLOW__TRIGGERER__MAX_TRIGGER_TO_SELECT_PER_LOOP="25",  # both triggerers take a share
        DATAARTS_FLEET_DEFERRED=str(DEFERRED),
        DATAARTS_FLEET_RESCHEDULED=str(RESCHEDULED),
        DATAARTS_FLEET_DEADLINES=str(DEADLINES),
        DATAARTS_FLEET_POKE_S=str(POKE_S),
        DATAARTS_FLEET_RESCHEDULE_POKE_S=str(RESCHEDULE_POKE_S),
        DATAARTS_FLEET_DEADLINE_S=str(DEADLINE_S),
    )
    if BACKEND != "auto":
        conn = json.loads(env["AIRFLOW_CONN_DATAARTS_DEFAULT"])
        conn["extra"]["rate_limit_backend"] = BACKEND
        env["AIRFLOW_CONN_DATAARTS_DEFAULT"] = json.dumps(conn)
    return env


def start_services(procs: Processes, env: dict[str, str], api_port: int, d_pg: Postgres) -> dict[str, str]:
    """Every Airflow service; returns {triggerer job id: process name} (started one after the other)."""
    airflow = str(VENV / "bin" / "airflow")
    procs.start("api-server", [airflow, "api-server", "-H", "127.0.0.1", "-p", str(api_port), "-w", "1"], env)
    procs.start("scheduler", [airflow, "scheduler", "--skip-serve-logs"], env)
    procs.start("dag-processor", [airflow, "dag-processor"], env)
    jobs: dict[str, str] = {}
    for name in ("triggerer-a", "triggerer-b"):
        procs.start(name, [airflow, "triggerer", "--skip-serve-logs"], env)
        deadline = time.monotonic() + 120
        while True:
            procs.check_alive()
            ids = [
                r[0]
                for r in d_pg.psql(
                    "airflow", "SELECT id FROM job WHERE job_type = 'TriggererJob' AND state = 'running'"
                )
            ]
            new = [i for i in ids if i not in jobs]
            if new:
                jobs[new[0]] = name
                break
            if time.monotonic() > deadline:
                raise E2EError(f"{name} registered no TriggererJob; log {LOGS / (name + '.log')}")
            time.sleep(1)
    for name in ("worker-a", "worker-b"):
        procs.start(
            name,
            [
                airflow,
                "celery",
                "worker",
                "--skip-serve-logs",
                "-H",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
        )
    say(f"triggerer jobs: {jobs}")
    return jobs


def deploy_celery(stages: Stages, procs: Processes, pg: Postgres, timeout: float) -> None:
    redis = Redis()
    try:
        _deploy(stages, procs, pg, redis)
    finally:
        redis.remove()


def _deploy(stages: Stages, procs: Processes, pg: Postgres, redis: Redis) -> None:
    with stages.stage("1. prerequisites (Debian packages: postgresql, redis-server)"):
        prerequisites(browser=False, redis=True)
        pg.bindir = pg_bindir()
    with stages.stage("2. environment (.work/e2e/venv: Airflow 3.3, the Celery provider, this provider)"):
        environments(node=False)
    with stages.stage("3. PostgreSQL and Redis (own servers on loopback)"):
        pg.start()
        redis.start(procs)
    with stages.stage("4. emulator (10 requests/s per user) + airflow db migrate"):
        info = start_emulator(procs, SEED_ITEMS, "--rate-limit", str(RATE_LIMIT))
        api_port, password = free_port(), secrets.token_urlsafe(16)
        env = celery_env(airflow_env(pg, info, api_port, password), pg, redis)
        DAGS.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "scripts" / "e2e" / "dags" / "dataarts_fleet.py", DAGS)
        shutil.copy(REPO / "example_dags" / "release_pipeline.py", DAGS)
        run(
            [str(VENV / "bin" / "airflow"), "db", "migrate"],
            LOGS / "db-migrate.log",
            env=env,
            cwd=WORK,
            timeout=300,
        )
    base = f"http://127.0.0.1:{api_port}"
    with stages.stage(
        "5. Airflow services (api-server, scheduler, dag-processor, 2 triggerers, 2 Celery workers)"
    ):
        triggerer_jobs = start_services(procs, env, api_port, pg)
        health = wait_healthy(base, procs)
        say(
            "health: " + ", ".join(f"{k}={v.get('status')}" for k, v in health.items() if isinstance(v, dict))
        )
        check_loopback(procs, pg)
        token = http("POST", f"{base}/auth/token", body={"username": "admin", "password": password})[
            "access_token"
        ]
    d = Deployment(pg, info, procs, base, token)
    setup(d)
    span_start = time.time()
    with stages.stage(f"6. fleet: {DEFERRED} deferred + {RESCHEDULED} reschedule-mode sensors waiting"):
        fleet_run, _, _ = start_fleet(d)
        check_loopback(procs, pg)
    steady_t1, steady_c1 = time.time(), counters(d)
    time.sleep(POKE_S)  # one trigger interval of the waiting fleet before the kill, measured below
    with stages.stage("7. kill test: SIGKILL the busiest triggerer, the other adopts its triggers"):
        kill = kill_test(d, fleet_run, triggerer_jobs)
    steady_t2, steady_c2 = time.time(), counters(d)
    with stages.stage("8. release pipeline; every gate opens, every deadline holds, every run succeeds"):
        pipeline_run, released_at = release(d)
        say(f"{PIPELINE_DAG} run {pipeline_run} succeeded; package released at the emulator")
        outcome = finish_fleet(d, fleet_run, kill, released_at)
    with stages.stage("9. figures from the emulator's counters; secret canary"):
        result = {
            **figures(d, redis, (span_start, time.time()), (steady_t1, steady_c1, steady_t2, steady_c2)),
            **outcome,
            **{k: v for k, v in kill.items() if k not in ("deadline_run", "killed_at")},
            "reschedule_mode": reschedule_pokes(),
        }
        FIGURES.write_text(json.dumps(result, indent=2))
        for key, value in result.items():
            if key not in ("by_endpoint", "by_status"):
                say(f"{key}: {value}")
        check_canary(redis.password, "Redis password")
        check_loopback(procs, pg)
