# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DAGs of the job-run acceptance tests (tests/operators/test_job_operator.py, test_job_faults.py,
test_patch_data_operator.py): the job, its parameters, the instance id and a PatchData range come from
``dag_run.conf``; what cannot be templated (deferrable, waiting, retries, timeouts) gets one DAG per
combination."""

from __future__ import annotations

from datetime import timedelta

from helpers.dags import conf, manual_dag

from airflow_dataarts_provider.operators.job import DataArtsPatchDataOperator, DataArtsRunJobOperator
from airflow_dataarts_provider.sensors.job import DataArtsJobInstanceSensor

JOB_POLL_S = 0.2
JOB_TIMEOUT_S = 20.0  # runs that must finish
JOB_SHORT_TIMEOUT_S = 1.5  # runs that must time out


def _run(**kwargs: object) -> DataArtsRunJobOperator:
    params: dict[str, object] = {
        "job_name": conf("job_name"),
        "job_params": conf("job_params"),
        "poll_interval": JOB_POLL_S,
        "timeout": JOB_TIMEOUT_S,
        "max_consecutive_failures": 1,
        **kwargs,
    }
    return DataArtsRunJobOperator(task_id="run", **params)  # type: ignore[arg-type]


for _mode, _deferrable in (("worker", False), ("deferrable", True)):
    with manual_dag(f"dataarts_job_run_{_mode}"):
        _run(deferrable=_deferrable)
    with manual_dag(f"dataarts_job_run_{_mode}_short"):
        _run(deferrable=_deferrable, timeout=JOB_SHORT_TIMEOUT_S)
    with manual_dag(f"dataarts_job_run_{_mode}_retry", retries=1):
        _run(deferrable=_deferrable, max_consecutive_failures=0)
    with manual_dag(f"dataarts_job_run_{_mode}_exec_timeout"):
        _run(deferrable=_deferrable, timeout=None, execution_timeout=timedelta(seconds=JOB_SHORT_TIMEOUT_S))

    with manual_dag(f"dataarts_job_run_{_mode}_repair", retries=1):
        _run(deferrable=_deferrable, retry_from_failure=True)

with manual_dag("dataarts_job_run_worker_no_reattach", retries=1):
    _run(reattach=False, max_consecutive_failures=0)

with manual_dag("dataarts_job_run_nowait"):
    _run(wait_for_completion=False)

for _mode in ("poke", "reschedule", "deferrable"):
    with manual_dag(f"dataarts_job_sensor_{_mode}"):
        DataArtsJobInstanceSensor(
            task_id="s",
            job_name=conf("job_name"),
            instance_id=conf("instance_id"),
            mode="reschedule" if _mode == "reschedule" else "poke",
            deferrable=_mode == "deferrable",
            poke_interval=JOB_POLL_S,
            timeout=JOB_TIMEOUT_S,
            max_consecutive_failures=1,
        )


def _patch(**kwargs: object) -> DataArtsPatchDataOperator:
    params: dict[str, object] = {
        "job_name": conf("job_name"),
        "start": conf("start"),
        "end": conf("end"),
        "parallel": 2,
        "poll_interval": JOB_POLL_S,
        "timeout": JOB_TIMEOUT_S,
        "max_consecutive_failures": 1,
        **kwargs,
    }
    return DataArtsPatchDataOperator(task_id="patch", **params)  # type: ignore[arg-type]


for _mode, _deferrable in (("worker", False), ("deferrable", True)):
    with manual_dag(f"dataarts_patch_data_{_mode}"):
        _patch(deferrable=_deferrable)
    with manual_dag(f"dataarts_patch_data_{_mode}_retry", retries=1):
        _patch(deferrable=_deferrable, max_consecutive_failures=0)
