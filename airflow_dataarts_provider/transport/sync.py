# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Synchronous transport (requests, one pooled Session) and the sync flow driver."""

from __future__ import annotations

import contextlib
import functools
import heapq
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.exceptions

from airflow_dataarts_provider.core.protocol.effects import (
    Budget,
    Emit,
    Flow,
    Outcome,
    Parallel,
    Send,
    Sleep,
    T,
    resume,
)
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsError,
    DataArtsTransportError,
)
from airflow_dataarts_provider.core.protocol.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    READ_CHUNK,
    AnswerBounds,
    HttpRequest,
    HttpResponse,
)
from airflow_dataarts_provider.transport import budget, describe, late_error, too_large_error

#: Lanes run at once at most (``max_concurrency`` is validated to 1..16; lanes never nest).
MAX_LANES = 16


class _Watch:
    """The connection one request of this thread uses, and whether its deadline passed: at the deadline
    the socket is shut down from the timer's thread, which ends a read blocked in any phase (connect,
    headers, body)."""

    def __init__(self) -> None:
        self.conn: Any = None
        self.fired = False
        self.done = False  # the answer was read: nothing to abort (its connection goes back to the pool)
        self._lock = threading.Lock()

    def finish(self) -> None:
        with self._lock:
            self.done = True

    def abort(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            sock = getattr(self.conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    # socket.socket's own shutdown: SSLSocket.shutdown would also drop its SSL state under
                    # the reading thread's feet.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One thread for every request of the process: it aborts each watch whose deadline passed (a timer
    thread per request would cost more CPU than the rest of the request's client side)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._thread: threading.Thread | None = None
        self._count = 0

    def watch(self, seconds: float) -> _Watch:
        watch = _Watch()
        with self._lock:
            self._count += 1
            heapq.heappush(self._heap, (time.monotonic() + seconds, self._count, watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dataarts-watchdog", daemon=True)
                self._thread.start()
            self._lock.notify()
        return watch

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._lock.wait()
                    continue
                due, _, watch = self._heap[0]
                left = due - time.monotonic()
                if left > 0:
                    self._lock.wait(left)
                    continue
                heapq.heappop(self._heap)
                watch.abort()


_WATCHDOG = _Watchdog()
_CURRENT = threading.local()  # .watch: the _Watch of the request this thread sends, if any


class _WatchedPool:
    """Mixed into urllib3's connection pools: hands the connection a request uses to its watch."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        watch = getattr(_CURRENT, "watch", None)
        if watch is not None:
            watch.conn = conn
        return conn


@functools.cache
def _watched(pool_class: type) -> type:
    return type(f"Watched{pool_class.__name__}", (_WatchedPool, pool_class), {})


def _watch_pools(manager: Any) -> Any:
    manager.pool_classes_by_scheme = {s: _watched(c) for s, c in manager.pool_classes_by_scheme.items()}
    return manager


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose pools (direct, HTTP proxy or SOCKS) report their connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        if proxy not in self.proxy_manager:
            _watch_pools(super().proxy_manager_for(proxy, **kwargs))
        return self.proxy_manager[proxy]


def _while_connecting(exc: BaseException) -> bool:
    """Whether the request failed before a connection existed (so nothing of it was sent)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


class SyncTransport:
    """Sends :class:`HttpRequest` values byte for byte over one pooled ``requests.Session``, reading
    each answer within its :class:`~airflow_dataarts_provider.core.protocol.http.AnswerBounds`."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float],
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._timeout = timeout
        self._bounds = AnswerBounds(timeout, max_response_bytes)
        self._verify = verify
        self._proxies = dict(proxies or {})
        self._session = requests.Session()
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, _Adapter())
        # requests reads proxy and CA settings from the environment on every request (most of its CPU
        # per request here); they are resolved once per origin instead (_settings), same semantics.
        self._session.trust_env = False
        self._origins: dict[tuple[str, str], tuple[dict[str, str], bool | str]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def pool(self) -> ThreadPoolExecutor:
        """Threads for ``Parallel`` lanes, started once per transport (not per concurrent round)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=MAX_LANES, thread_name_prefix="dataarts-lane")
        return self._pool

    def _settings(self, url: str) -> tuple[dict[str, str], bool | str]:
        """Proxies (environment, NO_PROXY, then the connection's) and CA bundle for ``url``'s origin."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        if origin not in self._origins:
            with requests.Session() as probe:  # trust_env=True: what requests itself would use
                merged = probe.merge_environment_settings(
                    f"{parts.scheme}://{parts.netloc}/", dict(self._proxies), None, self._verify, None
                )
            verify = merged["verify"]
            self._origins[origin] = (
                dict(merged["proxies"] or {}),
                self._verify if verify is None else verify,
            )
        return self._origins[origin]

    def send(self, request: HttpRequest, deadline: float | None = None) -> HttpResponse:
        """The answer, read whole within the bounds and before the caller's ``deadline`` (monotonic);
        else :class:`DataArtsTransportError` (no answer within ``connect + read``: ``timeout``),
        :class:`DataArtsDeadlineError` (the caller's deadline) or :class:`DataArtsResponseError` (too
        large)."""
        proxies, verify = self._settings(request.url)
        seconds, by_caller = self._bounds.time_left(time.monotonic(), deadline)
        if seconds <= 0:
            raise late_error(request, self._bounds, True, sent=False)
        watch = _WATCHDOG.watch(seconds)
        _CURRENT.watch = watch
        try:
            response = self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body or None,
                timeout=self._timeout,
                verify=verify,
                proxies=proxies,
                allow_redirects=False,
                stream=True,
            )
            with response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                body = self._read(request, response, headers)
                watch.finish()  # before the connection goes back to the pool
        except (requests.RequestException, OSError, AttributeError, ValueError) as exc:
            if watch.fired:  # the watchdog cut the exchange: whatever it broke, it was the deadline
                raise late_error(request, self._bounds, by_caller) from None
            if not isinstance(exc, (requests.RequestException, OSError)):
                raise
            raise DataArtsTransportError(
                request.method,
                request.path,
                describe(exc),
                timeout=isinstance(exc, requests.Timeout),
                connect=_while_connecting(exc),
            ) from exc
        finally:
            watch.finish()
            _CURRENT.watch = None
        if watch.fired:
            raise late_error(request, self._bounds, by_caller)
        return HttpResponse(status=response.status_code, headers=headers, body=body)

    def _read(self, request: HttpRequest, response: requests.Response, headers: dict[str, str]) -> bytes:
        buffer = self._bounds.buffer(headers, request.method)
        if buffer.feed(b""):
            for chunk in response.iter_content(READ_CHUNK):
                if not buffer.feed(chunk):
                    break
        if buffer.problem is not None:
            raise too_large_error(request, response.status_code, headers, buffer)
        return buffer.body

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        self._session.close()


def _perform(transport: SyncTransport, effect: Send | Sleep | Parallel | Budget) -> Outcome:
    """Do the I/O of one effect (the caller resumes the flow)."""
    if isinstance(effect, Sleep):
        time.sleep(effect.seconds)
        return None
    if isinstance(effect, Budget):
        return budget.perform(effect)
    if isinstance(effect, Parallel):
        futures = [transport.pool().submit(run, flow, transport) for flow in effect.flows]
        wait(futures)
        failures = [f.exception() for f in futures if f.exception() is not None]
        return failures[0] if failures else [f.result() for f in futures]
    try:
        return transport.send(effect.request, effect.deadline)
    except DataArtsError as exc:  # no answer, or one too large to read: the flow decides
        return exc


def run(flow: Flow[T], transport: SyncTransport) -> T:
    """Drive a flow to completion; :class:`Emit` effects are not allowed here."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Emit):
                raise TypeError("run() cannot drive a listing flow; use iterate()")
            effect = resume(flow, _perform(transport, effect))
    except StopIteration as stop:
        result: T = stop.value
        return result


def iterate(flow: Flow[Any], transport: SyncTransport) -> Iterator[dict[str, Any]]:
    """Drive a listing flow lazily, yielding the items of each :class:`Emit` as they arrive."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Emit):
                yield from effect.items
                effect = flow.send(None)
            else:
                effect = resume(flow, _perform(transport, effect))
    except StopIteration:
        return
    finally:
        flow.close()
