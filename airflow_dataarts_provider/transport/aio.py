# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Asynchronous transport (httpx.AsyncClient) and the async flow driver, for triggers."""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import certifi
import httpx

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
    DataArtsConfigError,
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


@functools.lru_cache(maxsize=8)
def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    """One TLS context per verify setting and process: loading CA certificates blocks for tens of ms."""
    if verify is False:
        return False
    return ssl.create_default_context(cafile=verify if isinstance(verify, str) else certifi.where())


class within:
    """``async with within(seconds):`` the block is cancelled after ``seconds`` and
    :class:`asyncio.TimeoutError` raised, in the awaiting task itself (``asyncio.timeout`` on Python
    3.11+: ``asyncio.wait_for`` wraps every call in a new task and a coroutine, which thousands of
    triggers checking at once pay for in memory and event-loop lag, B4); the same with a timer on 3.10."""

    __slots__ = ("_fired", "_handle", "_scope", "_seconds", "_task")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._scope: Any = asyncio.timeout(seconds) if hasattr(asyncio, "timeout") else None
        self._fired = False

    async def __aenter__(self) -> None:
        if self._scope is not None:
            await self._scope.__aenter__()
            return
        self._task = asyncio.current_task()  # Python 3.10
        self._handle = asyncio.get_running_loop().call_later(self._seconds, self._fire)

    def _fire(self) -> None:
        self._fired = True
        self._task.cancel()  # type: ignore[union-attr]

    async def __aexit__(self, kind: Any, exc: Any, tb: Any) -> bool | None:
        if self._scope is not None:
            return await self._scope.__aexit__(kind, exc, tb)  # type: ignore[no-any-return]
        self._handle.cancel()
        if self._fired and kind is asyncio.CancelledError:
            raise asyncio.TimeoutError from exc
        return None


class AsyncTransport:
    """Sends :class:`HttpRequest` values byte for byte over one ``httpx.AsyncClient``.

    Build it with :meth:`open` inside an event loop: the TLS context is prepared off the loop.
    """

    @classmethod
    async def open(
        cls,
        *,
        timeout: tuple[float, float],
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> AsyncTransport:
        try:
            context = await asyncio.to_thread(_ssl_context, verify)
        except (OSError, ssl.SSLError) as exc:
            raise DataArtsConfigError("verify", f"cannot load the CA bundle {verify!r}: {exc}") from exc
        return cls(timeout=timeout, verify=context, proxies=proxies, max_response_bytes=max_response_bytes)

    def __init__(
        self,
        *,
        timeout: tuple[float, float],
        verify: bool | ssl.SSLContext,
        proxies: Mapping[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._bounds = AnswerBounds(timeout, max_response_bytes)
        connect, read = timeout
        # requests-style proxies ({"https": url}) become httpx mounts ({"https://": transport}).
        mounts: dict[str, httpx.AsyncBaseTransport | None] = {
            f"{scheme}://": httpx.AsyncHTTPTransport(proxy=url, verify=verify)
            for scheme, url in (proxies or {}).items()
        }
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(read, connect=connect),
            verify=verify,
            follow_redirects=False,
            mounts=mounts or None,
        )

    async def send(self, request: HttpRequest, deadline: float | None = None) -> HttpResponse:
        """The answer, read whole within the bounds and before the caller's ``deadline`` (monotonic);
        else :class:`DataArtsTransportError` (no answer within ``connect + read``: ``timeout``),
        :class:`DataArtsDeadlineError` (the caller's deadline) or :class:`DataArtsResponseError` (too
        large)."""
        seconds, by_caller = self._bounds.time_left(time.monotonic(), deadline)
        if seconds <= 0:
            raise late_error(request, self._bounds, True, sent=False)
        try:
            async with within(seconds):
                return await self._exchange(request)
        except asyncio.TimeoutError:
            raise late_error(request, self._bounds, by_caller) from None
        except httpx.TimeoutException as exc:
            connect = isinstance(exc, httpx.ConnectTimeout)
            raise DataArtsTransportError(
                request.method, request.path, describe(exc), timeout=True, connect=connect
            ) from exc
        except httpx.HTTPError as exc:
            connect = isinstance(exc, httpx.ConnectError)  # refused, unreachable, TLS: nothing sent
            raise DataArtsTransportError(
                request.method, request.path, describe(exc), connect=connect
            ) from exc

    async def _exchange(self, request: HttpRequest) -> HttpResponse:
        async with self._client.stream(
            request.method, request.url, headers=dict(request.headers), content=request.body or None
        ) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            buffer = self._bounds.buffer(headers, request.method)
            if buffer.feed(b""):
                async for chunk in response.aiter_bytes(READ_CHUNK):
                    if not buffer.feed(chunk):
                        break
            if buffer.problem is not None:
                raise too_large_error(request, response.status_code, headers, buffer)
        return HttpResponse(status=response.status_code, headers=headers, body=buffer.body)

    async def aclose(self) -> None:
        await self._client.aclose()


async def _perform(transport: AsyncTransport, effect: Send | Sleep | Parallel | Budget) -> Outcome:
    """Do the I/O of one effect (the caller resumes the flow)."""
    if isinstance(effect, Sleep):
        await asyncio.sleep(effect.seconds)
        return None
    if isinstance(effect, Budget):
        return await budget.aperform(effect)
    if isinstance(effect, Parallel):
        results = await asyncio.gather(
            *(run(flow, transport) for flow in effect.flows), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        return failures[0] if failures else list(results)
    try:
        return await transport.send(effect.request, effect.deadline)
    except DataArtsError as exc:  # no answer, or one too large to read: the flow decides
        return exc


async def run(flow: Flow[T], transport: AsyncTransport) -> T:
    """Drive a flow to completion; :class:`Emit` effects are not allowed here."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Emit):
                raise TypeError("run() cannot drive a listing flow; use iterate()")
            effect = resume(flow, await _perform(transport, effect))
    except StopIteration as stop:
        result: T = stop.value
        return result


async def iterate(flow: Flow[Any], transport: AsyncTransport) -> AsyncIterator[dict[str, Any]]:
    """Drive a listing flow lazily, yielding the items of each :class:`Emit` as they arrive."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Emit):
                for item in effect.items:
                    yield item
                effect = flow.send(None)
            else:
                effect = resume(flow, await _perform(transport, effect))
    except StopIteration:
        return
    finally:
        flow.close()
