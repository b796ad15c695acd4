# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make e2e`: a real deployment of the provider, end to end (see docs/e2e.md).

Stages (each prints its wall time):
  1. prerequisites: PostgreSQL and Chromium from the Debian packages (apt-get, only when missing);
  2. environments: a separate venv at .work/e2e/venv (uv: apache-airflow 3.3.2, this provider,
     psycopg2-binary, asyncpg; constraints/airflow-3.3.2.txt) and playwright-core (npm) at .work/e2e/node;
  3. PostgreSQL: its own cluster on 127.0.0.1 and a free non-default port, database `airflow`; data, socket
     and server log in a private temp directory owned by the server's user (the checkout may lie in a
     directory that user cannot enter, e.g. a 0700 home), removed at cleanup (its log copied to the logs);
  4. the DataArts emulator (subprocess) seeded with the jobs `release_gate` gates on; `airflow db migrate`;
  5. Airflow as separate processes: api-server, scheduler (LocalExecutor), dag-processor, triggerer; every
     listening socket of them is checked to be on loopback;
  6. `release_gate` unpaused and triggered through the REST API (JWT from /auth/token); the deferred
     sensor's trigger is shown to run in the triggerer (metadata DB: task_instance.trigger_id ->
     trigger.triggerer_id -> job of type TriggererJob; the trigger's requests to the emulator; its log file
     written by that job); the emulator then releases the jobs; the run must succeed within a bounded wait;
  6b. job runs (scripts/e2e/local.py) and 6c. release events: an asset watcher in the triggerer schedules
     one `release_events` run per matching release, none for others, also across a triggerer
     restart (scripts/e2e/events.py); 6d. job events: one `job_events` run per successful run of
     `dws_sales_summary` that DataArts scheduled, none for a failure or another job, also across a
     triggerer restart, with the latency from the instance's end (scripts/e2e/job_events.py);
  7. the UI in headless Chromium: the "Add Connection" form with our connection type (screenshot
     .work/e2e/connection-form.png), filled to point at the emulator, saved, and tested with the Test button;
  8. cleanup (always): every process group started here is stopped, PostgreSQL is stopped, nothing is left
     running.

`--executor celery` (`make e2e E2E_EXECUTOR=celery`): CeleryExecutor on Redis, two workers, two
triggerers and a fleet of 330 sensors on one account (scripts/e2e/celery.py, its own stages).

Exits non-zero on any failure, always cleaning up. The venv and node folders are reused while their inputs
(pyproject.toml, the constraints file, scripts/e2e/package.json) are unchanged; delete .work/e2e to start
afresh.
Option: --timeout SECONDS, the bound on the DAG run after the release (default 240). Run with `make e2e`
(E2E_ARGS="--timeout 120") or `python -m scripts.e2e` from the checkout with any Python >= 3.10."""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
from typing import Any

from .harness import HOME, LOGS, SCREENSHOT, WORK, E2EError, Processes, Stages, say
from .local import deploy
from .services import (
    Postgres,
)


def clean_work() -> None:
    leftovers = (LOGS, HOME, WORK / "chromium-profile", WORK / "emulator.json")
    for path in (*leftovers, SCREENSHOT, WORK / "connection-form-standard.png"):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    LOGS.mkdir(parents=True)
    HOME.mkdir(parents=True)


def cleanup(stages: Stages, procs: Processes, pg: Postgres, number: str = "8") -> list[str]:
    problems = []
    with stages.stage(f"{number}. cleanup (stop every process group, PostgreSQL)"):
        try:
            for note in procs.stop_all():
                say(note)
            say(f"stopped {len(procs.procs)} process groups: " + ", ".join(n for n, _ in procs.procs))
        except E2EError as exc:
            problems.append(str(exc))
        try:
            pg.stop()
        except E2EError as exc:
            problems.append(str(exc))
        for problem in problems:
            say(f"cleanup problem: {problem}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--timeout", type=float, default=240, help="bound on the DAG run after the release (s)"
    )
    parser.add_argument(
        "--executor",
        choices=["local", "celery"],
        default="local",
        help="local: the LocalExecutor deployment (local.py); celery: the CeleryExecutor one (celery.py)",
    )
    args = parser.parse_args()
    if args.executor == "celery":
        from .celery import deploy_celery as run_stages
    else:
        run_stages = deploy

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    clean_work()
    stages, procs, pg = Stages(), Processes(), Postgres()
    failure: str | None = None
    try:
        run_stages(stages, procs, pg, args.timeout)
    except KeyboardInterrupt:
        failure = "interrupted"
    except (E2EError, subprocess.TimeoutExpired) as exc:
        failure = str(exc)
    except Exception as exc:  # always clean up and report
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        problems = cleanup(stages, procs, pg, "10" if args.executor == "celery" else "8")
    failure = failure or "; ".join(problems) or None
    stages.summary()
    if failure or any(status != "ok" for _, _, status in stages.times):
        print(f"\nE2E FAILED: {failure}\nLogs: {LOGS}")
        return 1
    if args.executor == "celery":
        print(f"\nE2E (CeleryExecutor) PASSED. Logs: {LOGS}; figures: {WORK / 'celery-figures.json'}")
        return 0
    print(f"\nE2E PASSED. Logs: {LOGS}; screenshots: {SCREENSHOT}, {WORK / 'connection-form-standard.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
