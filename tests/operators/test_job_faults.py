# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run calls under the emulator's faults: transient ones are retried (the run still succeeds,
one instance), persistent ones fail the task with the error code and request id, and a start is never
repeated blindly. Real DAG runs (worker mode) and hook calls."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import task_output
from helpers.hooks import make_hook, set_connection
from helpers.runs import RUN_FAST, state

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsPermissionError,
    DataArtsResponseError,
    DataArtsServerError,
)
from airflow_dataarts_provider.emulator import ENDPOINT_JOB_INSTANCE, ENDPOINT_JOB_RUN, Emulator

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

JOB = "daily_sales_job"
FAST = {**RUN_FAST, "max_attempts": 3}
RA = {"status": 429, "headers": {"Retry-After": "0"}}


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    emulator.set_job(JOB, run_s=0.3)
    return emulator


@pytest.mark.parametrize("entry", [503, 502, "drop", "malformed", "truncated", "html", RA])
def test_transient_faults_on_the_instance_reads_are_retried(run_dag: Any, emu: Emulator, entry: Any) -> None:
    emu.script_faults(ENDPOINT_JOB_INSTANCE, [entry])
    dr = run_dag("dataarts_job_run_worker", emu, {"job_name": JOB}, **FAST)
    assert state(dr) == "success"
    assert emu.counters()["job_instances_started"] == {JOB: 1}


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (503, "EMU.503"),
        ({"status": 403, "body": {"error_code": "APIGW.0302", "error_msg": "denied"}}, "APIGW.0302"),
    ],
)
def test_persistent_faults_fail_the_task_naming_the_error(
    run_dag: Any,
    emu: Emulator,
    entry: Any,
    code: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.script_faults(ENDPOINT_JOB_INSTANCE, [entry] * 20)
    dr = run_dag("dataarts_job_run_worker", emu, {"job_name": JOB}, **FAST)
    assert state(dr) == "failed"
    text = task_output(capfd, caplog)
    assert code in text and "request id" in text
    assert emu.counters()["job_instances_started"] == {JOB: 1}  # never a second start


@pytest.mark.parametrize(
    ("entry", "error"),
    [(503, DataArtsServerError), ("html", DataArtsResponseError), ({"status": 403}, DataArtsPermissionError)],
)
def test_a_refused_start_starts_nothing_and_says_why(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, entry: Any, error: type[Exception]
) -> None:
    """A start answered with an error the service did not act on (the emulator answers before it
    processes): the job's active instances are listed again, none appeared, the start is sent again
    (transient) or the error is raised (permanent); at most one instance either way."""
    set_connection(monkeypatch, emu, **FAST)
    emu.script_faults(ENDPOINT_JOB_RUN, [entry] * 20)
    with pytest.raises(error):
        make_hook().run_job(JOB)
    assert emu.counters()["job_instances_started"] == {}
    emu.clear_faults()
    emu.script_faults(ENDPOINT_JOB_RUN, [entry])
    if error is DataArtsPermissionError:
        with pytest.raises(error):
            make_hook().run_job(JOB)
        assert emu.counters()["job_instances_started"] == {}
    else:
        instance_id = make_hook().run_job(JOB)
        assert [str(r["instanceId"]) for r in emu.job_instances(JOB)] == [instance_id]
