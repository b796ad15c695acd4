"""Validated client configuration built from an Airflow-connection-like input (without importing Airflow).

Connection mapping (:meth:`ClientConfig.from_connection`):

* ``host`` (+ optional ``port``): endpoint override. Default from the region table (:mod:`.regions`):
  ``https://dayu.{region}.myhuaweicloud.com``, ``.eu`` for eu-west-101.
  A bare host name means ``https://``. ``http://`` only for loopback hosts (127.0.0.0/8, ::1, localhost).
  No user info, query or fragment; path must be empty or ``/``. Stored normalised as
  ``scheme://host[:port]`` (lower-case host, default port dropped).
* ``login`` / ``password``: AK / SK (``auth_type`` ``aksk``) or IAM user name / password (``token``);
  must be empty for ``agency``.
* extras (JSON values, or strings as URI-form connections give them: ``"5"``, ``"true"``, ``"[10, 60]"``):

  ============================  ==========================================================================
  ``region``                    required, e.g. ``cn-north-4`` (``^[a-z]{2,}(-[a-z0-9]+)+$``, <= 64 chars)
  ``project_id``                required, 32 lower-case hex characters
  ``workspace``                 optional default workspace id: ``[A-Za-z0-9_-]{1,64}`` (real ids are 32 hex)
  ``auth_type``                 ``aksk`` (default), ``token``, ``agency``
  ``security_token``            optional, temporary AK/SK only
  ``domain_name``               required for ``token`` (account name)
  ``iam_endpoint``              ``token`` only; default from the region table (``iam.{region}.{domain}``)
  ``metadata_url``              ``agency`` only; default ``http://169.254.169.254/openstack/latest/securitykey``
                                (``http`` allowed for 169.254.169.254 and loopback only)
  ``offset_mode``               ``auto`` (default), ``page``, ``record``
  ``time_format``               see :mod:`~airflow_dataarts_provider.core.filters` (default ``epoch_ms``)
  ``timeout``                   seconds, number or ``[connect, read]``, each in (0, 3600]; default (10, 60)
  ``verify``                    ``true``/``false`` (bool or string) or a CA bundle path; default true
  ``proxies``                   ``{"http": url, "https": url}`` (requests style); scheme http/https/socks5(h)
  ``max_attempts``              int 1..20, default 5
  ``max_concurrency``           int 1..16, default 8: pages fetched at once after the first one (the
                                rate limiter still spaces the requests)
  ``max_retry_wait``            total seconds spent waiting between retries, (0, 3600], default 120
  ``backoff_initial``           seconds, (0, 300], default 1.0
  ``backoff_max``               seconds, [backoff_initial, 600], default 30
  ``max_requests_per_second``   (0, 100], default 10 (the per-user limit); ``0`` or ``null`` disables
  ============================  ==========================================================================

Unknown extras are **kept, not rejected**: their names are listed in ``ClientConfig.unknown_extras`` so the
hook can warn about typos (Airflow UIs add their own keys, so rejecting would break valid connections).

``repr()`` never shows SK, password, security token or proxy credentials; :meth:`ClientConfig.secrets`
lists them for Airflow's secrets masker.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from airflow_dataarts_provider.core.enums import AuthType, OffsetMode
from airflow_dataarts_provider.core.errors import DataArtsConfigError
from airflow_dataarts_provider.core.filters import (
    DEFAULT_TIME_FORMAT,
    has_control_chars,
    validate_time_format,
)
from airflow_dataarts_provider.core.regions import endpoints_for

DEFAULT_METADATA_URL = "http://169.254.169.254/openstack/latest/securitykey"
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)
REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
PROJECT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
WORKSPACE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
AK_RE = re.compile(r"^[A-Za-z0-9]{1,64}$")
_SECRET_RE = re.compile(r"^[\x21-\x7e]+$")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

KNOWN_EXTRAS: frozenset[str] = frozenset(
    {
        "region",
        "project_id",
        "workspace",
        "auth_type",
        "security_token",
        "domain_name",
        "iam_endpoint",
        "metadata_url",
        "offset_mode",
        "time_format",
        "timeout",
        "verify",
        "proxies",
        "max_attempts",
        "max_concurrency",
        "max_retry_wait",
        "backoff_initial",
        "backoff_max",
        "max_requests_per_second",
    }
)


# ---------------------------------------------------------------------------------------------- helpers


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
    if len(host) > 253 or not all(_HOST_LABEL_RE.match(label) for label in labels):
        raise DataArtsConfigError(field, f"invalid host name {host!r}", allowed)
    return host


def _split_url(field: str, value: str) -> SplitResult:
    try:
        split = urlsplit(value)
        _ = split.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise DataArtsConfigError(field, f"{value!r} is not a valid URL ({exc})") from None
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


def parse_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise DataArtsConfigError(field, f"{value!r} is not a boolean", "true or false")


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
    allowed = (
        '{"http": "http://proxy:3128", "https": "http://proxy:3128"} (schemes http, https, socks5, socks5h)'
    )
    value = _json_or_raw(value)
    if not isinstance(value, Mapping):
        raise DataArtsConfigError("proxies", f"wrong type {type(value).__name__} ({value!r})", allowed)
    out: dict[str, str] = {}
    for key, url in value.items():
        if not isinstance(key, str) or not key or has_control_chars(key):
            raise DataArtsConfigError("proxies", f"invalid key {key!r}", allowed)
        if not isinstance(url, str) or has_control_chars(url) or " " in url or not url.isascii():
            raise DataArtsConfigError("proxies", f"invalid proxy URL for {key!r}", allowed)
        split = _split_url("proxies", url)
        if split.scheme not in ("http", "https", "socks5", "socks5h") or not split.hostname:
            raise DataArtsConfigError(
                "proxies", f"proxy for {key!r} has no supported scheme or host", allowed
            )
        out[key] = url
    return out


def _proxy_passwords(proxies: Mapping[str, str]) -> list[str]:
    secrets: list[str] = []
    for url in proxies.values():
        split = urlsplit(url)
        if split.password:
            secrets.extend({split.password, unquote(split.password)})
    return secrets


def _choice(field: str, value: object, enum_cls: type[AuthType] | type[OffsetMode]) -> Any:
    allowed = ", ".join(m.value for m in enum_cls)
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        try:
            return enum_cls(value.strip().lower())
        except ValueError:
            pass
    raise DataArtsConfigError(field, f"unknown value {value!r}", allowed)


def _match(field: str, value: object, pattern: re.Pattern[str], allowed: str) -> str:
    if not isinstance(value, str):
        raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", allowed)
    if not pattern.fullmatch(value):
        shown = value if len(value) <= 80 else value[:80] + f"... ({len(value)} characters)"
        raise DataArtsConfigError(field, f"{shown!r} has an invalid shape", allowed)
    return value


def validate_workspace(value: object) -> str:
    return _match(
        "workspace",
        value,
        WORKSPACE_RE,
        "1-64 characters from A-Z a-z 0-9 _ - (workspace ids are 32 hex chars)",
    )


def _secret(field: str, value: object, max_len: int) -> str:
    allowed = f"1-{max_len} printable ASCII characters without spaces"
    if not isinstance(value, str) or not value:
        raise DataArtsConfigError(field, "is required", allowed)
    if len(value) > max_len or not _SECRET_RE.match(value):
        # never echo the secret itself
        raise DataArtsConfigError(field, f"has an invalid shape ({len(value)} characters)", allowed)
    return value


def _plain_text(field: str, value: object, max_len: int) -> str:
    allowed = f"1-{max_len} characters, no control characters or surrounding spaces"
    if not isinstance(value, str) or not value:
        raise DataArtsConfigError(field, "is required", allowed)
    if len(value) > max_len or has_control_chars(value) or value != value.strip():
        raise DataArtsConfigError(field, f"{value[:80]!r} has an invalid shape", allowed)
    return value


# ---------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class ClientConfig:
    """Everything needed to talk to DataArts, validated. Build with :meth:`from_connection`."""

    endpoint: str
    region: str
    project_id: str
    workspace: str | None = None
    auth_type: AuthType = AuthType.AKSK
    ak: str | None = None
    sk: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    domain_name: str | None = None
    iam_endpoint: str | None = None
    metadata_url: str | None = None
    offset_mode: OffsetMode = OffsetMode.AUTO
    time_format: str = DEFAULT_TIME_FORMAT
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    verify: bool | str = True
    proxies: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False, compare=False)
    max_attempts: int = 5
    max_concurrency: int = 8
    max_retry_wait: float = 120.0
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    max_requests_per_second: float | None = 10.0
    unknown_extras: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        """The endpoint's ``host[:port]`` (the ``Host`` header value)."""
        return urlsplit(self.endpoint).netloc

    def secrets(self) -> list[str]:
        """Every secret value in this config, for Airflow's secrets masker."""
        values = [self.sk, self.security_token, self.password, *_proxy_passwords(self.proxies)]
        return [v for v in values if v]

    @classmethod
    def from_connection(  # noqa: PLR0915 - one flat validation pass, kept readable
        cls,
        host: str | None,
        login: str | None,
        password: str | None,
        extra: Mapping[str, Any] | None,
        *,
        workspace_override: str | None = None,
        port: int | None = None,
    ) -> ClientConfig:
        """Validate a connection's fields (see the module docstring) into a :class:`ClientConfig`."""
        extra = dict(extra or {})
        if not all(isinstance(k, str) for k in extra):
            raise DataArtsConfigError("extra", "keys must be strings")

        def get(name: str) -> Any:
            value = extra.get(name)
            return None if value is None or (isinstance(value, str) and value.strip() == "") else value

        region = _match(
            "region",
            get("region") if get("region") is not None else "",
            REGION_RE,
            "a Huawei Cloud region id such as cn-north-4 or ap-southeast-1",
        )
        if len(region) > 64:
            raise DataArtsConfigError("region", "is longer than 64 characters")
        project_id = _match(
            "project_id",
            get("project_id") if get("project_id") is not None else "",
            PROJECT_ID_RE,
            "32 lower-case hexadecimal characters (the project id of the region, from 'My Credentials')",
        )
        workspace_value = workspace_override if workspace_override is not None else get("workspace")
        workspace = validate_workspace(workspace_value) if workspace_value is not None else None

        if host is not None and host.strip():
            endpoint = normalize_url("host", host.strip(" "), port=port)
        else:
            if port is not None:
                raise DataArtsConfigError("port", "is set but host is empty", "a host with the port")
            endpoint = endpoints_for(region).dataarts

        auth_type: AuthType = _choice("auth_type", get("auth_type") or "aksk", AuthType)
        login = login or None
        password = password or None
        ak = sk = security_token = username = user_password = domain_name = None
        iam_endpoint = metadata_url = None

        if auth_type is AuthType.AKSK:
            ak = _match("login", login or "", AK_RE, "the access key id (AK): 1-64 letters and digits")
            sk = _secret("password", password, 256)
            if get("security_token") is not None:
                security_token = _secret("security_token", get("security_token"), 16384)
        elif auth_type is AuthType.TOKEN:
            username = _plain_text("login", login, 64)
            user_password = _plain_text("password", password, 256)
            domain_name = _plain_text("domain_name", get("domain_name"), 64)
            iam_value = get("iam_endpoint")
            iam_endpoint = (
                normalize_url("iam_endpoint", iam_value)
                if iam_value is not None
                else endpoints_for(region).iam
            )
        else:
            if login or password:
                raise DataArtsConfigError(
                    "login",
                    "must be empty for auth_type 'agency' (credentials come from the metadata service)",
                )
            md_value = get("metadata_url")
            metadata_url = (
                normalize_url(
                    "metadata_url", md_value, http_hosts=frozenset({"169.254.169.254"}), allow_path=True
                )
                if md_value is not None
                else DEFAULT_METADATA_URL
            )
        mode_extras = {
            AuthType.AKSK: {"security_token"},
            AuthType.TOKEN: {"domain_name", "iam_endpoint"},
            AuthType.AGENCY: {"metadata_url"},
        }
        misplaced = sorted(
            name
            for name in ("security_token", "domain_name", "iam_endpoint", "metadata_url")
            if get(name) is not None and name not in mode_extras[auth_type]
        )
        if misplaced:
            raise DataArtsConfigError(
                misplaced[0],
                f"is not used with auth_type {auth_type.value!r}",
                "remove it or change auth_type",
            )

        offset_mode: OffsetMode = _choice("offset_mode", get("offset_mode") or "auto", OffsetMode)
        time_format = validate_time_format(get("time_format") or DEFAULT_TIME_FORMAT)
        timeout = parse_timeout(get("timeout")) if get("timeout") is not None else DEFAULT_TIMEOUT
        verify = parse_verify(get("verify")) if get("verify") is not None else True
        proxies = parse_proxies(get("proxies")) if get("proxies") is not None else {}

        def num(name: str, default: float, **kw: Any) -> float:
            value = get(name)
            return default if value is None else parse_number(name, value, **kw)

        max_attempts = int(num("max_attempts", 5, minimum=1, maximum=20, min_inclusive=True, integer=True))
        max_concurrency = int(
            num("max_concurrency", 8, minimum=1, maximum=16, min_inclusive=True, integer=True)
        )
        max_retry_wait = num("max_retry_wait", 120.0, minimum=0, maximum=3600)
        backoff_initial = num("backoff_initial", 1.0, minimum=0, maximum=300)
        backoff_max = num("backoff_max", 30.0, minimum=0, maximum=600)
        if backoff_max < backoff_initial:
            raise DataArtsConfigError(
                "backoff_max",
                f"{backoff_max:g} is below backoff_initial {backoff_initial:g}",
                ">= backoff_initial",
            )
        # Absent or empty: the default (10/s). Explicit null, 0 or "0": the limiter is off.
        rps_value = get("max_requests_per_second")
        rps: float | None = 10.0
        if "max_requests_per_second" in extra and extra["max_requests_per_second"] is None:
            rps = None
        elif rps_value is not None:
            if not isinstance(rps_value, bool) and str(rps_value).strip() in ("0", "0.0"):
                rps = None
            else:
                rps = parse_number("max_requests_per_second", rps_value, minimum=0, maximum=100)

        return cls(
            endpoint=endpoint,
            region=region,
            project_id=project_id,
            workspace=workspace,
            auth_type=auth_type,
            ak=ak,
            sk=sk,
            security_token=security_token,
            username=username,
            password=user_password,
            domain_name=domain_name,
            iam_endpoint=iam_endpoint,
            metadata_url=metadata_url,
            offset_mode=offset_mode,
            time_format=time_format,
            timeout=timeout,
            verify=verify,
            proxies=proxies,
            max_attempts=max_attempts,
            max_concurrency=max_concurrency,
            max_retry_wait=max_retry_wait,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
            max_requests_per_second=rps,
            unknown_extras=tuple(sorted(k for k in extra if k not in KNOWN_EXTRAS)),
        )
