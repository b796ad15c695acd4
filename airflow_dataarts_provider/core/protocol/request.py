# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Build (and, for AK/SK, sign) DataArts API requests as :class:`HttpRequest` values.

:func:`build_request` is the generic builder; :func:`request_for` builds the request of an
:class:`~airflow_dataarts_provider.core.protocol.calls.ApiCall`. The URL carries exactly the canonical query
string that was signed, so the transport must send it unchanged. :func:`canonical_request_of`
recomputes the canonical request of a signed request (no secret needed) for 401 diagnostics."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from airflow_dataarts_provider.core.protocol.auth import (
    AkSkCredentials,
    Credentials,
    TokenCredentials,
)
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.http import HttpRequest
from airflow_dataarts_provider.core.protocol.signing import (
    HEADER_SECURITY_TOKEN,
    canonical_query,
    format_sdk_date,
    recompute_canonical_request,
    sign,
)
from airflow_dataarts_provider.core.protocol.values import validate_workspace

_SEGMENT_RE = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+$")


JSON_CONTENT_TYPE = "application/json"


def name_segment(field: str, value: object, max_len: int = 128) -> str:
    """A user-given name (a job name, Chinese included) as one percent-encoded path segment."""
    if not isinstance(value, str) or not value.strip() or value != value.strip() or len(value) > max_len:
        raise DataArtsConfigError(
            field, f"{value!r} is not a name", f"1 to {max_len} characters without surrounding spaces"
        )
    if any(ord(c) < 32 or c == "\x7f" for c in value) or value in (".", ".."):
        raise DataArtsConfigError(field, f"{value!r} has control characters or is '.'/'..'", "a name")
    return quote(value, safe="")


def api_path(*segments: str) -> str:
    """``/seg1/seg2/...`` from validated segments (ids and literal path parts: ``A-Za-z0-9._~-``, or
    names encoded by :func:`name_segment`)."""
    for segment in segments:
        if not isinstance(segment, str) or not _SEGMENT_RE.fullmatch(segment) or segment in (".", ".."):
            raise DataArtsConfigError(
                "path", f"path segment {segment!r} is not a plain identifier", "letters, digits and . _ ~ -"
            )
    return "/" + "/".join(segments)


def build_request(  # noqa: PLR0917 - mirrors the request line
    config: ClientConfig,
    credentials: Credentials,
    method: str,
    path: str,
    query_pairs: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    *,
    now: datetime,
    workspace: str | None = None,
    endpoint: str | None = None,
) -> HttpRequest:
    """Build a request to ``endpoint + path`` (default ``config.endpoint``).

    Adds ``Content-Type: application/json``, ``X-Project-Id`` and ``workspace`` (the argument, else
    ``config.workspace``; omitted when both are None; validated by :func:`resolve_workspace`), then
    either signs with AK/SK (``X-Security-Token`` added before signing) or adds ``X-Auth-Token``.
    ``json_body`` (if not None) is sent as compact UTF-8 JSON. ``now`` must be aware; it dates the
    signature.
    """
    if method not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        raise DataArtsConfigError("method", f"unsupported method {method!r}", "GET, POST, PUT, DELETE, PATCH")
    if not path.startswith("/") or "?" in path or "#" in path:
        raise DataArtsConfigError("path", f"{path!r} must start with '/' and carry no query", "/v2/...")
    pairs: Sequence[tuple[str, str]] = list(query_pairs)
    query = canonical_query(pairs)
    all_headers: dict[str, str] = {"Content-Type": JSON_CONTENT_TYPE}
    ws = workspace if workspace is not None else config.workspace
    if ws is not None:
        all_headers["workspace"] = ws
    all_headers["X-Project-Id"] = config.project_id
    for name, value in (headers or {}).items():
        if any(name.lower() == existing.lower() for existing in all_headers):
            all_headers = {k: v for k, v in all_headers.items() if k.lower() != name.lower()}
        all_headers[name] = value
    body = b""
    if json_body is not None:
        try:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
                "utf-8"
            )
        except (TypeError, ValueError) as exc:
            raise DataArtsConfigError("body", f"cannot be encoded as JSON ({exc})") from None
    url_base = (endpoint or config.endpoint) + path
    url = f"{url_base}?{query}" if query else url_base
    if isinstance(credentials, AkSkCredentials):
        if credentials.security_token:
            all_headers[HEADER_SECURITY_TOKEN] = credentials.security_token
        parts = sign(
            method, url_base, pairs, all_headers, body, credentials.ak, credentials.sk, format_sdk_date(now)
        )
        return HttpRequest(method=method, url=url, headers=dict(parts.headers), body=body)
    if isinstance(credentials, TokenCredentials):
        format_sdk_date(now)  # same validation of ``now`` for both modes
        if not credentials.token:
            raise DataArtsConfigError("token", "is empty")
        all_headers["X-Auth-Token"] = credentials.token
        return HttpRequest(method=method, url=url, headers=all_headers, body=body)
    raise DataArtsConfigError("credentials", f"unsupported type {type(credentials).__name__}")


def resolve_workspace(config: ClientConfig, workspace: str | None) -> str:
    """The workspace a DataArts Factory call runs in (argument, else the connection's), validated."""
    chosen = workspace if workspace is not None else config.workspace
    if chosen is None:
        raise DataArtsConfigError(
            "workspace",
            "is required for DataArts Factory calls",
            "a workspace id (argument or connection extra)",
        )
    return validate_workspace(chosen)


class CallLike(Protocol):
    @property
    def service(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def body(self) -> Any: ...


def request_for(
    config: ClientConfig, credentials: Credentials, call: CallLike, *, workspace: str, now: datetime
) -> HttpRequest:
    """The signed request of ``call`` (an :class:`~airflow_dataarts_provider.core.protocol.calls.ApiCall`) in
    ``workspace`` (from :func:`resolve_workspace`), to the endpoint of its service."""
    return build_request(
        config,
        credentials,
        call.method,
        call.path,
        call.query,
        json_body=call.body,
        now=now,
        endpoint=config.dlf_endpoint if call.service == "dlf" else config.endpoint,
        workspace=workspace,
    )


def canonical_request_of(request: HttpRequest) -> str | None:
    """The canonical request of an AK/SK-signed request (None for token requests); contains no SK."""
    return recompute_canonical_request(request.method, request.url, request.headers, request.body)
