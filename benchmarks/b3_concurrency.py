# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""B3 when the limit allows more: no server limit, 30 ms per request; after the first page the hook fetches
up to ``max_concurrency`` pages at once. Baseline: sequential paging (``max_concurrency=1``) in the same
run. Goal: wall <= 0.3x sequential, same items.
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
    set_connection,
)

LATENCY = 0.03
VARIANTS: tuple[tuple[str, int, float], ...] = (
    # (label, max_concurrency, max_requests_per_second)
    ("sequential (baseline)", 1, 0),
    ("max_concurrency=4", 4, 0),
    ("max_concurrency=8", 8, 0),
    ("max_concurrency=8, 100 req/s", 8, 100),
)


def run(*, smoke: bool = False, reps: int | None = None) -> Result:
    items = 1_000 if smoke else 3_000
    reps = reps or (1 if smoke else 3)
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    result = Result("B3", f"{items:,} items, no server limit, +30 ms per request: concurrent paging")
    with EmulatorProcess(items=items, rate_limit=0, latency=LATENCY) as emu:
        walls: dict[str, list[float]] = {v[0]: [] for v in VARIANTS}
        counts: dict[str, list[dict[str, int]]] = {v[0]: [] for v in VARIANTS}
        reference: set[str] | None = None
        for _ in range(reps):
            for label, width, rps in VARIANTS:
                set_connection(emu.info, max_concurrency=width, max_requests_per_second=rps)
                clear_process_caches()
                emu.reset()
                t0 = time.perf_counter()
                got = DataArtsHook(CONN_ID).list_pending_items()
                walls[label].append(time.perf_counter() - t0)
                ids = {str(i["pending_item_id"]) for i in got}
                reference = ids if reference is None else reference
                counts[label].append(
                    {
                        "requests": pending_requests(emu.counters()),
                        "items": len(ids),
                        "same_items": int(ids == reference),
                    }
                )
        base = median(walls[VARIANTS[0][0]])
        for label, _, _ in VARIANTS:
            wall = median(walls[label])
            result.rows.append(
                {
                    "variant": label,
                    "requests": max(c["requests"] for c in counts[label]),
                    "items": min(c["items"] for c in counts[label]),
                    "same_items": all(c["same_items"] for c in counts[label]),
                    "wall_s": wall,
                    "vs_sequential": wall / base,
                }
            )
        # The goal holds for the default (8); 4 is shown for comparison in the table.
        result.goals.append(
            Goal(
                "wall max_concurrency=8 (default) / sequential",
                median(walls["max_concurrency=8"]) / base,
                0.3,
                "x",
            )
        )
        pages = pages_for(items)
        for label, width, _ in VARIANTS[1:3]:
            trips = 1 + -(-(pages - 1) // width)
            result.notes.append(
                f"{label}: the lane plan needs {trips} round trips for {pages} pages: "
                f"ideal ratio {trips / pages:.2f} with a server that takes no CPU"
            )
        result.counts = {"items": items, "requests_needed": pages_for(items), "runs": counts}
        result.notes.append(f"median of {reps} runs per variant, variants interleaved")
    return result
