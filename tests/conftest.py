# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Test-session setup shared by every test directory.

Airflow reads its configuration on first import, so a throwaway AIRFLOW_HOME, the DAGs folder and the
executor are set here, before any test module imports airflow.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
AIRFLOW_2 = version("apache-airflow").startswith("2.")
AIRFLOW_3_0 = version("apache-airflow").startswith("3.0.")
#: Airflow 3.3's task state store (a retry finds what an earlier try started); older lines have none.
TASK_STATE_STORE = tuple(int(n) for n in version("apache-airflow").split(".")[:2]) >= (3, 3)
# Airflow 3.0 renders task exceptions as Rich tracebacks: colour codes, frames, and messages wrapped at the
# terminal width. Tests that look for a message in task output read it through plain_text().
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"[\u2500-\u257f]")  # box-drawing characters


def plain_text(text: str) -> str:
    """Task output without colour codes and Rich frames, every run of white space folded to one space."""
    return " ".join(_FRAME.sub(" ", _ANSI.sub("", text)).split())


def task_output(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """What the tasks of a dag.test() run printed and logged so far, as plain_text()."""
    out, err = capfd.readouterr()
    return plain_text(out + err + caplog.text)


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


def clear_process_state() -> None:
    """Forget the process-wide client state: cached credentials, rate-limit buckets and shared-budget
    clients, learned offset semantics, and the secrets the masker learned. Tests run many emulators in one
    process: without this, caches leak between tests and the masker's one regex of every secret (each
    emulator issues new random tokens) grows with every test and slows every log line."""
    from airflow_dataarts_provider.core.protocol.state import STATE
    from airflow_dataarts_provider.transport import budget

    STATE.reset()
    budget.reset()
    for name in ("airflow.sdk._shared.secrets_masker", "airflow._shared.secrets_masker"):
        with contextlib.suppress(ImportError, AttributeError):
            importlib.import_module(name).reset_secrets_masker()
    if AIRFLOW_2:
        from airflow.utils.log import secrets_masker

        masker = secrets_masker._secrets_masker()
        masker.patterns = set()
        masker.replacer = None


def upstream_reschedule_timeout_bug(request: pytest.FixtureRequest, mode: str = "reschedule") -> None:
    """Mark a test that times out a reschedule-mode sensor under dag.test() as a strict xfail on 3.0.

    UPSTREAM (Airflow 3.0.x, dag.test() only): the in-process supervisor hands the sensor the first
    reschedule date as a string (``TaskRescheduleStartDate.model_construct`` skips validation), and
    ``BaseSensorOperator`` fails with ``TypeError: datetime - str`` at its timeout check. Real task runs
    decode the date over the supervisor socket and are not affected; 3.1 and later are fixed."""
    if AIRFLOW_3_0 and mode == "reschedule":
        request.applymarker(pytest.mark.xfail(strict=True, raises=AssertionError, reason="UPSTREAM 3.0"))


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    clear_process_state()
    yield
    clear_process_state()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated SQLite metadata database for the session (about 2 s, once)."""
    from airflow.utils import db

    db.resetdb()


def connection_json(info: dict[str, Any], **extra: Any) -> str:
    """The AIRFLOW_CONN_* JSON of a connection to an emulator (``emu.info()``)."""
    from airflow_dataarts_provider.emulator import airflow_connection

    return json.dumps(airflow_connection(info, **extra))


@pytest.fixture(scope="session")
def dag_bag(airflow_db: None) -> Any:
    """The DAGs of tests/dags, parsed once per session (and without import errors)."""
    from airflow.models import DagBag

    bag = DagBag(str(TESTS / "dags"), include_examples=False) if AIRFLOW_2 else DagBag(str(TESTS / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag


@pytest.fixture
def run_dag(dag_bag: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """``run_dag(dag_id, emulator, run_conf=None, **extra)`` runs a DAG of tests/dags with ``dag.test()``
    against ``emulator`` (connection ``dataarts_default``) and returns the DagRun."""
    bag = dag_bag

    def _run(dag_id: str, emulator: Any, run_conf: dict[str, Any] | None = None, **extra: Any) -> Any:
        monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emulator.info(), **extra))
        dag = bag.get_dag(dag_id)
        assert dag is not None, f"no DAG {dag_id!r} in tests/dags"
        return dag.test(run_conf=run_conf)

    yield _run


@pytest.fixture
def redis_server() -> Iterator[Any]:
    """A Redis server on loopback (tests/helpers/redis_server.py), stopped after the test."""
    from helpers.redis_server import RedisServer

    server = RedisServer()
    yield server
    server.stop()
