# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pending-items call (``GET /v2/{project_id}/factory/pending-items``) and its page parser."""

from __future__ import annotations

from collections.abc import Sequence

from airflow_dataarts_provider.core.protocol.calls import ApiCall, ListingCall, factory_path
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import Page, parse_listing_page

PENDING_ITEMS = "pending-items"


def pending_items(config: ClientConfig, filters_query: Sequence[tuple[str, str]] = ()) -> ListingCall:
    """``GET /v2/{project_id}/factory/pending-items`` with filter pairs from
    :func:`~airflow_dataarts_provider.core.pending_items.values.build_filter_query` (paging adds
    limit/offset)."""
    clash = [k for k, _ in filters_query if k in ("limit", "offset")]
    if clash:
        raise DataArtsConfigError("filters", f"{clash} are set by paging, not filters")
    call = ApiCall("GET", factory_path(config, PENDING_ITEMS), parse_pending_items_page, tuple(filters_query))
    return ListingCall(PENDING_ITEMS, call, "pending_item_id")


def parse_pending_items_page(response: HttpResponse, method: str, path: str) -> Page:
    """Parse a 2xx answer of ``GET /v2/{project_id}/factory/pending-items``."""
    return parse_listing_page(response, method, path, id_key="pending_item_id")
