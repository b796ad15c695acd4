# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""One HTTP client per trigger run, not one per check (issue 24), and a client still used by a call in
flight (a listing shared with other triggers) is closed only after that call. Real loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from conftest import connection_json

from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.transport import aio
from airflow_dataarts_provider.triggers.job import DataArtsJobInstanceTrigger

JOB = "transport_job"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[aio.AsyncTransport]:
    """Every async transport opened (the real ones, counted)."""
    transports: list[aio.AsyncTransport] = []
    real_open = aio.AsyncTransport.open.__func__  # type: ignore[attr-defined]

    async def counting_open(cls: type[aio.AsyncTransport], **kwargs: Any) -> aio.AsyncTransport:
        transport = await real_open(cls, **kwargs)
        transports.append(transport)
        return transport

    monkeypatch.setattr(aio.AsyncTransport, "open", classmethod(counting_open))
    return transports


def test_a_trigger_run_uses_one_client_for_all_its_checks(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, opened: list[aio.AsyncTransport]
) -> None:
    emu = dataarts_emulator_factory(rate_limit_per_user=None)
    emu.add_job(JOB, run_s=1.0)
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), max_requests_per_second=0)
    )
    instance_id = DataArtsHook().run_job(JOB)
    trigger = DataArtsJobInstanceTrigger(
        job_name=JOB,
        instance_id=instance_id,
        dataarts_conn_id="dataarts_default",
        poke_interval=0.1,
        deadline=time.time() + 30,
    )

    async def first() -> Any:
        async for event in trigger.run():
            return event.payload
        return None

    assert asyncio.run(first())["status"] == "success"
    by_endpoint = emu.counters()["by_endpoint"]
    reads = by_endpoint.get("job-instance", 0) + by_endpoint.get("job-instances", 0)
    assert reads >= 5  # several checks while the instance ran (the job feed's listings, two details)
    assert len(opened) == 1  # before: one client per check
    assert all(t._client.is_closed for t in opened)  # closed at the end of the run


def test_a_call_in_flight_keeps_the_shared_client_until_it_ends(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, opened: list[aio.AsyncTransport]
) -> None:
    emu = dataarts_emulator_factory(seed_items=20, rate_limit_per_user=None)
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), max_requests_per_second=0)
    )
    emu.set_latency(0.5)
    hook = DataArtsHook()

    async def scenario() -> list[dict[str, Any]]:
        async with hook.async_session():
            listing = asyncio.ensure_future(hook.alist_pending_items())
            await asyncio.sleep(0.1)  # the request is on the wire when the session ends
        assert not opened[0]._client.is_closed
        return await listing

    assert len(asyncio.run(scenario())) == 20
    assert len(opened) == 1 and opened[0]._client.is_closed
