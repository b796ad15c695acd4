# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run calls (the V1 DLF job API): start, read an instance, list instances, stop, rerun."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.protocol import pages as protocol_pages
from airflow_dataarts_provider.core.protocol import values as protocol_values
from airflow_dataarts_provider.core.protocol.calls import ApiCall, ListingCall
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.request import api_path, name_segment


def _job_path(config: ClientConfig, job_name: str, *segments: str) -> str:
    return api_path("v1", config.project_id, "jobs", name_segment("job_name", job_name), *segments)


def run_job(config: ClientConfig, job_name: str, params: object = None) -> ApiCall[str]:
    """``POST /v1/{pid}/jobs/{job}/run-immediate``: starts one instance, returns its id. Never repeated
    blindly (see the job flows)."""
    body = {"jobParams": jobs.job_params(params)} if params else None
    return ApiCall(
        "POST",
        _job_path(config, job_name, "run-immediate"),
        jobs.parse_run_immediate,
        body=body,
        service="dlf",
    )


def job_instance(config: ClientConfig, job_name: str, instance_id: str) -> ApiCall[dict[str, Any]]:
    """``GET /v1/{pid}/jobs/{job}/instances/{id}``: status, nodes (with log paths)."""
    (iid,) = protocol_values.ids("instance_id", [instance_id], maximum=1)
    return ApiCall(
        "GET", _job_path(config, job_name, "instances", iid), jobs.parse_job_instance, service="dlf"
    )


def job_instances(
    config: ClientConfig,
    job_name: str,
    *,
    min_plan_time: object = None,
    max_plan_time: object = None,
    status: str | None = None,
    instance_type: int | None = None,
) -> ListingCall:
    """``GET /v1/{pid}/jobs/instances/detail`` for one job (exact name), paged by the listing walk;
    ``instance_type``: 5 for the instances of PatchData runs (:data:`~.values.INSTANCE_TYPES`)."""
    query = [("jobName", unquote(name_segment("job_name", job_name))), ("preciseQuery", "true")]
    if min_plan_time is not None:
        query.append(("minPlanTime", jobs.plan_time_ms("min_plan_time", min_plan_time)))
    if max_plan_time is not None:
        query.append(("maxPlanTime", jobs.plan_time_ms("max_plan_time", max_plan_time)))
    if status is not None:
        if jobs.phase(status) is None:
            raise DataArtsConfigError("status", f"{status!r} is unknown", jobs.known_statuses())
        query.append(("status", status))
    if instance_type is not None:
        if instance_type not in jobs.INSTANCE_TYPES:
            raise DataArtsConfigError(
                "instance_type", f"{instance_type!r} is unknown", ", ".join(map(str, jobs.INSTANCE_TYPES))
            )
        query.append(("instanceType", str(instance_type)))
    return _instances_listing(config, "job-instances", query)


def workspace_instances(config: ClientConfig, min_plan_time: int) -> ListingCall:
    """``GET /v1/{pid}/jobs/instances/detail`` without ``jobName``: the instances of **every** job of the
    workspace from ``min_plan_time`` (epoch ms; the service applies it to the plan or the start time,
    UNCERTAIN) to now, in pages of up to 1,000 rows (the job feed, :mod:`.feed`)."""
    since = jobs.plan_time_ms("min_plan_time", min_plan_time)
    return _instances_listing(config, "workspace-job-instances", [("minPlanTime", since)], jobs.V1_LIST_LIMIT)


def _instances_listing(
    config: ClientConfig, kind: str, query: list[tuple[str, str]], max_limit: int | None = None
) -> ListingCall:
    path = api_path("v1", config.project_id, "jobs", "instances", "detail")
    call = ApiCall("GET", path, jobs.parse_job_instances_page, tuple(query), service="dlf")
    if max_limit is None:
        return ListingCall(kind, call, "instance_id")
    return ListingCall(kind, call, "instance_id", max_limit=max_limit)


def stop_job_instance(config: ClientConfig, job_name: str, instance_id: str) -> ApiCall[None]:
    """``POST .../instances/{id}/stop`` (running instances only)."""
    (iid,) = protocol_values.ids("instance_id", [instance_id], maximum=1)
    return ApiCall(
        "POST",
        _job_path(config, job_name, "instances", iid, "stop"),
        protocol_pages.parse_nothing,
        service="dlf",
    )


def rerun_job_instance(
    config: ClientConfig, job_name: str, instance_id: str, body: dict[str, str] | None = None
) -> ApiCall[bool]:
    """``POST .../instances/{id}/restart`` (after success, failure or cancel). ``body``
    (:func:`~.values.rerun_body`): where the rerun starts; None sends none, as the SDK does."""
    (iid,) = protocol_values.ids("instance_id", [instance_id], maximum=1)
    path = _job_path(config, job_name, "instances", iid, "restart")
    return ApiCall("POST", path, jobs.parse_accepted, body=body, service="dlf")
