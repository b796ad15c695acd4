"""`make demo`: the bundled DataArts emulator, seeded, listed through the provider's hook.

Starts `dataarts-emulator` as a child process on an ephemeral loopback port, points the
`dataarts_default` connection at it through `AIRFLOW_CONN_DATAARTS_DEFAULT` (in a throwaway
AIRFLOW_HOME under .work/demo), lists the pending items with `DataArtsHook`, prints them as a table,
then stops the emulator. Exits 0 on success; leaves no process behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".work" / "demo"
SEED_ITEMS = 42
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


def _start_emulator() -> tuple[subprocess.Popen[bytes], dict[str, object]]:
    ready = WORK / "emulator.json"
    ready.unlink(missing_ok=True)
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


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    os.environ["AIRFLOW_HOME"] = str(WORK / "airflow-home")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    proc, info = _start_emulator()
    try:
        os.environ["AIRFLOW_CONN_DATAARTS_DEFAULT"] = json.dumps(
            {
                "conn_type": "huaweicloud_dataarts",
                "host": info["url"],
                "login": info["ak"],
                "password": info["sk"],
                "extra": {
                    "region": info["region"],
                    "project_id": info["project_id"],
                    "workspace": info["workspace"],
                },
            }
        )
        print(f"DataArts emulator at {info['url']} with {SEED_ITEMS} seeded pending items (pid {proc.pid})")

        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        started = time.monotonic()
        hook = DataArtsHook()
        items = hook.list_pending_items()
        elapsed = time.monotonic() - started
        columns = [
            ("id", "pending_item_id", 10),
            ("job or script name", "item_name", 34),
            ("type", "task_type", 6),
            ("change", "update_type", 8),
            ("packaged", "package_flag", 8),
            ("submitted by", "submit_user_name", 16),
        ]
        print()
        print("  ".join(_cell(title, width) for title, _, width in columns))
        print("  ".join("-" * width for _, _, width in columns))
        for item in items:
            shown = {
                **item,
                "task_type": TASK_TYPES.get(item["task_type"], item["task_type"]),
                "update_type": UPDATE_TYPES.get(item["update_type"], item["update_type"]),
                "package_flag": "packaged" if item["package_flag"] else "no",
            }
            print("  ".join(_cell(str(shown[name]), width) for _, name, width in columns))
        print()
        by_type = Counter(TASK_TYPES.get(i["task_type"], "other") for i in items)
        print(
            f"{len(items)} pending items listed through DataArtsHook in {elapsed:.2f}s "
            f"({dict(by_type)}); the emulator holds {SEED_ITEMS}."
        )
        ok, message = hook.test_connection()
        print(f"test_connection: {ok} ({message})")
        return 0 if len(items) == SEED_ITEMS and ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
