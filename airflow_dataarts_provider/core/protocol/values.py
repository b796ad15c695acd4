# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Validators of single connection values and ids (URLs, numbers, timeouts, TLS, proxies, ids, secrets):
each names the field and the allowed values in its :class:`~.errors.DataArtsConfigError`, and never echoes a
secret. Pure. :class:`~.config.ClientConfig` combines them."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from airflow_dataarts_provider.core.protocol.enums import AuthType, OffsetMode
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.times import has_control_chars

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)


WORKSPACE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


_SECRET_RE = re.compile(r"^[\x21-\x7e]+$")


_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_hostname(field: str, host: str) -> str:
    allowed = "an ASCII DNS name, IPv4 address or [IPv6] address"
    if not host:
        raise DataArtsConfigError(field, "has no host", allowed)
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(host) > 253 or not all(_HOST_LABEL_RE.fullmatch(label) for label in labels):
        raise DataArtsConfigError(field, f"invalid host name {host!r}", allowed)
    return host


def _split_url(field: str, value: str) -> SplitResult:
    try:
        split = urlsplit(value)
        _ = split.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise DataArtsConfigError(field, f"{redacted_url(value)!r} is not a valid URL ({exc})") from None
    return split


def normalize_url(
    field: str,
    value: object,
    *,
    http_hosts: frozenset[str] | None = None,
    allow_path: bool = False,
    port: int | None = None,
) -> str:
    """Validate an endpoint URL; return ``scheme://host[:port]`` (plus the path if ``allow_path``).

    ``http`` is accepted only for loopback hosts or the ones in ``http_hosts``.
    """
    allowed = "https://host[:port]" + ("/path" if allow_path else "") + " (http:// only for loopback hosts)"
    if not isinstance(value, str) or not value.strip():
        raise DataArtsConfigError(field, f"must be a non-empty string, got {value!r}", allowed)
    if value != value.strip() or has_control_chars(value) or not value.isascii() or " " in value:
        raise DataArtsConfigError(field, f"{value!r} has spaces, control or non-ASCII characters", allowed)
    text = value if "://" in value else f"https://{value}"
    split = _split_url(field, text)
    scheme = split.scheme.lower()
    if scheme not in ("http", "https"):
        raise DataArtsConfigError(field, f"unsupported scheme {split.scheme!r}", allowed)
    if "@" in split.netloc:
        raise DataArtsConfigError(field, "must not contain user info (credentials belong in login/password)")
    if split.query or split.fragment or "?" in text or "#" in text:
        raise DataArtsConfigError(field, "must not contain a query string or fragment", allowed)
    host = (split.hostname or "").lower()
    _check_hostname(field, host)
    if scheme == "http" and not (_is_loopback(host) or (http_hosts and host in http_hosts)):
        raise DataArtsConfigError(field, f"plain http is not allowed for host {host!r}", allowed)
    url_port = split.port
    if port is not None:
        if url_port is not None and url_port != port:
            raise DataArtsConfigError(field, f"port {port} conflicts with the URL's port {url_port}")
        url_port = port
    if url_port is not None and not 1 <= url_port <= 65535:
        raise DataArtsConfigError(field, f"port {url_port} out of range", "1..65535")
    path = split.path
    if not allow_path and path not in ("", "/"):
        raise DataArtsConfigError(field, f"must not have a path prefix ({path!r})", allowed)
    if allow_path and (".." in unquote(path).split("/")):
        raise DataArtsConfigError(field, f"path {path!r} must not contain '..'", allowed)
    netloc = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    if url_port is not None and url_port != default_port:
        netloc += f":{url_port}"
    return f"{scheme}://{netloc}" + (path if allow_path else "")


def _json_or_raw(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def parse_number(
    field: str,
    value: object,
    *,
    minimum: float,
    maximum: float,
    min_inclusive: bool = False,
    integer: bool = False,
) -> float:
    low = "[" if min_inclusive else "("
    allowed = f"{'an integer' if integer else 'a number'} in {low}{minimum:g}, {maximum:g}]"
    number: float
    if isinstance(value, bool):
        raise DataArtsConfigError(field, f"a boolean ({value!r}) is not a number", allowed)
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise DataArtsConfigError(field, f"{value!r} is not a number", allowed) from None
    else:
        raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", allowed)
    if not math.isfinite(number):
        raise DataArtsConfigError(field, f"{value!r} is not finite", allowed)
    if integer and number != int(number):
        raise DataArtsConfigError(field, f"{value!r} is not an integer", allowed)
    too_low = number < minimum if min_inclusive else number <= minimum
    if too_low or number > maximum:
        raise DataArtsConfigError(field, f"{value!r} is out of range", allowed)
    return float(number)


def parse_timeout(value: object) -> tuple[float, float]:
    allowed = "seconds as a number or [connect, read], each in (0, 3600]"
    value = _json_or_raw(value)
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise DataArtsConfigError("timeout", f"{value!r} must have exactly two items", allowed)
        connect = parse_number("timeout", value[0], minimum=0, maximum=3600)
        read = parse_number("timeout", value[1], minimum=0, maximum=3600)
        return (connect, read)
    single = parse_number("timeout", value, minimum=0, maximum=3600)
    return (single, single)


def parse_verify(value: object) -> bool | str:
    allowed = "true, false, or the path of a CA bundle file"
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        if not text or has_control_chars(value) or text != value:
            raise DataArtsConfigError("verify", f"{value!r} is not a usable CA bundle path", allowed)
        return text
    raise DataArtsConfigError("verify", f"wrong type {type(value).__name__} ({value!r})", allowed)


def parse_proxies(value: object) -> dict[str, str]:
    """``{"http": url, "https": url}`` (requests style). Errors name the key and the problem, never a
    URL: a proxy URL may carry a password, and a mistyped one may not parse far enough to find it."""
    allowed = (
        '{"http": "http://proxy:3128", "https": "http://proxy:3128"} (schemes http, https, socks5, socks5h)'
    )
    value = _json_or_raw(value)
    if not isinstance(value, Mapping):
        shape = "text that is not a JSON object" if isinstance(value, str) else type(value).__name__
        raise DataArtsConfigError("proxies", f"wrong type: {shape}", allowed)
    out: dict[str, str] = {}
    for key, url in value.items():
        if not isinstance(key, str) or not key or has_control_chars(key) or len(key) > 64:
            raise DataArtsConfigError("proxies", "a key is not a URL scheme name", allowed)
        if not isinstance(url, str) or has_control_chars(url) or " " in url or not url.isascii():
            raise DataArtsConfigError("proxies", f"the proxy URL for {key!r} is not a URL", allowed)
        try:
            split = urlsplit(url)
            _ = split.port  # raises ValueError on a bad port
        except ValueError:
            raise DataArtsConfigError(
                "proxies", f"the proxy URL for {key!r} is not a valid URL (host or port)", allowed
            ) from None
        if split.scheme not in ("http", "https", "socks5", "socks5h") or not split.hostname:
            raise DataArtsConfigError(
                "proxies", f"proxy for {key!r} has no supported scheme or host", allowed
            )
        out[key] = url
    return out


def url_passwords(urls: Iterable[str]) -> list[str]:
    """The passwords in ``urls`` (as written and percent-decoded), for the secrets masker. Lenient: it
    reads URLs that do not parse (a bad port, a ``/`` in an unencoded password) the same way, so a
    password can be masked before the URL is validated."""
    secrets: set[str] = set()
    for url in urls:
        if not isinstance(url, str) or "@" not in url:
            continue
        userinfo = url.split("://", 1)[-1].rpartition("@")[0]
        password = userinfo.partition(":")[2]
        if password:
            secrets.update({password, unquote(password)})
    return sorted(secrets)


def raw_secrets(password: object, extra: Mapping[str, Any]) -> list[str]:
    """Every secret a connection's raw fields may hold, found without validating them: the password, the
    security token, and the passwords of proxy and Redis URLs (whatever shape those extras have). The hook
    registers them with the masker first, so not even a validation error can show one."""
    found = [v for v in (password, extra.get("security_token")) if isinstance(v, str) and v]
    urls: list[str] = []
    for name in ("proxies", "rate_limit_backend"):
        value = _json_or_raw(extra.get(name))
        if isinstance(value, Mapping):
            urls.extend(v for v in value.values() if isinstance(v, str))
        elif isinstance(value, str):
            urls.append(value)
    return found + url_passwords(urls)


def redacted_url(url: str) -> str:
    """``url`` without its user info (``scheme://***@host...``), for logs and messages."""
    if "@" not in url:
        return url
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}" if sep else "***@" + url.rpartition("@")[2]


RATE_LIMIT_BACKENDS = "auto, local, or a Redis URL (redis://, rediss:// or unix://)"


def parse_rate_limit_backend(value: object) -> str:
    """``auto`` / ``local`` (any case), or a Redis URL, kept as written (it may hold a password)."""
    field = "rate_limit_backend"
    if not isinstance(value, str) or has_control_chars(value) or not value.strip():
        shown = value if not isinstance(value, str) else "a blank or non-printable value"
        raise DataArtsConfigError(field, f"wrong value {shown!r}", RATE_LIMIT_BACKENDS)
    text = value.strip()
    if text.lower() in ("auto", "local"):
        return text.lower()
    try:
        split = urlsplit(text)
        _ = split.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise DataArtsConfigError(
            field, f"{redacted_url(text)!r} is not a valid URL ({exc})", RATE_LIMIT_BACKENDS
        ) from None
    if split.scheme not in ("redis", "rediss", "unix") or not (split.hostname or split.path):
        raise DataArtsConfigError(field, f"{redacted_url(text)!r} is not a Redis URL", RATE_LIMIT_BACKENDS)
    return text


def check_int(field: str, value: object, minimum: int, maximum: int | None) -> int:
    """An integer in ``[minimum, maximum]`` (booleans refused), or an error naming ``field``."""
    allowed = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", allowed)
    if value < minimum or (maximum is not None and value > maximum):
        raise DataArtsConfigError(field, f"{value} is out of range", allowed)
    return value


def choice(field: str, value: object, enum_cls: type[AuthType] | type[OffsetMode]) -> Any:
    allowed = ", ".join(m.value for m in enum_cls)
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        try:
            return enum_cls(value.strip().lower())
        except ValueError:
            pass
    raise DataArtsConfigError(field, f"unknown value {value!r}", allowed)


def match_pattern(field: str, value: object, pattern: re.Pattern[str], allowed: str) -> str:
    if not isinstance(value, str):
        raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", allowed)
    if not pattern.fullmatch(value):
        shown = value if len(value) <= 80 else value[:80] + f"... ({len(value)} characters)"
        raise DataArtsConfigError(field, f"{shown!r} has an invalid shape", allowed)
    return value


def validate_workspace(value: object) -> str:
    return match_pattern(
        "workspace",
        value,
        WORKSPACE_RE,
        "1-64 characters from A-Z a-z 0-9 _ - (workspace ids are 32 hex chars)",
    )


def secret_value(field: str, value: object, max_len: int) -> str:
    allowed = f"1-{max_len} printable ASCII characters without spaces"
    if not isinstance(value, str) or not value:
        raise DataArtsConfigError(field, "is required", allowed)
    if len(value) > max_len or not _SECRET_RE.fullmatch(value):
        # never echo the secret itself
        raise DataArtsConfigError(field, f"has an invalid shape ({len(value)} characters)", allowed)
    return value


def plain_text(field: str, value: object, max_len: int) -> str:
    allowed = f"1-{max_len} characters, no control characters or surrounding spaces"
    if not isinstance(value, str) or not value:
        raise DataArtsConfigError(field, "is required", allowed)
    if len(value) > max_len or has_control_chars(value) or value != value.strip():
        raise DataArtsConfigError(field, f"{value[:80]!r} has an invalid shape", allowed)
    return value


MAX_IDS = 100


_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def ids(field: str, values: object, *, maximum: int = MAX_IDS) -> list[str]:
    """A validated, de-duplicated list of 1..``maximum`` ids (str or int)."""
    items = [values] if isinstance(values, (str, int)) and not isinstance(values, bool) else values
    if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)):
        raise DataArtsConfigError(field, f"wrong type {type(values).__name__}", "a list of ids")
    result: list[str] = []
    for value in items:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not _ID_RE.fullmatch(str(value)):
            raise DataArtsConfigError(field, f"{value!r} is not an id", "letters, digits, '_' and '-'")
        if str(value) not in result:
            result.append(str(value))
    if not 1 <= len(result) <= maximum:
        raise DataArtsConfigError(field, f"{len(result)} ids given", f"1 to {maximum} ids")
    return result
