# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Release events (Airflow 3): run a DAG whenever DataArts releases a package containing a given job.

No sensor waits and nobody triggers the run: an asset watcher in the triggerer checks the workspace's
release packages every ``poll_interval`` seconds, and each package released successfully with
``dws_sales_summary`` in it becomes an asset event, which schedules one run of this DAG (events that
arrive before the scheduler starts a run are consumed together by one run). The run reads the event's
payload (the package and its released items) and then runs the released job.

Airflow 2 has no asset watchers: there this file defines no DAG (importing the trigger raises an
``ImportError`` that says so). Set ``DATAARTS_RELEASE_EVENTS_POLL_S`` to check more often than every
minute (the end-to-end test uses 5 s).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG, task

from airflow_dataarts_provider.operators.job import DataArtsRunJobOperator

try:
    from airflow_dataarts_provider.triggers.events import DataArtsReleaseEventTrigger
    from airflow_dataarts_provider.version_compat import asset_classes
except ImportError:  # Airflow 2.11: no event-driven scheduling
    DataArtsReleaseEventTrigger = None

JOB = "dws_sales_summary"
log = logging.getLogger(__name__)

if DataArtsReleaseEventTrigger is not None:
    Asset, AssetWatcher = asset_classes()

    released = Asset(
        f"dataarts_release_{JOB}",
        watchers=[
            AssetWatcher(
                name=f"dataarts_release_{JOB}",
                trigger=DataArtsReleaseEventTrigger(
                    task_names=[JOB],
                    poll_interval=float(os.environ.get("DATAARTS_RELEASE_EVENTS_POLL_S", "60")),
                ),
            )
        ],
    )

    with DAG(
        dag_id="release_events",
        schedule=[released],
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        tags=["dataarts", "example"],
    ):

        @task
        def describe_release(**context: Any) -> list[dict[str, Any]]:
            """The released packages this run was scheduled for (one per asset event)."""
            packages = []
            for event in context["triggering_asset_events"][released]:
                payload = event.extra["payload"]
                log.info(
                    "package %s (%s) released at %s by %s: %s",
                    payload["package_id"],
                    payload["package_name"],
                    payload["deploy_time"],
                    payload["deploy_user_name"],
                    payload["item_names"],
                )
                packages.append({k: payload[k] for k in ("package_id", "package_name", "item_names")})
            return packages

        describe_release() >> DataArtsRunJobOperator(
            task_id="run_released_job", job_name=JOB, deferrable=True, poll_interval=5
        )
