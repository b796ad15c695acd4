"""Test-session setup shared by every test directory.

Airflow reads its configuration on first import, so a throwaway AIRFLOW_HOME, the DAGs folder and the
executor are set here, before any test module imports airflow.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
AIRFLOW_2 = version("apache-airflow").startswith("2.")

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="dataarts-test-airflow-home-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
# dag.test() on Airflow 3 only runs DAGs found in a bundle: the test DAGs live in tests/dags.
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(TESTS / "dags")
if AIRFLOW_2:
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"  # SQLite cannot serve LocalExecutor

# `dataarts_emulator` and `dataarts_emulator_factory`: a real emulator on an ephemeral loopback port.
pytest_plugins = ["airflow_dataarts_provider.emulator.pytest_plugin"]


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated SQLite metadata database for the session (about 2 s, once)."""
    from airflow.utils import db

    db.resetdb()


def connection_json(info: dict[str, Any], **extra: Any) -> str:
    """The AIRFLOW_CONN_* JSON of a connection to an emulator (``emu.info()``)."""
    return json.dumps(
        {
            "conn_type": "huaweicloud_dataarts",
            "host": info["url"],
            "login": info["ak"],
            "password": info["sk"],
            "extra": {
                "region": info["region"],
                "project_id": info["project_id"],
                "workspace": info["workspace"],
                **extra,
            },
        }
    )


@pytest.fixture
def run_dag(airflow_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """``run_dag(dag_id, emulator, run_conf=None, **extra)`` runs a DAG of tests/dags with ``dag.test()``
    against ``emulator`` (connection ``dataarts_default``) and returns the DagRun."""
    from airflow.models import DagBag

    bag = DagBag(str(TESTS / "dags"), include_examples=False) if AIRFLOW_2 else DagBag(str(TESTS / "dags"))
    assert not bag.import_errors, bag.import_errors

    def _run(dag_id: str, emulator: Any, run_conf: dict[str, Any] | None = None, **extra: Any) -> Any:
        monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emulator.info(), **extra))
        dag = bag.get_dag(dag_id)
        assert dag is not None, f"no DAG {dag_id!r} in tests/dags"
        return dag.test(run_conf=run_conf)

    yield _run
