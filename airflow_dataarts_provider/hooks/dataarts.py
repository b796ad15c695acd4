"""Hook for Huawei Cloud DataArts Studio (DataArts Factory).

Airflow glue only: reading the connection (sync, or async inside the triggerer), registering secrets
with the masker, logging, and choosing a driver. The protocol (signing, auth, paging, retries, errors)
lives in :mod:`airflow_dataarts_provider.core`, the I/O in :mod:`airflow_dataarts_provider.transport`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.pending_items.values import TaskType, UpdateType, build_filter_query
from airflow_dataarts_provider.core.protocol import calls as protocol_calls
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.effects import Flow, T
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.protocol.listing import Listing, list_flow
from airflow_dataarts_provider.core.protocol.redaction import redact
from airflow_dataarts_provider.core.protocol.regions import pattern_note
from airflow_dataarts_provider.core.protocol.retry import RetryEvent
from airflow_dataarts_provider.core.protocol.values import raw_secrets
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition
from airflow_dataarts_provider.hooks.rate_budget import budget_backend
from airflow_dataarts_provider.transport import aio  # httpx: already loaded by Airflow
from airflow_dataarts_provider.version_compat import BaseHook, mask_secret

if TYPE_CHECKING:  # each API family loads on its first call: a job run never loads the release workflow
    from airflow_dataarts_provider.core.pending_items.gate import GateSpec
    from airflow_dataarts_provider.core.release_packages.watch import WatchState, WatchStep
    from airflow_dataarts_provider.transport.sync import SyncTransport

__all__ = ["DataArtsHook", "Listing", "TaskType", "UpdateType"]

#: ``make(ctx)``: the flow one hook call runs.
MakeFlow = Callable[[CallContext], Flow[T]]


class DataArtsHook(BaseHook):  # type: ignore[misc]
    """Talks to DataArts Factory with the credentials of an Airflow connection.

    The connection is read lazily, on the first call (never in ``__init__``), and validated before any
    request is sent.

    :param dataarts_conn_id: id of a ``huaweicloud_dataarts`` connection.
    :param workspace: workspace id overriding the connection's default workspace.
    """

    conn_name_attr = "dataarts_conn_id"
    default_conn_name = connection_form.DEFAULT_CONN_ID
    conn_type = connection_form.CONN_TYPE
    hook_name = connection_form.HOOK_NAME

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

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(dataarts_conn_id={self.dataarts_conn_id!r}, workspace={self.workspace!r})"
        )

    # ------------------------------------------------------------------ connection form (Airflow < 3.2)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Connection form fields for Airflow 2.11-3.1 (3.2+ reads provider info instead)."""
        return connection_form.legacy_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Standard-field behaviour for Airflow 2.11-3.1 (3.2+ reads provider info instead)."""
        return connection_form.legacy_ui_field_behaviour()

    # ------------------------------------------------------------------ configuration

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

    # requests is imported on first use: DAG files importing operators don't pay for it at parse time.

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

    @staticmethod
    def _pending_items(
        config: ClientConfig, filters: Mapping[str, Any]
    ) -> tuple[protocol_calls.ListingCall, str | None]:
        from airflow_dataarts_provider.core.pending_items import calls as pending_calls

        rest = dict(filters)
        workspace = rest.pop("workspace", None)
        query = build_filter_query(rest, time_format=config.time_format)
        return pending_calls.pending_items(config, query), workspace

    # ------------------------------------------------------------------ pending items

    def iter_pending_items(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Pending items matching ``filters``, fetched lazily page by page (100 per request).

        Filters: ``submit_user_name``, ``item_name``, ``update_type``, ``task_type``, ``start_time``,
        ``end_time``, ``workspace``. Invalid values raise
        :class:`~airflow_dataarts_provider.core.protocol.errors.DataArtsConfigError` here, before any request.
        """
        from airflow_dataarts_provider.transport import sync

        config = self.get_config()
        listing, workspace = self._pending_items(config, filters)
        ctx = self._context(config, workspace)
        flow = list_flow(ctx, listing)

        def _items() -> Iterator[dict[str, Any]]:
            yield from sync.iterate(flow, self._sync_transport(config))
            self._log_listing(ctx, "pending items")

        return _items()

    def fetch_pending_items(self, *, max_items: int | None = None, **filters: Any) -> Listing:
        """Like :meth:`list_pending_items`, with the server's ``total`` and whether ``max_items`` cut it."""
        listing, workspace = self._pending_items(self.get_config(), filters)
        return self._run(
            lambda ctx: list_flow(ctx, listing, max_items=max_items, emit=False),
            workspace,
            listing="pending items",
        )

    def list_pending_items(self, *, max_items: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Every pending item matching ``filters`` (a consistent snapshot), or the first ``max_items``."""
        return self.fetch_pending_items(max_items=max_items, **filters).items

    def gate_items(self, spec: GateSpec, workspace: str | None = None) -> list[dict[str, Any]]:
        """The pending items a release gate watches (exact name/id matching, cheapest query plan)."""
        from airflow_dataarts_provider.core.pending_items.flows import gate_flow

        return self._run(lambda ctx: gate_flow(ctx, spec), workspace, listing="pending items")

    def check_condition(
        self, condition: Condition, workspace: str | None = None, *, deadline: float | None = None
    ) -> CheckResult:
        """One check of what a sensor waits for (see :mod:`airflow_dataarts_provider.core.protocol.waiting`);
        ``deadline`` (epoch seconds): the waiting task's own, kept even while a request is in flight."""
        return self._run(condition.check, workspace, listing=condition.subject, deadline=deadline)

    # ------------------------------------------------------------------ release packages

    def create_release_package(
        self,
        *,
        package_name: str,
        pending_item_ids: list[str],
        approver_ids: list[str],
        apply_user_id: str,
        workspace: str | None = None,
    ) -> tuple[str, bool]:
        """Package pending items: ``(release package id, created now?)``. Reuses a package with the same
        name and items instead of creating a second one (safe to retry)."""
        from airflow_dataarts_provider.core.release_packages.flows import create_package_flow

        return self._run(
            lambda ctx: create_package_flow(
                ctx,
                name=package_name,
                pending_item_ids=pending_item_ids,
                approver_ids=approver_ids,
                apply_user_id=apply_user_id,
            ),
            workspace,
        )

    def find_release_package(
        self, package_name: str, *, pending_item_ids: list[str] | None = None, workspace: str | None = None
    ) -> str | None:
        """The id of a live package with this exact name (and exactly these items, if given), or None."""
        from airflow_dataarts_provider.core.release_packages.flows import find_package_flow

        return self._run(lambda ctx: find_package_flow(ctx, package_name, pending_item_ids), workspace)

    def list_release_packages(
        self, *, workspace: str | None = None, max_items: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Release packages matching ``filters``: ``key_word``, ``apply_user_name``, ``deploy_user_name``,
        ``apply_begin_time`` .. ``deploy_end_time`` (any time form; sent as epoch ms),
        ``deploy_status_filter``."""
        from airflow_dataarts_provider.core.release_packages.flows import release_packages_flow

        result = self._run(
            lambda ctx: release_packages_flow(ctx, filters, max_items), workspace, listing="release packages"
        )
        return result.items

    def get_release_package(self, package_id: str, workspace: str | None = None) -> dict[str, Any]:
        """``{"release_package": {...}, "task_details": [...]}``."""
        from airflow_dataarts_provider.core.release_packages.flows import package_detail_flow

        return self._run(lambda ctx: package_detail_flow(ctx, package_id), workspace)

    def deploy_release_packages(
        self, package_ids: list[str], *, startup_mode: int = 1, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """Deploy packages; returns ``deploy_package_details`` (empty when every package was already
        releasing or deployed: those are never deployed again). Never retried once it may have reached
        the server (watch the outcome with :class:`DataArtsReleasePackageSensor`)."""
        from airflow_dataarts_provider.core.release_packages.flows import deploy_flow

        return self._run(
            lambda ctx: deploy_flow(ctx, package_ids=package_ids, startup_mode=startup_mode), workspace
        )

    def watch_releases(
        self, previous: WatchState | None, *, now_ms: int, workspace: str | None = None
    ) -> WatchStep:
        """One check of a release watch: the packages released successfully since ``previous`` (the
        first check, ``previous=None``, only takes stock). See
        :mod:`~airflow_dataarts_provider.core.release_packages.watch`."""
        from airflow_dataarts_provider.core.release_packages.watch import watch_flow

        return self._run(lambda ctx: watch_flow(ctx, previous, now_ms), workspace, listing="release packages")

    def cancel_release_packages(self, package_ids: list[str], *, workspace: str | None = None) -> None:
        """Cancel (unpack) packages not yet released; their items become pending again."""
        from airflow_dataarts_provider.core.release_packages.flows import cancel_flow

        self._run(lambda ctx: cancel_flow(ctx, package_ids), workspace)

    # ------------------------------------------------------------------ job runs (V1 DLF job API)

    def run_job(self, job_name: str, *, job_params: Any = None, workspace: str | None = None) -> str:
        """Start one instance of ``job_name`` (``run-immediate``) and return its id; ``job_params``:
        ``{"name": "value"}`` or ``[{"name", "value", "paramType"}]``. Never started twice by a retry of
        the request (see :func:`~airflow_dataarts_provider.core.job_runs.flows.run_job_flow`)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.run_job_flow(ctx, job_name, job_params), workspace)

    def get_job_instance(
        self, job_name: str, instance_id: str, *, workspace: str | None = None
    ) -> dict[str, Any]:
        """The instance: ``instance_id``, ``status``, times, ``nodes`` (``name``, ``status``, ``log_path``)"""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.instance_flow(ctx, job_name, instance_id), workspace)

    def list_job_instances(
        self,
        job_name: str,
        *,
        min_plan_time: Any = None,
        max_plan_time: Any = None,
        status: str | None = None,
        workspace: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every instance of the job in the plan-time range (any time form), paged completely."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(
            lambda ctx: job_flows.instances_flow(
                ctx, job_name, min_plan_time=min_plan_time, max_plan_time=max_plan_time, status=status
            ),
            workspace,
            listing="job instances",
        )

    def active_job_instances(
        self, job_name: str, since: datetime, *, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """The job's waiting or running instances planned since ``since``, newest first."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        return self._run(lambda ctx: job_flows.active_instances_flow(ctx, job_name, since), workspace)

    def stop_job_instance(self, job_name: str, instance_id: str, *, workspace: str | None = None) -> None:
        """Stop a running instance."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        self._run(lambda ctx: job_flows.stop_flow(ctx, job_name, instance_id), workspace)

    def rerun_job_instance(self, job_name: str, instance_id: str, *, workspace: str | None = None) -> None:
        """Run a finished instance again (``restart``)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        self._run(lambda ctx: job_flows.rerun_flow(ctx, job_name, instance_id), workspace)

    # ------------------------------------------------------------------ async (triggers)

    async def _arun(
        self, make: MakeFlow[T], workspace: str | None = None, *, listing: str | None = None
    ) -> T:
        config = await self.aget_config()
        ctx = self._context(config, workspace)
        transport = await _async_transport(config)
        try:
            result = await aio.run(make(ctx), transport)
        finally:
            await transport.aclose()
        if listing is not None:
            self._log_listing(ctx, listing)
        return result

    async def aiter_pending_items(self, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Async twin of :meth:`iter_pending_items`, for triggers."""
        config = await self.aget_config()
        listing, workspace = self._pending_items(config, filters)
        ctx = self._context(config, workspace)
        transport = await _async_transport(config)
        try:
            async for item in aio.iterate(list_flow(ctx, listing), transport):
                yield item
        finally:
            await transport.aclose()
        self._log_listing(ctx, "pending items")

    async def alist_pending_items(
        self, *, max_items: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Async twin of :meth:`list_pending_items`, for triggers."""
        listing, workspace = self._pending_items(await self.aget_config(), filters)
        result = await self._arun(
            lambda ctx: list_flow(ctx, listing, max_items=max_items, emit=False),
            workspace,
            listing="pending items",
        )
        return result.items

    async def astop_job_instance(
        self, job_name: str, instance_id: str, *, workspace: str | None = None
    ) -> None:
        """Async twin of :meth:`stop_job_instance` (a trigger's cleanup)."""
        from airflow_dataarts_provider.core.job_runs import flows as job_flows

        await self._arun(lambda ctx: job_flows.stop_flow(ctx, job_name, instance_id), workspace)

    async def awatch_releases(
        self, previous: WatchState | None, *, now_ms: int, workspace: str | None = None
    ) -> WatchStep:
        """Async twin of :meth:`watch_releases`, for the release event trigger."""
        from airflow_dataarts_provider.core.release_packages.watch import watch_flow

        return await self._arun(
            lambda ctx: watch_flow(ctx, previous, now_ms), workspace, listing="release packages"
        )

    async def acheck_condition(self, condition: Condition, workspace: str | None = None) -> CheckResult:
        """Async twin of :meth:`check_condition`, for triggers."""
        return await self._arun(condition.check, workspace, listing=condition.subject)

    # ------------------------------------------------------------------ connection test

    def test_connection(self) -> tuple[bool, str]:
        """One cheap read (``limit=1``). Never raises; the message carries no secret."""
        from airflow_dataarts_provider.core.pending_items.flows import probe_flow

        try:
            config = self.get_config()
            page = self._run(probe_flow)
        except DataArtsError as exc:
            return False, redact(str(exc), self._secrets)
        except Exception as exc:  # the Test button must never see a traceback
            return False, redact(f"{type(exc).__name__}: {exc}", self._secrets)
        total = "unknown" if page.total is None else page.total
        used = {"dataarts": config.endpoint, **({"iam": config.iam_endpoint} if config.iam_endpoint else {})}
        return True, (
            f"Connected to DataArts Studio at {config.endpoint} (project {config.project_id}, "
            f"workspace {config.workspace}): {total} pending items." + pattern_note(config.region, used)
        )


async def _async_transport(config: ClientConfig) -> aio.AsyncTransport:
    return await aio.AsyncTransport.open(
        timeout=config.timeout,
        verify=config.verify,
        proxies=config.proxies,
        max_response_bytes=config.max_response_bytes,
    )
