# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pure retry policy: classification, waits, budgets (the attempt loop itself: test_flows.py)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from airflow_dataarts_provider.core.protocol.errors import (
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
from airflow_dataarts_provider.core.protocol.retry import RetryPolicy

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


def transport() -> DataArtsTransportError:
    return DataArtsTransportError("GET", "/p", "connection reset")


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


def test_next_wait_combines_the_errors_answer_with_the_budgets() -> None:
    policy = RetryPolicy(jitter=False, max_attempts=3, max_total_wait=10)
    assert policy.next_wait(transport(), 1, 0.0, method="GET") == 1
    assert policy.next_wait(transport(), 1, 0.0, method="POST") is None  # not idempotent
    assert policy.next_wait(api(DataArtsThrottledError, 429), 1, 0.0, method="POST") == 5  # unprocessed
    assert policy.next_wait(transport(), 3, 0.0, method="GET") is None  # attempts exhausted
    assert policy.next_wait(transport(), 2, 8.5, method="GET") is None  # 8.5 + 2 > 10
    assert policy.next_wait(api(DataArtsNotFoundError, 404), 1, 0.0, method="GET") is None


@pytest.mark.parametrize(
    ("exc", "retryable", "unprocessed", "permanent"),
    [
        (api(DataArtsThrottledError, 429), True, True, False),
        (api(DataArtsAPIError, 429), True, True, False),  # by status, whatever the class
        (api(DataArtsServerError, 503), True, False, False),
        (api(DataArtsAuthenticationError, 401), False, False, True),
        (api(DataArtsNotFoundError, 404), False, False, True),
        (transport(), True, False, False),
        (BAD_BODY, True, False, False),
        (DataArtsConfigError("f", "bad"), False, False, True),
        (DataArtsPaginationError("moved"), False, False, False),  # a later walk may succeed
    ],
)
def test_errors_answer_for_themselves(exc: Any, retryable: bool, unprocessed: bool, permanent: bool) -> None:
    assert (exc.retryable, exc.unprocessed, exc.permanent) == (retryable, unprocessed, permanent)
