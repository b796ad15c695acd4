# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""B2 under the documented limit: the emulator adds 30 ms per request and throttles at 10 requests/s per
user (like the service); the hook keeps its default client limit (10/s) and concurrency (4).

Goals: 0 responses 429; wall within 1.15x of the bound ceil(N/100)/10 s. The plain SDK loop (its
default: no retries) runs against the same limit once: how many 429s, and whether it fails.
"""

from __future__ import annotations

import time

from benchmarks.common import (
    CONN_ID,
    EmulatorProcess,
    Goal,
    Result,
    clear_process_caches,
    median,
    pages_for,
    pending_requests,
    sdk_client,
    sdk_list_all,
    set_connection,
    throttled,
)

LIMIT = 10.0
LATENCY = 0.03
#: the emulator's window is one second: let it empty between runs
QUIET = 1.2


def run(*, smoke: bool = False, reps: int | None = None) -> Result:
    items = 1_200 if smoke else 3_000
    reps = reps or (1 if smoke else 3)
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    requests_needed = pages_for(items)
    bound = requests_needed / LIMIT
    result = Result(
        "B2", f"{items:,} items under the limit (10 req/s per user, +30 ms per request), bound {bound:.1f} s"
    )
    with EmulatorProcess(items=items, rate_limit=LIMIT, latency=LATENCY) as emu:
        set_connection(emu.info)  # default extras: max_requests_per_second 10, max_concurrency 8
        walls: list[float] = []
        counts: list[dict[str, int]] = []
        for _ in range(reps):
            clear_process_caches()
            emu.reset()
            time.sleep(QUIET)
            t0 = time.perf_counter()
            got = DataArtsHook(CONN_ID).list_pending_items()
            walls.append(time.perf_counter() - t0)
            c = emu.counters()
            counts.append(
                {
                    "requests": pending_requests(c),
                    "429": throttled(c),
                    "items": len({i["pending_item_id"] for i in got}),
                }
            )
        set_connection(emu.info)
        wall = median(walls)
        result.rows.append(
            {
                "client": "DataArtsHook (defaults)",
                "requests": max(c["requests"] for c in counts),
                "429s": max(c["429"] for c in counts),
                "items": min(c["items"] for c in counts),
                "wall_s": wall,
                "wall/bound": wall / bound,
                "outcome": "ok",
            }
        )
        # the SDK loop under the same limit (no retries by default)
        emu.reset()
        time.sleep(QUIET)
        client = sdk_client(emu.info)
        t0 = time.perf_counter()
        outcome, sdk_items = "ok", 0
        try:
            ids, _ = sdk_list_all(client, emu.info["workspace"])
            sdk_items = len(set(ids))
        except Exception as exc:  # the SDK raises on the first 429
            status = getattr(exc, "status_code", "?")
            outcome = f"failed: {type(exc).__name__} HTTP {status}"
        sdk_wall = time.perf_counter() - t0
        c = emu.counters()
        sdk = {"requests": pending_requests(c), "429": throttled(c), "items": sdk_items, "outcome": outcome}
        result.rows.append(
            {
                "client": "SDK loop (no retries)",
                "requests": sdk["requests"],
                "429s": sdk["429"],
                "items": sdk_items,
                "wall_s": sdk_wall,
                "wall/bound": sdk_wall / bound,
                "outcome": outcome,
            }
        )
        result.goals.append(Goal("429 responses (hook)", max(c_["429"] for c_ in counts), 0))
        result.goals.append(Goal("wall/bound", wall / bound, 1.15, "x"))
        result.counts = {
            "items": items,
            "requests_needed": requests_needed,
            "hook": counts,
            "sdk": sdk,
        }
        result.notes.append(f"bound = ceil(N/100)/10 s = {bound:.2f} s; median of {reps} runs")
    return result
