# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The built wheel (not only the editable install) is complete, discovered by a clean Airflow, and runs
the example DAG ``release_gate`` it ships against the emulator: nothing from the checkout but the wheel
is installed (the emulator runs in the test process)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from conftest import AIRFLOW_2, connection_json

from airflow_dataarts_provider.emulator import ENDPOINT_PENDING_ITEMS

REPO = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
PACKAGES = sorted(
    str(p.parent.relative_to(REPO)) for p in (REPO / "airflow_dataarts_provider").rglob("__init__.py")
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "-o", str(out), str(REPO)], check=True, timeout=300
    )
    (built,) = out.glob("airflow_dataarts_provider-*.whl")
    return built


def test_wheel_contains_every_subpackage_py_typed_and_license(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "airflow_dataarts_provider/py.typed" in names
    for package in PACKAGES:
        assert f"{package}/__init__.py" in names, package
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert any(n.endswith("licenses/NOTICE") for n in names)
    metadata = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    )
    assert "License-Expression: Apache-2.0" in metadata
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith(".dist-info/entry_points.txt")))
        .decode()
    )
    assert "[apache_airflow_provider]" in entry_points
    assert "dataarts-emulator" in entry_points
    assert not any("tests/" in n for n in names)


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with this Airflow line (its lock) and the wheel, nothing else."""
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    airflow_version = version("apache-airflow")
    constraints = REPO / "constraints" / f"airflow-{airflow_version}.txt"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "-c",
            str(constraints),
            f"apache-airflow=={airflow_version}",
            str(wheel),
        ],
        check=True,
        timeout=600,
    )
    return venv


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without its Airflow settings and without PYTHONPATH (a test run may
    put a checkout there: the wheel venv must import only what it installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k != "PYTHONPATH"}
    return {**env, "PYTHONWARNINGS": "ignore", **extra}


def _providers_json(venv: Path, command: str, env: dict[str, str], cwd: Path) -> Any:
    """``airflow providers <command> --output json`` in the wheel's venv, parsed."""
    out = subprocess.run(
        [str(venv / "bin" / "airflow"), "providers", command, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
        cwd=cwd,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_wheel_installs_into_clean_venv_and_airflow_discovers_it(wheel_venv: Path, tmp_path: Path) -> None:
    venv = wheel_venv
    env = _clean_env(AIRFLOW_HOME=str(tmp_path / "home"))
    hooks = _providers_json(venv, "hooks", env, tmp_path)
    ours = [h for h in hooks if h["connection_type"] == "huaweicloud_dataarts"]
    assert len(ours) == 1 and ours[0]["package_name"] == "airflow-dataarts-provider"
    # It is the wheel that was found, not the checkout.
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import airflow_dataarts_provider as m; print(m.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=_clean_env(),
    ).stdout
    assert str(venv) in where
    # One version: `airflow providers list` shows the package metadata's, which comes from __version__.
    providers = _providers_json(venv, "list", env, tmp_path)
    (entry,) = [p for p in providers if p["package_name"] == "airflow-dataarts-provider"]
    source = (REPO / "airflow_dataarts_provider" / "__init__.py").read_text()
    assert f'__version__ = "{entry["version"]}"' in source
    pyproject = (REPO / "pyproject.toml").read_text()
    assert "\nversion = " not in pyproject and 'dynamic = ["version"]' in pyproject  # no second copy


GATED_JOBS = ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"]  # release_gate's defaults


def test_wheel_runs_the_release_gate_example_against_the_emulator(
    wheel_venv: Path, tmp_path: Path, dataarts_emulator_factory: Any
) -> None:
    emu = dataarts_emulator_factory(seed_items=10, rate_limit_per_user=None)
    for name in GATED_JOBS:
        emu.add_item({"item_name": name, "task_type": 1})
    where = "import airflow_dataarts_provider as m; print(m.__file__)"
    site = subprocess.run(
        [str(wheel_venv / "bin" / "python"), "-c", where],
        capture_output=True,
        text=True,
        check=True,
        env=_clean_env(),
        cwd=tmp_path,  # not the checkout: `python -c` puts the working directory on sys.path
    ).stdout.strip()
    dags = Path(site).parent / "example_dags"
    assert (dags / "release_gate.py").is_file() and str(wheel_venv) in str(dags)
    home = tmp_path / "home"
    env = _clean_env(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW_CONN_DATAARTS_DEFAULT=connection_json(emu.info()),
    )
    if AIRFLOW_2:
        env["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"
    airflow = str(wheel_venv / "bin" / "airflow")
    subprocess.run(
        [airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300, cwd=tmp_path
    )

    def release_after_the_first_check() -> None:  # the gate must really wait, then open
        deadline = time.monotonic() + 120
        while emu.counters()["by_endpoint"].get(ENDPOINT_PENDING_ITEMS, 0) < 2:
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)
        time.sleep(1.0)
        emu.release(item_names=GATED_JOBS)

    threading.Thread(target=release_after_the_first_check, daemon=True).start()
    run = subprocess.run(
        [airflow, "dags", "test", "release_gate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    with sqlite3.connect(home / "airflow.db") as db:
        states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = 'release_gate'"))
    assert states == {
        "list_pending_jobs": "success",
        "wait_for_release": "success",
        "production_step": "success",
    }, (run.stdout + run.stderr)[-3000:]
    assert not [i for i in emu.items() if i["item_name"] in GATED_JOBS]
    assert emu.counters()["by_endpoint"][ENDPOINT_PENDING_ITEMS] >= 3  # list, first check, open
