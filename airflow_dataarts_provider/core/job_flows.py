"""Job runs as flows (the V1 DLF job API): start an instance at most once, read one, find the active one
to re-attach to, stop. Each request is one :func:`~.engine.perform` of a call from :mod:`.calls`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow_dataarts_provider.core import calls, jobs
from airflow_dataarts_provider.core.effects import Flow
from airflow_dataarts_provider.core.engine import CallContext, perform
from airflow_dataarts_provider.core.errors import DataArtsError
from airflow_dataarts_provider.core.listing import list_flow

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


def active_instances_flow(ctx: CallContext, job_name: str, since: datetime) -> Flow[list[dict[str, Any]]]:
    """The job's waiting or running instances planned since ``since`` (minus :data:`START_WINDOW`),
    newest first."""
    rows = yield from instances_flow(ctx, job_name, min_plan_time=since - START_WINDOW)
    active = [r for r in rows if jobs.phase(r.get("status")) == "active"]
    return sorted(active, key=lambda r: (r.get("plan_time") or 0, int(r["instance_id"])), reverse=True)


def run_job_flow(ctx: CallContext, job_name: str, params: object = None) -> Flow[str]:
    """Start one instance (``run-immediate``) and return its id, at most once: the POST is never repeated
    blindly. The job's active instances are listed first; after a failure that may have reached the
    service (a dropped connection, a timeout, a 5xx) they are listed again and the one instance that
    appeared meanwhile is adopted (two or more: an error, rather than a guess or a second start)."""
    call = calls.run_job(ctx.config, job_name, params)  # validates every value before any request
    started = ctx.clock()
    known = {r["instance_id"] for r in (yield from active_instances_flow(ctx, job_name, started))}
    for attempt in range(1, ctx.config.max_attempts + 1):
        try:
            return (yield from perform(ctx, call))
        except DataArtsError as exc:
            if not exc.retryable or exc.unprocessed or attempt == ctx.config.max_attempts:
                raise
            failure = exc
        now_active = yield from active_instances_flow(ctx, job_name, started)
        appeared = [r["instance_id"] for r in now_active if r["instance_id"] not in known]
        if len(appeared) == 1:
            return str(appeared[0])
        if appeared:
            raise DataArtsError(
                f"Starting job {job_name!r} failed ({failure}), and {len(appeared)} new instances of it"
                f" are active ({', '.join(appeared[:10])}): not starting another one, and not guessing"
                " which is ours"
            ) from failure
        ctx.stats.retries += 1  # it did not start: the loop starts it again
    raise AssertionError("unreachable")  # pragma: no cover


def stop_flow(ctx: CallContext, job_name: str, instance_id: str) -> Flow[None]:
    """Stop a running instance."""
    yield from perform(ctx, calls.stop_job_instance(ctx.config, job_name, instance_id))


def rerun_flow(ctx: CallContext, job_name: str, instance_id: str) -> Flow[None]:
    """Run a finished (succeeded, failed or stopped) instance again."""
    yield from perform(ctx, calls.rerun_job_instance(ctx.config, job_name, instance_id))
