# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""B6 job-wait fleet: N deferred ``DataArtsJobInstanceTrigger`` (N = 1, 100, 1,000) in one event loop,
each waiting for its own job instance of one workspace (+30 ms per request); the instances end at random
times spread over :data:`SPREAD` seconds; ``poke_interval`` 1 s.

Figures: listing requests per interval (baseline: N = 1, same run; the emulator is reset before each N,
so the workspace holds that run's N instances), detail reads per wait (one each, when
the feed shows its instance ended), how late each wait noticed its end (event time minus the instance's
end time, in intervals), and the event loop's lag at N = 1,000 outside garbage collection (a probe task,
as B4). Goals: requests per interval at N = 1,000 at most 1.2x N = 1; every wait notices its end within
one interval (plus the requests' own time); lag under 100 ms. Client and emulator rate limits are off
(so a per-wait cost would show in full, and 1,000 detail reads within a few seconds are not paced)."""

from __future__ import annotations

import asyncio
import gc
import os
import random
import time
from typing import Any

from benchmarks.b4_trigger_fleet import GcPauses, _fleet
from benchmarks.common import EmulatorProcess, Goal, Result, clear_process_caches, connection_json

POKE = 1.0
SPREAD = 5.0  # instances end between 1 s and 1 + SPREAD s after the fleet starts
LATENCY = 0.03
JOB = "bench_job_wait"
SETUP_S_PER_WAIT = 0.004  # scheduling one instance and creating its trigger (measured: about 3 ms)


def _schedule(emu: EmulatorProcess, n: int, seed: int, spread: float) -> tuple[list[str], dict[str, float]]:
    """``n`` instances of one job, each ending at a random time 1 to 1 + SPREAD s after the fleet is
    expected to start (scheduling takes a few ms each); (ids, id -> end epoch seconds)."""
    rng = random.Random(seed)
    start = time.time() + SETUP_S_PER_WAIT * n + 1.0
    ids, ends = [], {}
    for _ in range(n):
        end = start + 1.0 + rng.random() * spread
        emu.control("POST", f"jobs/{JOB}", {"run_s": max(0.1, end - time.time()), "wait_s": 0})
        row = emu.control("POST", f"jobs/{JOB}/schedule", {})
        ids.append(str(row["instanceId"]))
        ends[str(row["instanceId"])] = end
    return ids, ends


def _record_notice(trigger: Any, noticed: dict[str, float]) -> None:
    """When the job feed first showed the trigger's instance ended (a benchmark-side wrapper on the
    instance; the detail read and the event follow)."""
    feed_row = trigger._feed_row

    async def recorded(hook: Any) -> Any:
        row = await feed_row(hook)
        if row is not None and row.get("status") not in ("waiting", "running"):
            noticed.setdefault(trigger.instance_id, time.time())
        return row

    trigger._feed_row = recorded


def _run(emu: EmulatorProcess, n: int, spread: float = SPREAD) -> dict[str, Any]:
    from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

    clear_process_caches()
    gc.collect()
    emu.reset()  # the workspace holds this run's instances only: the listing's size is N's, not history's
    emu.control("POST", "jobs", {"name": JOB})
    ids, ends = _schedule(emu, n, seed=n, spread=spread)
    before = dict(emu.counters()["by_endpoint"])
    plan_since = int(time.time() * 1000) - 60_000
    triggers = [
        DataArtsJobInstanceTrigger(
            job_name=JOB,
            instance_id=iid,
            plan_since=plan_since,
            dataarts_conn_id="dataarts_default",
            poke_interval=POKE,
            deadline=time.time() + spread + 30,
        )
        for iid in ids
    ]
    noticed: dict[str, float] = {}
    for trigger in triggers:
        _record_notice(trigger, noticed)
    lag: list[tuple[float, bool]] = []
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    t0 = time.time()
    try:
        events = asyncio.run(_fleet(triggers, lag, pauses))
    finally:
        gc.callbacks.remove(pauses)
    wall = time.time() - t0
    after = emu.counters()["by_endpoint"]
    listings = after.get("job-instances", 0) - before.get("job-instances", 0)
    details = after.get("job-instance", 0) - before.get("job-instance", 0)
    # An instance that ended while the fleet was still being created counts from the fleet's start.
    late = [
        (e["received"] - max(t0, ends[e["result"]["instance_id"]])) / POKE
        for e in events
        if e["status"] == "success"
    ]
    seen = [(noticed[iid] - max(t0, ends[iid])) / POKE for iid in ids if iid in noticed]
    return {
        "n": n,
        "wall": wall,
        "listings": listings,
        "per_interval": listings / (wall / POKE),
        "details_per_wait": details / n,
        "succeeded": len(late),
        "max_late": max(late),
        "mean_late": sum(late) / len(late),
        "noticed_by_feed": len(seen),
        "max_noticed": max(seen, default=float("nan")),
        "max_lag_no_gc": max((v for v, in_gc in lag if not in_gc), default=float("nan")),
        "max_lag": max((v for v, _ in lag), default=float("nan")),
    }


def run(*, smoke: bool = False, reps: int | None = None) -> Result:
    sizes = (1, 20) if smoke else (1, 100, 1_000)
    spread = 2.0 if smoke else SPREAD
    result = Result(
        "B6", f"job-wait fleet: N deferred job waits of one workspace, ends spread over {spread:g} s"
    )
    with EmulatorProcess(items=0, rate_limit=0, dlf_rate_limit=0, latency=LATENCY) as emu:
        os.environ["AIRFLOW_CONN_DATAARTS_DEFAULT"] = connection_json(
            emu.info, max_requests_per_second=0, dlf_max_requests_per_second=0
        )
        _run(emu, 1, spread)  # warm-up: imports, first connection
        runs = [_run(emu, n, spread) for n in sizes]
    result.counts = {"runs": runs}
    base = runs[0]["per_interval"]
    for r in runs:
        result.rows.append(
            {
                "N": r["n"],
                "listings": r["listings"],
                "listings/interval": r["per_interval"],
                "vs_N=1": r["per_interval"] / base,
                "details/wait": r["details_per_wait"],
                "succeeded": r["succeeded"],
                "noticed_max_intervals": r["max_noticed"],
                "event_max_intervals": r["max_late"],
                "event_mean_intervals": r["mean_late"],
                "max_lag_no_gc_ms": 1000 * r["max_lag_no_gc"],
                "max_lag_ms": 1000 * r["max_lag"],
                "wall_s": r["wall"],
            }
        )
    largest = runs[-1]
    result.goals.append(
        Goal(f"listings/interval at N={largest['n']} vs N=1", largest["per_interval"] / base, 1.2, "x")
    )
    result.goals.append(
        Goal(f"detail reads per wait at N={largest['n']}", largest["details_per_wait"], 1.0, "")
    )
    result.goals.append(
        Goal(
            "latest notice of an end by the feed, in intervals (all N)",
            max(r["max_noticed"] for r in runs),
            1.0 + LATENCY / POKE + 0.1,
            "",
        )
    )
    result.notes.append(
        "event latency (the notice, then the instance's detail read, then the event) at N="
        f"{largest['n']}: mean {largest['mean_late']:.2f}, max {largest['max_late']:.2f} intervals"
    )
    if largest["n"] >= 1_000:
        result.goals.append(
            Goal("event-loop lag at N=1000, GC pauses excluded", 1000 * largest["max_lag_no_gc"], 100, " ms")
        )
    result.notes.append(
        "waits check on the interval's grid and share one listing of the workspace's instances (the job"
        " feed); a wait reads its own instance once, when the feed shows it ended. Noticed = when the feed"
        " first showed the end, minus the instance's end (the goal allows 0.1 interval and the listing's"
        " latency beyond one interval); event = when the trigger's event came, after the detail read."
    )
    return result
