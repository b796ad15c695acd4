# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The provider's exception family.

Every error the provider raises derives from :class:`DataArtsError`. API errors carry the HTTP status,
the service's error code and message, the request id and the request line, so a failure always says
what failed and how to find it in Huawei Cloud's logs."""

from __future__ import annotations

from typing import ClassVar


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
