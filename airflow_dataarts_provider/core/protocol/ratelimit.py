# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Client-side rate limiting (pure: the caller passes the time and does the waiting).

:class:`TokenBucket` is a token bucket in its "virtual scheduling" form (GCRA): ``rate`` requests per
second with bursts of up to ``burst`` requests. :meth:`TokenBucket.reserve` books the next free slot
and returns how long the caller must wait before sending; it never sleeps. Thread-safe, so threads
(and asyncio tasks, since ``reserve`` never blocks for long) share one bucket::

    delay = STATE.limiters.get(("dayu.cn-north-4...", ak), rate=10).reserve(time.monotonic())
    time.sleep(delay)   # or: await asyncio.sleep(delay)

When a 429 arrives, :meth:`TokenBucket.penalize` pushes every later reservation back.

**Shared budget** (every process of a deployment on one identity): the same GCRA, kept in Redis and run
by :data:`SHARED_BUDGET_SCRIPT` on the server, one round trip per request, with the server's clock (the
hosts' clocks do not matter). This module holds the protocol (script, key, arguments, the reply and
:class:`BackendHealth`, which says when to use the local bucket instead); the drivers in
:mod:`airflow_dataarts_provider.transport.budget` do the I/O. See docs/performance.md."""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

#: The documented per-user limits (requests per second): the V2 factory APIs (pending items, release
#: packages, PatchData, instances by name) 10/s; the V1 DLF job and script APIs 30/s.
DEFAULT_RATE = 10.0
DEFAULT_DLF_RATE = 30.0

#: The share of a limit the client uses: 5% under it, as the gateway counts in a sliding 1 s window and a
#: request delayed in flight (a new connection, a busy network) would otherwise make the 11th of 10/s
#: land inside it.
RATE_MARGIN = 0.95
#: The same for the budget shared through Redis: a booking and its request lie further apart there (a
#: round trip to Redis, then a busy host's scheduling). At 85% of a limit L per second, L + 1 requests
#: span 1/0.85 = 1.18 s: no sliding 1 s window holds more than L of them while each arrives within 170 ms
#: of its slot (docs/performance.md).
SHARED_RATE_MARGIN = 0.85


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


class Limiters:
    """The buckets of one process, by key (e.g. ``(endpoint, access key or user name)``; never a secret):
    hooks with the same key share one bucket. Owned by :data:`~.state.STATE`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}

    def get(self, key: tuple[str, ...], rate: float | None = DEFAULT_RATE, burst: int = 1) -> TokenBucket:
        """The bucket for ``key``. When callers ask for different limits, the strictest wins (the lowest
        rate, unlimited counting as infinite, and the smallest burst)."""
        checked = _validate(rate, burst)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(checked, burst)
                return bucket
            current = bucket.rate
            if checked is not None and (current is None or checked < current):
                current = checked
            if current != bucket.rate or burst < bucket.burst:
                bucket.reconfigure(current, min(burst, bucket.burst))
            return bucket

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


#: GCRA on the server. KEYS[1]: the budget's hash (fields ``tat`` and ``blocked``, microseconds of the
#: server's clock). ARGV[1]: the interval between requests (µs, 0: unlimited); ARGV[2]: 0 to book the
#: next slot (the reply is the µs to wait before sending), or a 429's Retry-After (µs) to push every
#: later booking back (the reply is 0). The hash expires a minute after its last booked slot.
SHARED_BUDGET_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local penalty = tonumber(ARGV[2])
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat')) or now
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or now
local wait = 0
if penalty > 0 then
  blocked = math.max(blocked, now + penalty)
  tat = math.max(tat, blocked)
else
  local start = math.max(now, blocked, tat)
  tat = start + interval
  wait = start - now
end
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'blocked', string.format('%.0f', blocked))
redis.call('PEXPIRE', KEYS[1], math.floor((math.max(tat, blocked) - now) / 1000) + 60000)
return wait
"""


#: After the shared budget's backend failed, use the local bucket for this long before trying it again.
BACKEND_RETRY_S = 30.0


@dataclass(frozen=True)
class RateLane:
    """One API family's rate budget for one identity: this process's bucket (from ``limiters``, the
    process's :class:`Limiters`), and the key and rate of the budget shared through Redis. The families
    are limited apart, as the gateway counts them."""

    limiter: TokenBucket
    key: str
    rate: float | None

    @classmethod
    def of(
        cls, limiters: Limiters, family: str, endpoint: str, identity: str, rate: float | None
    ) -> RateLane:
        local = None if rate is None else rate * RATE_MARGIN
        limiter = limiters.get((family, endpoint, identity), local)
        shared = None if rate is None else rate * SHARED_RATE_MARGIN
        return cls(limiter, budget_key(endpoint, identity, family), shared)


def budget_key(endpoint: str, identity: str, family: str = "dataarts") -> str:
    """The Redis key of the budget of ``identity`` (an AK or a user name) for an API ``family`` at
    ``endpoint``: a digest, so the key says nothing about the account to whoever can list the keys."""
    text = f"{endpoint}\n{identity}" if family == "dataarts" else f"{endpoint}\n{identity}\n{family}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"airflow-dataarts-provider:rate:{digest}"


@dataclass(frozen=True)
class BudgetCall:
    """One call of :data:`SHARED_BUDGET_SCRIPT`: book a slot (``penalty`` 0) or push the budget back."""

    key: str
    rate: float | None
    penalty: float = 0.0

    def args(self) -> tuple[int, int]:
        interval = 0 if self.rate is None else round(1_000_000 / self.rate)
        return interval, max(0, math.ceil(self.penalty * 1_000_000))

    @staticmethod
    def wait_of(reply: object) -> float:
        """Seconds to wait, from the script's reply (an integer of µs)."""
        problem = ValueError(f"the shared budget answered {reply!r}, not a number of microseconds")
        if isinstance(reply, bool) or not isinstance(reply, (int, float, bytes, str)):
            raise problem
        try:
            wait = float(reply)
        except ValueError:
            raise problem from None
        if not math.isfinite(wait) or wait < 0:
            raise problem
        return wait / 1_000_000


class BackendHealth:
    """Whether to ask the shared budget's backend now (pure: the caller passes the time).

    After a failure the local bucket serves for :data:`BACKEND_RETRY_S`; then the backend is tried again.
    ``failed`` and ``succeeded`` return True when the state changes, so an outage is logged once when it
    starts and once when it ends, not at every request."""

    def __init__(self, retry_s: float | None = None) -> None:
        self.retry_s = BACKEND_RETRY_S if retry_s is None else retry_s
        self._lock = threading.Lock()
        self._down_until: float | None = None

    def usable(self, now: float) -> bool:
        with self._lock:
            return self._down_until is None or now >= self._down_until

    def failed(self, now: float) -> bool:
        with self._lock:
            started = self._down_until is None
            self._down_until = now + self.retry_s
            return started

    def succeeded(self) -> bool:
        with self._lock:
            recovered = self._down_until is not None
            self._down_until = None
            return recovered
