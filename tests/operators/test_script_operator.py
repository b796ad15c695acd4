# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArtsRunScriptOperator and DataArtsScriptCheckOperator in real DAG runs (``dag.test()``, DAGs in
tests/dags/dataarts_script_dags.py) against the emulator: rows as XCom in both formats, the row cap said in
the log, a FAILED script, a passing and a failing check, a timeout and a kill (the instance stopped), a
retry (re-attached on 3.3), a lost answer to ``execute`` (no second instance unless idempotent). Every
scenario checks how many instances the emulator started and stopped."""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any

import pytest
from conftest import TASK_STATE_STORE, connection_json, task_output
from helpers.runs import RUN_FAST, execute_then_kill, fast_trigger, first_event, state

from airflow_dataarts_provider.emulator import ENDPOINT_SCRIPT_EXECUTE, ENDPOINT_SCRIPT_RESULT, Emulator
from airflow_dataarts_provider.operators.script import DataArtsRunScriptOperator
from airflow_dataarts_provider.triggers.script import DataArtsScriptInstanceTrigger

# The scripts workflow runs in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

SCRIPT = "dws_sales_check"


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    return emulator


def _counts(emu: Emulator) -> tuple[int, int]:
    c = emu.counters()
    return c["script_instances_started"].get(SCRIPT, 0), c["script_instances_stopped"].get(SCRIPT, 0)


def _output(dr: Any, task_id: str = "run") -> Any:
    return dr.get_task_instance(task_id).xcom_pull(task_ids=task_id)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_rows_come_back_as_xcom_in_both_formats_and_the_cap_is_said(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.set_script(SCRIPT, rows=3)
    conf = {"script_name": SCRIPT, "script_params": {"bizdate": "20261201"}}
    dr = run_dag(f"dataarts_script_run_{mode}", emu, conf, **RUN_FAST)
    assert state(dr) == "success"
    out = _output(dr)
    (remote,) = emu.script_instances(SCRIPT)
    assert out["instance_id"] == remote["instance_id"] and out["status"] == "FINISHED"
    assert remote["params"] == {"bizdate": "20261201"}
    (rows,) = out["results"]
    assert rows["columns"] == ["ok", "day"]
    assert rows["rows"] == [[1, "20261201"], [0, 1], [1, 2], [2, 3]]
    assert (rows["rows_returned"], rows["rows_kept"], rows["row_count"]) == (4, 4, 4)
    assert dr.get_task_instance("run").xcom_pull(task_ids="run", key="instance_id") == out["instance_id"]

    dr = run_dag(f"dataarts_script_run_{mode}_dicts", emu, conf, **RUN_FAST)
    (rows,) = _output(dr)["results"]
    assert rows["rows"] == [{"ok": 1, "day": "20261201"}, {"ok": 0, "day": 1}]
    assert (rows["rows_returned"], rows["rows_kept"]) == (4, 2)
    assert "kept 2 of its 4 rows (max_rows=2); 2 left out" in task_output(capfd, caplog)
    assert _counts(emu) == (2, 0)


def test_a_cut_by_the_service_is_said_and_none_returns_no_rows(
    run_dag: Any, emu: Emulator, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    emu.set_script(SCRIPT, rows=9, row_cap=5)
    dr = run_dag("dataarts_script_run_worker", emu, {"script_name": SCRIPT}, **RUN_FAST)
    (rows,) = _output(dr)["results"]
    assert len(rows["rows"]) == 5 and rows["row_count"] == 10
    assert "the service counts 10 rows but returned 5 (its own cap)" in task_output(capfd, caplog)
    dr = run_dag("dataarts_script_run_none", emu, {"script_name": SCRIPT}, **RUN_FAST)
    assert set(_output(dr)) == {"script_name", "instance_id", "status", "message"}


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_failed_script_fails_the_task_with_its_message(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.set_script(SCRIPT, outcome="FAILED", message='ERROR: relation "dw.sales" does not exist')
    dr = run_dag(f"dataarts_script_run_{mode}", emu, {"script_name": SCRIPT}, **RUN_FAST)
    assert state(dr) == "failed"
    (remote,) = emu.script_instances(SCRIPT)
    text = task_output(capfd, caplog)
    assert f'instance {remote["instance_id"]} FAILED: ERROR: relation "dw.sales" does not exist' in text
    assert _counts(emu) == (1, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_check_passes_on_a_true_row_and_fails_naming_the_false_values(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    conf = {"script_name": SCRIPT, "script_params": {"bizdate": "20261201"}}
    dr = run_dag(f"dataarts_script_check_{mode}", emu, conf, **RUN_FAST)
    assert state(dr) == "success"
    assert _output(dr, "check") == {"ok": 1, "day": "20261201"}
    emu.set_script(SCRIPT, result_rows=[["0", "${bizdate}"]])  # numbers as text, as some engines answer
    dr = run_dag(f"dataarts_script_check_{mode}", emu, conf, **RUN_FAST)
    assert state(dr) == "failed"
    text = task_output(capfd, caplog)
    assert "Check failed: script 'dws_sales_check' instance" in text
    assert "false in ok; first row {'ok': '0', 'day': '20261201'}" in text
    emu.set_script(SCRIPT, result_rows=[], rows=0)
    dr = run_dag(f"dataarts_script_check_{mode}", emu, conf, **RUN_FAST)
    assert state(dr) == "failed"
    assert "returned no rows" in task_output(capfd, caplog)
    assert _counts(emu) == (3, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_timeout_stops_the_instance(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.set_script(SCRIPT, run_s=60)
    dr = run_dag(f"dataarts_script_run_{mode}_short", emu, {"script_name": SCRIPT}, **RUN_FAST)
    assert state(dr) == "failed"
    assert "Timed out waiting for script 'dws_sales_check'" in task_output(capfd, caplog)
    (remote,) = emu.script_instances(SCRIPT)
    assert remote["status"] == "FAILED"  # the emulator's reading of the undocumented stopped status
    assert _counts(emu) == (1, 1)


def test_on_kill_stops_the_instance_the_worker_waits_for(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    emu.set_script(SCRIPT, run_s=60)
    op = DataArtsRunScriptOperator(task_id="k", script_name=SCRIPT, poll_interval=0.1, timeout=30)

    outcome = execute_then_kill(op, lambda: bool(emu.script_instances(SCRIPT)))
    assert outcome is not None and "FAILED: stopped by the user" in str(outcome)
    assert _counts(emu) == (1, 1)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_retry_re_attaches_on_3_3_and_starts_anew_elsewhere(run_dag: Any, emu: Emulator, mode: str) -> None:
    """The first try's check fails (a 503 and no failure budget) while the instance runs on. On 3.3 the
    retry finds it in the task state store: one instance. Older lines have no store and nothing lists
    script instances: the retry runs the script again (documented)."""
    emu.set_script(SCRIPT, run_s=1.0)
    emu.script_faults(ENDPOINT_SCRIPT_RESULT, [503, 503])  # two attempts of the first check
    dr = run_dag(f"dataarts_script_run_{mode}_retry", emu, {"script_name": SCRIPT}, **RUN_FAST)
    ti = dr.get_task_instance("run")
    assert state(dr) == "success" and ti.try_number == 2
    assert _counts(emu) == ((1, 0) if TASK_STATE_STORE else (2, 0))


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_lost_execute_answer_starts_no_second_instance_unless_idempotent(
    run_dag: Any,
    emu: Emulator,
    idempotent: bool,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.script_faults(ENDPOINT_SCRIPT_EXECUTE, ["status_after:500"])  # processed, then a 500
    dag_id = f"dataarts_script_run_idempotent_{str(idempotent).lower()}"
    dr = run_dag(dag_id, emu, {"script_name": SCRIPT}, **RUN_FAST)
    ti = dr.get_task_instance("run")
    if idempotent:
        assert state(dr) == "success" and _counts(emu) == (2, 0)
    else:
        assert state(dr) == "failed" and ti.try_number == 1  # retries=1, yet not retried
        assert _counts(emu) == (1, 0)
        text = task_output(capfd, caplog)
        assert "not sent again; check the script's run history" in text
        assert "set idempotent=True for a script that is safe to run twice" in text


def test_the_trigger_survives_a_restart_and_stops_the_instance_at_its_deadline_and_on_kill(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.hooks import make_hook

    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    hook = make_hook("dataarts_default")
    emu.set_script(SCRIPT, run_s=1.0, rows=5)
    instance_id = hook.run_script(SCRIPT)

    def trigger(seconds: float, **kwargs: Any) -> DataArtsScriptInstanceTrigger:
        made: DataArtsScriptInstanceTrigger = fast_trigger(
            DataArtsScriptInstanceTrigger, seconds, script_name=SCRIPT, instance_id=instance_id, **kwargs
        )
        return made

    classpath, kwargs = trigger(20, max_rows=2, stop_on_timeout=True).serialize()
    module, _, name = classpath.rpartition(".")
    again = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    event = asyncio.run(first_event(again))
    assert event["status"] == "success"
    (rows,) = event["result"]["results"]
    assert (len(rows["rows"]), rows["rows_returned"]) == (2, 6)
    emu.set_script(SCRIPT, run_s=60)
    instance_id = hook.run_script(SCRIPT)
    event = asyncio.run(first_event(trigger(0.5, stop_on_timeout=True)))
    assert event["status"] == "timeout" and event["stopped"] is True
    assert event["message"].endswith(f"; script {SCRIPT!r} instance {instance_id} stopped")
    instance_id = hook.run_script(SCRIPT)  # a user's kill of the deferred task: the trigger's on_kill
    asyncio.run(trigger(30).on_kill())
    assert emu.script_instances(SCRIPT)[-1]["status"] == "FAILED"
    assert _counts(emu) == (3, 2)
