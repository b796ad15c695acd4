# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Each API family has its own rate budget, as the gateway counts them: the V2 factory APIs 10 requests/s
per user, the V1 job and script APIs 30/s (connection extras ``max_requests_per_second`` and
``dlf_max_requests_per_second``), in the client and in the emulator. Real loopback HTTP; the emulator
counts the busiest sliding second per family."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from helpers.hooks import make_hook, set_connection

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsThrottledError
from airflow_dataarts_provider.emulator import Emulator

JOB = "daily_sales_job"


def _documented(monkeypatch: pytest.MonkeyPatch, emu: Emulator, **extras: Any) -> None:
    """A connection with the documented limits (the defaults) unless ``extras`` say otherwise."""
    limits: dict[str, Any] = {"max_requests_per_second": None, "dlf_max_requests_per_second": None}
    set_connection(monkeypatch, emu, **{**limits, **extras})


def test_each_family_keeps_its_documented_limit_and_none_is_throttled(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """V1 and V2 requests at once, from one identity: V1 runs above V2's 10/s (its own budget, 30/s),
    V2 stays within 10/s, and the emulator (enforcing both) throttles nothing."""
    emu: Emulator = dataarts_emulator_factory(seed_items=3)  # the documented limits: 10/s and 30/s
    assert (emu.info()["rate_limit_per_user"], emu.info()["dlf_rate_limit_per_user"]) == (10.0, 30.0)
    _documented(monkeypatch, emu)
    hook = make_hook()
    instance_id = hook.run_job(JOB)

    def v1() -> None:
        for _ in range(45):
            hook.get_job_instance(JOB, instance_id)

    def v2() -> None:
        for _ in range(15):
            hook.get_patch_data_run("af_none")

    threads = [threading.Thread(target=v1), threading.Thread(target=v2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    counters = emu.counters()
    (user,) = counters["peak_1s_window_dlf"]
    assert counters["throttled"] == 0
    assert 10 < counters["peak_1s_window_dlf"][user] <= 30  # one shared 10/s budget could not exceed 10
    assert counters["peak_1s_window"][user] <= 10


def test_a_429_on_one_family_pushes_back_only_that_family(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu: Emulator = dataarts_emulator_factory(seed_items=3)
    _documented(monkeypatch, emu, max_attempts=1)  # the connection says 30/s on V1; the account: 1/s
    hook = make_hook()
    instance_id = hook.run_job(JOB)
    emu.set_rate_limit(1, family="dlf")
    hook.get_job_instance(JOB, instance_id)
    with pytest.raises(DataArtsThrottledError):
        hook.get_job_instance(JOB, instance_id)  # the second V1 request within the second
    lanes = CallContext.create(hook.get_config()).lanes
    now = time.monotonic()
    assert lanes["dlf"].limiter.reserve(now) >= 0.5  # pushed back by the 429's Retry-After
    assert lanes["dataarts"].limiter.reserve(now) == 0.0  # the V2 budget is untouched
    assert hook.get_patch_data_run("af_none") is None  # and V2 requests go on
    assert emu.counters()["throttled"] == 1


@pytest.mark.parametrize(
    ("extras", "expected"),
    [
        ({}, (10.0, 30.0)),
        ({"dlf_max_requests_per_second": 5}, (10.0, 5.0)),
        ({"dlf_max_requests_per_second": 0, "max_requests_per_second": "2"}, (2.0, None)),
        ({"dlf_max_requests_per_second": None}, (10.0, None)),
        ({"dlf_max_requests_per_second": ""}, (10.0, 30.0)),
    ],
)
def test_the_limits_come_from_the_connection(extras: dict[str, Any], expected: tuple[Any, Any]) -> None:
    config = ClientConfig.from_connection(None, "AK", "SK", _extra(extras))
    assert (config.max_requests_per_second, config.dlf_max_requests_per_second) == expected


def test_a_bad_limit_names_its_field() -> None:
    with pytest.raises(DataArtsConfigError, match="dlf_max_requests_per_second"):
        ClientConfig.from_connection(None, "AK", "SK", _extra({"dlf_max_requests_per_second": 1000}))


def _extra(extras: dict[str, Any]) -> dict[str, Any]:
    return {"region": "cn-north-4", "project_id": "0123456789abcdef0123456789abcdef", **extras}


def test_the_shared_budget_keeps_the_families_apart(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, redis_server: Any
) -> None:
    import redis

    emu: Emulator = dataarts_emulator_factory(seed_items=3)
    _documented(monkeypatch, emu, rate_limit_backend=redis_server.url)
    hook = make_hook()
    hook.get_patch_data_run("af_none")  # V2
    keys = redis.Redis.from_url(redis_server.url).keys("airflow-dataarts-provider:rate:*")
    assert len(keys) == 1
    hook.run_job(JOB)  # V1: a budget of its own
    keys = redis.Redis.from_url(redis_server.url).keys("airflow-dataarts-provider:rate:*")
    lanes = CallContext.create(hook.get_config()).lanes
    assert sorted(keys) == sorted(lane.key.encode() for lane in lanes.values())
    _documented(monkeypatch, emu, dlf_max_requests_per_second=0, rate_limit_backend=redis_server.url)
    redis.Redis.from_url(redis_server.url).flushall()
    make_hook().run_job(JOB)  # V1 without a limit books nothing (V2's budget is on)
    assert redis.Redis.from_url(redis_server.url).keys("airflow-dataarts-provider:rate:*") == []
