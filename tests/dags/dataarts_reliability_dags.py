# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DAGs of the reliability and security suites (tests/reliability).

* ``dataarts_rel_list``: the list operator alone (fault matrix, secret canaries).
* ``dataarts_rel_gate``: list + deferrable sensor + a task echoing the sensor's XCom (secret canaries).
* ``dataarts_rel_sensor_reschedule``: a reschedule-mode sensor (restarts: the deadline survives reschedules).
* ``release_gate`` and ``daily_pending_report``: the example DAGs of the package, loaded here
  unchanged so that ``dag.test()`` can run them in-process (Airflow 3 only runs DAGs of the DAGs folder).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from helpers.dags import START, conf

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2.11
    from airflow import DAG  # type: ignore[attr-defined,no-redef]
    from airflow.decorators import task  # type: ignore[no-redef]

from airflow_dataarts_provider.operators.pending_items import DataArtsListPendingItemsOperator
from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
RESCHEDULE_TIMEOUT_S = 6.0  # a reschedule cycle of dag.test() takes over 1 s on 3.1
RESCHEDULE_POKE_S = 0.4


with DAG(
    dag_id="dataarts_rel_list",
    schedule=None,
    start_date=START,
    catchup=False,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
):
    DataArtsListPendingItemsOperator(task_id="list", item_name=conf("item_name"), max_items=conf("max_items"))


with DAG(
    dag_id="dataarts_rel_gate",
    schedule=None,
    start_date=START,
    catchup=False,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
):
    listed = DataArtsListPendingItemsOperator(task_id="list", fields=["pending_item_id", "item_name"])
    gate = DataArtsPendingItemsSensor(
        task_id="gate",
        task_names="{{ dag_run.conf.get('names') or ['no such job'] }}",
        deferrable=True,
        poke_interval=0.3,
        timeout=5,
        max_consecutive_failures=0,
    )

    @task
    def echo(items: list[dict[str, object]]) -> int:
        print(f"gated items: {items}")
        return len(items)

    listed >> gate
    echo(gate.output)


with DAG(
    dag_id="dataarts_rel_sensor_reschedule",
    schedule=None,
    start_date=START,
    catchup=False,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
):
    DataArtsPendingItemsSensor(
        task_id="s",
        task_names=conf("names"),
        mode="reschedule",
        poke_interval=RESCHEDULE_POKE_S,
        timeout=RESCHEDULE_TIMEOUT_S,
        max_consecutive_failures=0,
    )


def _load_example(name: str) -> None:
    spec = importlib.util.spec_from_file_location(f"dataarts_rel_example_{name}", EXAMPLES / f"{name}.py")
    if spec is None or spec.loader is None:  # pragma: no cover - the examples ship with the repo
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    globals()[f"example_{name}"] = module.dag


for _example in ("release_gate", "daily_pending_report"):
    _load_example(_example)
