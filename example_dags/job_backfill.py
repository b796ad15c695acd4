# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Job backfill: backfill a scheduled DataArts job over each day with one PatchData run, then run a report
job that is repaired from its failed node instead of started again.

1. ``backfill_day``: one PatchData (supplement data) run of ``daily_sales_job`` over the DAG run's data
   interval (the day; DataArts includes both ends, so the run ends one second before the next day):
   one instance per period of the job's schedule, two at a time, deferred. A retry or a crashed worker
   finds the run by its name (derived from the DAG, run and task) and never creates a second one; a
   retry after a failed run creates the next run of the series.
2. ``rebuild_report``: run ``ads_finance_report`` once; when it fails, the task's retry reruns the failed
   instance from its error node (``retry_from_failure``): the nodes that succeeded do not run again.
   The end of each failed node's log (read from OBS) is in the task log.

Backfill a past day: ``airflow dags test job_backfill 2026-12-01`` (the run at 2026-12-01 covers
2026-11-30, the daily interval that ends then). See docs/job-runs.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable  # every line

from airflow_dataarts_provider.operators.job import DataArtsPatchDataOperator, DataArtsRunJobOperator

with DAG(
    dag_id="job_backfill",
    # Daily data intervals (CronTriggerTimetable, Airflow 3's default for a cron string, has none).
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=5)},
    tags=["dataarts", "example"],
) as dag:
    backfill_day = DataArtsPatchDataOperator(
        task_id="backfill_day",
        job_name="daily_sales_job",
        parallel=2,
        deferrable=True,
        poll_interval=2,
        timeout=6 * 3600,
    )

    rebuild_report = DataArtsRunJobOperator(
        task_id="rebuild_report",
        job_name="ads_finance_report",
        job_params={"bizdate": "{{ data_interval_start.strftime('%Y%m%d') }}"},
        retry_from_failure=True,
        poll_interval=2,
        timeout=3600,
    )

    backfill_day >> rebuild_report
