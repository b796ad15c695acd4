"""`make demo` (scripts/demo.py) prints the seeded items through the provider, exits 0, leaves no process."""

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


def test_demo_lists_every_seeded_item_and_cleans_up() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
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
    assert "42 pending items listed through DataArtsHook" in out.stdout
    assert "test_connection: True" in out.stdout
    # The emulator child process it started is gone.
    pid = int(re.search(r"\(pid (\d+)\)", out.stdout).group(1))
    assert not _alive(pid)
