# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""PatchData runs as flows: create a run at most once (found again by its name after a lost answer),
find a run by its exact name, find the newest run of a task's series of names, stop a run, and list the
instances a run produced. Each request is one :func:`~airflow_dataarts_provider.core.protocol.engine.perform`
of a call from :mod:`.calls`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.job_runs.flows import instances_flow
from airflow_dataarts_provider.core.patch_data import calls
from airflow_dataarts_provider.core.patch_data import values as patch
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.errors import DataArtsAPIError, DataArtsError
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.core.protocol.once import at_most_once, look_until_seen

#: The most runs of one series of tries (a retry after a failed run makes the next one).
MAX_GENERATIONS = 50


def find_flow(ctx: CallContext, name: str) -> Flow[dict[str, Any] | None]:
    """The run called exactly ``name``, or None (the name filter may match more: rows are compared)."""
    result = yield from list_flow(ctx, calls.runs(ctx.config, name), emit=False)
    found = [r for r in result.items if r["name"] == name]
    return found[0] if found else None


def runs_flow(ctx: CallContext, name_contains: str | None = None) -> Flow[list[dict[str, Any]]]:
    """Every PatchData run of the workspace (or those the ``name`` filter matches), newest first."""
    result = yield from list_flow(ctx, calls.runs(ctx.config, name_contains), emit=False)
    return result.items


def create_flow(ctx: CallContext, body: dict[str, Any]) -> Flow[dict[str, Any]]:
    """Create the run ``body`` describes (:func:`~.values.create_body`), at most once, and return it as
    listed. A run of that name that already exists is returned as it is, never created twice."""
    name = body["name"]
    existing = yield from find_flow(ctx, name)
    if existing is not None:
        return existing

    def look() -> Flow[bool | None]:
        return (yield from find_flow(ctx, name)) is not None or None

    what = f"Creating PatchData run {name!r} of job {body['job_name']!r}"
    try:
        yield from at_most_once(ctx, calls.create_run(ctx.config, body), look, what)
    except DataArtsAPIError as exc:
        raise explained(exc) from exc
    return (yield from look_until_seen(ctx, lambda: find_flow(ctx, name), what))


def latest_flow(ctx: CallContext, base: str) -> Flow[tuple[int, dict[str, Any] | None]]:
    """``(generation, run)``: the newest run of the series named ``base``, ``base_2``... (its generation
    and row), or ``(0, None)`` when there is none yet."""
    latest: tuple[int, dict[str, Any] | None] = (0, None)
    for generation in range(1, MAX_GENERATIONS + 1):
        found = yield from find_flow(ctx, patch.generation_name(base, generation))
        if found is None:
            return latest
        latest = (generation, found)
    raise DataArtsError(f"PatchData run {base!r}: {MAX_GENERATIONS} runs of one task already; no more")


def stop_flow(ctx: CallContext, name: str) -> Flow[None]:
    """Stop a running run (its instances still waiting are not started)."""
    try:
        yield from perform(ctx, calls.stop_run(ctx.config, name))
    except DataArtsAPIError as exc:
        raise explained(exc) from exc


def run_instances_flow(ctx: CallContext, job_name: str, row: dict[str, Any]) -> Flow[list[dict[str, Any]]]:
    """The job's PatchData instances (type 5) planned in the run's range and submitted since the run was,
    oldest first. No API links a run to its instances: the submit time tells a run from an earlier one
    over the same range (a retry's; UNCERTAIN: it assumes the service stamps a run before its instances,
    as it creates them after it), not from a concurrent one (``force``)."""
    low, high = row.get("start_date"), row.get("end_date")
    if low is None or high is None:
        return []
    rows = yield from instances_flow(
        ctx,
        job_name,
        min_plan_time=datetime.fromtimestamp(low / 1000, timezone.utc),
        max_plan_time=datetime.fromtimestamp(high / 1000, timezone.utc),
        instance_type=jobs.INSTANCE_TYPE_PATCH_DATA,
    )
    since = row.get("submitted_date")
    if since is not None:
        rows = [r for r in rows if not isinstance(r.get("submit_time"), int) or r["submit_time"] >= since]
    return sorted(rows, key=lambda r: (r.get("plan_time") or 0, int(r["instance_id"])))


def explained(exc: DataArtsAPIError) -> DataArtsAPIError:
    """``exc`` with what its error code means for PatchData (:data:`~.values.HINTS`) as its detail."""
    hint = patch.HINTS.get(exc.error_code or "")
    if hint is None:
        return exc
    return type(exc)(
        status=exc.status,
        error_code=exc.error_code,
        error_msg=exc.error_msg,
        request_id=exc.request_id,
        method=exc.method,
        path=exc.path,
        retry_after=exc.retry_after,
        detail=hint,
    )
