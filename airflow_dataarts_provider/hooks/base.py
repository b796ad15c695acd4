# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The hook's foundation (Airflow glue only): reading and validating the connection (sync, or async in the
triggerer), registering its secrets with the masker first, logging, and running a flow on the sync
(requests) or async (httpx) driver. The API families' methods are in their own modules
(``pending_items``, ``release_packages``, ``job_runs``); :class:`~.dataarts.DataArtsHook` combines them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.effects import Flow, T
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.protocol.retry import RetryEvent
from airflow_dataarts_provider.core.protocol.values import raw_secrets
from airflow_dataarts_provider.hooks.rate_budget import budget_backend
from airflow_dataarts_provider.transport import aio  # httpx: already loaded by Airflow
from airflow_dataarts_provider.version_compat import BaseHook, mask_secret

if TYPE_CHECKING:  # requests loads on the first sync call, not at DAG parse time
    from airflow_dataarts_provider.transport.sync import SyncTransport


#: ``make(ctx)``: the flow one hook call runs.
MakeFlow = Callable[[CallContext], Flow[T]]


class DataArtsHookBase(BaseHook):  # type: ignore[misc]
    """Connection, configuration and drivers shared by every API family's hook methods."""

    def __init__(
        self, dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID, *, workspace: str | None = None
    ) -> None:
        super().__init__()
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace
        self._config: ClientConfig | None = None
        self._transport: SyncTransport | None = None
        self._budget: tuple[ClientConfig, str | None] | None = None  # (config, its shared budget's URL)
        self._secrets: list[str] = []  # the connection's secrets, found before validation
        self._aio = _AsyncClients()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(dataarts_conn_id={self.dataarts_conn_id!r}, workspace={self.workspace!r})"
        )

    def _build_config(self, conn: Any, extra: Mapping[str, Any]) -> ClientConfig:
        # Mask first: even a validation error must not be able to echo a secret.
        self._secrets = raw_secrets(conn.password, extra)
        for secret in self._secrets:
            mask_secret(secret)
        config = ClientConfig.from_connection(
            conn.host, conn.login, conn.password, extra, workspace_override=self.workspace, port=conn.port
        )
        for secret in config.secrets():
            mask_secret(secret)
        if config.unknown_extras:
            self.log.warning(
                "Connection %r has extras this provider does not know (typo?): %s",
                self.dataarts_conn_id,
                ", ".join(config.unknown_extras),
            )
        return config

    def get_config(self) -> ClientConfig:
        """The validated client configuration of the connection (read once per hook)."""
        if self._config is None:
            conn = self.get_connection(self.dataarts_conn_id)
            self._config = self._build_config(conn, conn.extra_dejson)
        return self._config

    async def aget_config(self) -> ClientConfig:
        """:meth:`get_config` for event loops (the triggerer): the connection is fetched asynchronously."""
        if self._config is None:
            try:
                from airflow.providers.common.compat.connection import (
                    get_async_connection,
                    get_async_extra_dejson,
                )
            except ImportError:  # common-compat < 1.23 (Python 3.10): read it in a worker thread
                from asgiref.sync import sync_to_async

                conn = await sync_to_async(self.get_connection)(self.dataarts_conn_id)
                self._config = self._build_config(conn, conn.extra_dejson)
            else:
                conn = await get_async_connection(self.dataarts_conn_id, self)
                self._config = self._build_config(conn, await get_async_extra_dejson(conn))
        return self._config

    def adopt_config(self, config: ClientConfig) -> None:
        """Use ``config``, already read and validated for this hook's connection and workspace (a trigger
        fleet's shared one, :func:`~airflow_dataarts_provider.triggers.shared.shared_config`), instead of
        reading the connection again: a thousand triggers ending together would each read it."""
        if self._config is None:
            self._config = config

    def _sync_transport(self, config: ClientConfig) -> SyncTransport:
        from airflow_dataarts_provider.transport.sync import SyncTransport

        if self._transport is None:
            self._transport = SyncTransport(
                timeout=config.timeout,
                verify=config.verify,
                proxies=config.proxies,
                max_response_bytes=config.max_response_bytes,
            )
        return self._transport

    def _context(
        self, config: ClientConfig, workspace: str | None, deadline: float | None = None
    ) -> CallContext:
        """The one place a call's workspace is decided (argument, else the connection's) and validated;
        ``deadline`` (epoch seconds) becomes the call's deadline on the monotonic clock."""
        if self._budget is None or self._budget[0] is not config:
            self._budget = (config, budget_backend(config))
        return CallContext.create(
            config,
            workspace,
            on_retry=self._log_retry,
            on_response=self._log_response,
            on_secret=mask_secret,
            budget_backend=self._budget[1],
            deadline=None if deadline is None else time.monotonic() + (deadline - time.time()),
        )

    def _log_response(self, request: HttpRequest, response: HttpResponse) -> None:
        # The URL carries no credential (signatures and tokens travel in headers).
        self.log.debug(
            "%s %s -> HTTP %d (request id %s)",
            request.method,
            request.url,
            response.status,
            response.request_id,
        )

    def _log_retry(self, event: RetryEvent) -> None:
        self.log.warning(
            "DataArts request attempt %d failed (%s); retrying in %.1fs",
            event.attempt,
            event.exception,
            event.wait,
        )

    def _log_listing(self, ctx: CallContext, what: str) -> None:
        stats = ctx.stats
        self.log.info(
            "Listed %d %s of workspace %s: %d pages, %d requests, %d retries, %.2fs",
            stats.items,
            what,
            ctx.workspace,
            stats.pages,
            stats.requests,
            stats.retries,
            stats.elapsed,
        )

    def _run(
        self,
        make: MakeFlow[T],
        workspace: str | None = None,
        *,
        listing: str | None = None,
        deadline: float | None = None,
    ) -> T:
        """Run one flow on the sync transport; with ``listing``, log the INFO summary line; ``deadline``
        (epoch seconds): the call ends by then (:class:`~..core.errors.DataArtsDeadlineError`)."""
        from airflow_dataarts_provider.transport import sync

        config = self.get_config()
        ctx = self._context(config, workspace, deadline)
        result = sync.run(make(ctx), self._sync_transport(config))
        if listing is not None:
            self._log_listing(ctx, listing)
        return result

    def async_session(self) -> _Session:
        """``async with hook.async_session():`` this hook's async calls share one HTTP client (one per
        trigger run, not one per check); it is closed at the end, after any call still in flight."""
        return _Session(self._aio)

    async def _arun(
        self, make: MakeFlow[T], workspace: str | None = None, *, listing: str | None = None
    ) -> T:
        config = await self.aget_config()
        ctx = self._context(config, workspace)
        async with self._aio.transport(config) as transport:
            result = await aio.run(make(ctx), transport)
        if listing is not None:
            self._log_listing(ctx, listing)
        return result


class _Session:
    """The context manager of :meth:`DataArtsHookBase.async_session` (a plain class: thousands of
    triggers hold one each, and a generator-based one costs a frame more)."""

    __slots__ = ("_clients",)

    def __init__(self, clients: _AsyncClients) -> None:
        self._clients = clients

    async def __aenter__(self) -> None:
        self._clients.sessions += 1

    async def __aexit__(self, *exc_info: object) -> None:
        self._clients.sessions -= 1
        await self._clients.release()


class _AsyncClients:
    """The async transports of one hook. Outside a :meth:`DataArtsHookBase.async_session` every call opens
    and closes its own; inside, the calls share one (a trigger's whole run), closed when the session ends
    and no call is in flight any more (a listing shared with other triggers may still be using it)."""

    __slots__ = ("in_flight", "loop", "sessions", "shared")

    def __init__(self) -> None:
        self.sessions = 0
        self.in_flight = 0
        self.shared: aio.AsyncTransport | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    @contextlib.asynccontextmanager
    async def transport(self, config: ClientConfig) -> AsyncIterator[aio.AsyncTransport]:
        if self.sessions == 0:
            own = await _async_transport(config)
            try:
                yield own
            finally:
                await own.aclose()
            return
        loop = asyncio.get_running_loop()
        if self.shared is None or self.loop is not loop:
            self.shared, self.loop = await _async_transport(config), loop
        shared = self.shared
        self.in_flight += 1
        try:
            yield shared
        finally:
            self.in_flight -= 1
            await self.release()

    async def release(self) -> None:
        """Close the shared transport once no session and no call needs it."""
        if self.sessions == 0 and self.in_flight == 0 and self.shared is not None:
            shared, self.shared, self.loop = self.shared, None, None
            await shared.aclose()


async def _async_transport(config: ClientConfig) -> aio.AsyncTransport:
    return await aio.AsyncTransport.open(
        timeout=config.timeout,
        verify=config.verify,
        proxies=config.proxies,
        max_response_bytes=config.max_response_bytes,
    )
