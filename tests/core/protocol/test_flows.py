# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The request engine's attempt loop and the listing flows, on the public scripted driver (no sockets,
no sleeping): what is sent, what is slept, what is raised."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from airflow_dataarts_provider.core.pending_items import calls as pending_calls
from airflow_dataarts_provider.core.protocol import calls as protocol_calls
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAuthenticationError,
    DataArtsInvalidRequestError,
    DataArtsServerError,
    DataArtsThrottledError,
    DataArtsTransportError,
)
from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.core.protocol.retry import RetryEvent, RetryPolicy
from airflow_dataarts_provider.core.protocol.state import STATE
from airflow_dataarts_provider.core.release_packages import calls as release_calls
from airflow_dataarts_provider.core.release_packages import values as release
from airflow_dataarts_provider.transport.scripted import ScriptedDriver

PID = "5f9c2b7e1a4d4c8b9e3f6a1d2c7b8e90"
WS = "a0b1c2d3e4f5061728394a5b6c7d8e9f"
NO_JITTER = RetryPolicy(jitter=False)
EXTRA = {"region": "cn-north-4", "project_id": PID, "workspace": WS, "max_requests_per_second": 0}


def aksk_config(**extra: Any) -> ClientConfig:
    return ClientConfig.from_connection(
        "http://127.0.0.1:9", "AKFLOWTEST0000000000", "SkFlow-0123456789", {**EXTRA, **extra}
    )


def token_config(**extra: Any) -> ClientConfig:
    extras = {
        **EXTRA,
        "auth_type": "token",
        "domain_name": "acct",
        "iam_endpoint": "http://127.0.0.1:9",
        **extra,
    }
    return ClientConfig.from_connection("http://127.0.0.1:9", "user", "Password-1", extras)


def answer(status: int, body: Any, request_id: str = "rid", **headers: str) -> HttpResponse:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(
        status, {"content-type": "application/json", "x-request-id": request_id, **headers}, data
    )


def page(n: int, total: int | None = None) -> HttpResponse:
    return answer(
        200,
        {"data": [{"pending_item_id": f"id{i}"} for i in range(n)], "total": n if total is None else total},
    )


def error(status: int, request_id: str = "rid", **headers: str) -> HttpResponse:
    return answer(status, {"error_code": f"X.{status}", "error_msg": "boom"}, request_id, **headers)


def drop(_request: HttpRequest) -> DataArtsTransportError:
    return DataArtsTransportError("GET", "/p", "connection reset")


def context(driver: ScriptedDriver, config: ClientConfig | None = None, **options: Any) -> CallContext:
    options.setdefault("retry_policy", NO_JITTER)
    return CallContext.create(config or aksk_config(), monotonic=driver.monotonic, **options)


def first_page(config: ClientConfig | None = None) -> protocol_calls.ApiCall[Any]:
    return pending_calls.pending_items(config or aksk_config()).page(100, 0)


@pytest.fixture(autouse=True)
def _no_cached_credentials() -> Any:
    STATE.credentials.clear()
    yield
    STATE.credentials.clear()


def test_retries_then_succeeds_with_the_policys_waits() -> None:
    driver = ScriptedDriver([error(503), drop, page(2)])
    events: list[RetryEvent] = []
    ctx = context(driver, on_retry=events.append)
    result = driver.run(perform(ctx, first_page()))
    assert [i["pending_item_id"] for i in result.items] == ["id0", "id1"]
    assert driver.sleeps == [1, 2]
    assert [(e.attempt, type(e.exception), e.wait, e.elapsed) for e in events] == [
        (1, DataArtsServerError, 1, 0),
        (2, DataArtsTransportError, 2, 1),
    ]
    assert (ctx.stats.requests, ctx.stats.retries) == (3, 2)
    # A fresh signature per attempt: three signed requests, each complete.
    assert all("Signature=" in r.headers["Authorization"] for r in driver.requests)


def test_exhaustion_raises_the_last_original_error() -> None:
    driver = ScriptedDriver([error(500, f"rid-{i}") for i in range(10)])
    with pytest.raises(DataArtsServerError) as info:
        driver.run(perform(context(driver), first_page()))
    assert info.value.request_id == "rid-4"  # five attempts: the fifth answer, not a wrapper
    assert driver.sleeps == [1, 2, 4, 8] and len(driver.requests) == 5


@pytest.mark.parametrize(
    ("status", "cls"), [(401, DataArtsAuthenticationError), (400, DataArtsInvalidRequestError)]
)
def test_permanent_answers_are_never_repeated(status: int, cls: type) -> None:
    driver = ScriptedDriver([error(status), page(1)])
    with pytest.raises(cls):
        driver.run(perform(context(driver), first_page()))
    assert len(driver.requests) == 1 and driver.sleeps == []


def test_a_post_is_repeated_only_when_unprocessed_or_declared_idempotent() -> None:
    config = aksk_config()
    cancel = release_calls.cancel(config, ["p1"])
    driver = ScriptedDriver([error(500)])
    with pytest.raises(DataArtsServerError):
        driver.run(perform(context(driver), cancel))
    driver = ScriptedDriver([error(429, **{"retry-after": "3"}), answer(200, {})])
    assert driver.run(perform(context(driver), cancel)) is None
    assert driver.sleeps == [3]
    listing = release_calls.release_packages(config, {}).page(10, 0)  # a POST that only reads
    driver = ScriptedDriver([error(500), answer(200, {"data": [], "total": 0})])
    assert driver.run(perform(context(driver), listing)).total == 0
    assert json.loads(driver.requests[0].body) == {"limit": 10, "offset": 0}


def test_the_time_budget_counts_sleeps_and_attempt_durations() -> None:
    policy = RetryPolicy(jitter=False, max_attempts=10, max_total_wait=10)
    driver = ScriptedDriver([drop] * 10)
    with pytest.raises(DataArtsTransportError):
        driver.run(perform(context(driver, retry_policy=policy), first_page()))
    assert driver.sleeps == [1, 2, 4]  # 7 s slept; 8 more would pass 10 s

    def slow(request: HttpRequest) -> DataArtsTransportError:
        driver.now += 3  # each attempt takes 3 s: 3, +1, 3, +2, 3 = 12 s; 12 + 4 > 10
        return drop(request)

    driver = ScriptedDriver([slow] * 10)
    with pytest.raises(DataArtsTransportError):
        driver.run(perform(context(driver, retry_policy=policy), first_page()))
    assert driver.sleeps == [1, 2] and driver.now == 1012


def test_a_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    driver = ScriptedDriver([error(429, **{"retry-after": "600"})])
    with pytest.raises(DataArtsThrottledError):
        driver.run(perform(context(driver), first_page()))
    assert driver.sleeps == []


def test_a_jittered_wait_is_drawn_once_per_attempt() -> None:
    driver = ScriptedDriver([drop, drop, drop, page(1)])
    events: list[RetryEvent] = []
    driver.run(
        perform(
            context(driver, retry_policy=RetryPolicy(rng=random.Random(11)), on_retry=events.append),
            first_page(),
        )
    )
    reference = random.Random(11)
    expected = [reference.uniform(0, 1), reference.uniform(0, 2), reference.uniform(0, 4)]
    assert driver.sleeps == expected and [e.wait for e in events] == expected


def iam_token(token: str) -> HttpResponse:
    return answer(201, {"token": {"expires_at": "2099-01-01T00:00:00.000000Z"}}, **{"x-subject-token": token})


def test_a_401_with_a_cached_token_fetches_a_new_one_once() -> None:
    config = token_config()
    driver = ScriptedDriver([iam_token("tok-1"), error(401), iam_token("tok-2"), page(1)])
    driver.run(perform(context(driver, config), first_page(config)))
    sent = [r.headers.get("X-Auth-Token") for r in driver.requests if "pending-items" in r.url]
    assert sent == ["tok-1", "tok-2"]  # never the same token twice
    driver = ScriptedDriver([iam_token("tok-3"), error(401), iam_token("tok-4"), error(401)])
    STATE.credentials.clear()
    with pytest.raises(DataArtsAuthenticationError):
        driver.run(perform(context(driver, config), first_page(config)))
    assert len(driver.requests) == 4  # a second 401 is final


def test_a_failing_credential_fetch_is_not_retried_again_by_the_call() -> None:
    config = token_config(max_attempts=3)
    driver = ScriptedDriver([error(500)] * 20)
    with pytest.raises(DataArtsServerError):
        driver.run(perform(context(driver, config, retry_policy=None), first_page(config)))
    assert len(driver.requests) == 3  # the token fetch's own three attempts, not 3 x 3
    assert all("/v3/auth/tokens" in r.url for r in driver.requests)


def test_a_listing_walks_every_page_and_learns_the_offset_semantics() -> None:
    config = aksk_config(offset_mode="page")
    rows = [{"pending_item_id": f"id{i}"} for i in range(250)]

    def serve(request: HttpRequest) -> HttpResponse:
        query = dict(pair.split("=") for pair in request.url.split("?", 1)[1].split("&"))
        limit, offset = int(query["limit"]), int(query["offset"])
        return answer(200, {"data": rows[offset * limit : (offset + 1) * limit], "total": len(rows)})

    driver = ScriptedDriver([serve] * 10)
    ctx = context(driver, config)
    result = driver.run(list_flow(ctx, pending_calls.pending_items(config), emit=True))
    assert [i["pending_item_id"] for i in result.items] == [r["pending_item_id"] for r in rows]
    assert [i["pending_item_id"] for i in driver.emitted] == [r["pending_item_id"] for r in rows]
    assert (ctx.stats.pages, ctx.stats.items, len(driver.requests)) == (3, 250, 3)
    assert not result.truncated


def test_bad_values_are_refused_before_any_request() -> None:
    config = aksk_config()
    with pytest.raises(Exception, match="startup_mode"):
        release_calls.deploy(config, ["p1"], 7)
    with pytest.raises(Exception, match="package_ids"):
        release_calls.cancel(config, [])
    assert release.check_startup_mode(0) == 0


def test_a_shared_budget_that_cannot_answer_leaves_the_local_bucket_in_charge() -> None:
    """The engine asks the shared budget first; the scripted driver answers None (backend unusable), so
    the local bucket spaces the requests; a 429 pushes both back."""
    from airflow_dataarts_provider.core.pending_items import calls as pending_calls
    from airflow_dataarts_provider.core.protocol.config import ClientConfig
    from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
    from airflow_dataarts_provider.core.protocol.http import HttpResponse
    from airflow_dataarts_provider.transport.scripted import ScriptedDriver

    config = ClientConfig.from_connection(
        None, "AK1", "SK1", {"region": "cn-north-4", "project_id": "0" * 32, "workspace": "w1"}
    )
    ok = HttpResponse(200, {"content-type": "application/json"}, b'{"total": 0, "pending_items": []}')
    throttled = HttpResponse(429, {"retry-after": "3"}, b'{"error_code": "APIGW.0308", "error_msg": "x"}')
    driver = ScriptedDriver([throttled, ok, ok])
    url = "redis://:pw@127.0.0.1:6379/0"
    for _ in range(2):
        ctx = CallContext.create(config, monotonic=driver.monotonic, budget_backend=url)
        driver.run(perform(ctx, pending_calls.pending_items(config).page(10, 0)))
    kinds = [(b.call.penalty > 0, b.call.rate) for b in driver.budget_calls]
    assert kinds == [(False, 8.5), (True, 8.5), (False, 8.5), (False, 8.5)]
    assert driver.budget_calls[1].call.penalty == 3.0
    assert "pw" not in repr(driver.budget_calls[0]) and "pw" not in repr(ctx)
    assert driver.sleeps[0] >= 3.0  # the Retry-After, then the local bucket's spacing
