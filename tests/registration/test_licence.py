# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Every source file the repository tracks says its licence in SPDX form (the REUSE convention), and the
licence and NOTICE files are there: the check CI runs instead of ``reuse lint`` (which would add a
dependency for one rule)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEADER = (
    "SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers",
    "SPDX-License-Identifier: Apache-2.0",
)


def _sources() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        REPO / name
        for name in tracked
        if name.endswith((".py", ".js", ".sh", ".yml", ".svg"))
        or name.endswith("Makefile")
        or name == ".ci/run"
    ]


def test_every_source_file_carries_the_spdx_header() -> None:
    sources = _sources()
    assert len(sources) > 200  # the walk found the tree
    missing = [
        str(path.relative_to(REPO))
        for path in sources
        if not all(line in "".join(path.read_text(encoding="utf-8").splitlines(True)[:4]) for line in HEADER)
    ]
    assert not missing, f"no SPDX header in the first lines of: {missing}"


def test_licence_and_notice_are_at_the_root() -> None:
    assert (
        "Apache License" in (REPO / "LICENSE").read_text() and "Version 2.0" in (REPO / "LICENSE").read_text()
    )
    assert "Apache License, Version 2.0" in (REPO / "NOTICE").read_text()
