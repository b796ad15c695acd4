# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The fleet of `make e2e E2E_EXECUTOR=celery` (scripts/e2e/celery.py): many sensors on one connection.

``dataarts_fleet``: DATAARTS_FLEET_DEFERRED deferrable pending-items sensors (in the triggerers) and
DATAARTS_FLEET_RESCHEDULED reschedule-mode ones (a Celery worker task per poke), each gated on one of the
release pipeline's jobs. ``dataarts_fleet_deadlines``: DATAARTS_FLEET_DEADLINES deferrable sensors gated on
a job that is never released, with a short timeout and ``soft_fail``: they must end skipped at their
deadline, also when their trigger moved to another triggerer meanwhile.
"""

from __future__ import annotations

import os

import pendulum
from airflow.providers.common.compat.sdk import DAG

from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor

GATED_JOBS = ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"]  # release_pipeline's jobs
NEVER_RELEASED = "fleet_never_released"
DEFERRED = int(os.environ.get("DATAARTS_FLEET_DEFERRED", "300"))
RESCHEDULED = int(os.environ.get("DATAARTS_FLEET_RESCHEDULED", "30"))
DEADLINES = int(os.environ.get("DATAARTS_FLEET_DEADLINES", "10"))
POKE_S = float(os.environ.get("DATAARTS_FLEET_POKE_S", "30"))
RESCHEDULE_POKE_S = float(os.environ.get("DATAARTS_FLEET_RESCHEDULE_POKE_S", "60"))
DEADLINE_S = float(os.environ.get("DATAARTS_FLEET_DEADLINE_S", "90"))
START = pendulum.datetime(2026, 1, 1, tz="UTC")

with DAG(
    dag_id="dataarts_fleet",
    schedule=None,
    start_date=START,
    catchup=False,
    max_active_tasks=DEFERRED + RESCHEDULED,
    tags=["dataarts", "e2e"],
):
    for i in range(DEFERRED):
        DataArtsPendingItemsSensor(
            task_id=f"deferred_{i:03d}",
            task_names=[GATED_JOBS[i % len(GATED_JOBS)]],
            deferrable=True,
            poke_interval=POKE_S,
            timeout=3600,
        )
    for i in range(RESCHEDULED):
        DataArtsPendingItemsSensor(
            task_id=f"reschedule_{i:02d}",
            task_names=[GATED_JOBS[i % len(GATED_JOBS)]],
            mode="reschedule",
            poke_interval=RESCHEDULE_POKE_S,
            timeout=3600,
        )

with DAG(
    dag_id="dataarts_fleet_deadlines",
    schedule=None,
    start_date=START,
    catchup=False,
    max_active_tasks=max(DEADLINES, 1),
    tags=["dataarts", "e2e"],
):
    for i in range(DEADLINES):
        DataArtsPendingItemsSensor(
            task_id=f"deadline_{i:02d}",
            task_names=[NEVER_RELEASED],
            deferrable=True,
            poke_interval=POKE_S,
            timeout=DEADLINE_S,
            soft_fail=True,
        )
