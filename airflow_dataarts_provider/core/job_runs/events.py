# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Which job instances finished since the previous check: the state of a job-event watcher and the one
flow that advances it over a job-feed snapshot (:mod:`.feed`). Pure: no I/O.

No DataArts API has a change feed, a documented order or a monotonic id (``dataarts-job-events.md`` §3),
so the cursor is a set, not a position:

* a **finished run** is an instance in an end state, keyed by its id and its end time: a rerun of the
  same instance ends at another time and is a new run (the documented choice: each run that reaches a
  wanted status is one event, whether the service reruns under the same id or a new one);
* ``seen`` holds the runs already accounted for (reported, or finished before the watch began), each
  with its *window time* (the later of its plan and start times); ``unfinished`` the instances still
  waiting, running or held, with their job and window time;
* each check lists the window ``[since, now]``, ``since`` being the previous check less the watcher's
  *look-back* (default :data:`DEFAULT_LOOKBACK_MS`, one day), or the oldest unfinished instance's
  window time if earlier; rows whose window time lies before ``since`` are dropped on the client too (a
  server reading the filter otherwise costs rows, never a duplicate); ``since`` never moves back, so a
  run forgotten from ``seen`` (window time before ``since``) cannot be listed again. The look-back is
  how old an instance's plan time may be for a run of it (a rerun, an instance planned in the past) to be
  seen when the service filters on plan times (UNCERTAIN: on start times every new run is seen);
* an unfinished instance missing from the listing (older than the service's 7-day range, not started
  under the start-time reading of the filter) is read on its own.

A finished run not in ``seen`` is reported, once: it finished after the previous check, or it was not
visible before (the first check takes stock of one look-back of history without reporting)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_dataarts_provider.core.job_runs import calls
from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.job_runs.feed import FeedSnapshot
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsNotFoundError
from airflow_dataarts_provider.core.protocol.times import epoch_ms, iso_ms

#: How far before the previous check each check's window starts by default: reruns of instances planned
#: up to a day earlier, instances created with a plan time in the past, listing lag, clock skew. The
#: first check takes stock of as much history (still running instances are followed and reported).
DEFAULT_LOOKBACK_MS = 24 * 60 * 60 * 1000
#: The longest look-back: the service lists at most 7 days back, less the job feed's margins.
MAX_LOOKBACK_MS = 6 * 24 * 60 * 60 * 1000
#: The end states a watcher may report (``succeeded`` and ``failed`` phases of :mod:`.values`).
END_STATUSES = tuple(s for s, p in jobs.STATUS_PHASES.items() if p in ("succeeded", "failed"))

STATE_VERSION = 1


@dataclass(frozen=True)
class EventState:
    """What a watcher has accounted for, as of the check that began at ``checked_ms`` (epoch ms)."""

    checked_ms: int
    since_ms: int
    #: instance id -> (job name, window time in epoch ms).
    unfinished: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    #: run key (``id@end``) -> window time (``None``: the row had no time; kept for good).
    seen: Mapping[str, int | None] = field(default_factory=dict)

    def next_since(self, lookback_ms: int = DEFAULT_LOOKBACK_MS) -> int:
        """The next check's window start (never before this one's)."""
        oldest = min((t for _, t in self.unfinished.values()), default=self.checked_ms)
        return max(self.since_ms, min(self.checked_ms - lookback_ms, oldest))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "checked_ms": self.checked_ms,
            "since_ms": self.since_ms,
            "unfinished": {k: [job, t] for k, (job, t) in sorted(self.unfinished.items())},
            "seen": dict(sorted(self.seen.items())),
        }

    @classmethod
    def from_json(cls, value: object) -> EventState:
        """The state :meth:`to_json` wrote; ``ValueError`` naming what is wrong otherwise."""
        if not isinstance(value, Mapping) or value.get("version") != STATE_VERSION:
            raise ValueError(f"not a job-event state of version {STATE_VERSION}: {value!r:.200}")
        checked, since = value.get("checked_ms"), value.get("since_ms")
        unfinished, seen = value.get("unfinished"), value.get("seen")
        for name, number in (("checked_ms", checked), ("since_ms", since)):
            if epoch_ms(number) is None:
                raise ValueError(f"{name}: {number!r} is not epoch milliseconds")
        if not isinstance(unfinished, Mapping) or not all(
            isinstance(k, str)
            and isinstance(v, list)
            and len(v) == 2
            and isinstance(v[0], str)
            and epoch_ms(v[1]) is not None
            for k, v in unfinished.items()
        ):
            raise ValueError(f"unfinished: {unfinished!r:.200} is not a map of ids to [job, epoch ms]")
        if not isinstance(seen, Mapping) or not all(
            isinstance(k, str) and (v is None or epoch_ms(v) is not None) for k, v in seen.items()
        ):
            raise ValueError(f"seen: {seen!r:.200} is not a map of run keys to epoch milliseconds")
        pairs = {k: (v[0], v[1]) for k, v in unfinished.items()}
        return cls(checked, since, pairs, dict(seen))  # type: ignore[arg-type]


@dataclass(frozen=True)
class EventStep:
    """One check: from ``previous`` (``None``: the first, which takes stock) to ``state``."""

    previous: EventState | None
    state: EventState
    #: runs that finished since ``previous`` (normalised rows), oldest end first.
    finished: tuple[dict[str, Any], ...] = ()
    #: what the check noticed and did not report: unknown statuses, instances that vanished.
    notes: tuple[str, ...] = ()


def _ms(row: Mapping[str, Any], name: str) -> int | None:
    return epoch_ms(row.get(name))


def window_time(row: Mapping[str, Any]) -> int | None:
    """The later of the row's plan and start times (the listing filters on one of them)."""
    times = [t for t in (_ms(row, "plan_time"), _ms(row, "start_time")) if t is not None]
    return max(times) if times else None


def run_key(row: Mapping[str, Any]) -> str:
    return f"{row['instance_id']}@{_ms(row, 'end_time') or ''}"


def check_statuses(statuses: object) -> tuple[str, ...]:
    """The ``statuses`` argument: a non-empty list of end statuses."""
    given = (statuses,) if isinstance(statuses, str) else statuses
    if not isinstance(given, (list, tuple)) or not given or any(s not in END_STATUSES for s in given):
        allowed = f"a non-empty list of {', '.join(END_STATUSES)}"
        raise DataArtsConfigError("statuses", f"{statuses!r}", allowed)
    return tuple(dict.fromkeys(given))


def window_start(previous: EventState | None, now_ms: int, lookback_ms: int = DEFAULT_LOOKBACK_MS) -> int:
    """Where a check's window starts: one look-back before now for the first check (it takes stock of
    that much history), else :meth:`EventState.next_since`."""
    return now_ms - lookback_ms if previous is None else previous.next_since(lookback_ms)


def check_lookback(seconds: object) -> int:
    """The ``lookback`` argument (seconds) in milliseconds: 60 s to 6 days."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise DataArtsConfigError("lookback", f"{seconds!r}", "seconds, 60 to 518400 (6 days)")
    ms = int(seconds * 1000)
    if not 60_000 <= ms <= MAX_LOOKBACK_MS:
        raise DataArtsConfigError("lookback", f"{seconds!r} seconds", "60 to 518400 (6 days)")
    return ms


def event_step_flow(
    ctx: CallContext,
    previous: EventState | None,
    since_ms: int,
    snapshot: FeedSnapshot,
    *,
    job_names: tuple[str, ...] | None = None,
) -> Flow[EventStep]:
    """Advance ``previous`` over ``snapshot`` (listed from ``since_ms``, :func:`window_start`, or earlier),
    reading on their own the unfinished instances the snapshot does not show. ``job_names``: only those
    jobs (exact). The new state is as of the snapshot (never before ``previous``: a shared snapshot may
    be a moment older)."""
    rows: dict[str, dict[str, Any]] = {}
    for iid, row in snapshot.rows.items():
        at = window_time(row)
        if (job_names is None or row.get("job_name") in job_names) and (at is None or at >= since_ms):
            rows[iid] = row
    notes: list[str] = []
    if snapshot.since_ms > since_ms:  # the service's 7-day range: said, never silent
        notes.append(
            f"the service lists instances at most 7 days back: runs of instances planned between"
            f" {iso_ms(since_ms)} and {iso_ms(snapshot.since_ms)} that the watch did not follow cannot be"
            " seen (the watch was stopped that long)"
        )
    for iid, (job, _) in sorted((previous.unfinished if previous else {}).items()):
        if iid not in rows:
            try:
                rows[iid] = yield from perform(ctx, calls.job_instance(ctx.config, job, iid))
            except DataArtsNotFoundError as exc:
                notes.append(f"job {job!r} instance {iid} is no longer readable, no longer followed: {exc}")
    checked_ms = max(snapshot.taken_ms, previous.checked_ms if previous else 0)
    return _advance(previous, since_ms, rows, checked_ms, notes)


def _advance(
    previous: EventState | None, since_ms: int, rows: dict[str, dict[str, Any]], now_ms: int, notes: list[str]
) -> EventStep:
    seen = {k: t for k, t in (previous.seen if previous else {}).items() if t is None or t >= since_ms}
    old_unfinished = previous.unfinished if previous else {}
    unfinished: dict[str, tuple[str, int]] = {}
    finished: list[dict[str, Any]] = []
    for iid, row in rows.items():
        status, at = row.get("status"), window_time(row)
        phase = jobs.phase(status)
        if phase in ("succeeded", "failed"):
            key = run_key(row)
            if key not in seen:
                seen[key] = at
                if previous is not None:
                    finished.append(row)
            continue
        if phase is None:
            notes.append(
                f"job {row.get('job_name')!r} instance {iid} has status {status!r}, which this provider does"
                f" not know (known: {jobs.known_statuses()}): followed until it ends in a known status"
            )
        kept = old_unfinished.get(iid, ("", 0))[1]
        unfinished[iid] = (str(row.get("job_name") or ""), max(at or now_ms, kept))
    finished.sort(key=lambda r: (_ms(r, "end_time") or 0, str(r["instance_id"])))
    state = EventState(now_ms, since_ms, unfinished, seen)
    return EventStep(previous, state, tuple(finished), tuple(notes))


def event_payload(row: Mapping[str, Any], workspace: str, console_url: str | None) -> dict[str, Any]:
    """The JSON payload of one job event: which run of which job ended how, and when."""
    times = {name: _ms(row, f"{name}_time") for name in ("plan", "start", "end")}
    return {
        "job_name": row.get("job_name"),
        "instance_id": str(row["instance_id"]),
        "status": row.get("status"),
        "workspace": workspace,
        "instance_type": row.get("instance_type"),
        **{f"{name}_timestamp": ms for name, ms in times.items()},
        **{f"{name}_time": iso_ms(ms) for name, ms in times.items()},
        "console_url": console_url,
    }
