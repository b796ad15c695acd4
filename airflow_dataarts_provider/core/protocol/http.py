# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Transport-neutral HTTP values exchanged between the protocol core and the transports, and the bounds
every answer is read within (:class:`AnswerBounds`: size while streaming, one deadline for the whole
exchange), which both drivers apply the same way."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
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


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


def loads_json(text: str) -> Any:
    """Decode JSON from a server. Anything that is not standard JSON raises ``ValueError``: malformed
    text, ``NaN``/``Infinity``, integers beyond Python's digit limit, and nesting deeper than the
    interpreter's recursion limit (``RecursionError`` inside the decoder, which would otherwise escape
    every ``except ValueError`` and crash a trigger)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


#: The largest answer body read by default (bytes): a page of 100 pending items is about 60 KB, a
#: 1,000-row instance listing about 1 MB. Connection extra ``max_response_bytes``.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


#: Chunks read at a time: bounded memory between two checks of the size (a gzip chunk inflates to at
#: most about 1,000 times this).
READ_CHUNK = 16 * 1024


@dataclass(frozen=True)
class AnswerBounds:
    """How much of an answer a driver reads, and for how long: at most ``max_bytes`` of body (checked
    against ``Content-Length`` first, then while streaming) and ``deadline`` seconds for the whole
    exchange (connect, headers and every body byte: a server trickling bytes cannot hold a call past
    it). The deadline is ``connect + read`` of the connection's ``timeout``."""

    timeout: tuple[float, float]
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @property
    def deadline(self) -> float:
        return self.timeout[0] + self.timeout[1]

    def buffer(self, headers: Mapping[str, str], method: str = "GET") -> BodyBuffer:
        """A buffer for the body of an answer with these (lower-cased) headers (a ``HEAD`` answer's
        ``Content-Length`` is the object's size, not a body)."""
        return BodyBuffer(self.max_bytes, {} if method == "HEAD" else headers)

    def time_left(self, now: float, caller_deadline: float | None) -> tuple[float, bool]:
        """Seconds this exchange may take from ``now`` (monotonic), and whether the caller's deadline
        (rather than ``connect + read``) sets them."""
        if caller_deadline is not None and caller_deadline - now < self.deadline:
            return max(0.0, caller_deadline - now), True
        return self.deadline, False

    def late(self, by_caller: bool = False) -> str:
        if by_caller:
            return "the caller's deadline passed before the answer was complete"
        return f"no complete answer within {self.deadline:g} s (the connect + read timeout)"


class BodyBuffer:
    """An answer's body as the driver reads it: :meth:`feed` returns False, and :attr:`problem` says why,
    once ``Content-Length`` or the bytes read exceed the limit (the driver stops reading then)."""

    def __init__(self, max_bytes: int, headers: Mapping[str, str]) -> None:
        self.max_bytes = max_bytes
        self.chunks: list[bytes] = []
        self.size = 0
        self.problem: str | None = None
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and (len(declared) > 18 or int(declared) > max_bytes):
            self.problem = (
                f"the answer declares {declared[:24]} bytes, more than the {max_bytes} read at most"
            )

    def feed(self, chunk: bytes) -> bool:
        if self.problem is not None:
            return False
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.problem = f"the answer is larger than the {self.max_bytes} bytes read at most"
            self.chunks.clear()
            return False
        self.chunks.append(chunk)
        return True

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)
