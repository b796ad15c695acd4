# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Parsing of successful JSON responses into validated values (pure, sans-I/O): JSON objects, ``{"data":
[...], "total": n}`` listing pages, empty answers. Anything unexpected raises
:class:`~.errors.DataArtsResponseError`, whose message says what was wrong and carries the request id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from airflow_dataarts_provider.core.protocol.errors import DataArtsResponseError
from airflow_dataarts_provider.core.protocol.http import HttpResponse, loads_json

#: Media types accepted as JSON (besides any ``*/*+json`` structured-syntax suffix).
_JSON_MEDIA_TYPES = frozenset({"application/json", "text/json"})


_SNIPPET_CHARS = 120


@dataclass(frozen=True)
class Page:
    """One page of a listing: validated items (ids normalised to ``str``), the server's ``total``
    (``None`` when the body has none) and the response's request id."""

    items: list[dict[str, Any]]
    total: int | None
    request_id: str | None


def _fail(response: HttpResponse, method: str, path: str, problem: str) -> NoReturn:
    raise DataArtsResponseError(method, path, response.status, problem, response.request_id)


def _snippet(text: str) -> str:
    text = text.strip()
    if len(text) > _SNIPPET_CHARS:
        return repr(text[:_SNIPPET_CHARS]) + "..."
    return repr(text)


def _check_content_type(response: HttpResponse, method: str, path: str) -> None:
    content_type = response.header("content-type")
    if content_type is None or not content_type.strip():
        return  # Tolerated: some gateways omit it; the body is still checked to be a JSON object.
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _JSON_MEDIA_TYPES or media_type.endswith("+json"):
        return
    _fail(
        response,
        method,
        path,
        f"content type is {content_type.strip()!r}, expected application/json"
        " (an HTML or text page usually comes from a proxy, a gateway or a wrong endpoint)",
    )


def parse_json_object(response: HttpResponse, method: str, path: str) -> dict[str, Any]:
    """Decode a success response whose body must be a JSON object (UTF-8, optional BOM).

    Raises :class:`DataArtsResponseError` for a non-JSON content type, an empty body, invalid UTF-8,
    malformed JSON (``NaN``/``Infinity`` included) or a JSON value that is not an object.
    """
    _check_content_type(response, method, path)
    if not response.body.strip():
        _fail(response, method, path, "empty body, expected a JSON object")
    try:
        text = response.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(response, method, path, f"body is not valid UTF-8 ({exc.reason} at byte {exc.start})")
    try:
        value = loads_json(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        _fail(response, method, path, f"malformed JSON ({exc}); body starts with {_snippet(text)}")
    if not isinstance(value, dict):
        _fail(response, method, path, f"expected a JSON object, got {_json_type(value)}")
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json.loads only produces the types above


def parse_listing_page(
    response: HttpResponse,
    method: str,
    path: str,
    *,
    id_key: str,
    data_key: str = "data",
    total_key: str = "total",
) -> Page:
    """Parse a ``{"data": [...], "total": n}`` listing body.

    Each element of ``data`` must be an object whose ``id_key`` is a non-empty string or an integer
    (normalised to ``str``; the decoded items are returned as they are, not copied). ``total`` must be
    a non-negative integer (booleans are refused) or absent/null. ``data`` may be absent or null only
    when ``total`` is 0.
    """
    body = parse_json_object(response, method, path)

    raw_total = body.get(total_key)
    total: int | None
    if raw_total is None:
        total = None
    elif isinstance(raw_total, bool) or not isinstance(raw_total, int):
        _fail(response, method, path, f"'{total_key}' is {_json_type(raw_total)}, expected an integer")
    elif raw_total < 0:
        _fail(response, method, path, f"'{total_key}' is negative ({raw_total})")
    else:
        total = raw_total

    raw_data = body.get(data_key)
    if raw_data is None:
        if total == 0:
            return Page(items=[], total=0, request_id=response.request_id)
        state = "missing" if data_key not in body else "null"
        _fail(response, method, path, f"'{data_key}' is {state}, expected an array of objects")
    if not isinstance(raw_data, list):
        _fail(response, method, path, f"'{data_key}' is {_json_type(raw_data)}, expected an array")

    for index, raw_item in enumerate(raw_data):
        raw_id = raw_item.get(id_key) if type(raw_item) is dict else None
        if type(raw_id) is str and raw_id.strip():
            continue  # the common case, checked cheaply: a JSON object with a non-empty string id
        raw_item[id_key] = _item_id(response, method, path, f"{data_key}[{index}]", raw_item, id_key)
    items: list[dict[str, Any]] = raw_data  # freshly decoded: ours to keep, no copy needed
    return Page(items=items, total=total, request_id=response.request_id)


def _item_id(  # noqa: PLR0917 - the error's context, then the item
    response: HttpResponse, method: str, path: str, where: str, raw_item: Any, id_key: str
) -> str:
    """The id of a listed item that is not a plain non-empty string (an integer id, normalised to
    ``str``), or the error naming what is wrong with it."""
    if not isinstance(raw_item, dict):
        _fail(response, method, path, f"{where} is {_json_type(raw_item)}, expected an object")
    if id_key not in raw_item:
        _fail(response, method, path, f"{where} has no '{id_key}'")
    raw_id = raw_item[id_key]
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        _fail(
            response,
            method,
            path,
            f"{where}.{id_key} is {_json_type(raw_id)}, expected a string or an integer",
        )
    item_id = str(raw_id)
    if not item_id.strip():
        _fail(response, method, path, f"{where}.{id_key} is an empty string")
    return item_id


def parse_nothing(response: HttpResponse, method: str, path: str) -> None:
    """For calls whose success body carries nothing the caller needs (any 2xx body is accepted)."""
