# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Huawei Cloud ``SDK-HMAC-SHA256`` request signing, byte-compatible with the official SDK.

Mirrors ``huaweicloudsdkcore.signer.signer.Signer`` (3.1.x) exactly:

* ``X-Sdk-Date`` is ``%Y%m%dT%H%M%SZ`` (UTC); the caller passes it in (no clock is read here).
* ``Host`` is added (the URL's netloc, as given) unless the caller already set one.
* A ``Content-Type`` that is neither ``application/json*`` nor ``application/bson*`` adds
  ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD``; that value replaces the payload hash only when there is a body.
* Signed headers: every header whose name has no ``_``, lower-cased and sorted. Canonical header values are
  stripped.
* Canonical URI: the path is percent-decoded, each ``/`` segment re-encoded keeping only ``A-Za-z0-9-_.~``,
  and a ``/`` is always appended.
* Canonical query: ``(key, value)`` pairs sorted on the *raw* strings (as the SDK does: tuple sort), each
  encoded keeping only ``A-Za-z0-9-_.~``; the URL sent must carry exactly this query string.

Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, unquote, urlsplit

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

ALGORITHM = "SDK-HMAC-SHA256"


SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


HEADER_SDK_DATE = "X-Sdk-Date"


HEADER_HOST = "Host"


HEADER_AUTHORIZATION = "Authorization"


HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"


HEADER_SECURITY_TOKEN = "X-Security-Token"  # noqa: S105 - a header name


UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


_SDK_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


_HEADER_VALUE_RE = re.compile(r"^[\x20-\x7e]*$")


_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256 Access=(?P<ak>[^,\s]+), SignedHeaders=(?P<signed>[^,\s]+),"
    r" Signature=(?P<sig>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class SignedParts:
    """Result of :func:`sign`.

    ``headers`` is the complete header set to send (the caller's headers plus the added ones);
    ``added_headers`` only the ones the signer added (``X-Sdk-Date``, ``Host`` unless given,
    ``X-Sdk-Content-Sha256`` when required, ``Authorization``). ``canonical_query`` is the query string
    to put in the URL. Nothing here is secret except what the caller passed in its own headers
    (e.g. ``X-Security-Token``).
    """

    headers: Mapping[str, str]
    added_headers: Mapping[str, str]
    canonical_request: str
    canonical_query: str
    signed_headers: str
    string_to_sign: str
    signature: str


def _encode(value: str, field: str) -> str:
    try:
        return quote(value.encode("utf-8"), safe="~")
    except UnicodeEncodeError as exc:  # lone surrogates
        raise DataArtsConfigError(field, f"cannot be encoded as UTF-8 ({exc.reason})") from exc


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """The canonical (and sent) query string for ``params``; keys may repeat."""
    pairs: list[tuple[str, str]] = []
    for key, value in params:
        if not isinstance(key, str) or not isinstance(value, str):
            raise DataArtsConfigError(
                "query", f"parameter {key!r} must be a (str, str) pair, got value {value!r}", "strings"
            )
        pairs.append((key, value))
    pairs.sort()
    return "&".join(f"{_encode(k, 'query')}={_encode(v, 'query')}" for k, v in pairs)


def canonical_uri(path: str) -> str:
    """Canonical URI: decode, re-encode every segment, always end with ``/``."""
    if not path:
        path = "/"
    segments = unquote(path).split("/")
    uri = "/".join(_encode(s, "path") for s in segments)
    if not uri.endswith("/"):
        uri += "/"
    return uri


def payload_hash(body: bytes, content_sha256_header: str | None) -> str:
    if not body:
        return EMPTY_SHA256
    if content_sha256_header:
        return content_sha256_header
    return hashlib.sha256(body).hexdigest()


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    return sorted(name.lower() for name in headers if "_" not in name)


def canonical_request(  # noqa: PLR0917 - the six canonical parts
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    signed_headers: Sequence[str] | None = None,
) -> str:
    """Build the canonical request from an already-canonical ``query`` and the final header set.

    ``signed_headers`` defaults to every header name without ``_``; pass the list from an
    ``Authorization`` header to recompute a sent request's canonical request.
    """
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    names = list(signed_headers) if signed_headers is not None else signed_header_names(headers)
    missing = [n for n in names if n not in lowered]
    if missing:
        raise DataArtsConfigError("headers", f"signed headers missing from the request: {missing}")
    canonical_headers = "".join(f"{n}:{lowered[n]}\n" for n in names)
    content_sha = lowered.get(HEADER_CONTENT_SHA256.lower())
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            query,
            canonical_headers,
            ";".join(names),
            payload_hash(body, content_sha),
        )
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def hmac_signature(sk: str, to_sign: str) -> str:
    return hmac.new(sk.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def format_sdk_date(now: datetime) -> str:
    """``X-Sdk-Date`` for an aware ``now`` (naive values are rejected: they are usually local time)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise DataArtsConfigError("now", "must be a timezone-aware datetime", "aware datetime (UTC)")
    return now.astimezone(timezone.utc).strftime(SDK_DATE_FORMAT)


def _check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME_RE.fullmatch(name):
            raise DataArtsConfigError("headers", f"invalid header name {name!r}", "HTTP token characters")
        if not isinstance(value, str) or not _HEADER_VALUE_RE.fullmatch(value):
            raise DataArtsConfigError(
                "headers", f"header {name!r} has a non-printable or non-ASCII value", "printable ASCII"
            )
        if value != value.strip():
            raise DataArtsConfigError("headers", f"header {name!r} has leading or trailing whitespace")
        lower = name.lower()
        if lower in seen:
            raise DataArtsConfigError("headers", f"header {name!r} duplicates {seen[lower]!r}")
        if lower in (HEADER_AUTHORIZATION.lower(), HEADER_SDK_DATE.lower()):
            raise DataArtsConfigError("headers", f"header {name!r} is set by the signer")
        seen[lower] = name
        out[name] = value
    return out


def sign(  # noqa: PLR0917 - positional signature as specified
    method: str,
    url_without_query: str,
    query_params: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    ak: str,
    sk: str,
    sdk_date: str,
) -> SignedParts:
    """Sign a request as the official SDK does.

    ``headers`` must already hold ``X-Security-Token`` (and ``X-Project-Id``) when they are to be sent:
    every header without ``_`` is signed.
    """
    if not ak:
        raise DataArtsConfigError("ak", "is required for AK/SK signing")
    if not sk:
        raise DataArtsConfigError("sk", "is required for AK/SK signing")
    if not _SDK_DATE_RE.fullmatch(sdk_date):
        raise DataArtsConfigError("X-Sdk-Date", f"{sdk_date!r} is not in the SDK format", "YYYYMMDDTHHMMSSZ")
    if method.upper() != method or not method.isalpha():
        raise DataArtsConfigError("method", f"{method!r} is not an upper-case HTTP method")
    split = urlsplit(url_without_query)
    if split.query or split.fragment or "?" in url_without_query or "#" in url_without_query:
        raise DataArtsConfigError("url", "must not carry a query or fragment: pass query_params instead")
    if split.scheme not in ("http", "https") or not split.netloc:
        raise DataArtsConfigError("url", f"{url_without_query!r} is not an absolute http(s) URL")
    final = _check_headers(headers)
    added: dict[str, str] = {}
    content_type = next((v for k, v in final.items() if k.lower() == "content-type"), None)
    if (
        content_type
        and not content_type.startswith("application/json")
        and not content_type.startswith("application/bson")
        and not any(k.lower() == HEADER_CONTENT_SHA256.lower() for k in final)
    ):
        added[HEADER_CONTENT_SHA256] = UNSIGNED_PAYLOAD
    added[HEADER_SDK_DATE] = sdk_date
    if not any(k.lower() == "host" for k in final):
        added[HEADER_HOST] = split.netloc
    final.update(added)
    query = canonical_query(query_params)
    names = signed_header_names(final)
    creq = canonical_request(method, split.path, query, final, body, names)
    sts = string_to_sign(creq, sdk_date)
    signature = hmac_signature(sk, sts)
    signed = ";".join(names)
    authorization = f"{ALGORITHM} Access={ak}, SignedHeaders={signed}, Signature={signature}"
    added[HEADER_AUTHORIZATION] = authorization
    final[HEADER_AUTHORIZATION] = authorization
    return SignedParts(
        headers=final,
        added_headers=added,
        canonical_request=creq,
        canonical_query=query,
        signed_headers=signed,
        string_to_sign=sts,
        signature=signature,
    )


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """``(ak, signed_header_names, signature)`` from an ``SDK-HMAC-SHA256`` header, or None."""
    match = _AUTH_RE.match(value.strip())
    if not match:
        return None
    return match["ak"], match["signed"].split(";"), match["sig"]


def recompute_canonical_request(method: str, url: str, headers: Mapping[str, str], body: bytes) -> str | None:
    """The canonical request of an already signed request (``None`` when it is not AK/SK-signed).

    Needs no secret: the signed header list comes from the ``Authorization`` header. The URL's query
    must be the canonical query (as built by :func:`sign` callers), which is used verbatim.
    """
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    parsed = parse_authorization(auth) if auth else None
    if parsed is None:
        return None
    split = urlsplit(url)
    without_auth = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return canonical_request(method, split.path, split.query, without_auth, body, parsed[1])
