# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The preamble of the test DAGs (tests/dags): the ``DAG`` class of this Airflow line, the start date, a
template reading ``dag_run.conf``, and a manual DAG whose templates render as native objects."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow import DAG  # type: ignore[attr-defined,no-redef]

START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def conf(key: str) -> str:
    """A template of ``dag_run.conf[key]`` (``None`` when absent)."""
    return "{{ dag_run.conf.get('" + key + "') }}"


def manual_dag(dag_id: str, retries: int = 0) -> DAG:
    """A DAG run only by hand, templates rendered as native objects, ``retries`` without delay."""
    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=START,
        catchup=False,
        render_template_as_native_obj=True,
        default_args={"retries": retries, "retry_delay": timedelta(seconds=0)},
    )
