# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Daily pending-items report: what was submitted in the data interval and is still not released.

Lists the items submitted between ``data_interval_start`` and ``data_interval_end``, summarises them by
submitter and type, and fails loudly when any of them has waited longer than ``max_wait_hours``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG, AirflowFailException, task
from airflow.timetables.interval import CronDataIntervalTimetable  # every line

from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator

TASK_TYPES = {1: "job", 2: "script"}

with DAG(
    dag_id="daily_pending_report",
    # A real one-day data interval on both lines (on Airflow 3 a plain "@daily" has zero-length intervals).
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    params={"max_wait_hours": 72},
    tags=["dataarts", "example"],
) as dag:
    submitted = DataArtsListPendingItemsOperator(
        task_id="pending_submitted_in_interval",
        start_time="{{ data_interval_start }}",
        end_time="{{ data_interval_end }}",
        fields=["item_name", "task_type", "update_type", "submit_user_name", "submit_timestamp"],
    )

    @task
    def summarise(items: list[dict[str, Any]]) -> dict[str, Any]:
        by_submitter = Counter(i["submit_user_name"] for i in items)
        by_type = Counter(TASK_TYPES.get(i["task_type"], "other") for i in items)
        summary = {"total": len(items), "by_submitter": dict(by_submitter), "by_type": dict(by_type)}
        print(f"Pending items submitted in the interval: {summary}")  # noqa: T201 - the report
        return summary

    @task
    def check_waiting_time(items: list[dict[str, Any]], max_wait_hours: float) -> int:
        now_ms = pendulum.now("UTC").int_timestamp * 1000
        too_old = [i for i in items if now_ms - i["submit_timestamp"] > max_wait_hours * 3_600_000]
        if too_old:
            names = ", ".join(sorted(i["item_name"] for i in too_old)[:20])
            raise AirflowFailException(
                f"{len(too_old)} pending item(s) waited more than {max_wait_hours} h to be released: {names}"
            )
        return len(items)

    summarise(submitted.output)
    check_waiting_time(submitted.output, "{{ params.max_wait_hours }}")
