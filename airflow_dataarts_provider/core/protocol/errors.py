"""The provider's exception family.

Every error the provider raises derives from :class:`DataArtsError`. API errors carry the HTTP status,
the service's error code and message, the request id and the request line, so a failure always says
what failed and how to find it in Huawei Cloud's logs."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, ClassVar

from airflow_dataarts_provider.core.protocol.http import HttpResponse, loads_json
from airflow_dataarts_provider.core.protocol.redaction import mask_secrets


class DataArtsError(Exception):
    """Root of every error raised by this provider.

    Two questions every decision asks, answered by the error itself:

    - :attr:`retryable`: may repeating *the same request* succeed (throttling, a server fault, a network
      fault, an unreadable answer)? The attempt loop reads it, together with :attr:`unprocessed`.
    - :attr:`permanent`: is waiting pointless (invalid input, authentication, permission, not found)? A
      sensor or trigger fails at once on it; anything else counts against its failure budget.
    """

    _retryable: ClassVar[bool] = False
    _permanent: ClassVar[bool] = True

    @property
    def retryable(self) -> bool:
        """Repeating the same request may succeed."""
        return self._retryable

    @property
    def unprocessed(self) -> bool:
        """The server provably did not act on the request: it may be repeated even when not idempotent."""
        return False

    @property
    def permanent(self) -> bool:
        """Waiting cannot fix it."""
        return self._permanent


class DataArtsConfigError(DataArtsError, ValueError):
    """A connection value, hook argument or filter is invalid. Raised before any request is sent."""

    def __init__(self, field: str, problem: str, allowed: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.allowed = allowed
        message = f"Invalid value for '{field}': {problem}"
        if allowed:
            message += f" Allowed: {allowed}."
        super().__init__(message)


class DataArtsTransportError(DataArtsError):
    """The request did not complete: connection refused or dropped, DNS failure, timeout."""

    _retryable = True
    _permanent = False

    def __init__(
        self, method: str, path: str, reason: str, *, timeout: bool = False, connect: bool = False
    ) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.timeout = timeout
        #: Failed while connecting (refused, unreachable, connect timeout, TLS handshake): nothing was sent.
        self.connect = connect
        super().__init__(f"{method} {path} failed before a complete response was received: {reason}")

    @property
    def unprocessed(self) -> bool:
        return self.connect


class DataArtsDeadlineError(DataArtsError):
    """The caller's absolute deadline (a sensor's or an operator's ``timeout``) came before the call
    could finish: a request was cut, or a wait (rate limit, back-off) would have passed it. Not
    retryable (the time is gone) and not permanent (a later call may succeed)."""

    _permanent = False


class DataArtsUnknownOutcomeError(DataArtsError):
    """A non-idempotent call (start a job, create a package) got no answer (a timeout, a dropped
    connection) and what it did is not visible yet: it may still happen. It is never sent again blindly;
    a later try (the task's retry) looks again and adopts what it finds. Not permanent."""

    _permanent = False


class DataArtsResponseError(DataArtsError):
    """A response arrived but its body is not what the API documents (malformed or truncated JSON,
    wrong content type, missing or ill-typed fields)."""

    _retryable = True
    _permanent = False

    def __init__(
        self, method: str, path: str, status: int, problem: str, request_id: str | None = None
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.problem = problem
        self.request_id = request_id
        super().__init__(
            f"Unexpected response to {method} {path} (HTTP {status}, request id {request_id or 'none'}):"
            f" {problem}"
        )


class DataArtsAPIError(DataArtsError):
    """The service answered with an error status. Whether it is retryable or permanent follows from the
    status (429 and 5xx are transient; a 429 was refused unprocessed), whatever the subclass."""

    def __init__(
        self,
        *,
        status: int,
        error_code: str | None,
        error_msg: str,
        request_id: str | None,
        method: str,
        path: str,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        self.detail = detail
        message = (
            f"DataArts API error: HTTP {status} {error_code or '(no error code)'} on {method} {path}"
            f" (request id {request_id or 'none'}): {error_msg}"
        )
        if detail:
            message += f"\n{detail}"
        super().__init__(message)

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500

    @property
    def unprocessed(self) -> bool:
        return self.status == 429

    @property
    def permanent(self) -> bool:
        return not self.retryable


class DataArtsRedirectError(DataArtsAPIError):
    """HTTP 3xx: the endpoint answered with a redirect. Never followed (a redirect would carry the
    signed request, or the IAM password, to another host) and never read as success. Permanent: the
    same request gets the same redirect; the endpoint (``host``, ``dlf_endpoint``, ``iam_endpoint``,
    ``metadata_url``) or a proxy in between is misconfigured. ``error_msg`` names the ``Location``."""

    @property
    def retryable(self) -> bool:
        return False


class DataArtsInvalidRequestError(DataArtsAPIError):
    """HTTP 400 (and other 4xx not covered below): the request was refused as invalid."""


class DataArtsAuthenticationError(DataArtsAPIError):
    """HTTP 401: bad signature, unknown AK, skewed clock, invalid or expired token."""


class DataArtsPermissionError(DataArtsAPIError):
    """HTTP 403: the identity lacks a permission or a workspace role."""


class DataArtsNotFoundError(DataArtsAPIError):
    """HTTP 404: wrong endpoint, path or resource."""


class DataArtsThrottledError(DataArtsAPIError):
    """HTTP 429: rate limit exceeded (``retry_after`` holds the server's hint, if any)."""


class DataArtsServerError(DataArtsAPIError):
    """HTTP 5xx: a service-side failure."""


class DataArtsPaginationError(DataArtsError):
    """The listing could not be walked consistently (it kept changing, or the server misbehaved).

    Not a request failure (no single request is repeated for it), but not permanent: a later walk may
    find the listing stable."""

    _permanent = False


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


_STATUS_CLASSES: dict[int, type[DataArtsAPIError]] = {
    401: DataArtsAuthenticationError,
    403: DataArtsPermissionError,
    404: DataArtsNotFoundError,
    429: DataArtsThrottledError,
}


def api_error_class(status: int) -> type[DataArtsAPIError]:
    """The class of a non-2xx answer: 3xx redirect (permanent), 401/403/404/429, other 4xx (invalid),
    5xx and anything above (server errors: retryable), 1xx (a server speaking HTTP wrongly: retryable)."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if 300 <= status < 400:
        return DataArtsRedirectError
    if status >= 500 or status < 200:
        return DataArtsServerError
    return DataArtsInvalidRequestError


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
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "unknown status"
        msg = f"{reason} (empty response body)"
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
