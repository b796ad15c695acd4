# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Job events (Airflow 3): run a DAG whenever the DataArts job ``dws_sales_summary`` succeeds.

DataArts schedules the job itself; Airflow only reacts. An asset watcher in the triggerer reads the
workspace's job instances every ``poll_interval`` seconds (one listing, shared with every deferred job
wait and other watchers of the workspace in that triggerer), and each run of ``dws_sales_summary`` that
ends in ``success`` becomes one asset event, which schedules this DAG (events that arrive before the
scheduler starts a run are consumed together by one run). A failed run, or another job, schedules
nothing. The run reads the events' payloads (job, instance, times, console URL) and hands the summary's
date downstream.

Airflow 2 has no asset watchers: there this file defines no DAG. Set ``DATAARTS_JOB_EVENTS_POLL_S`` to
check more often than every minute (the end-to-end test uses 5 s).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pendulum

# The same names on Airflow 2.11 and every 3.x line (the compatibility layer official providers use).
from airflow.providers.common.compat.sdk import DAG, task

try:
    from airflow_dataarts_provider.triggers.events import DataArtsJobEventTrigger
    from airflow_dataarts_provider.version_compat import asset_classes
except ImportError:  # Airflow 2.11: no event-driven scheduling
    DataArtsJobEventTrigger = None

JOB = "dws_sales_summary"
log = logging.getLogger(__name__)

if DataArtsJobEventTrigger is not None:
    Asset, AssetWatcher = asset_classes()

    summary_ready = Asset(
        f"dataarts_job_{JOB}_success",
        watchers=[
            AssetWatcher(
                name=f"dataarts_job_{JOB}_success",
                trigger=DataArtsJobEventTrigger(
                    job_names=[JOB],
                    statuses=["success"],
                    poll_interval=float(os.environ.get("DATAARTS_JOB_EVENTS_POLL_S", "60")),
                ),
            )
        ],
    )

    with DAG(
        dag_id="job_events",
        schedule=[summary_ready],
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        tags=["dataarts", "example"],
    ):

        @task
        def summaries_ready(**context: Any) -> list[dict[str, Any]]:
            """The job runs this DAG run was scheduled for (one per asset event), oldest first."""
            finished = []
            for event in context["triggering_asset_events"][summary_ready]:
                payload = event.extra["payload"]
                log.info(
                    "%s instance %s ended %s at %s (planned %s): %s",
                    payload["job_name"],
                    payload["instance_id"],
                    payload["status"],
                    payload["end_time"],
                    payload["plan_time"],
                    payload["console_url"],
                )
                finished.append({k: payload[k] for k in ("job_name", "instance_id", "plan_time", "end_time")})
            return sorted(finished, key=lambda run: run["end_time"] or "")

        @task
        def export_summary(finished: list[dict[str, Any]]) -> str:
            """Downstream work on the newest summary (here: say which plan date it covers)."""
            newest = finished[-1]
            log.info("exporting the sales summary planned at %s", newest["plan_time"])
            return str(newest["plan_time"])

        export_summary(summaries_ready())
