# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Script quality gate: run a DataArts data-quality check script, then a parameterised SQL script, and use
its rows downstream.

1. run the check script ``订单质量检查`` (a Hive SQL script held in DataArts, run where the data is) for
   the day; the DAG stops unless the first row of its result is all true, naming the false columns;
2. run the SQL script ``dws_daily_sales`` for the same day, deferred, and return its rows as XCom (one
   dict per row; at most 1,000 rows, a cut said in the task log);
3. use the rows downstream (a placeholder that prints a summary).

Each script runs once per task: a lost answer to ``execute`` is never sent again (the task fails naming
what to check), and on Airflow 3.3 a retry re-attaches to the running script. Trigger for another day:
``airflow dags test script_quality_gate -c '{"bizdate": "20261130"}'``; see docs/scripts.md.
"""

from __future__ import annotations

from typing import Any

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG, task

from airflow_dataarts_provider.operators.script import DataArtsRunScriptOperator, DataArtsScriptCheckOperator

with DAG(
    dag_id="script_quality_gate",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"bizdate": "20261201"},
    tags=["dataarts", "example"],
) as dag:
    quality_check = DataArtsScriptCheckOperator(
        task_id="quality_check",
        script_name="订单质量检查",
        script_params={"bizdate": "{{ params.bizdate }}"},
        poll_interval=2,
        timeout=900,
    )

    daily_sales = DataArtsRunScriptOperator(
        task_id="daily_sales",
        script_name="dws_daily_sales",
        script_params={"bizdate": "{{ params.bizdate }}"},
        result_format="dicts",
        deferrable=True,
        poll_interval=2,
        timeout=3600,
    )

    @task
    def publish(result: dict[str, Any]) -> str:
        """Placeholder for the work that uses the rows."""
        rows = result["results"][0]["rows"] if result.get("results") else []
        message = f"Script instance {result['instance_id']}: {len(rows)} rows; first: {rows[:1]}"
        print(message)  # noqa: T201 - the example's output
        return message

    quality_check >> daily_sales
    publish(daily_sales.output)
