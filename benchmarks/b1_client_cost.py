"""B1 client cost: list N items (default 10,000) with ``DataArtsHook.list_pending_items`` vs the official
SDK's ``list_factory_pending_items`` paged with ``limit=100``.

The emulator runs in its own process (no latency, no rate limit), so the process CPU time measured here
is the client's alone. The hook runs with ``max_requests_per_second=0`` and otherwise default extras.
Goals: requests = ceil(N/100); hook CPU <= 0.5x the SDK's (median of the repetitions).
"""

from __future__ import annotations

import gc
import os

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
    timed,
)


def run(*, smoke: bool = False, reps: int | None = None) -> Result:
    items = 1_000 if smoke else 10_000
    reps = reps or (1 if smoke else 5)
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    result = Result("B1", f"client cost, list {items:,} items (emulator in its own process, no latency)")
    with EmulatorProcess(items=items, rate_limit=0) as emu:
        info = emu.info
        set_connection(info, max_requests_per_second=0)
        expected = items
        runs: dict[str, dict[str, list[float]]] = {
            k: {"wall": [], "cpu": [], "requests": [], "items": []} for k in ("hook", "sdk")
        }

        def hook_once() -> list[str]:
            clear_process_caches()
            items_ = DataArtsHook(CONN_ID).list_pending_items()
            return [str(i["pending_item_id"]) for i in items_]

        def sdk_once() -> list[str]:
            ids, _ = sdk_list_all(sdk_client(info), info["workspace"])
            return ids

        # warm-up (imports, connection parsing, first sockets), not counted
        hook_once()
        sdk_once()
        for _ in range(reps):
            for name, fn in (("hook", hook_once), ("sdk", sdk_once)):
                emu.reset()
                gc.collect()
                ids, wall, cpu = timed(fn)
                runs[name]["wall"].append(wall)
                runs[name]["cpu"].append(cpu)
                runs[name]["requests"].append(pending_requests(emu.counters()))
                runs[name]["items"].append(len(set(ids)))
        for name, label in (
            ("hook", "DataArtsHook.list_pending_items"),
            ("sdk", "SDK list_factory_pending_items"),
        ):
            r = runs[name]
            result.rows.append(
                {
                    "client": label,
                    "requests": int(max(r["requests"])),
                    "items": int(min(r["items"])),
                    "wall_s": median(r["wall"]),
                    "cpu_s": median(r["cpu"]),
                    "cpu_ms_per_request": 1000 * median(r["cpu"]) / max(1, *r["requests"]),
                }
            )
        hook_cpu, sdk_cpu = median(runs["hook"]["cpu"]), median(runs["sdk"]["cpu"])
        result.rows.append(
            {
                "client": "ratio hook/SDK",
                "wall_s": median(runs["hook"]["wall"]) / median(runs["sdk"]["wall"]),
                "cpu_s": hook_cpu / sdk_cpu,
            }
        )
        result.goals.append(Goal("requests", max(runs["hook"]["requests"]), pages_for(expected)))
        result.goals.append(Goal("CPU hook/SDK", hook_cpu / sdk_cpu, 0.5, "x"))
        result.counts = {
            "items": expected,
            "hook_requests": [int(x) for x in runs["hook"]["requests"]],
            "hook_items": [int(x) for x in runs["hook"]["items"]],
            "sdk_requests": [int(x) for x in runs["sdk"]["requests"]],
            "sdk_items": [int(x) for x in runs["sdk"]["items"]],
        }
        result.notes.append(f"median of {reps} alternating repetitions; nproc {os.cpu_count()}")
    return result
