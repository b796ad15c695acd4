"""Transport-neutral HTTP values exchanged between the protocol core and the transports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpRequest:
    """A fully built (and, when needed, signed) request; transports send it byte for byte.

    ``url`` carries exactly the query string that was signed: transports must not re-encode it.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        """The URL path, for error messages and logs (never contains credentials)."""
        return urlsplit(self.url).path


@dataclass(frozen=True)
class HttpResponse:
    """A received response. Header names are lower-cased by the transport."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def request_id(self) -> str | None:
        return self.header("x-request-id")
