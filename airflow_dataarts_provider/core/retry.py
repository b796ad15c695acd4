"""One retry policy for the sync and the async transport, built on tenacity.

The decisions are pure methods of :class:`RetryPolicy` (:meth:`~RetryPolicy.is_retryable`,
:meth:`~RetryPolicy.wait_seconds`, :meth:`~RetryPolicy.should_stop`). :meth:`~RetryPolicy.retrying`
wraps them into a ``tenacity.Retrying``; the sleep and the clock are injectable (defaults:
``time.sleep`` and ``time.monotonic``). The protocol flows (:mod:`~airflow_dataarts_provider.core.flows`)
pass a recording ``sleep`` and turn each wait into a ``Sleep`` effect, so the same tenacity loop
serves the sync and the async driver. When attempts or time run out, the last original exception
is re-raised (never ``tenacity.RetryError``). Usage::

    for attempt in policy.retrying("GET", on_retry=log_retry):
        with attempt:
            page = send_and_parse(request)          # raises DataArts* errors

Classification (the "idempotent" default is GET/HEAD/OPTIONS; pass ``idempotent=`` to override):

=======================================  ===================================================
HTTP 429 (throttled)                     retry, any method (the gateway refused it unprocessed),
                                         waiting max(Retry-After, backoff), 2-5 s when absent
HTTP 5xx                                 retry when idempotent
``DataArtsTransportError``               retry when idempotent, or when ``exc.request_sent is
                                         False`` (provably never reached the server)
``DataArtsResponseError`` (bad body)     retry when idempotent
other 4xx (400/401/403/404...)           never (five failed AK/SK attempts lock the keys)
config, pagination, any other exception  never
=======================================  ===================================================
"""

from __future__ import annotations

import math
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_dataarts_provider.core.errors import (
    DataArtsAPIError,
    DataArtsConfigError,
    DataArtsResponseError,
    DataArtsTransportError,
)

if TYPE_CHECKING:  # imported on first use: DAG files importing operators do not pay for it
    import tenacity

__all__ = ["IDEMPOTENT_METHODS", "RetryEvent", "RetryPolicy"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_RNG = random.Random()  # noqa: S311 - jitter, not cryptography


@dataclass(frozen=True)
class RetryEvent:
    """Passed to ``on_retry`` just before sleeping: ``attempt`` failed with ``exception``; the next
    attempt (``attempt + 1``) starts after ``wait`` seconds; ``elapsed`` since the first attempt."""

    attempt: int
    exception: BaseException
    wait: float
    elapsed: float


def _is_throttle(exc: BaseException) -> bool:
    return isinstance(exc, DataArtsAPIError) and exc.status == 429


@dataclass(frozen=True)
class RetryPolicy:
    """Retry decisions. ``max_attempts`` counts the first attempt; no retry is scheduled to start more
    than ``max_total_wait`` seconds after the first attempt began (sleeps and attempts included)."""

    max_attempts: int = 5
    max_total_wait: float = 120.0
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    jitter: bool = True
    #: Wait range after a 429 without Retry-After (Huawei advises 2-5 s); the upper bound without jitter.
    throttle_wait: tuple[float, float] = (2.0, 5.0)
    #: Source of jitter (seed one in tests); None uses a module-level generator.
    rng: random.Random | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise DataArtsConfigError("max_attempts", f"{self.max_attempts!r} is not an integer")
        if self.max_attempts < 1:
            raise DataArtsConfigError("max_attempts", f"{self.max_attempts} is below 1", "1 or more")
        for name in ("max_total_wait", "backoff_initial", "backoff_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise DataArtsConfigError(name, f"{value!r} is not a finite number of seconds")
        if self.max_total_wait < 0:
            raise DataArtsConfigError("max_total_wait", f"{self.max_total_wait} is negative")
        if self.backoff_initial <= 0:
            raise DataArtsConfigError("backoff_initial", f"{self.backoff_initial} is not positive")
        if self.backoff_max < self.backoff_initial:
            raise DataArtsConfigError(
                "backoff_max", f"{self.backoff_max} is below backoff_initial ({self.backoff_initial})"
            )
        if not isinstance(self.jitter, bool):
            raise DataArtsConfigError("jitter", f"{self.jitter!r} is not a boolean")
        low, high = self.throttle_wait
        if not (math.isfinite(low) and math.isfinite(high) and 0 <= low <= high):
            raise DataArtsConfigError("throttle_wait", f"{self.throttle_wait!r} is not a (low, high) range")

    # ------------------------------------------------------------------ pure decisions

    def is_retryable(self, exc: BaseException, method: str, *, idempotent: bool | None = None) -> bool:
        """Whether a failed attempt of ``method`` may be repeated (see the module table)."""
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        if isinstance(exc, DataArtsAPIError):
            if exc.status == 429:
                return True
            if exc.status >= 500:
                return safe
            return False
        if isinstance(exc, DataArtsTransportError):
            return safe or getattr(exc, "request_sent", None) is False
        if isinstance(exc, DataArtsResponseError):
            return safe
        return False

    def backoff_seconds(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """Exponential backoff after failed attempt ``attempt`` (1-based), capped at ``backoff_max``;
        with jitter, "full jitter": uniform in [0, cap]."""
        if attempt < 1:
            raise ValueError(f"attempt must be 1 or more, got {attempt}")
        cap = min(self.backoff_max, self.backoff_initial * 2.0 ** min(attempt - 1, 64))
        if not self.jitter:
            return cap
        return (rng or self.rng or _DEFAULT_RNG).uniform(0.0, cap)

    def wait_seconds(self, attempt: int, exc: BaseException, *, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based) before the next one."""
        backoff = self.backoff_seconds(attempt, rng=rng)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            return max(float(retry_after), backoff)  # the server's hint (429, 503)
        if not _is_throttle(exc):
            return backoff
        low, high = self.throttle_wait
        hint = (rng or self.rng or _DEFAULT_RNG).uniform(low, high) if self.jitter else high
        return max(hint, backoff)

    def should_stop(self, attempt: int, elapsed: float, next_wait: float) -> bool:
        """True when no attempt may follow failed attempt ``attempt``: attempts are exhausted, or the
        next one would start after ``max_total_wait`` seconds (``elapsed`` since the first began)."""
        return attempt >= self.max_attempts or elapsed + next_wait > self.max_total_wait

    # ------------------------------------------------------------------ tenacity factories

    def retrying(
        self,
        method: str,
        *,
        idempotent: bool | None = None,
        sleep: Callable[[float], None] | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> tenacity.Retrying:
        """A ``tenacity.Retrying`` applying this policy to one request of ``method``. Reusable: each
        iteration (``for attempt in r``) or ``r(fn)`` call is independent. ``r.statistics`` also counts
        attempts; ``on_retry`` sees each retry (for logging)."""
        c = _Controller(self, method, idempotent, on_retry, clock)
        import tenacity

        retrying = tenacity.Retrying(
            retry=c.retry,
            wait=c.wait,
            stop=c.stop,
            before=c.before,
            before_sleep=c.before_sleep,
            reraise=True,
        )
        return retrying if sleep is None else retrying.copy(sleep=sleep)


@dataclass
class _CallState:
    started: float
    planned: dict[int, float] = field(default_factory=dict)  # attempt number -> wait after it


class _Controller:
    """Adapts the policy to tenacity's retry/wait/stop/before/before_sleep hooks.

    The wait after an attempt is computed once and shared by ``wait`` and ``stop`` (jitter makes a
    second computation differ), whatever order the tenacity version calls them in.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        method: str,
        idempotent: bool | None,
        on_retry: Callable[[RetryEvent], None] | None,
        clock: Callable[[], float] | None,
    ) -> None:
        self._policy = policy
        self._method = method
        self._idempotent = idempotent
        self._on_retry = on_retry
        self._clock = clock or time.monotonic
        self._calls: weakref.WeakKeyDictionary[tenacity.RetryCallState, _CallState] = (
            weakref.WeakKeyDictionary()
        )

    def _call(self, rs: tenacity.RetryCallState) -> _CallState:
        state = self._calls.get(rs)
        if state is None:  # before() was not called (should not happen): start counting now
            state = self._calls[rs] = _CallState(started=self._clock())
        return state

    @staticmethod
    def _exception(rs: tenacity.RetryCallState) -> BaseException | None:
        outcome = rs.outcome
        if outcome is None or not outcome.failed:
            return None
        return outcome.exception()

    def before(self, rs: tenacity.RetryCallState) -> None:
        if rs.attempt_number == 1:
            self._calls[rs] = _CallState(started=self._clock())

    def retry(self, rs: tenacity.RetryCallState) -> bool:
        exc = self._exception(rs)
        return exc is not None and self._policy.is_retryable(exc, self._method, idempotent=self._idempotent)

    def _planned_wait(self, rs: tenacity.RetryCallState) -> float:
        state = self._call(rs)
        attempt = rs.attempt_number
        if attempt not in state.planned:
            exc = self._exception(rs)
            state.planned[attempt] = (
                self._policy.wait_seconds(attempt, exc)
                if exc is not None
                else self._policy.backoff_seconds(attempt)
            )
        return state.planned[attempt]

    def wait(self, rs: tenacity.RetryCallState) -> float:
        return self._planned_wait(rs)

    def stop(self, rs: tenacity.RetryCallState) -> bool:
        elapsed = self._clock() - self._call(rs).started
        return self._policy.should_stop(rs.attempt_number, elapsed, self._planned_wait(rs))

    def before_sleep(self, rs: tenacity.RetryCallState) -> None:
        if self._on_retry is None:
            return
        exc = self._exception(rs)
        if exc is None:  # pragma: no cover - retry() only retries exceptions
            return
        self._on_retry(
            RetryEvent(
                attempt=rs.attempt_number,
                exception=exc,
                wait=self._planned_wait(rs),
                elapsed=self._clock() - self._call(rs).started,
            )
        )
