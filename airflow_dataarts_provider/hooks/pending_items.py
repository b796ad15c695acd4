# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pending-items methods of :class:`~.dataarts.DataArtsHook` (listings, the release gate's items)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.pending_items.values import build_filter_query
from airflow_dataarts_provider.core.protocol import calls as protocol_calls
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.listing import Listing, list_flow
from airflow_dataarts_provider.transport import aio  # httpx: already loaded by Airflow

if TYPE_CHECKING:  # the family's modules load on its first call (a job run never loads them)
    from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.hooks.base import DataArtsHookBase


class PendingItemsHookMixin(DataArtsHookBase):  # type: ignore[misc]
    """Pending items: complete, consistent listings (sync, lazy, async)."""

    @staticmethod
    def _pending_items(
        config: ClientConfig, filters: Mapping[str, Any]
    ) -> tuple[protocol_calls.ListingCall, str | None]:
        from airflow_dataarts_provider.core.pending_items import calls as pending_calls

        rest = dict(filters)
        workspace = rest.pop("workspace", None)
        query = build_filter_query(rest, time_format=config.time_format)
        return pending_calls.pending_items(config, query), workspace

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

    async def aiter_pending_items(self, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Async twin of :meth:`iter_pending_items`, for triggers."""
        config = await self.aget_config()
        listing, workspace = self._pending_items(config, filters)
        ctx = self._context(config, workspace)
        async with self._aio.transport(config) as transport:
            async for item in aio.iterate(list_flow(ctx, listing), transport):
                yield item
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
