"""The built wheel (not only the editable install) is complete and discovered by a clean Airflow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

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


def test_wheel_installs_into_clean_venv_and_airflow_discovers_it(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
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
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "home"), "PYTHONWARNINGS": "ignore"}
    out = subprocess.run(
        [str(venv / "bin" / "airflow"), "providers", "hooks", "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
        cwd=tmp_path,
    )
    hooks = json.loads(out.stdout.strip().splitlines()[-1])
    ours = [h for h in hooks if h["connection_type"] == "huaweicloud_dataarts"]
    assert len(ours) == 1 and ours[0]["package_name"] == "airflow-dataarts-provider"
    # It is the wheel that was found, not the checkout.
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import airflow_dataarts_provider as m; print(m.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(venv) in where
