"""Job runs as flows (the V1 DLF job API): start an instance at most once, read one, find the active one
to re-attach to, stop. Each request is one :func:`~.engine.perform` of a call from :mod:`.calls`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow_dataarts_provider.core.job_runs import calls
from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.core.protocol.once import at_most_once

#: How far back an instance's plan time may lie and still be the one a start just created (clocks of
#: the client and the service differ by up to the signature's 15 minutes).
START_WINDOW = timedelta(minutes=20)


def instance_flow(ctx: CallContext, job_name: str, instance_id: str) -> Flow[dict[str, Any]]:
    """One instance, normalised (:func:`~.jobs.instance`), with its nodes."""
    return (yield from perform(ctx, calls.job_instance(ctx.config, job_name, instance_id)))


def instances_flow(
    ctx: CallContext,
    job_name: str,
    *,
    min_plan_time: object = None,
    max_plan_time: object = None,
    status: str | None = None,
) -> Flow[list[dict[str, Any]]]:
    """Every instance of the job in the plan-time range (a complete, consistent listing)."""
    listing = calls.job_instances(
        ctx.config, job_name, min_plan_time=min_plan_time, max_plan_time=max_plan_time, status=status
    )
    result = yield from list_flow(ctx, listing, emit=False)
    return result.items


def recent_instances_flow(ctx: CallContext, job_name: str, since: datetime) -> Flow[list[dict[str, Any]]]:
    """Every instance of the job planned since ``since`` (minus :data:`START_WINDOW`), whatever its
    status, newest first."""
    rows = yield from instances_flow(ctx, job_name, min_plan_time=since - START_WINDOW)
    return sorted(rows, key=lambda r: (r.get("plan_time") or 0, int(r["instance_id"])), reverse=True)


def active_instances_flow(ctx: CallContext, job_name: str, since: datetime) -> Flow[list[dict[str, Any]]]:
    """The job's waiting or running instances planned since ``since`` (minus :data:`START_WINDOW`),
    newest first."""
    rows = yield from recent_instances_flow(ctx, job_name, since)
    return [r for r in rows if jobs.phase(r.get("status")) == "active"]


def run_job_flow(ctx: CallContext, job_name: str, params: object = None) -> Flow[str]:
    """Start one instance (``run-immediate``) and return its id, at most once
    (:func:`~airflow_dataarts_provider.core.protocol.once.at_most_once`).

    The job's recent instances (any status) are listed first. After a start whose answer was lost, the one
    instance that appeared since is adopted **whatever its status** (a short job may already have finished
    or failed); two or more new ones are an error rather than a guess or a second start."""
    call = calls.run_job(ctx.config, job_name, params)  # validates every value before any request
    started = ctx.clock()
    known = {r["instance_id"] for r in (yield from recent_instances_flow(ctx, job_name, started))}

    def appeared() -> Flow[str | None]:
        recent = yield from recent_instances_flow(ctx, job_name, started)
        new = [str(r["instance_id"]) for r in recent if r["instance_id"] not in known]
        if len(new) > 1:
            raise DataArtsError(
                f"Starting job {job_name!r} got no clear answer, and {len(new)} new instances of it"
                f" appeared ({', '.join(new[:10])}): not starting another one, and not guessing which is ours"
            )
        return new[0] if new else None

    instance_id, _ = yield from at_most_once(ctx, call, appeared, f"Starting job {job_name!r}")
    return instance_id


def stop_flow(ctx: CallContext, job_name: str, instance_id: str) -> Flow[None]:
    """Stop a running instance."""
    yield from perform(ctx, calls.stop_job_instance(ctx.config, job_name, instance_id))


def rerun_flow(ctx: CallContext, job_name: str, instance_id: str) -> Flow[None]:
    """Run a finished (succeeded, failed or stopped) instance again."""
    yield from perform(ctx, calls.rerun_job_instance(ctx.config, job_name, instance_id))
