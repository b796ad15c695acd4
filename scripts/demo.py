# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make demo`: the release gate working end to end against the bundled DataArts emulator.

1. starts `dataarts-emulator` (a child process on an ephemeral loopback port) with seeded pending items,
   plus three jobs the example DAG `release_gate` gates on;
2. points the `dataarts_default` connection at it through `AIRFLOW_CONN_DATAARTS_DEFAULT`, in a throwaway
   AIRFLOW_HOME (SQLite) under .work/demo;
3. prints the pending items as a table (through the provider's hook);
4. runs `airflow dags test release_gate`; once the sensor has checked and deferred, the emulator packages
   the gated jobs (3 s later) and releases them (6 s later), so the deferred sensor completes;
5. prints what the sensor waited for and for how long, and the final state of every task.

Exits 0 when every task succeeded. Leaves nothing behind outside .work/demo and stops the emulator.
DATAARTS_DEMO_DIR moves .work/demo elsewhere (the test suite's own runs, so that two cells of the support
matrix running at once do not share it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.request
from collections import Counter
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from airflow_dataarts_provider.emulator import airflow_connection

REPO = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("DATAARTS_DEMO_DIR") or REPO / ".work" / "demo")
HOME = WORK / "airflow-home"
BIN = Path(sys.executable).parent
SEED_ITEMS = 30
GATED_JOBS = ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"]  # release_gate's default params
PACKAGE_AFTER_S, RELEASE_AFTER_S = 3.0, 6.0  # after the sensor first checked
TASK_TYPES = {1: "job", 2: "script"}
UPDATE_TYPES = {1: "added", 2: "modified", 3: "deleted"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int) -> str:
    if _width(text) > width:
        while _width(text + "…") > width:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _table(rows: list[list[str]], titles: list[str], widths: list[int]) -> None:
    print("  ".join(_cell(t, w) for t, w in zip(titles, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(_cell(c, w) for c, w in zip(row, widths, strict=True)))


def _control(url: str, name: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{url}/_emulator/{name}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        return json.loads(response.read())


def _start_emulator() -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    ready = WORK / "emulator.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_dataarts_provider.emulator",
            "--items",
            str(SEED_ITEMS),
            "--seed",
            "2026",
            "--ready-file",
            str(ready),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(WORK / "emulator.log").open("wb"),
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"the emulator did not start; see {WORK / 'emulator.log'}")
        time.sleep(0.05)
    return proc, json.loads(ready.read_text(encoding="utf-8"))


def _environment(info: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(HOME),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "example_dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        AIRFLOW_CONN_DATAARTS_DEFAULT=json.dumps(airflow_connection(info)),
    )
    if version("apache-airflow").startswith("2."):
        env["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"
    return env


def _airflow(env: dict[str, str], log: str, *args: str) -> int:
    with (WORK / log).open("wb") as out:
        return subprocess.run(
            [str(BIN / "airflow"), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=WORK,
            timeout=300,
            check=False,
        ).returncode


def _print_pending(env: dict[str, str]) -> None:
    os.environ.update(env)
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    items = DataArtsHook().list_pending_items()
    print(f"\nPending items in the workspace ({len(items)}; through DataArtsHook):\n")
    rows = [
        [
            i["item_name"],
            TASK_TYPES.get(i["task_type"], "?"),
            UPDATE_TYPES.get(i["update_type"], "?"),
            "yes" if i["package_flag"] else "no",
            i["submit_user_name"],
        ]
        for i in items
    ]
    _table(rows, ["job or script name", "type", "change", "packaged", "submitted by"], [34, 6, 8, 8, 14])
    by_type = Counter(r[1] for r in rows)
    print(f"\n{dict(by_type)}; the release gate waits for: {', '.join(GATED_JOBS)}\n")


def _get(url: str, name: str) -> Any:
    with urllib.request.urlopen(f"{url}/_emulator/{name}", timeout=10) as response:  # loopback only
        return json.loads(response.read())


def _schedule_release(url: str, started: float) -> threading.Thread:
    """Once the sensor has checked (a second pending-items request), package, then release the jobs."""

    def say(text: str) -> None:
        print(f"  [{time.monotonic() - started:4.1f}s] {text}")

    def run() -> None:
        while _get(url, "counters")["by_endpoint"].get("pending-items", 0) < 2:
            time.sleep(0.2)
        say("the sensor checked: the gated jobs are pending; it defers to the triggerer")
        time.sleep(PACKAGE_AFTER_S)
        n = _control(url, "mark-packaged", {"item_names": GATED_JOBS})["matched"]
        say(f"emulator: {n} pending items of the gated jobs packaged (still not released)")
        time.sleep(RELEASE_AFTER_S - PACKAGE_AFTER_S)
        n = _control(url, "release", {"item_names": GATED_JOBS})["released"]
        say(f"emulator: {n} items released: the gate can open")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _waiting_lines(limit: int = 6) -> list[str]:
    """The sensor's and trigger's 'waiting' lines of the run log: time and message (both log formats)."""
    found: list[str] = []
    for line in (WORK / "release_gate.log").read_text(encoding="utf-8", errors="replace").splitlines():
        match = re.search(
            r"(\d\d:\d\d:\d\d).*?(?:\[info\s*\]|INFO -) (.*(?:aiting for|gate satisfied).*)", line
        )
        if match:
            message = re.sub(r" \[airflow[^]]*\].*$", "", match.group(2)).strip()
            entry = f"{match.group(1)} {message}"
            if entry not in found:
                found.append(entry)
    return found[: limit - 1] + found[-1:] if len(found) > limit else found


def _task_states() -> list[tuple[str, str, datetime | None]]:
    """(task id, final state, end time) of every task of the release_gate run, in DAG order."""
    with sqlite3.connect(HOME / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, state, end_date FROM task_instance WHERE dag_id = 'release_gate'"
        ).fetchall()
    order = {"list_pending_jobs": 0, "wait_for_release": 1, "production_step": 2}
    return [
        (task_id, str(state), datetime.fromisoformat(str(end)) if end else None)
        for task_id, state, end in sorted(rows, key=lambda r: order.get(r[0], 9))
    ]


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    HOME.mkdir(parents=True)
    proc, info = _start_emulator()
    try:
        print(f"DataArts emulator at {info['url']} (pid {proc.pid}), {SEED_ITEMS} seeded pending items")
        for n, name in enumerate(GATED_JOBS):
            _control(
                info["url"],
                "items",
                {
                    "item_name": name,
                    "task_type": 1,
                    "update_type": 1 + n % 3,
                    "submit_user_name": "dev_alice",
                },
            )
        env = _environment(info)
        _print_pending(env)
        if _airflow(env, "airflow-db-migrate.log", "db", "migrate") != 0:
            print(f"airflow db migrate failed; see {WORK / 'airflow-db-migrate.log'}")
            return 1
        print("Running `airflow dags test release_gate` (the sensor defers; the emulator releases the jobs):")
        started = time.monotonic()
        releaser = _schedule_release(info["url"], started)
        code = _airflow(env, "release_gate.log", "dags", "test", "release_gate")
        elapsed = time.monotonic() - started
        releaser.join(timeout=1)
        print(f"  [{elapsed:4.1f}s] airflow dags test exited with {code}\n")
        print("What the sensor and its trigger said while waiting (from the Airflow log):")
        for line in _waiting_lines():
            print(f"  {line}")
        print()
        states = _task_states()
        _table([[t, s] for t, s, _ in states], ["task", "final state"], [18, 11])
        ends = {t: end for t, _, end in states}
        if ends.get("list_pending_jobs") and ends.get("wait_for_release"):
            waited = (ends["wait_for_release"] - ends["list_pending_jobs"]).total_seconds()
            print(
                f"\nThe sensor (deferred to the triggerer) waited {waited:.1f}s for "
                f"{', '.join(GATED_JOBS)} to be released."
            )
        ok = code == 0 and len(states) == 3 and all(s == "success" for _, s, _ in states)
        print(
            f"\n{'Release gate opened: every task succeeded.' if ok else 'FAILED'} "
            f"(Airflow log: {WORK / 'release_gate.log'})"
        )
        return 0 if ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
