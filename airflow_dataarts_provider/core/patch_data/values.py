# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""PatchData (supplement data) runs, the V2 factory API: values, statuses, the run's name and the parsers.
Pure: no I/O. Field names follow the official SDK's models (``huaweicloudsdkdataartsstudio`` v1).

A PatchData run has a caller-chosen ``name`` and produces one instance of type 5 per period of the job's
schedule in ``[start_date, end_date]``. Run statuses (upper case on the real service):

=========  ========================================================================================
RUNNING    active
SUCCESS    ended (its instances may still have failed: they are read to decide)
CANCEL     stopped (``CANCLE`` in the SDK and the 2024 documentation: both accepted)
=========  ========================================================================================

Whether a failed run shows another status is undocumented (UNCERTAIN): any other status fails the task
loudly, naming the known ones; a failed *instance* fails the run as soon as no instance is active (with
``stop_when_fail``) or when the run ends."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import Page, parse_listing_page
from airflow_dataarts_provider.core.protocol.request import name_segment
from airflow_dataarts_provider.core.protocol.times import parse_time, to_utc
from airflow_dataarts_provider.core.protocol.values import check_int

RunPhase = Literal["active", "succeeded", "stopped"]

RUN_PHASES: dict[str, RunPhase] = {
    "RUNNING": "active",
    "SUCCESS": "succeeded",
    "CANCEL": "stopped",
    "CANCLE": "stopped",
}
#: ``parallel``: how many periods run at once (documented 1 to 5).
PARALLEL_MAX = 5
#: The shortest range the service takes (``DLF.30121`` below it, a live finding).
MIN_RANGE = timedelta(seconds=2)
#: What the service's error codes mean, said in the task log after the service's own message.
HINTS = {
    "DLF.30111": (
        "PatchData runs only jobs scheduled periodically: give the job a cron schedule, an HTTP trigger or"
        " a parent job (and release it) before backfilling it"
    ),
    "DLF.30121": (
        "the service refused the dates: start and end must be 'yyyy-MM-ddTHH:mm:ss +HH' and end at least"
        " 2 seconds after start"
    ),
    "DLF.0113": "no PatchData run has this name (it may have been deleted)",
}
_NAME_PART = re.compile(r"[^A-Za-z0-9]+")


def run_phase(status: object) -> RunPhase | None:
    """The phase of a run status (any letter case), or None for a status this provider does not know."""
    return RUN_PHASES.get(status.upper()) if isinstance(status, str) else None


def known_run_statuses() -> str:
    return ", ".join(RUN_PHASES)


def run_name(value: object) -> str:
    """A PatchData run's name: 1 to 64 characters, letters, digits, ``_`` and ``-`` (the console's names,
    ``P_job_4230_20230905_1549471``, are of this form; the API documents no rule)."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        raise DataArtsConfigError("name", f"{value!r} is not a PatchData run name", "1-64 of A-Za-z0-9_-")
    return value


def task_run_name(dag_id: str, run_id: str, task_id: str, map_index: int, series: int) -> str:
    """The name of the PatchData run of one Airflow task: the same for every try of one series of tries
    (a retry, a crashed worker), another for each clear (``series``) and for each task, DAG run and map
    index. Readable (the DAG and task ids, shortened) and unique (a hash of all five)."""
    key = "\x1f".join((dag_id, run_id, task_id, str(map_index), str(series)))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    readable = "_".join(_NAME_PART.sub("_", part).strip("_")[:16] for part in (dag_id, task_id))
    return run_name(f"af_{readable}_{digest}")


def generation_name(base: str, generation: int) -> str:
    """The name of the ``generation``-th run of one series (a retry after a failed run makes the next):
    ``base``, then ``base_2``, ``base_3``..."""
    return base if generation == 1 else run_name(f"{base}_{generation}")


def patch_date(field: str, value: object) -> str:
    """A moment (datetime, ISO text, epoch) as the service wants it: ``2023-08-21T00:00:00 +00`` (UTC, the
    offset in whole hours; seconds precision, microseconds dropped)."""
    moment = to_utc(value if isinstance(value, datetime) else parse_time(field, value))
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + " +00"


def date_range(start: object, end: object) -> tuple[datetime, datetime]:
    """``(start, end)`` in UTC, checked: end at least :data:`MIN_RANGE` after start."""
    low = to_utc(start if isinstance(start, datetime) else parse_time("start", start)).replace(microsecond=0)
    high = to_utc(end if isinstance(end, datetime) else parse_time("end", end)).replace(microsecond=0)
    if high - low < MIN_RANGE:
        raise DataArtsConfigError(
            "end",
            f"{high.isoformat()} is not 2 s after start {low.isoformat()} (refused: DLF.30121)",
            "an end at least 2 seconds after start",
        )
    return low, high


def depend_jobs(value: object) -> list[dict[str, str]]:
    """``depend_jobs`` from job names or ``{"job_name", "workspace_id"}`` mappings (another workspace's
    job needs its ``workspace_id``)."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise DataArtsConfigError("depend_jobs", f"{value!r} is not a list", "a list of job names")
    jobs = []
    for entry in value:
        raw = {"job_name": entry} if isinstance(entry, str) else entry
        if not isinstance(raw, Mapping) or set(raw) - {"job_name", "workspace_id"}:
            raise DataArtsConfigError(
                "depend_jobs", f"{entry!r} is not a job", 'a job name or {"job_name", "workspace_id"}'
            )
        name_segment("depend_jobs", raw.get("job_name"))  # checked as a name; sent as it is
        job = {"job_name": str(raw["job_name"])}
        if raw.get("workspace_id") is not None:
            name_segment("depend_jobs", raw["workspace_id"])
            job["workspace_id"] = str(raw["workspace_id"])
        jobs.append(job)
    return jobs


def create_body(
    name: str,
    job_name: str,
    start: object,
    end: object,
    *,
    parallel: int = 1,
    depend: object = None,
    stop_when_fail: bool = True,
) -> dict[str, Any]:
    """The body of ``POST /supplement-data``, every value checked before any request."""
    name_segment("job_name", job_name)
    low, high = date_range(start, end)
    body: dict[str, Any] = {
        "name": run_name(name),
        "job_name": job_name,
        "start_date": patch_date("start", low),
        "end_date": patch_date("end", high),
        "parallel": check_int("parallel", parallel, 1, PARALLEL_MAX),
        "is_stop_when_fail": bool(stop_when_fail),
    }
    jobs = depend_jobs(depend)
    if jobs:
        body["depend_jobs"] = jobs
    return body


def _ms(raw: object) -> int | None:
    """A 13-digit epoch-ms value (rows give ints; text accepted), or a date in the create form."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()):
        return int(raw)
    if isinstance(raw, str):
        match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) ([+-]\d\d)", raw.strip())
        if match:
            zone = timezone(timedelta(hours=int(match.group(2))))
            return int(datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).timestamp() * 1000)
    return None


def run(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One run in the normalised shape (times as epoch ms)."""
    jobs = raw.get("job_list")
    return {
        "name": raw.get("name"),
        "status": raw.get("status"),
        "job_list": [str(j) for j in jobs] if isinstance(jobs, list) else [],
        "start_date": _ms(raw.get("start_date")),
        "end_date": _ms(raw.get("end_date")),
        "submitted_date": _ms(raw.get("submitted_date")),
        "parallel": raw.get("parallel"),
        "type": raw.get("type"),
        "user_name": raw.get("user_name"),
    }


def parse_runs_page(response: HttpResponse, method: str, path: str) -> Page:
    """``GET /supplement-data``: ``{"total", "rows": [...]}`` (``success``/``msg`` ignored), normalised."""
    page = parse_listing_page(response, method, path, id_key="name", data_key="rows")
    return Page(items=[run(r) for r in page.items], total=page.total, request_id=page.request_id)
