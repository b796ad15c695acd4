"""Client-side rate limiting (pure: the caller passes the time and does the waiting).

:class:`TokenBucket` is a token bucket in its "virtual scheduling" form (GCRA): ``rate`` requests per
second with bursts of up to ``burst`` requests. :meth:`TokenBucket.reserve` books the next free slot
and returns how long the caller must wait before sending; it never sleeps. Thread-safe, so threads
(and asyncio tasks, since ``reserve`` never blocks for long) share one bucket::

    delay = limiter_for(("dayu.cn-north-4...", ak), rate=10).reserve(time.monotonic())
    time.sleep(delay)   # or: await asyncio.sleep(delay)

When a 429 arrives, :meth:`TokenBucket.penalize` pushes every later reservation back.
"""

from __future__ import annotations

import math
import threading

from airflow_dataarts_provider.core.errors import DataArtsConfigError

__all__ = ["DEFAULT_RATE", "TokenBucket", "limiter_for", "reset_limiters"]

#: The documented per-user limit of DataArts Factory APIs (requests per second).
DEFAULT_RATE = 10.0


def _validate(rate: float | None, burst: int) -> float | None:
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or math.isnan(rate) or rate < 0:
            raise DataArtsConfigError("rate", f"{rate!r} is not a non-negative number", "None or >= 0")
        if rate == 0 or math.isinf(rate):
            rate = None
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise DataArtsConfigError("burst", f"{burst!r} is not a positive integer")
    return None if rate is None else float(rate)


class TokenBucket:
    """``rate`` requests/s (None or 0: unlimited), up to ``burst`` back to back after idling."""

    def __init__(self, rate: float | None = DEFAULT_RATE, burst: int = 1) -> None:
        self._lock = threading.Lock()
        self._rate = _validate(rate, burst)
        self._burst = burst
        self._tat = -math.inf  # theoretical arrival time of the next request at the sustained rate
        self._blocked_until = -math.inf  # set by penalize()

    @property
    def rate(self) -> float | None:
        return self._rate

    @property
    def burst(self) -> int:
        return self._burst

    def _interval(self) -> float:
        return 0.0 if self._rate is None else 1.0 / self._rate

    def reserve(self, now: float) -> float:
        """Book the next slot at or after ``now``; return the seconds to wait before sending (>= 0)."""
        with self._lock:
            start = max(now, self._blocked_until)
            if self._rate is not None:
                interval = self._interval()
                tolerance = (self._burst - 1) * interval
                start = max(start, self._tat - tolerance)
                self._tat = max(self._tat, start) + interval
            return max(0.0, start - now)

    def penalize(self, now: float, seconds: float) -> None:
        """The server throttled us: no reservation may start before ``now + seconds``, and after that
        the bucket restarts empty (no burst), spacing requests at ``rate``."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        with self._lock:
            until = now + seconds
            self._blocked_until = max(self._blocked_until, until)
            if self._rate is not None:
                tolerance = (self._burst - 1) * self._interval()
                self._tat = max(self._tat, until + tolerance)

    def reconfigure(self, rate: float | None, burst: int) -> None:
        """Change the limits; bookings already made stay booked."""
        checked = _validate(rate, burst)
        with self._lock:
            self._rate = checked
            self._burst = burst


_registry: dict[tuple[str, ...], TokenBucket] = {}
_registry_lock = threading.Lock()


def limiter_for(key: tuple[str, ...], rate: float | None = DEFAULT_RATE, burst: int = 1) -> TokenBucket:
    """The process-wide bucket for ``key`` (e.g. ``(endpoint, access key or user name)``; never put a
    secret in it). Hooks with the same key share one bucket. When callers ask for different limits,
    the strictest wins (the lowest rate, unlimited counting as infinite, and the smallest burst)."""
    checked = _validate(rate, burst)
    with _registry_lock:
        bucket = _registry.get(key)
        if bucket is None:
            bucket = _registry[key] = TokenBucket(checked, burst)
            return bucket
        current = bucket.rate
        if checked is not None and (current is None or checked < current):
            current = checked
        if current != bucket.rate or burst < bucket.burst:
            bucket.reconfigure(current, min(burst, bucket.burst))
        return bucket


def reset_limiters() -> None:
    """Forget every shared bucket (for tests)."""
    with _registry_lock:
        _registry.clear()
