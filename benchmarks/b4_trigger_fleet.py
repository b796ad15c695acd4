# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""B4 sensor fleet: N deferred ``DataArtsPendingItemsTrigger`` (N = 1, 100, 1,000, 5,000) in one event
loop, each watching a different task of one workspace (1,000 pending items, +30 ms per request), for three
poll intervals (``poke_interval`` 1 s, deadline 2 s away: checks at 0, 1 and 2 s, then a timeout event).

Figures: pending-items requests per poll round (baseline: N = 1, same run), checks per trigger against
the three expected, the event loop's lag (a probe task sleeping 10 ms in a loop records how late it
wakes: the longest time the loop was blocked), and memory per trigger (tracemalloc peak over creating
and running the fleet, divided by N; a separate run, tracing slows the loop). Goals: requests per round
do not grow with N; every trigger checks at least 90% of the expected rounds; at N = 1,000 the loop is
never blocked more than 100 ms; <= 20 KB per trigger. Then a check that sharing never mixes connections
or credentials: three connections (two AKs, and the first AK with a wrong SK) on one emulator.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
import tracemalloc
from typing import Any

from benchmarks.common import (
    EmulatorProcess,
    Goal,
    Result,
    clear_process_caches,
    connection_json,
    pending_requests,
)

POKE = 1.0
DEADLINE = 2.0  # checks at 0, 1, 2 s
WORKSPACE_ITEMS = 1_000
LATENCY = 0.03
OTHER_AK, OTHER_SK = "BENCHOTHERAK00000001", "BenchOtherSecretKey-0123456789abcdefghij"
OTHER_USER = "bench-other-user"


def _name(i: int) -> str:
    return f"bench-task-{i:05d}"


def _names(emu: EmulatorProcess, n: int) -> list[str]:
    """``n`` distinct task names of the workspace (the emulator's seeded items)."""
    names = list(dict.fromkeys(str(i["item_name"]) for i in emu.control("GET", "items")["data"]))
    return names[:n]


PROBE_STEP = 0.01  # the lag probe's sleep


class GcPauses:
    """Garbage-collection pauses (monotonic start, end) while installed: a full collection of the
    Airflow process heap blocks the loop whatever the triggers do, so lag is reported with and without."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float, int]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.monotonic()
        else:
            self.pauses.append((self._start, time.monotonic(), int(info.get("generation", -1))))

    def overlaps(self, start: float, end: float) -> bool:
        return any(a < end and b > start for a, b, _ in self.pauses)


async def _fleet(
    triggers: list[Any], lag: list[tuple[float, bool]] | None = None, pauses: GcPauses | None = None
) -> list[dict[str, Any]]:
    async def first(trigger: Any) -> dict[str, Any]:
        """The trigger's first event's payload, and when it came (``received``, epoch seconds)."""
        async for event in trigger.run():
            return {**event.payload, "received": time.time()}
        return {"status": "no event"}

    async def probe() -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(PROBE_STEP)
            after = time.monotonic()
            assert lag is not None
            lag.append((after - before - PROBE_STEP, pauses is not None and pauses.overlaps(before, after)))

    watcher = asyncio.ensure_future(probe()) if lag is not None else None
    try:
        return list(await asyncio.gather(*(first(t) for t in triggers)))
    finally:
        if watcher is not None:
            watcher.cancel()


def _make(conn_id: str, names: list[str], poke: float, deadline: float, checks: list[int]) -> list[Any]:
    from airflow_dataarts_provider.core.pending_items.gate import GateSpec
    from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger

    triggers = []
    for name in names:
        trigger = DataArtsPendingItemsTrigger(
            dataarts_conn_id=conn_id,
            gate=GateSpec.create([name]).to_json(),
            poke_interval=poke,
            deadline=deadline,
            initial_delay=0,
        )
        check = getattr(trigger, "check", None)
        if check is not None:  # count the checks (benchmark-side wrapper on the instance)

            async def counted(*args: Any, _check: Any = check, **kwargs: Any) -> Any:
                checks[0] += 1
                return await _check(*args, **kwargs)

            trigger.check = counted
        triggers.append(trigger)
    return triggers


def _run_fleet(emu: EmulatorProcess, names: list[str], *, trace: bool) -> dict[str, Any]:
    n = len(names)
    clear_process_caches()
    gc.collect()
    before = pending_requests(emu.counters())
    checks = [0]
    lag: list[tuple[float, bool]] = []
    pauses = GcPauses()
    if trace:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    triggers = _make("dataarts_default", names, POKE, time.time() + DEADLINE, checks)
    gc.callbacks.append(pauses)
    try:
        events = asyncio.run(_fleet(triggers, None if trace else lag, pauses))
    finally:
        gc.callbacks.remove(pauses)
    wall = time.perf_counter() - t0
    peak = retained = 0
    if trace:
        del triggers
        gc.collect()
        current, peak_abs = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak, retained = peak_abs - base, current - base
    statuses: dict[str, int] = {}
    own = 0
    for i, event in enumerate(events):
        statuses[event["status"]] = statuses.get(event["status"], 0) + 1
        waiting = event.get("waiting") or []
        own += int({w.get("item_name") for w in waiting} == {names[i]})
    requests = pending_requests(emu.counters()) - before
    rounds = checks[0] / n if checks[0] else DEADLINE // POKE + 1
    return {
        "n": n,
        "requests": requests,
        "rounds": rounds,
        "requests_per_round": requests / rounds,
        "requests_per_interval": requests / (wall / POKE),
        "wall": wall,
        "peak": peak,
        "peak_per_trigger": peak / n,
        "retained_per_trigger": retained / n,
        "statuses": statuses,
        "own_item_reported": own,
        "max_lag": max((v for v, _ in lag), default=float("nan")),
        "max_lag_without_gc": max((v for v, in_gc in lag if not in_gc), default=float("nan")),
        "p99_lag": sorted(v for v, _ in lag)[int(0.99 * (len(lag) - 1))] if lag else float("nan"),
        "gc_max_pause": max((b - a for a, b, _ in pauses.pauses), default=0.0),
        "gc_full": sum(1 for *_, g in pauses.pauses if g == 2),
    }


def _isolation(emu: Any) -> dict[str, Any]:
    """Three connections watching the same tasks: two valid AKs (two users) and the first AK with a wrong
    SK. Each valid one must make its own requests; the bad one must fail, never see the others' listing."""
    info = emu.info()
    os.environ["AIRFLOW_CONN_DATAARTS_BENCH_A"] = connection_json(info, max_requests_per_second=0)
    os.environ["AIRFLOW_CONN_DATAARTS_BENCH_B"] = connection_json(
        info, login=OTHER_AK, password=OTHER_SK, max_requests_per_second=0
    )
    wrong = json.loads(connection_json(info, max_requests_per_second=0))
    wrong["password"] = "Wrong" + info["sk"][5:]
    os.environ["AIRFLOW_CONN_DATAARTS_BENCH_BAD"] = json.dumps(wrong)
    clear_process_caches()
    before = emu.counters()["by_user"]
    names = [_name(i) for i in range(10)]
    deadline = time.time() + 0.8
    checks = [0]
    triggers = [
        *_make("dataarts_bench_a", names, 0.5, deadline, checks),
        *_make("dataarts_bench_b", names, 0.5, deadline, checks),
        *_make("dataarts_bench_bad", names, 0.5, deadline, checks),
    ]
    events = asyncio.run(_fleet(triggers))
    after = emu.counters()["by_user"]
    by_user = {u: after.get(u, 0) - before.get(u, 0) for u in after}
    return {
        "by_user": by_user,
        "a": [e["status"] for e in events[:10]],
        "b": [e["status"] for e in events[10:20]],
        "bad": [e["status"] for e in events[20:]],
    }


def run(*, smoke: bool = False, reps: int | None = None) -> Result:
    from airflow_dataarts_provider.emulator import (
        DEFAULT_AK,
        DEFAULT_SK,
        DEFAULT_USER_NAME,
        AkSkCredential,
        Emulator,
        EmulatorConfig,
    )

    sizes = (1, 20) if smoke else (1, 100, 1_000, 5_000)
    config = EmulatorConfig(
        rate_limit_per_user=None,
        latency_s=LATENCY,
        credentials=(
            AkSkCredential(DEFAULT_AK, DEFAULT_SK),
            AkSkCredential(OTHER_AK, OTHER_SK, "0" * 31 + "2", OTHER_USER),
        ),
    )
    result = Result(
        "B4",
        f"trigger fleet: N triggers, one workspace of {WORKSPACE_ITEMS:,} items, poke {POKE:g} s, 3 rounds",
    )
    # The fleet talks to an emulator in its own process: tracemalloc then sees the triggers' memory only.
    with EmulatorProcess(items=WORKSPACE_ITEMS, rate_limit=0, latency=LATENCY) as proc:
        os.environ["AIRFLOW_CONN_DATAARTS_DEFAULT"] = connection_json(proc.info, max_requests_per_second=0)
        distinct = _names(proc, max(sizes))  # 1,000 tasks: larger fleets watch some tasks twice or more
        names = [distinct[i % len(distinct)] for i in range(max(sizes))]
        _run_fleet(proc, names[:1], trace=False)  # warm-up: imports, first connection
        runs = [_run_fleet(proc, names[:n], trace=False) for n in sizes]
        memory = [_run_fleet(proc, names[:n], trace=True) for n in sizes]
        for r, m in zip(runs, memory, strict=True):
            r.update(
                peak=m["peak"],
                peak_per_trigger=m["peak_per_trigger"],
                retained_per_trigger=m["retained_per_trigger"],
            )
        base = runs[0]["requests_per_interval"]
        expected_rounds = DEADLINE // POKE + 1
        for r in runs:
            result.rows.append(
                {
                    "N": r["n"],
                    "rounds": r["rounds"],
                    "requests": r["requests"],
                    "req/round": r["requests_per_round"],
                    "req/interval": r["requests_per_interval"],
                    "vs_N=1": r["requests_per_interval"] / base,
                    "rounds/expected": r["rounds"] / expected_rounds,
                    "max_lag_ms": 1000 * r["max_lag"],
                    "max_lag_no_gc_ms": 1000 * r["max_lag_without_gc"],
                    "p99_lag_ms": 1000 * r["p99_lag"],
                    "gc_pause_ms": 1000 * r["gc_max_pause"],
                    "full_gcs": r["gc_full"],
                    "wall_s": r["wall"],
                    "peak_KB/trigger": r["peak_per_trigger"] / 1024,
                    "marginal_KB/trigger": (
                        (r["peak"] - runs[0]["peak"]) / (r["n"] - 1) / 1024 if r["n"] > 1 else float("nan")
                    ),
                    "retained_KB/trigger": r["retained_per_trigger"] / 1024,
                    "events": ",".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items())),
                }
            )
        largest = runs[-1]
        result.goals.append(
            Goal(
                f"requests/interval at N={largest['n']} vs N=1",
                largest["requests_per_interval"] / base,
                1.2,
                "x",
            )
        )
        result.goals.append(
            Goal(
                f"peak memory per trigger at N={largest['n']}", largest["peak_per_trigger"] / 1024, 20, " KB"
            )
        )
        for r in runs[1:]:
            result.goals.append(
                Goal(
                    f"checks per trigger at N={r['n']} vs expected (>= 0.9)",
                    r["rounds"] / expected_rounds,
                    0.9,
                    "x",
                    higher_is_better=True,
                )
            )
        thousand = next((r for r in runs if r["n"] == 1_000), None)
        if thousand is not None:
            result.goals.append(
                Goal(
                    "event-loop lag at N=1000, GC pauses excluded",
                    1000 * thousand["max_lag_without_gc"],
                    100,
                    " ms",
                )
            )
            result.notes.append(
                f"N=1000: longest stall including garbage collection {1000 * thousand['max_lag']:.0f} ms;"
                f" longest collection {1000 * thousand['gc_max_pause']:.0f} ms ({thousand['gc_full']} full):"
                " the Airflow process heap's, whatever the triggers do (the triggerer does not gc.freeze())"
            )
    with Emulator(config) as emu:
        for i in range(10):
            emu.add_item({"item_name": _name(i)}, position="back")
        isolation = _isolation(emu)
        mixed = not (
            isolation["by_user"].get(DEFAULT_USER_NAME, 0) >= 1
            and isolation["by_user"].get(OTHER_USER, 0) >= 1
            and set(isolation["a"]) == {"timeout"}
            and set(isolation["b"]) == {"timeout"}
            and set(isolation["bad"]) == {"error"}
        )
        result.goals.append(Goal("connections mixed (0 = never)", int(mixed), 0))
        result.notes.append(
            f"isolation: requests by user {isolation['by_user']}; events A {set(isolation['a'])}, "
            f"B {set(isolation['b'])}, A's AK with a wrong SK {set(isolation['bad'])}"
        )
        result.notes.append(
            "client max_requests_per_second=0, no server limit (so a per-trigger cost would show in full); "
            "rounds = checks per trigger; requests per interval = requests / (wall / poke_interval)"
        )
        result.counts = {"runs": runs, "isolation": isolation, "workspace_pages": -(-WORKSPACE_ITEMS // 100)}
    return result
