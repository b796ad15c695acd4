"""Helpers of the reliability and security suites (a plain module: tests/ is not a package).

Everything here talks real loopback HTTP to the emulator, except :class:`ScriptedTransport`, which
drives the pure protocol flows of :mod:`airflow_dataarts_provider.core.flows` with canned responses
(no sockets, no sleeping) for fast property-based tests.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import clear_process_state
from hook_helpers import connection_fields as _connection_fields
from hook_helpers import iam_requests, metadata_requests, pending_requests, total_requests
from hook_helpers import make_hook as _make_hook
from hook_helpers import set_raw_connection as _set_raw_connection

# Re-exported for the reliability modules (the counters are the same as the hook suite's).
__all__ = ["iam_requests", "metadata_requests", "pending_requests", "total_requests"]

from airflow_dataarts_provider.core.config import ClientConfig
from airflow_dataarts_provider.core.effects import Emit, Flow, Send, Sleep
from airflow_dataarts_provider.core.errors import DataArtsTransportError
from airflow_dataarts_provider.core.http import HttpRequest, HttpResponse
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
    config.setdefault("rate_limit_per_user", None)
    return factory(seed_items=count, **config)


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
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
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


def expire_tokens_after_successes(monkeypatch: pytest.MonkeyPatch, emu: Emulator, successes: int = 1) -> None:
    """Expire every issued IAM token right after the ``successes``-th successful listing page."""
    original = emu._after_success
    seen = [0]

    def after_success(workspace: str) -> None:
        original(workspace)
        seen[0] += 1
        if seen[0] == successes:
            emu.expire_tokens()

    monkeypatch.setattr(emu, "_after_success", after_success)


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


class ScriptedTransport:
    """Drives a flow: each ``Send`` takes the next scripted outcome (an :class:`HttpResponse`, a
    :class:`DataArtsTransportError`, or a callable ``request -> outcome``); ``Sleep`` is recorded, not
    slept. Running out of script fails the test (it would mean an unbounded retry loop)."""

    def __init__(self, script: Sequence[Any], *, max_sends: int = 10_000) -> None:
        self.script = list(script)
        self.requests: list[HttpRequest] = []
        self.sleeps: list[float] = []
        self.emitted: list[dict[str, Any]] = []
        self.max_sends = max_sends
        self.now = 1000.0  # a fake monotonic clock, advanced by the recorded sleeps

    def monotonic(self) -> float:
        return self.now

    def _outcome(self, request: HttpRequest) -> HttpResponse | DataArtsTransportError:
        self.requests.append(request)
        if len(self.requests) > self.max_sends:
            raise AssertionError(f"more than {self.max_sends} requests: a retry or paging storm")
        if not self.script:
            raise AssertionError(f"script exhausted at request {len(self.requests)} ({request.url})")
        outcome = self.script.pop(0)
        if callable(outcome):
            outcome = outcome(request)
        return outcome

    def run(self, flow: Flow[Any]) -> Any:
        """Drive ``flow`` to its result; ``Parallel`` sub-flows run one after the other."""
        from airflow_dataarts_provider.core import effects

        parallel = getattr(effects, "Parallel", None)
        try:
            effect = next(flow)
            while True:
                outcome: Any
                if isinstance(effect, Send):
                    outcome = self._outcome(effect.request)
                elif isinstance(effect, Sleep):
                    assert effect.seconds >= 0
                    self.sleeps.append(effect.seconds)
                    self.now += effect.seconds
                    outcome = None
                elif parallel is not None and isinstance(effect, parallel):
                    results: list[Any] = []
                    failure: BaseException | None = None
                    for sub in effect.flows:
                        try:
                            results.append(self.run(sub))
                        except AssertionError:
                            raise
                        except Exception as exc:  # the driver contract: first failure, after all ran
                            failure = failure or exc
                    outcome = failure if failure is not None else results
                else:
                    assert isinstance(effect, Emit), effect
                    self.emitted.extend(effect.items)
                    outcome = None
                failed = isinstance(outcome, BaseException)
                effect = flow.throw(outcome) if failed else flow.send(outcome)
        except StopIteration as stop:
            return stop.value


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
