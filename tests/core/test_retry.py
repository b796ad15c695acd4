"""The shared retry policy: classification, waits, and the sync/async tenacity wiring."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import tenacity

from airflow_dataarts_provider.core.errors import (
    DataArtsAPIError,
    DataArtsAuthenticationError,
    DataArtsConfigError,
    DataArtsInvalidRequestError,
    DataArtsNotFoundError,
    DataArtsPaginationError,
    DataArtsPermissionError,
    DataArtsResponseError,
    DataArtsServerError,
    DataArtsThrottledError,
    DataArtsTransportError,
)
from airflow_dataarts_provider.core.retry import RetryEvent, RetryPolicy

NO_JITTER = RetryPolicy(jitter=False)


def api(cls: type[DataArtsAPIError], status: int, retry_after: float | None = None) -> DataArtsAPIError:
    return cls(
        status=status,
        error_code="X.1",
        error_msg="boom",
        request_id="rid",
        method="GET",
        path="/p",
        retry_after=retry_after,
    )


def transport(request_sent: bool | None = None) -> DataArtsTransportError:
    exc = DataArtsTransportError("GET", "/p", "connection reset")
    if request_sent is not None:
        exc.request_sent = request_sent  # type: ignore[attr-defined]  # the proposed attribute
    return exc


BAD_BODY = DataArtsResponseError("GET", "/p", 200, "malformed JSON", "rid")


@pytest.mark.parametrize(
    ("exc", "method", "idempotent", "expected"),
    [
        (api(DataArtsThrottledError, 429), "GET", None, True),
        (api(DataArtsThrottledError, 429), "POST", None, True),
        (api(DataArtsAPIError, 429), "POST", None, True),  # classified by status, not only class
        (api(DataArtsServerError, 500), "GET", None, True),
        (api(DataArtsServerError, 503), "HEAD", None, True),
        (api(DataArtsServerError, 502), "get", None, True),
        (api(DataArtsServerError, 500), "POST", None, False),
        (api(DataArtsServerError, 500), "POST", True, True),
        (api(DataArtsServerError, 500), "GET", False, False),
        (api(DataArtsInvalidRequestError, 400), "GET", None, False),
        (api(DataArtsAuthenticationError, 401), "GET", None, False),
        (api(DataArtsAuthenticationError, 401), "GET", True, False),
        (api(DataArtsPermissionError, 403), "GET", None, False),
        (api(DataArtsNotFoundError, 404), "GET", None, False),
        (api(DataArtsInvalidRequestError, 409), "GET", None, False),
        (transport(), "GET", None, True),
        (transport(), "POST", None, False),
        (transport(request_sent=True), "POST", None, False),
        (transport(request_sent=False), "POST", None, True),
        (transport(), "POST", True, True),
        (BAD_BODY, "GET", None, True),
        (BAD_BODY, "POST", None, False),
        (DataArtsConfigError("region", "unknown"), "GET", None, False),
        (DataArtsPaginationError("kept changing"), "GET", None, False),
        (ValueError("bug"), "GET", None, False),
        (KeyboardInterrupt(), "GET", None, False),
    ],
)
def test_classification(exc: BaseException, method: str, idempotent: bool | None, expected: bool) -> None:
    assert RetryPolicy().is_retryable(exc, method, idempotent=idempotent) is expected


def test_backoff_without_jitter_doubles_and_caps() -> None:
    waits = [NO_JITTER.wait_seconds(a, api(DataArtsServerError, 500)) for a in range(1, 9)]
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert NO_JITTER.wait_seconds(10_000, transport()) == 30  # no overflow


def test_full_jitter_uses_the_given_rng() -> None:
    policy = RetryPolicy(rng=random.Random(7))
    reference = random.Random(7)
    for attempt in range(1, 8):
        cap = min(30.0, 2.0 ** (attempt - 1))
        expected = reference.uniform(0.0, cap)
        got = policy.wait_seconds(attempt, transport())
        assert got == expected and 0 <= got <= cap
    # A per-call rng takes precedence.
    assert RetryPolicy().wait_seconds(3, transport(), rng=random.Random(1)) == random.Random(1).uniform(0, 4)


def test_server_retry_after_is_honoured_on_503_and_zero_is_respected() -> None:
    assert NO_JITTER.wait_seconds(1, api(DataArtsServerError, 503, retry_after=7)) == 7
    assert NO_JITTER.wait_seconds(1, api(DataArtsServerError, 503)) == 1  # plain backoff without a hint
    assert NO_JITTER.wait_seconds(1, api(DataArtsThrottledError, 429, retry_after=0)) == 1  # not 2-5 s


def test_throttle_waits() -> None:
    assert NO_JITTER.wait_seconds(1, api(DataArtsThrottledError, 429, retry_after=10)) == 10
    # Retry-After shorter than the backoff: the backoff wins.
    assert NO_JITTER.wait_seconds(4, api(DataArtsThrottledError, 429, retry_after=0.5)) == 8
    # No Retry-After: Huawei's 2-5 s (upper bound without jitter), still at least the backoff.
    assert NO_JITTER.wait_seconds(1, api(DataArtsThrottledError, 429)) == 5
    assert NO_JITTER.wait_seconds(5, api(DataArtsThrottledError, 429)) == 16
    policy = RetryPolicy(rng=random.Random(3))
    for _ in range(200):
        assert 2 <= policy.wait_seconds(1, api(DataArtsThrottledError, 429)) <= 5


def test_should_stop() -> None:
    policy = RetryPolicy(max_attempts=3, max_total_wait=10)
    assert not policy.should_stop(1, 0, 1)
    assert policy.should_stop(3, 0, 1)
    assert not policy.should_stop(2, 8, 2)
    assert policy.should_stop(2, 8, 2.5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": 2.5},
        {"max_attempts": True},
        {"max_total_wait": -1},
        {"max_total_wait": float("inf")},
        {"backoff_initial": 0},
        {"backoff_max": 0.5},
        {"backoff_initial": float("nan")},
        {"jitter": 1},
        {"throttle_wait": (5.0, 2.0)},
    ],
)
def test_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(DataArtsConfigError):
        RetryPolicy(**kwargs)


def test_frozen() -> None:
    with pytest.raises(AttributeError):
        RetryPolicy().max_attempts = 3  # type: ignore[misc]


# ---------------------------------------------------------------------------- tenacity wiring


class FakeTime:
    """A clock advanced only by the fake sleeps (and by the simulated attempts)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(
    errors: Sequence[BaseException], result: str = "ok", cost: float = 0.0, t: FakeTime | None = None
) -> Callable[[], str]:
    calls = iter(errors)

    def fn() -> str:
        if t is not None:
            t.now += cost
        exc = next(calls, None)
        if exc is not None:
            raise exc
        return result

    return fn


def test_sync_retries_then_succeeds() -> None:
    t = FakeTime()
    events: list[RetryEvent] = []
    errors = [api(DataArtsServerError, 503), transport()]
    r = NO_JITTER.retrying("GET", sleep=t.sleep, on_retry=events.append, clock=t.clock)
    fn = failing(list(errors))
    result = None
    for attempt in r:
        with attempt:
            result = fn()
    assert result == "ok"
    assert t.sleeps == [1, 2]
    assert [(e.attempt, e.exception, e.wait, e.elapsed) for e in events] == [
        (1, errors[0], 1, 0),
        (2, errors[1], 2, 1),
    ]
    assert r.statistics["attempt_number"] == 3


def test_sync_call_style_and_reuse() -> None:
    t = FakeTime()
    r = NO_JITTER.retrying("GET", sleep=t.sleep, clock=t.clock)
    assert r(failing([BAD_BODY])) == "ok"
    assert r(failing([BAD_BODY, BAD_BODY])) == "ok"  # independent runs
    assert t.sleeps == [1, 1, 2]


def test_exhaustion_reraises_the_last_original_error() -> None:
    t = FakeTime()
    errors = [api(DataArtsServerError, 500) for _ in range(10)]
    r = NO_JITTER.retrying("GET", sleep=t.sleep, clock=t.clock)
    with pytest.raises(DataArtsServerError) as info:
        r(failing(errors))
    assert info.value is errors[4]  # 5 attempts: the fifth error, not tenacity.RetryError
    assert not isinstance(info.value, tenacity.RetryError)
    assert t.sleeps == [1, 2, 4, 8]


@pytest.mark.parametrize(
    "exc",
    [
        api(DataArtsAuthenticationError, 401),
        api(DataArtsInvalidRequestError, 400),
        DataArtsConfigError("ak", "missing"),
    ],
)
def test_never_retried(exc: BaseException) -> None:
    t = FakeTime()
    events: list[RetryEvent] = []
    r = NO_JITTER.retrying("GET", sleep=t.sleep, on_retry=events.append, clock=t.clock)
    calls = 0

    def fn() -> None:
        nonlocal calls
        calls += 1
        raise exc

    with pytest.raises(type(exc)) as info:
        r(fn)
    assert info.value is exc and calls == 1 and t.sleeps == [] and events == []


def test_post_server_error_not_retried_but_throttle_is() -> None:
    t = FakeTime()
    r = NO_JITTER.retrying("POST", sleep=t.sleep, clock=t.clock)
    with pytest.raises(DataArtsServerError):
        r(failing([api(DataArtsServerError, 500)]))
    assert r(failing([api(DataArtsThrottledError, 429, retry_after=3)])) == "ok"
    assert t.sleeps == [3]
    assert (
        NO_JITTER.retrying("POST", idempotent=True, sleep=t.sleep, clock=t.clock)(
            failing([api(DataArtsServerError, 500)])
        )
        == "ok"
    )


def test_total_time_bound_counts_sleeps_and_attempt_durations() -> None:
    # Waits 1, 2, 4 bring the clock to 7 s; waiting 8 more would pass 10 s: stop after attempt 4.
    t = FakeTime()
    errors = [transport() for _ in range(10)]
    r = RetryPolicy(jitter=False, max_attempts=10, max_total_wait=10).retrying(
        "GET", sleep=t.sleep, clock=t.clock
    )
    with pytest.raises(DataArtsTransportError) as info:
        r(failing(errors))
    assert info.value is errors[3] and t.sleeps == [1, 2, 4]

    # Each attempt takes 3 s: ends at 3, +1 -> 4; ends at 7, +2 -> 9; ends at 12: 12 + 4 > 10, stop.
    t = FakeTime()
    r = RetryPolicy(jitter=False, max_attempts=10, max_total_wait=10).retrying(
        "GET", sleep=t.sleep, clock=t.clock
    )
    with pytest.raises(DataArtsTransportError):
        r(failing([transport() for _ in range(10)], cost=3, t=t))
    assert t.sleeps == [1, 2] and t.now == 1012


def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    t = FakeTime()
    throttled = api(DataArtsThrottledError, 429, retry_after=600)
    r = NO_JITTER.retrying("GET", sleep=t.sleep, clock=t.clock)
    with pytest.raises(DataArtsThrottledError) as info:
        r(failing([throttled]))
    assert info.value is throttled and t.sleeps == []


def test_jittered_wait_is_computed_once_per_attempt() -> None:
    # The slept value, the logged value and the value checked against the budget are the same draw.
    t = FakeTime()
    events: list[RetryEvent] = []
    policy = RetryPolicy(rng=random.Random(11))
    r = policy.retrying("GET", sleep=t.sleep, on_retry=events.append, clock=t.clock)
    assert r(failing([transport(), transport(), transport()])) == "ok"
    reference = random.Random(11)
    expected = [reference.uniform(0, 1), reference.uniform(0, 2), reference.uniform(0, 4)]
    assert t.sleeps == expected
    assert [e.wait for e in events] == expected


def test_default_sleep_and_clock_are_usable() -> None:
    # Real sleeping, kept to a few milliseconds.
    r = RetryPolicy(jitter=False, backoff_initial=0.001, backoff_max=0.002).retrying("GET")
    assert r(failing([transport(), transport()])) == "ok"
