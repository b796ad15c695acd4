# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
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
  ``dlf_endpoint``              DataArts V1 (DLF job API) endpoint; default: ``host`` when set (an emulator
                                or a proxy serving both API families), else the region table
                                (``dayu-dlf.{region}.{domain}``)
  ``obs_endpoint``              OBS endpoint for reading node logs; default: ``host`` when set (an emulator),
                                else the region table (``obs.{region}.{domain}``)
  ``metadata_url``              ``agency`` only; default ``http://169.254.169.254/openstack/latest/securitykey``
                                (``http`` allowed for 169.254.169.254 and loopback only)
  ``offset_mode``               ``auto`` (default), ``page``, ``record``
  ``time_format``               see :mod:`~airflow_dataarts_provider.core.protocol.times` (default
  ``epoch_ms``)
  ``timeout``                   seconds, number or ``[connect, read]``, each in (0, 3600]; default (10, 60).
                                A request ends at most ``connect + read`` seconds after it began, whatever
                                the server sends (trickled bytes included)
  ``max_response_bytes``        the largest answer body read, 65536..1073741824, default 16 MiB (checked
                                against Content-Length, then while reading)
  ``verify``                    ``true``/``false`` (bool or string) or a CA bundle path; default true
  ``proxies``                   ``{"http": url, "https": url}`` (requests style); scheme http/https/socks5(h)
  ``max_attempts``              int 1..20, default 5
  ``max_concurrency``           int 1..16, default 8: pages fetched at once after the first one (the
                                rate limiter still spaces the requests)
  ``max_retry_wait``            total seconds spent waiting between retries, (0, 3600], default 120
  ``backoff_initial``           seconds, (0, 300], default 1.0
  ``backoff_max``               seconds, [backoff_initial, 600], default 30
  ``max_requests_per_second``   (0, 100], default 10 (the V2 APIs' per-user limit); ``0`` or ``null`` disables
  ``dlf_max_requests_per_second`` the same for the V1 job and script APIs (DLF), default 30 (their
                                per-user limit); each API family has its own budget
  ``rate_limit_backend``        where that budget lives: ``auto`` (default: the Celery broker's Redis when
                                the executor is CeleryExecutor, else this process), ``local`` (this
                                process), or a Redis URL shared by every process (docs/performance.md)
  ============================  ==========================================================================

Unknown extras are **kept, not rejected**: their names are listed in ``ClientConfig.unknown_extras`` so the
hook can warn about typos (Airflow UIs add their own keys, so rejecting would break valid connections).

``repr()`` never shows SK, password, security token or proxy credentials; :meth:`ClientConfig.secrets`
lists them for Airflow's secrets masker."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_dataarts_provider.core.protocol.enums import AuthType, OffsetMode
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.http import DEFAULT_MAX_RESPONSE_BYTES
from airflow_dataarts_provider.core.protocol.ratelimit import DEFAULT_DLF_RATE, DEFAULT_RATE
from airflow_dataarts_provider.core.protocol.regions import endpoints_for
from airflow_dataarts_provider.core.protocol.retry import DEFAULT_POLICY
from airflow_dataarts_provider.core.protocol.times import DEFAULT_TIME_FORMAT, validate_time_format
from airflow_dataarts_provider.core.protocol.values import (
    DEFAULT_TIMEOUT,
    choice,
    match_pattern,
    normalize_url,
    parse_number,
    parse_proxies,
    parse_rate_limit_backend,
    parse_timeout,
    parse_verify,
    plain_text,
    secret_value,
    url_passwords,
    validate_workspace,
)

#: The port of the region table's https endpoints: a connection without a host may state it.
HTTPS_PORT = 443
#: Pages fetched at once after the first one (the rate limiter still spaces the requests).
DEFAULT_MAX_CONCURRENCY = 8


DEFAULT_METADATA_URL = "http://169.254.169.254/openstack/latest/securitykey"


REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")


PROJECT_ID_RE = re.compile(r"^[0-9a-f]{32}$")


AK_RE = re.compile(r"^[A-Za-z0-9]{1,64}$")


KNOWN_EXTRAS: frozenset[str] = frozenset(
    {
        "region",
        "project_id",
        "workspace",
        "auth_type",
        "security_token",
        "domain_name",
        "iam_endpoint",
        "dlf_endpoint",
        "obs_endpoint",
        "metadata_url",
        "offset_mode",
        "time_format",
        "timeout",
        "max_response_bytes",
        "verify",
        "proxies",
        "max_attempts",
        "max_concurrency",
        "max_retry_wait",
        "backoff_initial",
        "backoff_max",
        "max_requests_per_second",
        "dlf_max_requests_per_second",
        "rate_limit_backend",
    }
)


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
    #: DataArts V1 (DLF job API) endpoint.
    dlf_endpoint: str = ""
    #: OBS endpoint (node logs).
    obs_endpoint: str = ""
    metadata_url: str | None = None
    offset_mode: OffsetMode = OffsetMode.AUTO
    time_format: str = DEFAULT_TIME_FORMAT
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    verify: bool | str = True
    proxies: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False, compare=False)
    max_attempts: int = DEFAULT_POLICY.max_attempts
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    max_retry_wait: float = DEFAULT_POLICY.max_total_wait
    backoff_initial: float = DEFAULT_POLICY.backoff_initial
    backoff_max: float = DEFAULT_POLICY.backoff_max
    max_requests_per_second: float | None = DEFAULT_RATE
    dlf_max_requests_per_second: float | None = DEFAULT_DLF_RATE
    #: ``auto``, ``local`` or a Redis URL (may hold a password: not in repr).
    rate_limit_backend: str = field(default="auto", repr=False)
    unknown_extras: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        """The endpoint's ``host[:port]`` (the ``Host`` header value)."""
        return urlsplit(self.endpoint).netloc

    def secrets(self) -> list[str]:
        """Every secret value in this config, for Airflow's secrets masker."""
        urls = [*self.proxies.values(), self.rate_limit_backend]
        values = [self.sk, self.security_token, self.password, *url_passwords(urls)]
        return [v for v in values if v]

    @classmethod
    def from_connection(
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
        extras = _Extras(extra)
        region = match_pattern(
            "region",
            extras.get("region") or "",
            REGION_RE,
            "a Huawei Cloud region id such as cn-north-4 or ap-southeast-1",
        )
        if len(region) > 64:
            raise DataArtsConfigError("region", "is longer than 64 characters")
        project_id = match_pattern(
            "project_id",
            extras.get("project_id") or "",
            PROJECT_ID_RE,
            "32 lower-case hexadecimal characters (the project id of the region, from 'My Credentials')",
        )
        workspace_value = workspace_override if workspace_override is not None else extras.get("workspace")
        if host is not None and host.strip():
            endpoint = normalize_url("host", host.strip(" "), port=port)
        else:
            if port not in (None, HTTPS_PORT):  # 443 is the region endpoints' own port (the Test button)
                raise DataArtsConfigError(
                    "port", f"{port} is set but host is empty", "443, or a host with the port"
                )
            endpoint = endpoints_for(region).dataarts
        auth_type: AuthType = choice("auth_type", extras.get("auth_type") or "aksk", AuthType)
        hosted = endpoint if host is not None and host.strip() else None
        return cls(
            endpoint=endpoint,
            dlf_endpoint=_service_endpoint(extras, "dlf_endpoint", hosted, endpoints_for(region).dlf),
            obs_endpoint=_service_endpoint(extras, "obs_endpoint", hosted, endpoints_for(region).obs),
            region=region,
            project_id=project_id,
            workspace=validate_workspace(workspace_value) if workspace_value is not None else None,
            auth_type=auth_type,
            **_credentials(auth_type, login or None, password or None, extras, region),
            **_tuning(extras),
            unknown_extras=tuple(sorted(k for k in extras.raw if k not in KNOWN_EXTRAS)),
        )


def _service_endpoint(extras: _Extras, name: str, hosted: str | None, default: str) -> str:
    """An extra endpoint (``dlf_endpoint``, ``obs_endpoint``): the extra, else ``host`` when it is set (an
    emulator or a proxy serving every service), else the region table's."""
    value = extras.get(name)
    if value is not None:
        return normalize_url(name, value)
    return hosted or default


class _Extras:
    """A connection's extras: ``get`` treats None and blank strings as absent."""

    def __init__(self, extra: Mapping[str, Any] | None) -> None:
        self.raw = dict(extra or {})
        if not all(isinstance(k, str) for k in self.raw):
            raise DataArtsConfigError("extra", "keys must be strings")

    def get(self, name: str) -> Any:
        value = self.raw.get(name)
        return None if value is None or (isinstance(value, str) and value.strip() == "") else value

    def number(self, name: str, default: float, **limits: Any) -> float:
        value = self.get(name)
        return default if value is None else parse_number(name, value, **limits)


#: The extras each auth type uses (any other one of these four is refused: a likely mistake).
_MODE_EXTRAS = {
    AuthType.AKSK: {"security_token"},
    AuthType.TOKEN: {"domain_name", "iam_endpoint"},
    AuthType.AGENCY: {"metadata_url"},
}


def _credentials(
    auth_type: AuthType, login: str | None, password: str | None, extras: _Extras, region: str
) -> dict[str, Any]:
    """The credential fields of a :class:`ClientConfig` for ``auth_type``."""
    misplaced = sorted(
        name
        for name in ("security_token", "domain_name", "iam_endpoint", "metadata_url")
        if extras.get(name) is not None and name not in _MODE_EXTRAS[auth_type]
    )
    if auth_type is AuthType.AKSK:
        fields: dict[str, Any] = {
            "ak": match_pattern(
                "login", login or "", AK_RE, "the access key id (AK): 1-64 letters and digits"
            ),
            "sk": secret_value("password", password, 256),
        }
        if extras.get("security_token") is not None:
            fields["security_token"] = secret_value("security_token", extras.get("security_token"), 16384)
    elif auth_type is AuthType.TOKEN:
        iam_value = extras.get("iam_endpoint")
        fields = {
            "username": plain_text("login", login, 64),
            "password": plain_text("password", password, 256),
            "domain_name": plain_text("domain_name", extras.get("domain_name"), 64),
            "iam_endpoint": (
                normalize_url("iam_endpoint", iam_value)
                if iam_value is not None
                else endpoints_for(region).iam
            ),
        }
    else:
        if login or password:
            raise DataArtsConfigError(
                "login", "must be empty for auth_type 'agency' (credentials come from the metadata service)"
            )
        md_value = extras.get("metadata_url")
        fields = {
            "metadata_url": (
                normalize_url(
                    "metadata_url", md_value, http_hosts=frozenset({"169.254.169.254"}), allow_path=True
                )
                if md_value is not None
                else DEFAULT_METADATA_URL
            )
        }
    if misplaced:
        raise DataArtsConfigError(
            misplaced[0], f"is not used with auth_type {auth_type.value!r}", "remove it or change auth_type"
        )
    return fields


def _tuning(extras: _Extras) -> dict[str, Any]:
    """Paging, timing, TLS, proxy, retry and rate-limit fields of a :class:`ClientConfig`."""
    get = extras.get
    backoff_initial = extras.number("backoff_initial", DEFAULT_POLICY.backoff_initial, minimum=0, maximum=300)
    backoff_max = extras.number("backoff_max", DEFAULT_POLICY.backoff_max, minimum=0, maximum=600)
    if backoff_max < backoff_initial:
        raise DataArtsConfigError(
            "backoff_max",
            f"{backoff_max:g} is below backoff_initial {backoff_initial:g}",
            ">= backoff_initial",
        )
    integer = {"min_inclusive": True, "integer": True}
    return {
        "offset_mode": choice("offset_mode", get("offset_mode") or "auto", OffsetMode),
        "time_format": validate_time_format(get("time_format") or DEFAULT_TIME_FORMAT),
        "timeout": parse_timeout(get("timeout")) if get("timeout") is not None else DEFAULT_TIMEOUT,
        "max_response_bytes": int(
            extras.number(
                "max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES, minimum=65536, maximum=2**30, **integer
            )
        ),
        "verify": parse_verify(get("verify")) if get("verify") is not None else True,
        "proxies": parse_proxies(get("proxies")) if get("proxies") is not None else {},
        "max_attempts": int(
            extras.number("max_attempts", DEFAULT_POLICY.max_attempts, minimum=1, maximum=20, **integer)
        ),
        "max_concurrency": int(
            extras.number("max_concurrency", DEFAULT_MAX_CONCURRENCY, minimum=1, maximum=16, **integer)
        ),
        "max_retry_wait": extras.number(
            "max_retry_wait", DEFAULT_POLICY.max_total_wait, minimum=0, maximum=3600
        ),
        "backoff_initial": backoff_initial,
        "backoff_max": backoff_max,
        "max_requests_per_second": _rate(extras, "max_requests_per_second", DEFAULT_RATE),
        "dlf_max_requests_per_second": _rate(extras, "dlf_max_requests_per_second", DEFAULT_DLF_RATE),
        "rate_limit_backend": parse_rate_limit_backend(get("rate_limit_backend") or "auto"),
    }


def _rate(extras: _Extras, name: str, default: float) -> float | None:
    """Absent or empty: ``default``. Explicit null, 0 or "0": the limiter is off."""
    value = extras.get(name)
    if name in extras.raw and extras.raw[name] is None:
        return None
    if value is None:
        return default
    if not isinstance(value, bool) and str(value).strip() in ("0", "0.0"):
        return None
    return parse_number(name, value, minimum=0, maximum=100)
