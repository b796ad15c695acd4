# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Job runs as flows (the V1 DLF job API): start an instance at most once, read one, find the active one
to re-attach to, stop, rerun from a node (at most once, whichever instance the service reruns). Each
request is one :func:`~.engine.perform` of a call from :mod:`.calls`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_dataarts_provider.core.job_runs import calls
from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.errors import DataArtsError, DataArtsInvalidRequestError
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.core.protocol.once import at_most_once, look_until_seen

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
    instance_type: int | None = None,
) -> Flow[list[dict[str, Any]]]:
    """Every instance of the job in the plan-time range (a complete, consistent listing)."""
    listing = calls.job_instances(
        ctx.config,
        job_name,
        min_plan_time=min_plan_time,
        max_plan_time=max_plan_time,
        status=status,
        instance_type=instance_type,
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


@dataclass(frozen=True)
class Rerun:
    """What a rerun did: the instance to follow (``same_id``: the rerun reused the instance; else a new
    row with the same plan time, the other reading of the API), and ``note``: what the client noticed
    on the way (a refused body, sent again without it; a body the service ignored)."""

    instance_id: str
    same_id: bool
    note: str | None = None


#: Codes that say the instance or job is missing: a rerun without a body would fail the same way.
_MISSING = ("DLF.0100", "DLF.0137", "DLF.30137")


def rerun_flow(
    ctx: CallContext, job_name: str, instance_id: str, body: dict[str, str] | None = None
) -> Flow[Rerun]:
    """Run a finished (succeeded, failed or stopped) instance again, from ``body``'s node
    (:func:`~.values.rerun_body`), at most once; then find which instance runs it: the same one back to
    waiting or running (or with a new start time), or a new row with the same plan time."""
    before = yield from instance_flow(ctx, job_name, instance_id)
    known = {r["instance_id"] for r in (yield from _same_plan(ctx, job_name, before))}
    what = f"Rerunning job {job_name!r} instance {instance_id}"

    def look() -> Flow[bool | None]:
        return (yield from _seen(ctx, job_name, before, known)) is not None or None

    note = None
    try:
        yield from at_most_once(
            ctx, calls.rerun_job_instance(ctx.config, job_name, instance_id, body), look, what
        )
    except DataArtsInvalidRequestError as exc:
        if body is None or exc.error_code in _MISSING:
            raise
        note = f"the service refused the rerun body {body} ({exc.error_code}): rerun from its default node"
        yield from at_most_once(ctx, calls.rerun_job_instance(ctx.config, job_name, instance_id), look, what)
    seen = yield from look_until_seen(ctx, lambda: _seen(ctx, job_name, before, known), what)
    return Rerun(seen.instance_id, seen.same_id, _join(note, _ignored(before, seen, body)))


@dataclass(frozen=True)
class _Seen:
    instance_id: str
    same_id: bool
    nodes: list[dict[str, Any]]


def _same_plan(ctx: CallContext, job_name: str, shaped: dict[str, Any]) -> Flow[list[dict[str, Any]]]:
    """The job's instances planned at ``shaped``'s plan time. The listing's time bounds may apply to the
    start time instead (UNCERTAIN): it is asked for everything from the plan time on (a rerun starts
    later), and the plan time is matched here."""
    plan = shaped.get("plan_time")
    if not isinstance(plan, int) or isinstance(plan, bool):
        return []
    at = datetime.fromtimestamp(plan / 1000, timezone.utc)
    rows = yield from instances_flow(ctx, job_name, min_plan_time=at)
    return [r for r in rows if r.get("plan_time") == plan]


def _seen(ctx: CallContext, job_name: str, before: dict[str, Any], known: set[str]) -> Flow[_Seen | None]:
    """The rerun, once visible: the same instance live again (or started anew), or one new row."""
    now = yield from instance_flow(ctx, job_name, str(before["instance_id"]))
    if jobs.phase(now["status"]) in ("active", "held") or now.get("start_time") != before.get("start_time"):
        return _Seen(str(now["instance_id"]), True, now["nodes"])
    new = [r for r in (yield from _same_plan(ctx, job_name, before)) if r["instance_id"] not in known]
    if len(new) > 1:
        ids = ", ".join(str(r["instance_id"]) for r in new[:10])
        raise DataArtsError(
            f"A rerun of job {job_name!r} made {len(new)} new instances ({ids}): not guessing"
        )
    if not new:
        return None
    shaped = yield from instance_flow(ctx, job_name, str(new[0]["instance_id"]))
    return _Seen(str(shaped["instance_id"]), False, shaped["nodes"])


def _ignored(before: dict[str, Any], seen: _Seen, body: dict[str, str] | None) -> str | None:
    """Whether the service ran again nodes that a rerun from the error node (or a given node) keeps."""
    if not body or body.get("retry_location") == "first_node":
        return None
    names = [n.get("name") for n in before["nodes"]]
    start = body.get("node_name") or next(
        (n.get("name") for n in before["nodes"] if n.get("status") not in ("success", "skip")), None
    )
    kept = set(names[: names.index(start)]) if start in names else set()
    again = [n.get("name") for n in seen.nodes if n.get("name") in kept and n.get("status") != "success"]
    if not again:
        return None
    ran = ", ".join(map(str, again))
    return f"the service ignored retry_location {body['retry_location']!r}: {ran} ran again"


def _join(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None
