# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Release gate: run production steps only once the named DataArts jobs are released.

1. list the workspace's pending jobs (what is waiting to be packaged and released);
2. wait, deferred in the triggerer, until no pending item is left for the named jobs;
3. run the production step (a placeholder that prints what was gated).

Trigger with other jobs: ``airflow dags trigger release_gate -c '{"job_names": ["my_job"]}'``.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG, task

from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator
from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor

# One retry, because Airflow 3.2 and 3.3 can fail a deferred task whose trigger fires within seconds of
# the deferral ("state mismatch", apache/airflow#72716; docs/troubleshooting.md). The retried sensor
# only checks the pending list again.
RETRY_ONCE = {"retries": 1, "retry_delay": timedelta(seconds=5)}

with DAG(
    dag_id="release_gate",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    default_args=RETRY_ONCE,
    params={"job_names": ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"]},
    tags=["dataarts", "example"],
) as dag:
    pending_jobs = DataArtsListPendingItemsOperator(
        task_id="list_pending_jobs",
        task_type="JOB",
        fields=["pending_item_id", "item_name", "update_type", "package_flag", "submit_user_name"],
    )

    wait_for_release = DataArtsPendingItemsSensor(
        task_id="wait_for_release",
        task_names="{{ params.job_names }}",
        task_type="JOB",
        wait_for="released",
        deferrable=True,
        poke_interval=2,
        timeout=600,
    )

    @task
    def production_step(gated: list[str], still_pending: list[dict[str, object]]) -> str:
        """Placeholder for the production work the gate protects."""
        message = f"Released and gated: {', '.join(gated)}; pending items left for them: {len(still_pending)}"
        print(message)  # noqa: T201 - the example's output
        return message

    released = production_step("{{ params.job_names }}", wait_for_release.output)
    pending_jobs >> wait_for_release
