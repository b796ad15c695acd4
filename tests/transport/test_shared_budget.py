# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The rate budget shared through Redis, against an independent Redis implementation (fakeredis's TCP
server, real redis-py over loopback) and the emulator's per-user limit.

The decisive test runs several OS processes on one identity: with the shared budget the emulator never
answers 429; with each process keeping to the limit alone (``local``) it does (the same test with the
sharing switched off: what the budget prevents)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import redis
from helpers.redis_server import RedisServer, free_port

from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.protocol import ratelimit
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.effects import Budget
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.ratelimit import BudgetCall
from airflow_dataarts_provider.emulator import ENDPOINT_PENDING_ITEMS, Emulator, airflow_connection
from airflow_dataarts_provider.transport import aio, budget, sync

LIMIT = 20  # the emulator's per-user limit (requests/s)
DECLARED = 15  # the connection's max_requests_per_second: each process alone stays under LIMIT
PROCESSES = 4
REQUESTS = 12  # per process

WORKER = r"""
import json, sys, time
from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.transport import sync

conn, backend, count, start_at = json.loads(sys.argv[1])
config = ClientConfig.from_connection(conn["host"], conn["login"], conn["password"], conn["extra"])
transport = sync.SyncTransport(timeout=config.timeout)
while time.time() < start_at:
    time.sleep(0.002)
for _ in range(count):
    ctx = CallContext.create(config, budget_backend=backend)
    sync.run(perform(ctx, calls.pending_items(config).page(10, 0)), transport)
print("done", count)
"""


def connection(emu: Emulator, **extra: Any) -> dict[str, Any]:
    fields = airflow_connection(
        emu.info(), max_requests_per_second=DECLARED, max_attempts=20, max_retry_wait=120, **extra
    )
    fields["extra"].update(backoff_initial=0.05, backoff_max=1.0, timeout=[5, 10])
    return fields


def config_of(fields: dict[str, Any]) -> ClientConfig:
    return ClientConfig.from_connection(fields["host"], fields["login"], fields["password"], fields["extra"])


def start_workers(fields: dict[str, Any], backend: str | None, count: int) -> list[subprocess.Popen[str]]:
    start_at = time.time() + 1.5  # every interpreter is up by then: they start at once
    return [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps([fields, backend, REQUESTS, start_at])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def finish(workers: list[subprocess.Popen[str]]) -> None:
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert out.strip() == f"done {REQUESTS}"
        assert "rate budget" not in err, err  # no fallback to the local bucket


def pending_requests(emu: Emulator) -> int:
    return int(emu.counters()["by_endpoint"].get(ENDPOINT_PENDING_ITEMS, 0))


# ------------------------------------------------------------------------------------ the script


def test_bookings_of_concurrent_clients_are_one_interval_apart(redis_server: RedisServer) -> None:
    call = BudgetCall(ratelimit.budget_key("https://dayu.example", "AK1"), rate=20)
    send_times: list[float] = []
    lock = threading.Lock()

    def book(n: int) -> None:
        for _ in range(n):
            wait = budget.perform(Budget(redis_server.url, call))
            assert wait is not None
            with lock:
                send_times.append(time.monotonic() + wait)

    threads = [threading.Thread(target=book, args=(10,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(send_times)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(send_times) == 30
    # 50 ms apart, less the client-side jitter between the server's booking and our clock reading.
    assert min(gaps) > 0.05 - 0.015, gaps
    assert times[-1] - times[0] == pytest.approx(29 * 0.05, abs=0.05)


def test_a_penalty_pushes_every_later_booking_back(redis_server: RedisServer) -> None:
    key = ratelimit.budget_key("https://dayu.example", "AK1")
    assert budget.perform(Budget(redis_server.url, BudgetCall(key, rate=10))) == 0
    assert budget.perform(Budget(redis_server.url, BudgetCall(key, rate=10, penalty=1.5))) == 0
    wait = budget.perform(Budget(redis_server.url, BudgetCall(key, rate=10)))
    assert wait is not None and 1.3 < wait <= 1.5
    # Then the rate again, after the blocked time.
    following = budget.perform(Budget(redis_server.url, BudgetCall(key, rate=10)))
    assert following is not None and following == pytest.approx(wait + 0.1, abs=0.02)
    ttl = redis.Redis.from_url(redis_server.url).pttl(key)
    assert 60_000 < ttl <= 62_000  # expires a minute after its last booked slot


def test_unlimited_rate_books_without_waiting(redis_server: RedisServer) -> None:
    call = BudgetCall(ratelimit.budget_key("https://dayu.example", "AK1"), rate=None)
    assert [budget.perform(Budget(redis_server.url, call)) for _ in range(5)] == [0.0] * 5


# ------------------------------------------------------------------------- processes, one identity


@pytest.mark.slow
@pytest.mark.parametrize("shared", [True, False], ids=["shared-budget", "local-only"])
def test_processes_on_one_identity_keep_to_the_account_limit(
    dataarts_emulator_factory: Any, redis_server: RedisServer, shared: bool
) -> None:
    emu = dataarts_emulator_factory(seed_items=30, rate_limit_per_user=LIMIT)
    fields = connection(emu)
    finish(start_workers(fields, redis_server.url if shared else None, PROCESSES))
    counters = emu.counters()
    user = next(iter(counters["peak_1s_window"]))
    assert pending_requests(emu) - counters["throttled"] == PROCESSES * REQUESTS  # every call succeeded
    if shared:
        # 4 processes x 15/s declared would be 60/s: the shared budget keeps all of them to 13.5/s.
        assert counters["throttled"] == 0
        assert counters["peak_1s_window"][user] <= 15
    else:
        # Each process alone stays under the limit; together they exceed it: the emulator throttles
        # (and the retry policy absorbs every 429).
        assert counters["throttled"] > 0
        assert counters["peak_1s_window"][user] == LIMIT


@pytest.mark.slow
async def test_the_async_driver_books_in_the_same_budget(
    dataarts_emulator_factory: Any, redis_server: RedisServer
) -> None:
    emu = dataarts_emulator_factory(seed_items=30, rate_limit_per_user=LIMIT)
    fields = connection(emu)
    config = config_of(fields)
    # Two sync processes alone at 15/s each would pass the limit: everyone must share for 0 x 429.
    workers = start_workers(fields, redis_server.url, 2)
    transport = await aio.AsyncTransport.open(timeout=config.timeout)
    try:
        await asyncio.sleep(1.5)
        for _ in range(REQUESTS):
            ctx = CallContext.create(config, budget_backend=redis_server.url)
            await aio.run(perform(ctx, calls.pending_items(config).page(10, 0)), transport)
    finally:
        await transport.aclose()
    await asyncio.to_thread(finish, workers)
    assert pending_requests(emu) == 3 * REQUESTS
    assert emu.counters()["throttled"] == 0


@pytest.mark.slow
def test_a_limit_declared_too_high_is_still_absorbed(
    dataarts_emulator_factory: Any, redis_server: RedisServer
) -> None:
    """The connection says 15/s, the account allows 5/s: 429s, each pushing the shared budget back by
    its Retry-After; every call still succeeds."""
    emu = dataarts_emulator_factory(seed_items=30, rate_limit_per_user=5)
    fields = connection(emu)
    finish(start_workers(fields, redis_server.url, 3))
    counters = emu.counters()
    assert counters["throttled"] > 0
    assert pending_requests(emu) - counters["throttled"] == 3 * REQUESTS
    key = ratelimit.budget_key(config_of(fields).endpoint, fields["login"])
    fields_now = redis.Redis.from_url(redis_server.url).hgetall(key)
    assert int(fields_now[b"blocked"]) > 0 and int(fields_now[b"tat"]) >= int(fields_now[b"blocked"])


# ------------------------------------------------------------------------------------- degrading


def test_an_unreachable_backend_falls_back_to_the_local_bucket_and_is_tried_again(
    dataarts_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ratelimit, "BACKEND_RETRY_S", 0.3)
    port = free_port()
    url = f"redis://:hunter2-canary@127.0.0.1:{port}/0"
    config = config_of(connection(dataarts_emulator))
    transport = sync.SyncTransport(timeout=config.timeout)

    def list_once() -> None:
        ctx = CallContext.create(config, budget_backend=url)
        sync.run(perform(ctx, calls.pending_items(config).page(10, 0)), transport)

    with caplog.at_level(logging.WARNING, logger=budget.__name__):
        for _ in range(5):
            list_once()  # nothing listens: served by the local bucket
        failures = [r for r in caplog.records if "failed" in r.getMessage()]
        assert len(failures) == 1  # logged when the outage starts, not per request
        assert f"redis://***@127.0.0.1:{port}/0" in failures[0].getMessage()
        server = RedisServer(port, password="hunter2-canary")
        try:
            time.sleep(0.35)
            list_once()
            assert any("answers again" in r.getMessage() for r in caplog.records)
            key = CallContext.create(config).lanes["dataarts"].key
            assert redis.Redis.from_url(url).hget(key, "tat") is not None  # booked in Redis again
        finally:
            server.stop()
    assert "hunter2-canary" not in caplog.text
    assert pending_requests(dataarts_emulator) == 6


def test_a_backend_answering_nonsense_is_not_used(redis_server: RedisServer) -> None:
    assert budget._answered(Budget(redis_server.url, BudgetCall("k", 1)), b"not-a-number") is None
    assert not budget._health_of(redis_server.url).usable(time.monotonic())
