# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The PatchData API (V2 factory ``supplement-data``): create a run, query runs, stop a run.

Errors: unknown job 400 ``DLF.0100`` and unknown run ``DLF.0113`` (documented); a job without a schedule
``DLF.30111`` and dates not in the form ``yyyy-MM-ddTHH:mm:ss ±HH`` or less than 2 s apart ``DLF.30121``
(live findings, undocumented); a name already used and stopping an ended run ``EMU.1401``/``EMU.1402``
(invented: undocumented); bad parameters ``DLF.3051``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ._common import (
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
from ._patch_data import PatchRun

if TYPE_CHECKING:
    from ._state import State

ERR_PATCH_UNKNOWN = "DLF.0113"  # the supplement data instance does not exist (documented)
ERR_PATCH_NO_SCHEDULE = "DLF.30111"  # live finding: the job needs a cron, HTTP or parent trigger
ERR_PATCH_DATES = "DLF.30121"  # live finding: date form, or end less than 2 s after start
ERR_PATCH_NAME_USED = "EMU.1401"  # INVENTED
ERR_PATCH_STATE = "EMU.1402"  # INVENTED: stop of an ended run
MAX_SIZE = 100
_DATE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) ([+-])(\d\d)")


def _date_ms(field_name: str, raw: object) -> int:
    match = _DATE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise ApiError(ERR_PATCH_DATES, f"{field_name} must be like 2023-08-21T00:00:00 +08, got {raw!r}")
    hours = int(match.group(3)) * (1 if match.group(2) == "+" else -1)
    moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=timezone(timedelta(hours=hours)))
    return int(moment.timestamp() * 1000)


def _checked(st: State, workspace: str, body: dict[str, Any]) -> tuple[str, Any, int, int, int]:
    """``(name, job, start_ms, end_ms, parallel)`` of a create body, or the service's error."""
    name, job_name, parallel = body.get("name"), body.get("job_name"), body.get("parallel")
    if not isinstance(name, str) or not name:
        raise invalid("name", "is required")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or not 1 <= parallel <= 5:
        raise invalid("parallel", "an integer 1..5 is required")
    job = st.jobs.get(job_name) if isinstance(job_name, str) else None
    if job is None or job.workspace_id != workspace:
        raise ApiError(ERR_JOB_UNKNOWN, f"The job {job_name} does not exist.")
    start_ms, end_ms = (
        _date_ms("start_date", body.get("start_date")),
        _date_ms("end_date", body.get("end_date")),
    )
    if end_ms - start_ms < 2000:
        raise ApiError(ERR_PATCH_DATES, "The end time must be at least 2 seconds later than the start time.")
    if job.period_s <= 0:
        raise ApiError(
            ERR_PATCH_NO_SCHEDULE, f"The job {job.name} has no schedule: PatchData is not supported."
        )
    for key in ("is_stop_when_fail", "is_day_granularity"):
        if key in body and not isinstance(body[key], bool):
            raise invalid(key, "a boolean is required")
    return name, job, start_ms, end_ms, parallel


def create(st: State, req: Request, workspace: str, user: str) -> Response:
    body = json_body(req)
    with st.lock:
        name, job, start_ms, end_ms, parallel = _checked(st, workspace, body)
        if name in st.patch_runs:
            raise ApiError(ERR_PATCH_NAME_USED, f"The supplement data instance {name} exists.")
        run = PatchRun(
            name,
            job,
            start_ms,
            end_ms,
            parallel,
            bool(body.get("is_stop_when_fail")),
            st.release_clock(),
            user,
        )
        for instance in run.plan(st.next_instance_id):
            st.instances[instance.instance_id] = instance
        st.next_instance_id += len(run.instances)
        st.patch_runs[name] = run
        count_for(st.counters, "patch_data_created", job.name)
    return Response(200)


def query(st: State, workspace: str, pairs: list[tuple[str, str]]) -> Response:
    params = dict(reversed(pairs))
    page, size = int_param(params, "page", 0), int_param(params, "size", 10)
    if size is None or not 1 <= size <= MAX_SIZE:
        raise invalid("size", f"an integer 1..{MAX_SIZE} is required")
    assert page is not None
    name, status = params.get("name") or "", params.get("status") or ""
    with st.lock:
        now = st.release_clock()
        rows = [
            r.row(now)
            for r in st.patch_runs.values()
            if r.job.workspace_id == workspace and name in r.name  # the name filter matches a part
        ]
        rows = [r for r in rows if not status or r["status"] == status]
        rows.sort(key=lambda r: (r["submitted_date"], r["name"]), reverse=params.get("sort") != "asc")
    return json_response(
        200, {"total": len(rows), "success": True, "msg": "", "rows": rows[page * size : (page + 1) * size]}
    )


def stop(st: State, workspace: str, name: str) -> Response:
    with st.lock:
        run = st.patch_runs.get(name)
        if run is None or run.job.workspace_id != workspace:
            raise ApiError(ERR_PATCH_UNKNOWN, f"The supplement data instance {name} does not exist.")
        if not run.stop(st.release_clock()):
            raise ApiError(ERR_PATCH_STATE, f"The supplement data instance {name} is not running.")
        count_for(st.counters, "patch_data_stopped", run.job.name)
    return Response(200)
