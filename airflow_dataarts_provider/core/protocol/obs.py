# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Object Storage Service (OBS) requests, pure: where a DataArts node log lives (``obs://bucket/key``),
the object's URL, and the OBS header signature (``Authorization: OBS <AK>:<signature>``) as the OBS API
reference and the official ``esdk-obs-python`` client compute it:

``Signature = Base64(HMAC-SHA1(SK, VERB \\n Content-MD5 \\n Content-Type \\n Date \\n
CanonicalizedHeaders CanonicalizedResource))``, where the canonical headers are the ``x-obs-*`` headers
(lower-cased, sorted, ``name:value\\n`` each; a temporary credential's ``x-obs-security-token`` is one of
them) and the resource is ``/<bucket>/<key>`` with the key percent-encoded as the client does
(``quote(key, safe="/~")``, also in the URL). ``Range`` is not signed.

Addressing: virtual-hosted (``https://<bucket>.<endpoint host>/<key>``), which OBS requires for a named
bucket; path style (``<endpoint>/<bucket>/<key>``) for an IP or ``localhost`` endpoint (an emulator), as
the official client does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.http import HttpRequest

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ERROR_CODE_RE = re.compile(rb"<Code>([A-Za-z0-9.]{1,64})</Code>")


@dataclass(frozen=True)
class ObsObject:
    bucket: str
    key: str

    @property
    def resource(self) -> str:
        """The canonical resource: ``/<bucket>/<encoded key>``."""
        return f"/{self.bucket}/{quote_key(self.key)}"


def quote_key(key: str) -> str:
    return quote(key, safe="/~")


def log_object(log_path: object) -> ObsObject:
    """The object of a node's ``logPath`` (``obs://bucket/key``; keys may hold spaces)."""
    text = log_path if isinstance(log_path, str) else ""
    bucket, _, key = text.removeprefix("obs://").partition("/")
    if not text.startswith("obs://") or not _BUCKET_RE.fullmatch(bucket) or not key or "\n" in key:
        raise DataArtsConfigError(
            "log_path", f"{str(log_path)[:120]!r} is not an OBS object", "obs://bucket/key"
        )
    return ObsObject(bucket, key)


def object_url(endpoint: str, obj: ObsObject) -> str:
    """The object's URL on ``endpoint`` (``scheme://host[:port]``)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if host == "localhost" or _is_ip(host):
        return f"{endpoint}/{obj.bucket}/{quote_key(obj.key)}"
    return f"{parts.scheme}://{obj.bucket}.{parts.netloc}/{quote_key(obj.key)}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def string_to_sign(method: str, headers: Mapping[str, str], resource: str) -> str:
    """What an OBS header signature signs (``headers`` with lower-case names)."""
    obs = sorted((k, v.strip()) for k, v in headers.items() if k.startswith("x-obs-"))
    date = "" if "x-obs-date" in headers else headers.get("date", "")
    canonical = "".join(f"{k}:{v}\n" for k, v in obs)
    return (
        f"{method}\n{headers.get('content-md5', '')}\n{headers.get('content-type', '')}\n{date}\n"
        f"{canonical}{resource}"
    )


def signature(sk: str, text: str) -> str:
    digest = hmac.new(sk.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_request(
    method: str,
    endpoint: str,
    obj: ObsObject,
    *,
    ak: str,
    sk: str,
    security_token: str | None,
    now: datetime,
    byte_range: tuple[int, int] | None = None,
) -> HttpRequest:
    """A signed ``GET``/``HEAD`` of ``obj`` (``byte_range``: first and last byte, inclusive)."""
    headers = {"date": format_datetime(now.astimezone(timezone.utc), usegmt=True)}
    if security_token:
        headers["x-obs-security-token"] = security_token
    text = string_to_sign(method, headers, obj.resource)
    headers["authorization"] = f"OBS {ak}:{signature(sk, text)}"
    if byte_range is not None:
        headers["range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
    url = object_url(endpoint, obj)
    return HttpRequest(method, url, headers)


def error_code(body: bytes) -> str | None:
    """The ``<Code>`` of an OBS XML error body (``NoSuchKey``, ``AccessDenied``...)."""
    found = _ERROR_CODE_RE.search(body[:4096])
    return found.group(1).decode("ascii") if found else None
