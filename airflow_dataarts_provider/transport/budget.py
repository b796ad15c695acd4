# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The shared rate budget's I/O: :class:`~airflow_dataarts_provider.core.protocol.effects.Budget` effects run
:data:`~airflow_dataarts_provider.core.protocol.ratelimit.SHARED_BUDGET_SCRIPT` on a Redis server, with
redis-py
(``redis`` for the sync driver, ``redis.asyncio`` for the async one).

redis-py is not a dependency of this provider: a deployment whose executor is CeleryExecutor on a Redis
broker has it (Airflow's Celery provider installs it), and ``rate_limit_backend: auto`` only chooses Redis
there. A backend that fails (down, refusing the password, too old for ``TIME`` in scripts) is not asked
again for :data:`~airflow_dataarts_provider.core.protocol.ratelimit.BACKEND_RETRY_S`: meanwhile the flows
use their
process's bucket (the effect answers ``None``), and a 429 is still absorbed by the retry policy.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from typing import Any

from airflow_dataarts_provider.core.protocol.effects import Budget
from airflow_dataarts_provider.core.protocol.ratelimit import (
    SHARED_BUDGET_SCRIPT,
    BackendHealth,
    BudgetCall,
)
from airflow_dataarts_provider.core.protocol.values import redacted_url
from airflow_dataarts_provider.transport import describe

log = logging.getLogger(__name__)

#: Seconds to connect to and to wait for the budget's server: a slow one must not hold requests back long.
SOCKET_TIMEOUT_S = 2.0

_lock = threading.Lock()
_health: dict[str, BackendHealth] = {}
_sync_scripts: dict[str, Any] = {}
_async_scripts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def redis_available() -> bool:
    """Whether redis-py can be imported in this process."""
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return True


def _health_of(url: str) -> BackendHealth:
    with _lock:
        return _health.setdefault(url, BackendHealth())


def _options() -> dict[str, Any]:
    return {"socket_timeout": SOCKET_TIMEOUT_S, "socket_connect_timeout": SOCKET_TIMEOUT_S}


def _sync_script(url: str) -> Any:
    """The script on a client of ``url``, loaded into the server once (then EVALSHA; redis-py loads it
    again if the server lost it)."""
    with _lock:
        script = _sync_scripts.get(url)
    if script is None:
        import redis

        client = redis.Redis.from_url(url, **_options())
        client.script_load(SHARED_BUDGET_SCRIPT)
        script = client.register_script(SHARED_BUDGET_SCRIPT)
        with _lock:
            script = _sync_scripts.setdefault(url, script)
    return script


async def _async_script(url: str) -> Any:
    """:func:`_sync_script` for the running event loop (redis.asyncio connections belong to the loop
    that opened them)."""
    loop = asyncio.get_running_loop()
    with _lock:
        script = _async_scripts.setdefault(loop, {}).get(url)
    if script is None:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(url, **_options())
        await client.script_load(SHARED_BUDGET_SCRIPT)
        script = client.register_script(SHARED_BUDGET_SCRIPT)
        with _lock:
            script = _async_scripts.setdefault(loop, {}).setdefault(url, script)
    return script


def _args(call: BudgetCall) -> dict[str, Any]:
    return {"keys": [call.key], "args": list(call.args())}


def _failed(effect: Budget, exc: BaseException) -> None:
    if _health_of(effect.backend).failed(time.monotonic()):
        log.warning(
            "The shared DataArts rate budget at %s failed (%s): this process keeps to the limit alone "
            "(a 429 is retried after its Retry-After) and tries the budget again every %.0f s",
            redacted_url(effect.backend),
            describe(exc),
            _health_of(effect.backend).retry_s,
        )


def _answered(effect: Budget, reply: Any) -> float | None:
    try:
        wait = BudgetCall.wait_of(reply)
    except ValueError as exc:
        _failed(effect, exc)
        return None
    if _health_of(effect.backend).succeeded():
        log.warning("The shared DataArts rate budget at %s answers again", redacted_url(effect.backend))
    return wait


def perform(effect: Budget) -> float | None:
    """Run ``effect`` (sync driver): the seconds to wait, or None to use the local bucket."""
    if not _health_of(effect.backend).usable(time.monotonic()):
        return None
    try:
        reply = _sync_script(effect.backend)(**_args(effect.call))
    except Exception as exc:  # redis-py's errors, OSError, or redis-py missing: all mean "not now"
        _failed(effect, exc)
        return None
    return _answered(effect, reply)


async def aperform(effect: Budget) -> float | None:
    """Run ``effect`` (async driver): the seconds to wait, or None to use the local bucket."""
    if not _health_of(effect.backend).usable(time.monotonic()):
        return None
    try:
        script = await _async_script(effect.backend)
        reply = await script(**_args(effect.call))
    except Exception as exc:  # redis-py's errors, OSError, or redis-py missing: all mean "not now"
        _failed(effect, exc)
        return None
    return _answered(effect, reply)


def reset() -> None:
    """Forget the clients and health of every backend (for tests)."""
    with _lock:
        _health.clear()
        _sync_scripts.clear()
        _async_scripts.clear()
