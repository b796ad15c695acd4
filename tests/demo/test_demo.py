# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make demo`: the gate opens once the emulator releases the jobs; exits 0; no process left."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_demo_lists_every_seeded_item_and_cleans_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["DATAARTS_DEMO_DIR"] = str(tmp_path / "demo")  # not .work/demo: another cell may run it now
    out = subprocess.run(
        [sys.executable, "scripts/demo.py"],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Release gate opened: every task succeeded." in out.stdout
    for task_id in ("list_pending_jobs", "wait_for_release", "production_step"):
        assert re.search(rf"^{task_id}\s+success\s*$", out.stdout, re.MULTILINE), task_id
    # The gate opened only after the emulator released the jobs (6 s after the first check).
    assert out.stdout.index("3 items released") < out.stdout.index("airflow dags test exited with 0")
    waited = float(re.search(r"waited (\d+\.\d)s", out.stdout).group(1))
    assert waited >= 5.0
    # The emulator child process it started is gone.
    pid = int(re.search(r"\(pid (\d+)\)", out.stdout).group(1))
    assert not _alive(pid)
