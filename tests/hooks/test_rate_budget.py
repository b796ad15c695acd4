# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Which rate budget a hook uses (``rate_limit_backend``): the Celery broker's Redis under CeleryExecutor
(``auto``), a Redis URL, or this process; against a real Redis protocol server
(tests/helpers/redis_server.py)."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from helpers.hooks import make_hook, pending_requests, set_connection

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.emulator import Emulator
from airflow_dataarts_provider.hooks import rate_budget

ITEMS = 25  # the dataarts_emulator fixture's seeded items: one page
CELERY = "airflow.providers.celery.executors.celery_executor.CeleryExecutor"


def deployment(monkeypatch: pytest.MonkeyPatch, executor: str, broker: str | None) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", executor)
    if broker is None:
        monkeypatch.delenv("AIRFLOW__CELERY__BROKER_URL", raising=False)
    else:
        monkeypatch.setenv("AIRFLOW__CELERY__BROKER_URL", broker)


def bookings(server: Any) -> dict[bytes, dict[bytes, bytes]]:
    client = redis.Redis.from_url(server.url)
    return {key: client.hgetall(key) for key in client.keys("airflow-dataarts-provider:rate:*")}


@pytest.mark.parametrize("executor", ["CeleryExecutor", CELERY, "LocalExecutor,CeleryExecutor"])
async def test_auto_shares_through_the_celery_brokers_redis(
    dataarts_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, redis_server: Any, executor: str
) -> None:
    deployment(monkeypatch, executor, redis_server.url)
    set_connection(monkeypatch, dataarts_emulator, max_requests_per_second=50)
    hook = make_hook()
    assert len(hook.list_pending_items()) == ITEMS
    booked = bookings(redis_server)
    assert len(booked) == 1
    tat = int(next(iter(booked.values()))[b"tat"])
    assert len(await hook.alist_pending_items()) == ITEMS  # the triggers' driver books there too
    assert int(next(iter(bookings(redis_server).values()))[b"tat"]) > tat
    assert pending_requests(dataarts_emulator) == 2


@pytest.mark.parametrize(
    ("executor", "broker", "setting"),
    [
        ("LocalExecutor", "redis://127.0.0.1:1/0", "auto"),  # not Celery: its broker setting is not ours
        ("CeleryExecutor", "amqp://guest@127.0.0.1//", "auto"),  # Celery on RabbitMQ: no Redis to share
        ("CeleryExecutor", None, "local"),  # the broker is Redis (below) but the connection says local
    ],
)
def test_the_budget_stays_in_the_process(
    dataarts_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    redis_server: Any,
    executor: str,
    broker: str | None,
    setting: str,
) -> None:
    deployment(monkeypatch, executor, broker or redis_server.url)
    set_connection(monkeypatch, dataarts_emulator, max_requests_per_second=50, rate_limit_backend=setting)
    assert len(make_hook().list_pending_items()) == ITEMS
    assert bookings(redis_server) == {}


def test_an_explicit_url_shares_under_any_executor(
    dataarts_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, redis_server: Any
) -> None:
    deployment(monkeypatch, "LocalExecutor", None)
    set_connection(
        monkeypatch, dataarts_emulator, max_requests_per_second=50, rate_limit_backend=redis_server.url
    )
    make_hook().list_pending_items()
    assert len(bookings(redis_server)) == 1


def test_no_limit_means_nothing_to_share(
    dataarts_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, redis_server: Any
) -> None:
    set_connection(
        monkeypatch, dataarts_emulator, max_requests_per_second=0, rate_limit_backend=redis_server.url
    )
    make_hook().list_pending_items()
    assert bookings(redis_server) == {}


def test_a_redis_url_without_redis_py_fails_before_any_request(
    dataarts_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_budget, "redis_available", lambda: False)
    url = "redis://:pw-canary@127.0.0.1:6379/0"
    set_connection(monkeypatch, dataarts_emulator, max_requests_per_second=50, rate_limit_backend=url)
    with pytest.raises(DataArtsConfigError) as info:
        make_hook().list_pending_items()
    assert info.value.field == "rate_limit_backend"
    assert "pip install redis" in str(info.value) and "pw-canary" not in str(info.value)
    assert pending_requests(dataarts_emulator) == 0


def test_auto_without_redis_py_stays_local(monkeypatch: pytest.MonkeyPatch, redis_server: Any) -> None:
    deployment(monkeypatch, "CeleryExecutor", redis_server.url)
    monkeypatch.setattr(rate_budget, "redis_available", lambda: False)
    assert rate_budget.celery_redis_broker() == redis_server.url
    from airflow_dataarts_provider.core.protocol.config import ClientConfig

    config = ClientConfig.from_connection(None, "AK", "SK", {"region": "cn-north-4", "project_id": "0" * 32})
    assert rate_budget.budget_backend(config) is None
