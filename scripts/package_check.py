# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make package-check`: build the sdist and the wheel as a release would, then check them with the
packaging community's own tools (pinned, run by uv in throw-away environments):

* ``twine check --strict``: the metadata and the README render on the package index, no warning;
* ``check-wheel-contents``: no stray, duplicate or empty files, every module inside the package;
* the sdist's scope: the package, the example DAGs, the docs, README, LICENSE, NOTICE and pyproject.toml,
  and nothing else (the tests need the repository: its constraints, scripts and Makefile; they live there);
* the sdist builds the same wheel (file for file) as the checkout.

Exit status 0 when everything passes; every finding is printed."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UV = REPO / ".tools" / "bin" / "uv"
TWINE = "twine==7.0.0"
CHECK_WHEEL_CONTENTS = "check-wheel-contents==0.6.3"
SDIST_TOP = {
    "airflow_dataarts_provider",
    "example_dags",
    "docs",
    "README.md",
    "LICENSE",
    "NOTICE",
    "pyproject.toml",
}


def run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(map(str, args))}\n{output}")
    return output


def build(source: Path, out: Path) -> tuple[Path, Path]:
    run(UV, "build", "--quiet", "--sdist", "--wheel", "-o", out, source)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def sdist_scope(sdist: Path) -> list[str]:
    """Top-level entries of the sdist outside :data:`SDIST_TOP` (PKG-INFO is the sdist's own)."""
    with tarfile.open(sdist) as archive:
        names = [n.split("/", 2)[1] for n in archive.getnames() if n.count("/") >= 1]
    # PKG-INFO is the sdist's own metadata; hatchling always adds .gitignore (it applies it when building).
    return sorted(set(names) - SDIST_TOP - {"PKG-INFO", ".gitignore", ""})


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="dataarts-package-check-") as tmp:
        out = Path(tmp) / "dist"
        sdist, wheel = build(REPO, out)
        print(f"built {sdist.name} and {wheel.name}")
        print(
            run(
                UV, "tool", "run", "--quiet", "--from", TWINE, "twine", "check", "--strict", sdist, wheel
            ).strip()
        )
        print(
            run(
                UV, "tool", "run", "--quiet", "--from", CHECK_WHEEL_CONTENTS, "check-wheel-contents", wheel
            ).strip()
        )
        stray = sdist_scope(sdist)
        if stray:
            raise SystemExit(f"FAILED: the sdist holds {stray} beyond its scope {sorted(SDIST_TOP)}")
        print(f"sdist scope: {sorted(SDIST_TOP)} (the tests live in the repository)")
        with tarfile.open(sdist) as archive:
            archive.extractall(Path(tmp) / "unpacked", filter="data")
        (root,) = (Path(tmp) / "unpacked").iterdir()
        _, rebuilt = build(root, Path(tmp) / "from-sdist")
        ours, theirs = set(zipfile.ZipFile(wheel).namelist()), set(zipfile.ZipFile(rebuilt).namelist())
        if ours != theirs:
            raise SystemExit(f"FAILED: the sdist's wheel differs: {sorted(ours ^ theirs)[:20]}")
        print(f"the sdist builds the same wheel ({len(ours)} files)")
    print("package check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
