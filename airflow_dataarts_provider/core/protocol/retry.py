# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The retry policy: pure decisions, no I/O and no clock of its own.

:meth:`RetryPolicy.next_wait` answers, after a failed attempt, "wait this long, then try again" or "give
up" (None). The one attempt loop (:func:`airflow_dataarts_provider.core.protocol.engine.perform`) asks it
after
every failure; the sync and the async drivers only perform the resulting ``Sleep``. Whether an error may
be repeated is the error's own answer
(:attr:`~airflow_dataarts_provider.core.protocol.errors.DataArtsError.retryable`
and ``unprocessed``); the policy adds the request's idempotency and the time and attempt budgets.

=======================================  ===================================================
HTTP 429 (throttled, unprocessed)        retry, any method, waiting max(Retry-After, backoff),
                                         2-5 s when absent
HTTP 5xx                                 retry when idempotent (503 honours Retry-After)
``DataArtsTransportError``               retry when idempotent
``DataArtsResponseError`` (bad body)     retry when idempotent
other 4xx (400/401/403/404...)           never (five failed AK/SK attempts lock the keys)
config, pagination, any other exception  never
=======================================  ===================================================

"Idempotent" defaults to GET/HEAD/OPTIONS; a call description may say otherwise (the release-package
listing is a POST that only reads)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsError

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
        if not isinstance(exc, DataArtsError) or not exc.retryable:
            return False
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        return safe or exc.unprocessed

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
        if not getattr(exc, "unprocessed", False):  # a 429 without Retry-After
            return backoff
        low, high = self.throttle_wait
        hint = (rng or self.rng or _DEFAULT_RNG).uniform(low, high) if self.jitter else high
        return max(hint, backoff)

    def should_stop(self, attempt: int, elapsed: float, next_wait: float) -> bool:
        """True when no attempt may follow failed attempt ``attempt``: attempts are exhausted, or the
        next one would start after ``max_total_wait`` seconds (``elapsed`` since the first began)."""
        return attempt >= self.max_attempts or elapsed + next_wait > self.max_total_wait

    def next_wait(
        self, exc: BaseException, attempt: int, elapsed: float, *, method: str, idempotent: bool | None = None
    ) -> float | None:
        """After failed attempt ``attempt`` (1-based), ``elapsed`` seconds after the first one began: the
        seconds to wait before the next attempt, or None to give up (re-raise ``exc``)."""
        if not self.is_retryable(exc, method, idempotent=idempotent):
            return None
        wait = self.wait_seconds(attempt, exc)
        return None if self.should_stop(attempt, elapsed, wait) else wait


#: The defaults every layer uses (connection extras, the config, the policy): one place per fact.
DEFAULT_POLICY = RetryPolicy()
