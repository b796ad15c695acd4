# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The reliability and security suites' connection profile, caches and canned answers.

Everything here talks real loopback HTTP to the emulator; fast property-based tests drive the pure
protocol flows with canned responses through the package's own
:class:`~airflow_dataarts_provider.transport.scripted.ScriptedDriver` (no sockets, no sleeping).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import clear_process_state

from helpers.hooks import connection_fields as _connection_fields
from helpers.hooks import iam_requests, metadata_requests, pending_requests, total_requests
from helpers.hooks import make_hook as _make_hook
from helpers.hooks import set_raw_connection as _set_raw_connection
from helpers.hooks import start_emulator as _start_emulator

# Re-exported for the reliability modules (the counters are the same as the hook suite's).
__all__ = ["iam_requests", "metadata_requests", "pending_requests", "total_requests"]

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.emulator import (
    Emulator,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

DEFAULT_CONN = "dataarts_default"
PROJECT_ID = "5f9c2b7e1a4d4c8b9e3f6a1d2c7b8e90"
WORKSPACE = "a0b1c2d3e4f5061728394a5b6c7d8e9f"

#: Short timeouts and back-offs; no client-side rate limit (the emulator's is off too).
FAST: dict[str, Any] = {
    "max_attempts": 3,
    "backoff_initial": 0.01,
    "backoff_max": 0.02,
    "max_retry_wait": 10,
    "timeout": [2, 5],
    "max_requests_per_second": 0,
    "offset_mode": "page",
}


# ---------------------------------------------------------------------------------------------- caches


def clear_process_caches() -> None:
    """Credential cache, rate limiters, learned offset semantics and the secrets masker."""
    clear_process_state()


def fresh_caches() -> Iterator[None]:
    """Body of each module's autouse fixture."""
    clear_process_caches()
    yield
    clear_process_caches()


# ---------------------------------------------------------------------------------------------- emulator


def start_emulator(factory: Any, count: int = 150, **config: Any) -> Emulator:
    """An emulator with ``count`` seeded items and no server-side rate limit."""
    return _start_emulator(factory, count, **config)


def connection_fields(emu: Emulator, auth: str = "aksk", **extra: Any) -> dict[str, Any]:
    """The hook suite's connection for ``auth``, with this suite's fast extras (fixed page offsets,
    three attempts, short waits); ``extra`` overrides as there (``None`` removes)."""
    return _connection_fields(emu, auth, **{**FAST, **extra})


def set_raw_connection(
    monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any], conn_id: str = DEFAULT_CONN
) -> None:
    _set_raw_connection(monkeypatch, fields, conn_id)


def make_hook(conn_id: str = DEFAULT_CONN, **kwargs: Any) -> DataArtsHook:
    return _make_hook(conn_id, **kwargs)


def set_connection(
    monkeypatch: pytest.MonkeyPatch,
    emu: Emulator,
    auth: str = "aksk",
    conn_id: str = DEFAULT_CONN,
    **extra: Any,
) -> dict[str, Any]:
    fields = connection_fields(emu, auth, **extra)
    _set_raw_connection(monkeypatch, fields, conn_id)
    return fields


def settled_count(read: Callable[[], int], *, quiet_s: float = 0.15, limit_s: float = 5.0) -> int:
    """``read()`` once it stopped changing for ``quiet_s`` (the emulator counts a request only when it
    has answered it: a client that timed out returns before the emulator's slow answer is counted)."""
    deadline = time.monotonic() + limit_s
    value = read()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        current = read()
        if current != value:
            value, stable_since = current, time.monotonic()
        elif time.monotonic() - stable_since >= quiet_s:
            break
    return value


def expire_tokens_after_successes(emu: Emulator, successes: int = 1) -> None:
    """Expire every issued IAM token right after the ``successes``-th successful listing page."""
    emu.schedule_mutation(successes, expire_tokens=True)


def ids(items: Iterable[dict[str, Any]]) -> list[str]:
    return [str(i["pending_item_id"]) for i in items]


def run_async(coro: Any, limit_s: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, limit_s))


# ---------------------------------------------------------------------------------------------- flows


def flow_config(**extra: Any) -> ClientConfig:
    """A loopback AK/SK config for the pure flows (never contacted: responses are scripted)."""
    extras = {
        "region": "cn-north-4",
        "project_id": PROJECT_ID,
        "workspace": WORKSPACE,
        **FAST,
        **extra,
    }
    return ClientConfig.from_connection(
        "http://127.0.0.1:9", "AKFLOWTEST0000000000", "SkFlowTest-0123456789abcdef", extras
    )


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)  # type: ignore[misc]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(
        status,
        {"content-type": "application/json", "x-request-id": "req-0001", **(headers or {})},
        raw,
    )
