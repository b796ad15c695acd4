# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DAGs of the script acceptance tests (tests/operators/test_script_operator.py): the script and its
parameters come from ``dag_run.conf``; what cannot be templated (deferrable, formats, caps, retries,
timeouts, idempotence) gets one DAG per combination."""

from __future__ import annotations

from helpers.dags import conf, manual_dag

from airflow_dataarts_provider.operators.script import (
    DataArtsRunScriptOperator,
    DataArtsScriptCheckOperator,
)

POLL_S = 0.2
TIMEOUT_S = 20.0  # runs that must finish
SHORT_TIMEOUT_S = 1.5  # runs that must time out


def _kwargs(**kwargs: object) -> dict[str, object]:
    return {
        "script_name": conf("script_name"),
        "script_params": conf("script_params"),
        "poll_interval": POLL_S,
        "timeout": TIMEOUT_S,
        "max_consecutive_failures": 1,
        **kwargs,
    }


for _mode, _deferrable in (("worker", False), ("deferrable", True)):
    with manual_dag(f"dataarts_script_run_{_mode}"):
        DataArtsRunScriptOperator(task_id="run", **_kwargs(deferrable=_deferrable))  # type: ignore[arg-type]
    with manual_dag(f"dataarts_script_run_{_mode}_dicts"):
        DataArtsRunScriptOperator(
            task_id="run",
            **_kwargs(deferrable=_deferrable, result_format="dicts", max_rows=2),  # type: ignore[arg-type]
        )
    with manual_dag(f"dataarts_script_run_{_mode}_short"):
        DataArtsRunScriptOperator(
            task_id="run",
            **_kwargs(deferrable=_deferrable, timeout=SHORT_TIMEOUT_S),  # type: ignore[arg-type]
        )
    with manual_dag(f"dataarts_script_run_{_mode}_retry", retries=1):
        DataArtsRunScriptOperator(
            task_id="run",
            **_kwargs(deferrable=_deferrable, max_consecutive_failures=0),  # type: ignore[arg-type]
        )
    with manual_dag(f"dataarts_script_check_{_mode}"):
        DataArtsScriptCheckOperator(task_id="check", **_kwargs(deferrable=_deferrable))  # type: ignore[arg-type]

for _idempotent in (False, True):
    with manual_dag(f"dataarts_script_run_idempotent_{str(_idempotent).lower()}", retries=1):
        DataArtsRunScriptOperator(task_id="run", **_kwargs(idempotent=_idempotent))  # type: ignore[arg-type]

with manual_dag("dataarts_script_run_none"):
    DataArtsRunScriptOperator(task_id="run", **_kwargs(result_format="none"))  # type: ignore[arg-type]
