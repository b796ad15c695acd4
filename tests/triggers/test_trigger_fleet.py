# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger fleets share one workspace listing per poll interval; connections never share."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from conftest import connection_json

from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.emulator import DEFAULT_AK, DEFAULT_SK, AkSkCredential
from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger

OTHER_AK, OTHER_SK = "OTHERAK0000000000001", "OtherSecretKey-0123456789abcdefghijklmn"


def _trigger(conn_id: str, name: str, deadline: float) -> DataArtsPendingItemsTrigger:
    return DataArtsPendingItemsTrigger(
        dataarts_conn_id=conn_id, gate=GateSpec.create([name]).to_json(), poke_interval=0.5, deadline=deadline
    )


async def _run_all(triggers: list[DataArtsPendingItemsTrigger]) -> list[dict[str, Any]]:
    async def first(trigger: DataArtsPendingItemsTrigger) -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("no event")

    return await asyncio.gather(*(first(t) for t in triggers))


def test_a_hundred_triggers_cost_one_listing_per_interval(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = dataarts_emulator_factory(seed_items=150, rate_limit_per_user=None, offset_mode="page")
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), max_requests_per_second=0)
    )
    names = [i["item_name"] for i in emu.items()[:100]]
    events = asyncio.run(_run_all([_trigger("dataarts_default", n, time.time() + 1.2) for n in names]))
    assert [e["status"] for e in events] == ["timeout"] * 100
    assert [e["waiting"][0]["item_name"] for e in events] == names  # each evaluated its own gate
    listings = emu.counters()["by_endpoint"]["pending-items"]
    # 150 items = 2 pages per listing (+1 offset probe once); 1.2 s at 0.5 s intervals = 3-4 listings,
    # however many triggers: 100 independent triggers would have made >= 600 requests.
    assert listings <= 4 * 2 + 1


def test_connections_never_share_a_snapshot(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = dataarts_emulator_factory(
        seed_items=20,
        rate_limit_per_user=None,
        credentials=(
            AkSkCredential(DEFAULT_AK, DEFAULT_SK),
            AkSkCredential(OTHER_AK, OTHER_SK, "0" * 31 + "1", "other-user"),
        ),
    )
    info = emu.info()
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(info, max_requests_per_second=0))
    other = json.loads(connection_json(info, max_requests_per_second=0))
    other.update(login=OTHER_AK, password=OTHER_SK)
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_OTHER", json.dumps(other))
    name = emu.items()[0]["item_name"]
    # Long enough for both connection lookups and a first listing on a loaded machine (0.3 s was not:
    # a 3.0 compat cell beside a full cell cut both checks at the deadline before any request).
    deadline = time.time() + 2.0
    triggers = [_trigger("dataarts_default", name, deadline), _trigger("dataarts_other", name, deadline)]
    events = asyncio.run(_run_all(triggers))
    assert [e["status"] for e in events] == ["timeout", "timeout"]
    by_user = emu.counters()["by_user"]
    assert by_user.get("emulator-user", 0) >= 1 and by_user.get("other-user", 0) >= 1, by_user


def test_waiters_of_one_fetch_resume_in_batches_and_all_see_its_outcome() -> None:
    """A fleet waking together on one listing resumes WAKE_BATCH at a time (the loop runs in between),
    and every waiter gets the value, or the error, of the single fetch."""
    from airflow_dataarts_provider.triggers import shared as sharing

    async def scenario(fail: bool) -> tuple[list[Any], list[int], int]:
        loop = asyncio.get_running_loop()
        iterations = [0]
        done = [False]

        def tick() -> None:  # counts loop iterations until every waiter has resumed
            iterations[0] += 1
            if not done[0]:
                loop.call_soon(tick)

        fetches = [0]

        async def fetch() -> str:
            fetches[0] += 1
            await asyncio.sleep(0.05)
            if fail:
                raise RuntimeError("listing failed")
            return "snapshot"

        resumed_at: list[int] = []

        async def waiter() -> Any:
            try:
                return await sharing.shared(("test", fail), 10.0, fetch)
            except RuntimeError as exc:
                return exc
            finally:
                resumed_at.append(iterations[0])

        loop.call_soon(tick)
        results = await asyncio.gather(*(waiter() for _ in range(3 * sharing.WAKE_BATCH + 1)))
        done[0] = True
        return list(results), resumed_at, fetches[0]

    results, resumed_at, fetches = asyncio.run(scenario(fail=False))
    assert results == ["snapshot"] * (3 * sharing.WAKE_BATCH + 1) and fetches == 1
    assert len(set(resumed_at)) >= 4  # four batches, each in its own loop iteration
    results, _, fetches = asyncio.run(scenario(fail=True))
    assert fetches == 1 and all(isinstance(r, RuntimeError) and str(r) == "listing failed" for r in results)
