# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArtsRunJobOperator and DataArtsJobInstanceSensor in real DAG runs (``dag.test()``) against the
emulator: success, failure with node details, timeout (the instance is stopped), kill, a retry that
re-attaches, a triggerer restart mid-wait. Every scenario checks how many instances the emulator
started and stopped: exactly one started per task, whatever the retries."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from conftest import AIRFLOW_2, TASK_STATE_STORE, task_output
from helpers.runs import RUN_FAST, execute_then_kill, fast_trigger, first_event, state

from airflow_dataarts_provider.emulator import ENDPOINT_JOB_INSTANCE, ENDPOINT_OBS_OBJECT, Emulator
from airflow_dataarts_provider.operators.job import DataArtsRunJobOperator
from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

JOB = "daily_sales_job"


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    return emulator


def _ti(dr: Any, task_id: str = "run") -> Any:
    return dr.get_task_instance(task_id)


def _counts(emu: Emulator) -> tuple[int, int]:
    c = emu.counters()
    return c["job_instances_started"].get(JOB, 0), c["job_instances_stopped"].get(JOB, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_success_returns_the_instance_with_its_nodes(run_dag: Any, emu: Emulator, mode: str) -> None:
    emu.set_job(JOB, wait_s=0.2, run_s=0.3, nodes=["extract", "load"])
    dr = run_dag(
        f"dataarts_job_run_{mode}", emu, {"job_name": JOB, "job_params": {"bizdate": "20261201"}}, **RUN_FAST
    )
    ti = _ti(dr)
    assert state(dr) == "success", state(ti)
    result = ti.xcom_pull(task_ids="run")
    (remote,) = emu.job_instances(JOB)
    assert result["instance_id"] == str(remote["instanceId"]) and result["status"] == "success"
    assert str(ti.xcom_pull(task_ids="run", key="instance_id")) == result["instance_id"]
    url = ti.xcom_pull(task_ids="run", key="job_instance_url")
    assert url.startswith("https://console.huaweicloud.com/dataartsstudio/?region=")
    assert f"jobName={JOB}&instanceId={result['instance_id']}" in url
    assert [n["name"] for n in result["nodes"]] == ["extract", "load"]
    assert remote["params"] == [{"name": "bizdate", "value": "20261201", "paramType": "variable"}]
    assert _counts(emu) == (1, 0)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_failure_names_the_failed_node_and_its_log(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.set_job(JOB, run_s=0.2, outcome="fail", nodes=["extract", "transform"], failing_node="transform")
    dr = run_dag(f"dataarts_job_run_{mode}", emu, {"job_name": JOB}, **RUN_FAST)
    assert state(dr) == "failed"
    text = task_output(capfd, caplog)
    (remote,) = emu.job_instances(JOB)
    assert f"instance {remote['instanceId']} ended with status 'fail'" in text
    path = f"obs://dlf-log-emulator/{JOB}/{remote['instanceId']}/1/transform.log"
    assert f"transform (fail, log {path})" in text
    # the end of the failed node's log, read from OBS (the emulator checks the OBS signature)
    assert (
        f"----- DataArts node 'transform' (fail) of instance {remote['instanceId']}: the last 65536 of "
        in text
        and f"bytes of {path} -----" in text
    )
    assert "ERROR transform: DLI.0001 table dw.sales does not exist" in text
    assert "----- end of node 'transform''s log -----" in text
    assert _counts(emu) == (1, 0)


def test_an_unreadable_log_is_a_warning_and_the_job_failure_stays_the_error(
    run_dag: Any, emu: Emulator, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    emu.set_job(JOB, run_s=0.2, outcome="fail", nodes=["extract", "transform"], failing_node="transform")
    emu.script_faults(ENDPOINT_OBS_OBJECT, [403] * 5)
    dr = run_dag("dataarts_job_run_worker", emu, {"job_name": JOB}, **RUN_FAST)
    assert state(dr) == "failed"
    text = task_output(capfd, caplog)
    assert "Could not read the log of node 'transform'" in text and "HTTP 403" in text
    assert "ended with status 'fail'; failed nodes: transform" in text


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_timeout_stops_the_instance(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.set_job(JOB, run_s=60)
    dr = run_dag(f"dataarts_job_run_{mode}_short", emu, {"job_name": JOB}, **RUN_FAST)
    assert state(dr) == "failed"
    (remote,) = emu.job_instances(JOB)
    assert remote["status"] == "manual-stop"
    assert "Timed out waiting for job" in task_output(capfd, caplog)
    assert _counts(emu) == (1, 1)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_execution_timeout_is_a_deadline_too_and_stops_the_instance(
    run_dag: Any, emu: Emulator, mode: str
) -> None:
    """No ``timeout``: the task's ``execution_timeout`` is the deadline, in the worker (Airflow's own
    timeout interrupts the wait) and in the triggerer (the trigger's deadline); the instance is stopped."""
    emu.set_job(JOB, run_s=60)
    started = time.monotonic()
    try:
        dr = run_dag(f"dataarts_job_run_{mode}_exec_timeout", emu, {"job_name": JOB}, **RUN_FAST)
    except BaseException as exc:  # Airflow 2.11's dag.test() lets the AirflowTaskTimeout out
        if not (AIRFLOW_2 and type(exc).__name__ == "AirflowTaskTimeout"):
            raise
    else:
        assert state(dr) == "failed"
    assert time.monotonic() - started < 30
    (remote,) = emu.job_instances(JOB)
    assert remote["status"] == "manual-stop"
    assert _counts(emu) == (1, 1)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_a_retry_re_attaches_to_the_running_instance(run_dag: Any, emu: Emulator, mode: str) -> None:
    """The first try's check fails (a 503 and no failure budget): the task fails and is retried while the
    instance runs on. The retry re-attaches: one instance in all."""
    emu.set_job(JOB, run_s=1.0)
    emu.script_faults(ENDPOINT_JOB_INSTANCE, [503, 503])  # two attempts of the first check
    dr = run_dag(f"dataarts_job_run_{mode}_retry", emu, {"job_name": JOB}, **RUN_FAST)
    ti = _ti(dr)
    assert state(dr) == "success", state(ti)
    assert ti.try_number == 2
    assert _counts(emu) == (1, 0)


def test_no_wait_returns_at_once(run_dag: Any, emu: Emulator) -> None:
    emu.set_job(JOB, run_s=30)
    dr = run_dag("dataarts_job_run_nowait", emu, {"job_name": JOB}, **RUN_FAST)
    assert state(dr) == "success"
    assert _ti(dr).xcom_pull(task_ids="run")["status"] == "started"
    assert _counts(emu) == (1, 0)


def test_on_kill_stops_the_instance_the_worker_waits_for(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import connection_json

    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    emu.set_job(JOB, run_s=60)
    op = DataArtsRunJobOperator(task_id="k", job_name=JOB, poll_interval=0.1, timeout=30)

    outcome = execute_then_kill(op, lambda: bool(emu.job_instances(JOB)))
    (remote,) = emu.job_instances(JOB)
    assert remote["status"] == "manual-stop"
    assert outcome is not None and "manual-stop" in str(outcome)
    assert _counts(emu) == (1, 1)


def _trigger(instance_id: str, seconds: float, **kwargs: Any) -> DataArtsJobInstanceTrigger:
    trigger: DataArtsJobInstanceTrigger = fast_trigger(
        DataArtsJobInstanceTrigger, seconds, job_name=JOB, instance_id=instance_id, **kwargs
    )
    return trigger


def test_a_triggerer_restart_mid_wait_resumes_from_the_serialised_trigger(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib
    import json

    from conftest import connection_json

    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    emu.set_job(JOB, run_s=1.0)
    from helpers.hooks import make_hook

    instance_id = make_hook("dataarts_default").run_job(JOB)
    first = _trigger(instance_id, 20, stop_on_timeout=True)

    async def interrupted() -> None:
        task = asyncio.ensure_future(first_event(first))
        await asyncio.sleep(0.3)
        task.cancel()  # the triggerer stops: the trigger is redistributed, not killed
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    classpath, kwargs = first.serialize()
    module, _, name = classpath.rpartition(".")
    again = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    event = asyncio.run(first_event(again))
    assert event["status"] == "success" and event["result"]["instance_id"] == instance_id
    assert _counts(emu) == (1, 0)


def test_the_trigger_stops_the_instance_at_its_deadline_and_on_kill(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import connection_json
    from helpers.hooks import make_hook

    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    emu.set_job(JOB, run_s=60)
    hook = make_hook("dataarts_default")
    timed = hook.run_job(JOB)
    event = asyncio.run(first_event(_trigger(timed, 0.5, stop_on_timeout=True)))
    assert event["status"] == "timeout" and event["stopped"] is True
    killed = hook.run_job(JOB)
    asyncio.run(_trigger(killed, 30).on_kill())
    statuses = {str(r["instanceId"]): r["status"] for r in emu.job_instances(JOB)}
    assert statuses == {timed: "manual-stop", killed: "manual-stop"}
    assert _counts(emu) == (2, 2)


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_the_sensor_waits_for_an_instance_started_elsewhere(
    run_dag: Any, emu: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import connection_json
    from helpers.hooks import make_hook

    emu.set_job(JOB, run_s=0.5)
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    instance_id = make_hook("dataarts_default").run_job(JOB)
    dr = run_dag(
        f"dataarts_job_sensor_{mode}", emu, {"job_name": JOB, "instance_id": instance_id}, **RUN_FAST
    )
    assert state(dr) == "success"
    result = _ti(dr, "s").xcom_pull(task_ids="s")
    assert result["status"] == "success" and str(result["instance_id"]) == instance_id
    assert _counts(emu) == (1, 0)  # the sensor started nothing


@pytest.mark.parametrize("status", ["pause", "running-exception", "finished"])
def test_held_failed_and_unknown_statuses(
    run_dag: Any,
    emu: Emulator,
    status: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A paused instance is waited for; running-exception fails (as the 1.7.0 provider does); a status
    this provider does not know fails at once, naming the known ones, instead of waiting silently."""
    from conftest import connection_json
    from helpers.hooks import make_hook

    emu.set_job(JOB, run_s=0.3, status_script=[status] * (3 if status == "pause" else 1))
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), **RUN_FAST))
    instance_id = make_hook("dataarts_default").run_job(JOB)
    dr = run_dag("dataarts_job_sensor_poke", emu, {"job_name": JOB, "instance_id": instance_id}, **RUN_FAST)
    assert state(dr) == ("success" if status == "pause" else "failed")
    text = task_output(capfd, caplog)
    if status == "finished":
        assert "has status 'finished', which this provider does not know (known: waiting, running," in text
    if status == "pause":
        assert "is pause (held by an operator" in text


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_retry_from_failure_reruns_the_failed_instance_from_its_error_node(
    run_dag: Any,
    emu: Emulator,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Try 1's instance fails in 'transform'; try 2 reruns it from there: one start, one rerun, and
    'extract' ran once (found in the task state store on 3.3, among the run's instances elsewhere)."""
    emu.set_job(
        JOB,
        run_s=0.3,
        nodes=["extract", "transform", "load"],
        failing_node="transform",
        outcome_script=["fail", "success"],
    )
    dr = run_dag(f"dataarts_job_run_{mode}_repair", emu, {"job_name": JOB}, **RUN_FAST)
    ti = _ti(dr)
    assert state(dr) == "success" and ti.try_number == 2
    c = emu.counters()
    assert (c["job_instances_started"], c["job_instances_rerun"]) == ({JOB: 1}, {JOB: 1})
    assert c["job_node_runs"][JOB] == {"extract": 1, "transform": 2, "load": 2}
    (remote,) = emu.job_instances(JOB)
    assert remote["status"] == "success" and remote["runs"] == 2
    assert "failed in an earlier try: rerun from its error node as the same instance" in task_output(
        capfd, caplog
    )


def test_reattach_false_never_adopts_without_a_state_store(run_dag: Any, emu: Emulator) -> None:
    """Try 1's check fails while its instance runs on; try 2 starts a new instance on lines without a
    task state store (3.3 keeps the id in its store, which reattach does not switch off)."""
    emu.set_job(JOB, run_s=1.0)
    emu.script_faults(ENDPOINT_JOB_INSTANCE, [503, 503])
    dr = run_dag("dataarts_job_run_worker_no_reattach", emu, {"job_name": JOB}, **RUN_FAST)
    assert state(dr) == "success" and _ti(dr).try_number == 2
    assert _counts(emu) == ((1, 0) if TASK_STATE_STORE else (2, 0))
