# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run API: V1 (``/v1/{project_id}/jobs/...``: run-immediate, instance detail, instance listing,
stop, restart) and the V2 listing by job name (``/v2/{project_id}/factory/jobs/{job}/instances/detail``).

Errors: unknown job 400 ``DLF.0100``, unknown instance 400 ``DLF.0137`` (documented); stopping an ended
instance or restarting a live one 400 ``EMU.1201`` (invented: undocumented); bad parameters ``DLF.3051``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import (
    DIGITS_RE,
    ERR_JOB_INSTANCE_STATE,
    ERR_JOB_INSTANCE_UNKNOWN,
    ERR_JOB_UNKNOWN,
    ApiError,
    Request,
    Response,
    count_for,
    int_param,
    invalid,
    json_body,
    json_response,
)
from ._job_runs import TERMINAL, Instance, Job

if TYPE_CHECKING:
    from ._state import State

MAX_LIMIT = 1000


def _job(st: State, workspace: str, name: str) -> Job:
    job = st.jobs.get(name)
    if job is None or job.workspace_id != workspace:
        raise ApiError(ERR_JOB_UNKNOWN, f"The job {name} does not exist.")
    return job


def _instance(st: State, job: Job, instance_id: str) -> Instance:
    found = st.instances.get(int(instance_id)) if DIGITS_RE.match(instance_id) else None
    if found is None or found.job is not job or not found.visible(st.release_clock()):
        raise ApiError(ERR_JOB_INSTANCE_UNKNOWN, f"The job instance {instance_id} does not exist.")
    return found


def _shown_status(job: Job, instance: Instance, now: float) -> str:
    """The instance's status, unless the job scripts the next one read (a pause, an unknown status)."""
    return job.status_script.pop(0) if job.status_script else instance.status(now)


def _params(body: dict[str, Any]) -> list[dict[str, str]]:
    raw = body.get("jobParams", [])
    if not isinstance(raw, list):
        raise invalid("jobParams", "a list is required")
    params = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or "value" not in entry:
            raise invalid("jobParams", "every entry needs a name and a value")
        if entry.get("paramType", "variable") not in ("variable", "constants"):
            raise invalid("jobParams", "paramType must be variable or constants")
        params.append(
            {
                "name": entry["name"],
                "value": str(entry["value"]),
                "paramType": entry.get("paramType", "variable"),
            }
        )
    return params


def run_immediate(st: State, req: Request, workspace: str, job_name: str) -> Response:
    params = _params(json_body(req))
    with st.lock:
        job = _job(st, workspace, job_name)
        started = st.start_instance(job, params)
        per_node = st.counters["job_node_runs"].setdefault(job.name, {})
        for name in started.ran_nodes():
            per_node[name] = per_node.get(name, 0) + 1
        count_for(st.counters, "job_instances_started", job.name)
    return json_response(200, {"instanceId": started.instance_id})


def instance_detail(st: State, project: str, workspace: str, job_name: str, instance_id: str) -> Response:
    with st.lock:
        job = _job(st, workspace, job_name)
        found = _instance(st, job, instance_id)
        now = st.release_clock()
        body = found.to_v1(project, now, _shown_status(job, found, now))
        body.update(total=len(found.nodes), nodes=found.nodes_v1(now))
    return json_response(200, body)


def _selected(st: State, workspace: str, name: str, params: dict[str, str], precise: bool) -> list[Instance]:
    """The instances the filters select (every job's when ``name`` is empty), in the configured order;
    the plan-time bounds apply to the plan or the start time (``instance_time_filter``)."""
    low, high = int_param(params, "minPlanTime", None), int_param(params, "maxPlanTime", None)
    status = params.get("status") or None
    kind = int_param(params, "instanceType", None)
    now = st.release_clock()
    by_start = st.config.instance_time_filter == "start"

    def filtered_ms(i: Instance) -> int:
        return int((i.started_at + i.wait_s if by_start else i.plan_at) * 1000)

    rows = [
        i
        for i in st.instances.values()
        if i.job.workspace_id == workspace
        and (not name or (i.job.name == name if precise else name in i.job.name))
        and i.visible(now)
        and (kind is None or i.instance_type == kind)
        and (low is None or filtered_ms(i) >= low)
        and (high is None or filtered_ms(i) <= high)
        and (status is None or i.status(now) == status)
    ]
    newest = st.config.instance_order == "newest"
    return sorted(rows, key=lambda i: (i.started_at, i.instance_id), reverse=newest)


def _page(st: State, params: dict[str, str], rows: list[Instance]) -> list[Instance]:
    limit, offset = int_param(params, "limit", 10), int_param(params, "offset", 0)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", f"an integer 1..{MAX_LIMIT} is required")
    assert offset is not None
    start = offset * limit if st.config.offset_mode == "page" else offset
    return rows[start : start + limit]


def instances_v1(st: State, project: str, workspace: str, pairs: list[tuple[str, str]]) -> Response:
    params = dict(reversed(pairs))
    name = params.get("jobName") or ""  # none: every job of the workspace
    with st.lock:
        rows = _selected(st, workspace, name, params, params.get("preciseQuery") == "true")
        now = st.release_clock()
        page = [i.to_v1(project, now) for i in _page(st, params, rows)]
    return json_response(200, {"total": len(rows), "instances": page})


def instances_v2(st: State, workspace: str, job_name: str, pairs: list[tuple[str, str]]) -> Response:
    params = dict(reversed(pairs))
    renamed = {
        "minPlanTime": params.get("min_plan_time", ""),
        "maxPlanTime": params.get("max_plan_time", ""),
        "instanceType": params.get("instance_type", ""),
    }
    with st.lock:
        _job(st, workspace, job_name)
        rows = _selected(st, workspace, job_name, {**params, **renamed}, True)
        now = st.release_clock()
        page = [i.to_v2(now) for i in _page(st, params, rows)]
    return json_response(200, {"total": len(rows), "instances": page})


def stop(st: State, workspace: str, job_name: str, instance_id: str) -> Response:
    with st.lock:
        job = _job(st, workspace, job_name)
        if not _instance(st, job, instance_id).stop(st.release_clock()):
            raise ApiError(ERR_JOB_INSTANCE_STATE, f"The job instance {instance_id} is not running.")
        count_for(st.counters, "job_instances_stopped", job.name)
    return Response(204)


RETRY_LOCATIONS = ("error_node", "first_node", "specified_node")
PARAM_VERSIONS = ("original_version", "latest_version")


def _rerun_body(body: dict[str, Any]) -> tuple[str, str | None]:
    """``(retry_location, node_name)`` of a rerun body (the documented fields; absent: first_node)."""
    location = body.get("retry_location", "first_node")
    if location not in RETRY_LOCATIONS:
        raise invalid("retry_location", f"must be one of {', '.join(RETRY_LOCATIONS)}")
    node = body.get("node_name")
    if location == "specified_node" and not isinstance(node, str):
        raise invalid("node_name", "is required with retry_location specified_node")
    if body.get("job_param_version", "original_version") not in PARAM_VERSIONS:
        raise invalid("job_param_version", f"must be one of {', '.join(PARAM_VERSIONS)}")
    if body.get("ignore_obs_monitor", False) not in (True, False, "true", "false"):
        raise invalid("ignore_obs_monitor", "must be a boolean")
    return location, node if isinstance(node, str) else None


def restart(st: State, req: Request, workspace: str, job_name: str, instance_id: str) -> Response:
    body = json_body(req)
    with st.lock:
        job = _job(st, workspace, job_name)
        found = _instance(st, job, instance_id)
        now = st.release_clock()
        if found.status(now) not in TERMINAL:
            raise ApiError(ERR_JOB_INSTANCE_STATE, f"The job instance {instance_id} has not ended.")
        if body and job.rerun_mode == "refuse_body":
            raise invalid("body", "this service takes no rerun body")
        location, node = _rerun_body(body)
        first = 0 if job.rerun_mode == "ignore_body" else found.rerun_from(location, node)
        if job.rerun_mode == "new_row":
            again = found.rerun_as(st.next_instance_id, now, first)
            st.instances[again.instance_id] = again
            st.next_instance_id += 1
        else:
            again = found
            again.restart(now, first)
        count_for(st.counters, "job_instances_rerun", job.name)
        per_node = st.counters["job_node_runs"].setdefault(job.name, {})
        for name in again.ran_nodes():
            per_node[name] = per_node.get(name, 0) + 1
    return Response(204)
