# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""B1 client cost: list N items (default 10,000) with ``DataArtsHook.list_pending_items`` vs the official
SDK's ``list_factory_pending_items`` paged with ``limit=100``, and vs the *floor*: a bare
``requests.Session`` loop that signs each request (the same SDK-HMAC-SHA256 signer), sends it and
``json.loads`` the page, with nothing else (no validation, retries, rate limiting or consistency checks);
also shown: the same loop with the environment read once, as the hook reads it (the stricter floor).

The emulator runs in its own process (no latency, no rate limit), so the process CPU time measured here
is the client's alone. The hook runs with ``max_requests_per_second=0`` and otherwise default extras.
Goals: requests = ceil(N/100); hook CPU <= 0.5x the SDK's; hook CPU <= 1.10x the floor's (medians of the
repetitions, alternating).
"""

from __future__ import annotations

import gc
import json
import os
from datetime import datetime, timezone
from typing import Any

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


def floor_list_all(info: dict[str, Any], *, trust_env: bool = True) -> list[str]:
    """The least a correct listing client does: sign, send, decode, page on (``offset`` as the emulator
    counts it), over one pooled, default ``requests.Session``; ``trust_env=False``: the environment's
    proxy and CA settings are not re-read per request (as the hook does it, once per origin)."""
    import requests

    from airflow_dataarts_provider.core.protocol.signing import (
        canonical_query,
        format_sdk_date,
        sign,
    )

    base = f"{info['url']}/v2/{info['project_id']}/factory/pending-items"
    headers = {
        "Content-Type": "application/json",
        "workspace": info["workspace"],
        "X-Project-Id": info["project_id"],
    }
    ids: list[str] = []
    with requests.Session() as session:
        session.trust_env = trust_env
        page = 0
        while True:
            offset = page if info.get("offset_mode", "page") == "page" else page * 100
            pairs = [("limit", "100"), ("offset", str(offset))]
            date = format_sdk_date(datetime.now(timezone.utc))
            signed = sign("GET", base, pairs, headers, b"", info["ak"], info["sk"], date)
            response = session.get(
                f"{base}?{canonical_query(pairs)}", headers=dict(signed.headers), timeout=60
            )
            rows = json.loads(response.content)["data"]
            ids += [str(r["pending_item_id"]) for r in rows]
            if len(rows) < 100:
                return ids
            page += 1


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
            k: {"wall": [], "cpu": [], "requests": [], "items": []}
            for k in ("hook", "sdk", "floor", "floor_env1")
        }

        def hook_once() -> list[str]:
            clear_process_caches()
            items_ = DataArtsHook(CONN_ID).list_pending_items()
            return [str(i["pending_item_id"]) for i in items_]

        def sdk_once() -> list[str]:
            ids, _ = sdk_list_all(sdk_client(info), info["workspace"])
            return ids

        def floor_once() -> list[str]:
            return floor_list_all(info)

        def floor_env_once() -> list[str]:
            return floor_list_all(info, trust_env=False)

        # warm-up (imports, connection parsing, first sockets), not counted
        hook_once()
        sdk_once()
        floor_once()
        floor_env_once()
        for _ in range(reps):
            for name, fn in (
                ("hook", hook_once),
                ("sdk", sdk_once),
                ("floor", floor_once),
                ("floor_env1", floor_env_once),
            ):
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
            ("floor", "floor: bare signed requests loop"),
            ("floor_env1", "floor, environment read once"),
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
        floor_cpu = median(runs["floor"]["cpu"])
        result.rows.append(
            {
                "client": "ratio hook/SDK",
                "wall_s": median(runs["hook"]["wall"]) / median(runs["sdk"]["wall"]),
                "cpu_s": hook_cpu / sdk_cpu,
            }
        )
        result.goals.append(Goal("requests", max(runs["hook"]["requests"]), pages_for(expected)))
        result.rows.append(
            {
                "client": "ratio hook/floor",
                "wall_s": median(runs["hook"]["wall"]) / median(runs["floor"]["wall"]),
                "cpu_s": hook_cpu / floor_cpu,
            }
        )
        result.goals.append(Goal("CPU hook/SDK", hook_cpu / sdk_cpu, 0.5, "x"))
        floor_env_cpu = median(runs["floor_env1"]["cpu"])
        result.rows.append(
            {
                "client": "ratio hook/floor (env once)",
                "wall_s": median(runs["hook"]["wall"]) / median(runs["floor_env1"]["wall"]),
                "cpu_s": hook_cpu / floor_env_cpu,
            }
        )
        result.goals.append(Goal("CPU hook/floor", hook_cpu / floor_cpu, 1.10, "x"))
        result.counts = {
            "items": expected,
            "hook_requests": [int(x) for x in runs["hook"]["requests"]],
            "hook_items": [int(x) for x in runs["hook"]["items"]],
            "sdk_requests": [int(x) for x in runs["sdk"]["requests"]],
            "sdk_items": [int(x) for x in runs["sdk"]["items"]],
        }
        result.notes.append(f"median of {reps} alternating repetitions; nproc {os.cpu_count()}")
    return result
