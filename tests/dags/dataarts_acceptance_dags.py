# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DAGs of the operator/sensor/link acceptance tests (tests/operators, tests/sensors, tests/links).

Every task is parameterised from ``dag_run.conf`` through templates rendered as native objects, so one
DAG serves many test cases; what cannot be templated (sensor mode, deferrable, soft_fail) gets one DAG
per combination. Absent conf keys render as ``None``.
"""

from __future__ import annotations

from datetime import timedelta

from helpers.dags import DAG, START, conf

from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator
from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor

#: The data interval of a run is the 7 days before its logical date (DeltaDataIntervalTimetable).
LIST_SCHEDULE = timedelta(days=7)
# Timeouts count from the task start, which dag.test() sets 1-5 s before execute() (more on a busy
# machine): DAGs whose sensor must succeed get a long one; the "_short" and "_soft" variants, used by
# the tests that wait for the deadline, a short one.
SENSOR_TIMEOUT_S = 60.0
SENSOR_SHORT_TIMEOUT_S = 12.0  # loaded 2-core CI cells took 4.8 s and 8 s from task start to execute()
SENSOR_POKE_INTERVAL_S = 0.5


with DAG(
    dag_id="dataarts_acc_list",
    schedule=LIST_SCHEDULE,
    start_date=START,
    catchup=False,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
):
    DataArtsListPendingItemsOperator(
        task_id="t",
        submit_user_name=conf("submit_user_name"),
        item_name=conf("item_name"),
        update_type=conf("update_type"),
        task_type=conf("task_type"),
        start_time="{{ data_interval_start if dag_run.conf.get('use_interval') else None }}",
        end_time="{{ data_interval_end if dag_run.conf.get('use_interval') else None }}",
        max_items=conf("max_items"),
        fields=conf("fields"),
    )


for _mode in ("poke", "reschedule", "deferrable"):
    for _variant in ("", "_short", "_soft"):
        with DAG(
            dag_id=f"dataarts_acc_sensor_{_mode}{_variant}",
            schedule=None,
            start_date=START,
            catchup=False,
            render_template_as_native_obj=True,
            default_args={"retries": 0},
        ):
            DataArtsPendingItemsSensor(
                task_id="s",
                task_names=conf("names"),
                task_ids=conf("ids"),
                task_type=conf("task_type"),
                wait_for="{{ dag_run.conf.get('wait_for') or 'released' }}",
                mode="reschedule" if _mode == "reschedule" else "poke",
                deferrable=_mode == "deferrable",
                poke_interval=SENSOR_POKE_INTERVAL_S,
                timeout=SENSOR_SHORT_TIMEOUT_S if _variant else SENSOR_TIMEOUT_S,
                soft_fail=_variant == "_soft",
                max_consecutive_failures=1,
            )
