# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Reading an error answer (pure: no I/O, no clock read): the error code and message from any documented
body shape, the request id, ``Retry-After`` (capped), and for a 401 the server's canonical request beside
ours and a clock-skew note. :func:`parse_api_error` returns the matching
:class:`~.errors.DataArtsAPIError` subclass."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from airflow_dataarts_provider.core.protocol.errors import DataArtsAPIError, api_error_class
from airflow_dataarts_provider.core.protocol.http import HttpResponse, loads_json
from airflow_dataarts_provider.core.protocol.redaction import mask_secrets

_EXCERPT_LIMIT = 500


_CANONICAL_RE = re.compile(r"(?i)canonical[ _-]?request(?:\s*is)?\s*[:=]?\s*")


_BODY_REQUEST_ID_KEYS = ("request_id", "requestId", "request-id", "X-Request-Id", "x-request-id")


def _excerpt(text: str, limit: int = _EXCERPT_LIMIT) -> str:
    """A one-line, bounded excerpt; says how much was left out instead of cutting silently."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}... [{len(flat) - limit} more characters not shown]"


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _extract(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(code, message) from any documented error-body shape."""
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        code, msg = _as_text(body.get(code_key)), _as_text(body.get(msg_key))
        if code or msg:
            return code, msg
    nested = body.get("error")
    if isinstance(nested, dict):
        code = _as_text(nested.get("code")) or _as_text(nested.get("error_code"))
        msg = _as_text(nested.get("message")) or _as_text(nested.get("error_msg"))
        title = _as_text(nested.get("title"))
        if msg is None and title:
            msg = title
        if code or msg:
            return code, msg
    if isinstance(nested, str) and nested.strip():
        return None, _as_text(body.get("error_description")) or nested.strip()
    return None, _as_text(body.get("msg")) or _as_text(body.get("error_description"))


#: The longest ``Retry-After`` taken from a server (seconds): a larger value, an overflowing number or a
#: far-future date counts as this. The engine caps it further by the call's ``max_retry_wait`` before it
#: pushes a rate budget back, so no answer can pause a process longer than its own retry budget.
RETRY_AFTER_CAP = 3600.0


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def parse_retry_after(
    value: str | None, *, now: datetime | None = None, date_header: str | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date, in
    ``[0, RETRY_AFTER_CAP]``.

    An HTTP-date is measured from ``now`` when given, else from the response's ``Date`` header (the
    server's own clock); None when neither is available or the value is unparsable.
    """
    if value is None or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except (ValueError, OverflowError):
        seconds = math.nan
    if math.isnan(seconds):
        when = _http_date(text)
        reference = now if now is not None else (_http_date(date_header) if date_header else None)
        if when is None or reference is None:
            return None
        if reference.tzinfo is None:
            reference = reference.replace(tzinfo=timezone.utc)
        try:
            seconds = (when - reference).total_seconds()
        except OverflowError:
            seconds = math.inf
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _canonical_diff(server: str, ours: str | None) -> str:
    lines = ["Server canonical request:", server]
    if ours is None:
        return "\n".join(lines)
    ours = mask_secrets(ours)
    lines += ["Our canonical request:", ours]
    server_lines, our_lines = server.split("\n"), ours.split("\n")
    for index in range(max(len(server_lines), len(our_lines))):
        theirs = server_lines[index] if index < len(server_lines) else "<missing>"
        mine = our_lines[index] if index < len(our_lines) else "<missing>"
        if theirs != mine:
            lines.append(f"First difference at line {index + 1}: server {theirs!r} vs ours {mine!r}")
            break
    else:
        lines.append("The canonical requests match: check the SK, the AK and the clock (X-Sdk-Date).")
    return "\n".join(lines)


#: Above this difference between our signature date and the server's clock, a 401 is blamed on the clock.
CLOCK_SKEW_WARNING = 300.0


def clock_skew_seconds(sdk_date: str | None, server_date: str | None) -> float | None:
    """Our ``X-Sdk-Date`` minus the server's ``Date`` header, in seconds (None if either is missing)."""
    if not sdk_date or not server_date:
        return None
    try:
        ours = datetime.strptime(sdk_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        theirs = parsedate_to_datetime(server_date)
    except (ValueError, TypeError):
        return None
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=timezone.utc)
    return (ours - theirs).total_seconds()


def _authentication_detail(
    msg: str, code: str | None, ours: str | None, sdk_date: str | None, server_date: str | None
) -> tuple[str, str | None]:
    """A 401's message and detail: the server's canonical request (``|`` for newlines) beside ours,
    security tokens masked, and a clock-skew note first when the dates are more than 5 minutes apart."""
    detail: str | None = None
    match = _CANONICAL_RE.search(msg)
    if match:
        server = msg[match.end() :].strip().strip("\"'")
        server = server.replace("|", "\n")
        detail = _canonical_diff(mask_secrets(server), ours)
        msg = msg[: match.start()].rstrip(" ,;:") or msg
    elif ours is not None and code == "APIGW.0301":
        detail = "Our canonical request:\n" + mask_secrets(ours)
    skew = clock_skew_seconds(sdk_date, server_date)
    if skew is not None and abs(skew) > CLOCK_SKEW_WARNING:
        note = (
            f"Clock skew: the local clock is {abs(skew) / 60:.0f} minutes "
            f"{'ahead of' if skew > 0 else 'behind'} the server's (signatures are refused beyond 15"
            " minutes); synchronise this machine's clock (NTP)."
        )
        detail = f"{note}\n{detail}" if detail else note
    return msg, detail


def _read_body(response: HttpResponse) -> tuple[str | None, str, str | None]:
    """``(error code, message, request id)`` from any documented body shape; a bounded excerpt of a body
    that is not one; the status phrase for an empty body."""
    text = response.body.decode("utf-8", errors="replace")
    code: str | None = None
    msg: str | None = None
    body_request_id: str | None = None
    parsed: object = None
    if text.strip():
        try:
            parsed = loads_json(text)
        except ValueError:
            parsed = None
    if isinstance(parsed, dict):
        code, msg = _extract(parsed)
        for key in _BODY_REQUEST_ID_KEYS:
            body_request_id = _as_text(parsed.get(key))
            if body_request_id:
                break
        if code is None and msg is None:
            msg = f"unrecognised error body: {_excerpt(text)}"
    elif text.strip():
        msg = _excerpt(text)
    if msg is None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "unknown status"
        msg = f"{reason} (empty response body)"
    return code, msg, body_request_id


def parse_api_error(
    response: HttpResponse,
    method: str,
    path: str,
    *,
    our_canonical_request: str | None = None,
    now: datetime | None = None,
    sdk_date: str | None = None,
) -> DataArtsAPIError:
    """Turn an error response into the matching :class:`DataArtsAPIError` subclass (returned, not raised).

    Reads ``error_code``/``error_msg``, ``errorCode``/``errorMsg``, ``code``/``message``, IAM's
    ``{"error": {"code", "message"}}``, gateway bodies with ``request_id``, and non-JSON or empty bodies
    (a bounded excerpt). For a 401 whose message quotes the server's canonical request (``|`` for
    newlines), ``detail`` shows it beside ``our_canonical_request``, security tokens masked; when our
    ``sdk_date`` (the signed ``X-Sdk-Date``) is more than 5 minutes from the server's ``Date`` header,
    ``detail`` names the clock skew first.
    """
    status = response.status
    code, msg, body_request_id = _read_body(response)
    if 300 <= status < 400:
        location = _excerpt(response.header("location") or "no Location header", _EXCERPT_LIMIT // 2)
        msg = f"redirected to {location} (redirects are never followed: check the endpoint); body: {msg}"
    msg = mask_secrets(msg)
    if len(msg) > 4 * _EXCERPT_LIMIT and "canonical" not in msg.lower():
        msg = _excerpt(msg, 4 * _EXCERPT_LIMIT)
    request_id = response.request_id or body_request_id
    retry_after = (
        parse_retry_after(response.header("retry-after"), now=now, date_header=response.header("date"))
        if status in (429, 503)
        else None
    )
    detail: str | None = None
    if status == 401:
        msg, detail = _authentication_detail(
            msg, code, our_canonical_request, sdk_date, response.header("date")
        )
    cls = api_error_class(status)
    return cls(
        status=status,
        error_code=code,
        error_msg=msg,
        request_id=request_id,
        method=method,
        path=path,
        retry_after=retry_after,
        detail=detail,
    )
