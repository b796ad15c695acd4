# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The client-side token bucket, with a fake clock (nothing sleeps)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.ratelimit import Limiters, TokenBucket
from airflow_dataarts_provider.core.protocol.state import STATE


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    STATE.reset()
    yield
    STATE.reset()


def limiter_for(key: tuple[str, ...], rate: float | None = 10.0, burst: int = 1) -> TokenBucket:
    return STATE.limiters.get(key, rate, burst)


def send_times(bucket: TokenBucket, arrivals: list[float]) -> list[float]:
    return [now + bucket.reserve(now) for now in arrivals]


def test_default_is_the_documented_per_user_limit() -> None:
    bucket = TokenBucket()
    assert bucket.rate == 10 and bucket.burst == 1


def test_25_reservations_at_10_per_second_are_spaced_0_1_s() -> None:
    bucket = TokenBucket(rate=10, burst=1)
    waits = [bucket.reserve(100.0) for _ in range(25)]
    assert waits == pytest.approx([i * 0.1 for i in range(25)])


def test_burst_then_sustained_rate() -> None:
    bucket = TokenBucket(rate=10, burst=3)
    assert send_times(bucket, [0.0] * 6) == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])


def test_idle_time_refills_but_never_beyond_burst() -> None:
    bucket = TokenBucket(rate=10, burst=2)
    send_times(bucket, [0.0] * 4)  # booked until 0.2
    # Long idle: a burst of 2 is available again, not more.
    assert send_times(bucket, [50.0] * 4) == pytest.approx([50, 50, 50.1, 50.2])


def test_requests_arriving_slowly_never_wait() -> None:
    bucket = TokenBucket(rate=10, burst=1)
    assert [bucket.reserve(t / 5) for t in range(20)] == [0.0] * 20  # one every 0.2 s


def test_penalize_pushes_later_reservations_and_drains_the_burst() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    assert bucket.reserve(0.0) == 0
    bucket.penalize(1.0, 3.0)
    # Nothing before 4.0, then the sustained rate (no burst right after a 429).
    assert send_times(bucket, [1.0, 1.0, 2.0]) == pytest.approx([4.0, 4.1, 4.2])
    bucket.penalize(1.0, 1.0)  # a shorter penalty never shortens the current one
    assert send_times(bucket, [1.0]) == pytest.approx([4.3])
    bucket.penalize(10.0, 0)  # ignored
    assert bucket.reserve(10.0) == 0


def test_unlimited() -> None:
    for bucket in (TokenBucket(rate=None), TokenBucket(rate=0), TokenBucket(rate=float("inf"))):
        assert bucket.rate is None
        assert [bucket.reserve(5.0) for _ in range(1000)] == [0.0] * 1000
    bucket = TokenBucket(rate=None)
    bucket.penalize(5.0, 2.0)  # still honours a server's 429
    assert bucket.reserve(5.5) == pytest.approx(1.5)
    assert bucket.reserve(8.0) == 0


def test_shared_across_threads_every_slot_distinct() -> None:
    bucket = limiter_for(("dayu.cn-north-4.myhuaweicloud.com", "AKTEST"), rate=10)
    results: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        mine = [
            limiter_for(("dayu.cn-north-4.myhuaweicloud.com", "AKTEST"), rate=10).reserve(0.0)
            for _ in range(25)
        ]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 200 reservations at the same instant: exactly the slots 0, 0.1, ..., 19.9, none shared.
    assert sorted(results) == pytest.approx([i * 0.1 for i in range(200)])
    assert bucket.reserve(0.0) == pytest.approx(20.0)


def test_registry_shares_by_key_and_keeps_the_strictest_limit() -> None:
    a = limiter_for(("ep", "AK1"), rate=10, burst=3)
    assert limiter_for(("ep", "AK1"), rate=10, burst=3) is a
    assert limiter_for(("ep", "AK2")) is not a
    assert limiter_for(("other", "AK1")) is not a
    limiter_for(("ep", "AK1"), rate=20, burst=5)
    assert (a.rate, a.burst) == (10, 3)
    limiter_for(("ep", "AK1"), rate=5, burst=2)
    assert (a.rate, a.burst) == (5, 2)
    limiter_for(("ep", "AK1"), rate=None)
    assert a.rate == 5
    u = limiter_for(("ep", "AK3"), rate=None)
    limiter_for(("ep", "AK3"), rate=2)
    assert u.rate == 2


@pytest.mark.parametrize(
    ("rate", "burst"),
    [(-1, 1), (float("nan"), 1), ("10", 1), (True, 1), (10, 0), (10, 1.5), (10, True)],
)
def test_invalid_limits(rate: object, burst: object) -> None:
    with pytest.raises(DataArtsConfigError):
        TokenBucket(rate, burst)  # type: ignore[arg-type]
    with pytest.raises(DataArtsConfigError):
        limiter_for(("k",), rate, burst)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ shared budget


def test_budget_call_arguments_and_reply() -> None:
    from airflow_dataarts_provider.core.protocol.ratelimit import BudgetCall

    assert BudgetCall("k", rate=9.0).args() == (111_111, 0)
    assert BudgetCall("k", rate=None).args() == (0, 0)
    assert BudgetCall("k", rate=9.0, penalty=2.5).args() == (111_111, 2_500_000)
    assert BudgetCall.wait_of(250_000) == 0.25
    for nonsense in (-1, None, True, "soon", [1]):
        with pytest.raises(ValueError, match="shared budget answered"):
            BudgetCall.wait_of(nonsense)


def test_budget_key_names_no_account() -> None:
    from airflow_dataarts_provider.core.protocol.ratelimit import budget_key

    key = budget_key("https://dayu.cn-north-4.myhuaweicloud.com", "AKSECRETLOOKING")
    assert key.startswith("airflow-dataarts-provider:rate:") and "AKSECRETLOOKING" not in key
    assert key == budget_key("https://dayu.cn-north-4.myhuaweicloud.com", "AKSECRETLOOKING")
    assert key != budget_key("https://dayu.cn-north-4.myhuaweicloud.com", "AKOTHER")


def test_backend_health_reports_each_outage_once_and_retries_later() -> None:
    from airflow_dataarts_provider.core.protocol.ratelimit import BackendHealth

    health = BackendHealth(retry_s=30)
    assert health.usable(0) and not health.succeeded()
    assert health.failed(10) is True  # the outage starts: log it
    assert not health.usable(39.9)
    assert health.usable(40)  # try the backend again
    assert health.failed(40) is False  # still the same outage: no second log line
    assert not health.usable(69)
    assert health.succeeded() is True  # back: log it once
    assert health.usable(70) and health.succeeded() is False


def test_limiters_are_independent_registries_and_reset_forgets_them() -> None:
    own = Limiters()
    assert own.get(("ep", "AK1")) is not limiter_for(("ep", "AK1"))
    bucket = limiter_for(("ep", "AK9"), rate=1)
    STATE.reset()
    assert limiter_for(("ep", "AK9"), rate=1) is not bucket
