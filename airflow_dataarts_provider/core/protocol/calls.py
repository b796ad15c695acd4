# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""An API call as plain data: :class:`ApiCall` says what to send (method, path, query, JSON body), whether
repeating it is harmless, and which parser reads the answer; :class:`ListingCall` adds paging. Each API
family builds its own calls (``<family>/calls.py``); nothing here signs, sends or sleeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.enums import PAGE_SIZE_MAX
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import Page
from airflow_dataarts_provider.core.protocol.pagination_terms import OffsetSemantics
from airflow_dataarts_provider.core.protocol.request import api_path
from airflow_dataarts_provider.core.protocol.values import check_int

R = TypeVar("R")


#: ``parse(response, method, path)``: a module-level parser; it raises DataArtsResponseError.
Parser = Callable[[HttpResponse, str, str], R]


@dataclass(frozen=True)
class ApiCall(Generic[R]):
    """One DataArts request. ``idempotent`` (None: by method) decides whether 5xx and network faults
    are retried; ``path`` is built from validated segments (:func:`factory_path`)."""

    method: str
    path: str
    parse: Parser[R]
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    idempotent: bool | None = None
    #: ``dataarts`` (V2, ``config.endpoint``) or ``dlf`` (the V1 job API, ``config.dlf_endpoint``).
    service: str = "dataarts"

    def read(self, response: HttpResponse) -> R:
        return self.parse(response, self.method, self.path)


@dataclass(frozen=True)
class ListingCall:
    """A ``limit``/``offset`` listing: :meth:`page` is the call for one page (query parameters for a GET,
    body fields for a POST); ``kind`` names the listing (learned offset semantics are kept per kind).
    ``names``: what the API calls the two parameters (``("size", "page")`` for PatchData runs);
    ``semantics``: the offset's documented meaning, when the API documents it (else it is learned);
    ``max_limit``: the API's largest page."""

    kind: str
    call: ApiCall[Page]
    id_key: str
    names: tuple[str, str] = ("limit", "offset")
    semantics: OffsetSemantics | None = None
    #: The largest page the API serves (the walk asks for pages of this size).
    max_limit: int = PAGE_SIZE_MAX

    def page(self, limit: int, offset: int) -> ApiCall[Page]:
        limit = check_int("limit", limit, 1, self.max_limit)
        offset = check_int("offset", offset, 0, None)
        size_name, offset_name = self.names
        if self.call.method == "GET":
            return replace(
                self.call, query=(*self.call.query, (size_name, str(limit)), (offset_name, str(offset)))
            )
        return replace(self.call, body={**self.call.body, size_name: limit, offset_name: offset})


def factory_path(config: ClientConfig, *segments: str) -> str:
    """``/v2/{project_id}/factory/...``: the one place this prefix is built."""
    return api_path("v2", config.project_id, "factory", *segments)
