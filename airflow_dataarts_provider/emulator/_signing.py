# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Server-side verification of ``SDK-HMAC-SHA256`` request signatures.

Written from the algorithm description only (reference sheet, section 3); it deliberately shares
no code with the client side of the provider, so that it can catch the client's mistakes.

The canonical request is rebuilt from what the server actually received: the raw path, the raw
query string as sent (parsed, decoded, re-encoded and sorted), the values of the headers the client
claims to have signed, and the SHA-256 of the received body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, unquote, unquote_to_bytes

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True)
class AuthorizationHeader:
    """The three parts of an ``SDK-HMAC-SHA256`` Authorization header."""

    access: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> AuthorizationHeader | None:
    """Parse ``SDK-HMAC-SHA256 Access=.., SignedHeaders=a;b, Signature=..`` (``None`` if malformed)."""
    match = _AUTH_RE.match(value.strip())
    if match is None:
        return None
    names = tuple(name.lower() for name in match.group(2).split(";") if name)
    if not names:
        return None
    return AuthorizationHeader(match.group(1), names, match.group(3).lower())


def _encode(value: str) -> str:
    # Only the unreserved characters A-Za-z0-9-_.~ stay as they are; UTF-8 bytes become %XX (upper case).
    return quote(value, safe="~")


def canonical_uri(raw_path: str) -> str:
    """Percent-decode the path, encode each segment, and always end with ``/``."""
    segments = unquote(raw_path).split("/")
    uri = "/".join(_encode(segment) for segment in segments)
    if not uri.endswith("/"):
        uri += "/"
    return uri


def _decode_component(value: str, plus_as_space: bool) -> str:
    if plus_as_space:
        value = value.replace("+", " ")
    return unquote_to_bytes(value).decode("utf-8", errors="replace")


def parse_query(raw_query: str, *, plus_as_space: bool = False) -> list[tuple[str, str]]:
    """Split a raw query string into decoded ``(key, value)`` pairs, in the order received.

    With ``plus_as_space=False`` (the default) a literal ``+`` stays a ``+`` (RFC 3986); a client
    that sends form-encoded spaces (``+``) while signing ``%20`` is then caught.
    """
    pairs: list[tuple[str, str]] = []
    if not raw_query:
        return pairs
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((_decode_component(key, plus_as_space), _decode_component(value, plus_as_space)))
    return pairs


def canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    """Pairs sorted by key then value, both encoded, joined with ``&``."""
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(pairs))


def canonical_request(  # noqa: PLR0917 - the six parts of the canonical request
    method: str,
    raw_path: str,
    query_pairs: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    body: bytes,
) -> str:
    """Build the canonical request.

    ``headers`` maps lower-cased header names to the received values; a signed header that was not
    received contributes an empty value (and so a signature mismatch).
    """
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_headers)
    if not body:
        payload_hash = EMPTY_SHA256
    elif headers.get("x-sdk-content-sha256", "").strip() == UNSIGNED_PAYLOAD:
        payload_hash = UNSIGNED_PAYLOAD
    else:
        payload_hash = hashlib.sha256(body).hexdigest()
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query_pairs),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, canonical: str, sdk_date: str) -> str:
    """Hex HMAC-SHA256 of the string to sign, keyed with the SK."""
    return hmac.new(
        secret_key.encode("utf-8"), string_to_sign(canonical, sdk_date).encode("utf-8"), hashlib.sha256
    ).hexdigest()


def signatures_equal(expected: str, received: str) -> bool:
    return hmac.compare_digest(expected.lower(), received.lower())


def parse_sdk_date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value.strip(), DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
