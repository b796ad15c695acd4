# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Release pipeline: package the named jobs' pending items, deploy the package, wait, then run the first
released job and the production step.

1. list the pending items of the named jobs;
2. package exactly those items into a release package (a retried task reuses the package);
3. deploy the package;
4. wait, deferred in the triggerer, until the deployment succeeded (fails naming the failing tasks);
5. run the first released job once, deferred, and wait for it (a retry re-attaches to the same run;
   a timeout or a kill stops it);
6. run the production step.

Trigger with other jobs: ``airflow dags trigger release_pipeline -c '{"job_names": ["my_job"],
"approver_ids": ["<user id>"]}'``. Approval happens in the DataArts console's review center (there is
no public approval API); the sensor waits through it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG, task

from airflow_dataarts_provider.operators.job import DataArtsRunJobOperator
from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator
from airflow_dataarts_provider.operators.release_package import (
    DataArtsCreateReleasePackageOperator,
    DataArtsDeployReleasePackageOperator,
)
from airflow_dataarts_provider.sensors.release_package import DataArtsReleasePackageSensor

# One retry, because Airflow 3.2 and 3.3 can fail a deferred task whose trigger fires within seconds of
# the deferral ("state mismatch", apache/airflow#72716; docs/troubleshooting.md). A retry reuses the
# package, checks the deployment again and re-attaches the job run to its instance (on 3.2: while the
# instance still runs; docs/job-runs.md).
RETRY_ONCE = {"retries": 1, "retry_delay": timedelta(seconds=5)}

with DAG(
    dag_id="release_pipeline",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    default_args=RETRY_ONCE,
    params={
        "job_names": ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"],
        "approver_ids": ["7e6d5c4b3a291807f6e5d4c3b2a19080"],
    },
    tags=["dataarts", "example"],
) as dag:
    pending = DataArtsListPendingItemsOperator(
        task_id="list_pending_items",
        task_type="JOB",
        fields=["pending_item_id", "item_name", "update_type", "package_flag"],
    )

    package = DataArtsCreateReleasePackageOperator(
        task_id="package",
        task_names="{{ params.job_names }}",
        task_type="JOB",
        approver_ids="{{ params.approver_ids }}",
        if_nothing_pending="fail",
    )

    deploy = DataArtsDeployReleasePackageOperator(
        task_id="deploy",
        package_ids=package.output,
        startup_mode=0,  # the pipeline runs the job itself, below
    )

    wait = DataArtsReleasePackageSensor(
        task_id="wait_for_deployment",
        package_id=package.output,
        deferrable=True,
        poke_interval=2,
        timeout=1800,
    )

    run_job = DataArtsRunJobOperator(
        task_id="run_released_job",
        job_name="{{ params.job_names[0] }}",
        job_params={
            "bizdate": "{{ macros.datetime.now().strftime('%Y%m%d') }}"
        },  # runs may have no logical date
        deferrable=True,
        poll_interval=2,
        timeout=3600,
    )

    @task
    def production_step(deployment: dict[str, Any], run: dict[str, Any]) -> str:
        """Placeholder for the production work that needs the released jobs."""
        info = deployment["release_package"]
        message = (
            f"Release package {info['package_id']} ({info['package_name']}) deployed;"
            f" job {run['job_name']} instance {run['instance_id']}: {run['status']}"
        )
        print(message)  # noqa: T201 - the example's output
        return message

    pending >> package >> deploy >> wait >> run_job
    production_step(wait.output, run_job.output)
