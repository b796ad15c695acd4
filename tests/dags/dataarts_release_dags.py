# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DAGs of the release-workflow acceptance tests (tests/operators/test_release_package_operators.py,
tests/sensors/test_release_package_sensor.py).

Every task is parameterised from ``dag_run.conf`` through templates rendered as native objects (absent
keys render as ``None``); what cannot be templated (``if_nothing_pending``, retries, sensor mode,
deferrable, soft_fail, wait_for_completion) gets one DAG per combination.
"""

from __future__ import annotations

from helpers.dags import conf, manual_dag

from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator
from airflow_dataarts_provider.operators.release_package import (
    DataArtsCreateReleasePackageOperator,
    DataArtsDeployReleasePackageOperator,
)
from airflow_dataarts_provider.sensors.release_package import DataArtsReleasePackageSensor

REL_SENSOR_TIMEOUT_S = 60.0  # sensors that must succeed (see dataarts_acceptance_dags)
REL_SENSOR_SHORT_TIMEOUT_S = 7.0  # the "_short" and "_soft" variants: tests that wait for the deadline
REL_POKE_INTERVAL_S = 0.5
REL_WAIT_TIMEOUT_S = 10.0


def _create(task_id: str = "c", **kwargs: object) -> DataArtsCreateReleasePackageOperator:
    params: dict[str, object] = {
        "task_names": conf("names"),
        "task_ids": conf("ids"),
        "pending_item_ids": conf("pending_item_ids"),
        "package_name": conf("package_name"),
        "apply_user_id": conf("apply_user_id"),
        "approver_ids": "{{ dag_run.conf.get('approver_ids') or ['7e6d5c4b3a291807f6e5d4c3b2a19080'] }}",
        **kwargs,
    }
    return DataArtsCreateReleasePackageOperator(task_id=task_id, **params)  # type: ignore[arg-type]


# ---------------------------------------------------------------- create
with manual_dag("dataarts_release_create"):
    _create()

with manual_dag("dataarts_release_create_fail"):
    _create(if_nothing_pending="fail")

with manual_dag("dataarts_release_create_retry", retries=1):
    _create()

with manual_dag("dataarts_release_list_create"):
    _listed = DataArtsListPendingItemsOperator(
        task_id="list",
        item_name=conf("item_name"),
        fields=["pending_item_id", "item_name", "package_flag"],
    )
    _create(pending_item_ids=_listed.output)  # type: ignore[arg-type]

# ---------------------------------------------------------------- deploy
for _name, _wait, _deferrable in (
    ("nowait", False, False),
    ("poke", True, False),
    ("deferrable", True, True),
):
    with manual_dag(f"dataarts_release_deploy_{_name}"):
        DataArtsDeployReleasePackageOperator(
            task_id="d",
            package_ids=conf("package_ids"),
            startup_mode="{{ dag_run.conf.get('startup_mode', 1) }}",
            wait_for_completion=_wait,
            deferrable=_deferrable,
            poke_interval=REL_POKE_INTERVAL_S,
            timeout=REL_WAIT_TIMEOUT_S,
            max_consecutive_failures=1,
        )

# ---------------------------------------------------------------- sensor
for _mode in ("poke", "reschedule", "deferrable"):
    for _variant in ("", "_short", "_soft"):
        with manual_dag(f"dataarts_release_sensor_{_mode}{_variant}"):
            DataArtsReleasePackageSensor(
                task_id="s",
                package_id=conf("package_id"),
                mode="reschedule" if _mode == "reschedule" else "poke",
                deferrable=_mode == "deferrable",
                poke_interval=REL_POKE_INTERVAL_S,
                timeout=REL_SENSOR_SHORT_TIMEOUT_S if _variant else REL_SENSOR_TIMEOUT_S,
                soft_fail=_variant == "_soft",
                max_consecutive_failures=1,
            )

# ---------------------------------------------------------------- the whole pipeline
with manual_dag("dataarts_release_pipeline"):
    _package = _create(task_id="package", if_nothing_pending="fail")
    _deploy = DataArtsDeployReleasePackageOperator(task_id="deploy", package_ids=_package.output)
    _wait = DataArtsReleasePackageSensor(
        task_id="wait",
        package_id=_package.output,
        deferrable=True,
        poke_interval=REL_POKE_INTERVAL_S,
        timeout=REL_WAIT_TIMEOUT_S,
        max_consecutive_failures=1,
    )
    _package >> _deploy >> _wait
