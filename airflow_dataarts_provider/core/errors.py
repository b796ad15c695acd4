"""The provider's exception family.

Every error the provider raises derives from :class:`DataArtsError`. API errors carry the HTTP status,
the service's error code and message, the request id and the request line, so a failure always says
what failed and how to find it in Huawei Cloud's logs.
"""

from __future__ import annotations


class DataArtsError(Exception):
    """Root of every error raised by this provider."""


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

    def __init__(self, method: str, path: str, reason: str, *, timeout: bool = False) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.timeout = timeout
        super().__init__(f"{method} {path} failed before a response was received: {reason}")


class DataArtsResponseError(DataArtsError):
    """A response arrived but its body is not what the API documents (malformed or truncated JSON,
    wrong content type, missing or ill-typed fields)."""

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
    """The service answered with an error status."""

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
    """The listing could not be walked consistently (it kept changing, or the server misbehaved)."""
