# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The vocabulary of the listing walk (:mod:`.pagination`): the request it asks for, the names of the
offset semantics, its limits and the check of its arguments. No state: every state change of a walk
lives in :class:`~.pagination.ListingWalk`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from airflow_dataarts_provider.core.protocol.enums import PAGE_SIZE_MAX, OffsetMode
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.values import check_int

#: An :class:`~.enums.OffsetMode` by its value (the walk takes plain text).
OffsetModeValue = Literal["auto", "page", "record"]


OffsetSemantics = Literal["page", "record"]


#: Absolute cap on requests per walk (restarts included): 1000 pages of 100 = 100 000 items.
DEFAULT_MAX_PAGES = 1000


@dataclass(frozen=True)
class PageRequest:
    """The next request to send: query parameters ``limit`` and ``offset``."""

    limit: int
    offset: int


def check_walk_arguments(  # noqa: PLR0917 - the walk's own arguments, in order
    page_size: int,
    offset_mode: str,
    known_mode: str | None,
    max_pages: int,
    max_items: int | None,
    max_restarts: int,
    page_size_max: int = PAGE_SIZE_MAX,
) -> None:
    """Refuse a walk's arguments before any request (:class:`DataArtsConfigError` naming the field)."""
    check_int("page_size", page_size, 1, page_size_max)
    allowed = [m.value for m in OffsetMode]
    if offset_mode not in allowed:
        raise DataArtsConfigError("offset_mode", f"{offset_mode!r} is unknown", ", ".join(allowed))
    if known_mode not in (None, "page", "record"):
        raise DataArtsConfigError("known_mode", f"{known_mode!r} is unknown", "page, record, None")
    check_int("max_pages", max_pages, 1, None)
    if max_items is not None:
        check_int("max_items", max_items, 0, None)
    check_int("max_restarts", max_restarts, 0, None)


def some_ids(ids: list[str], limit: int = 5) -> str:
    """Ids for an error message: the first few, and how many more."""
    shown = ", ".join(repr(i) for i in ids[:limit])
    return f"{shown} and {len(ids) - limit} more" if len(ids) > limit else shown
