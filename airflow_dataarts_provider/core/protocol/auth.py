# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Credential values, pure IAM / metadata-service helpers and a process-wide credential cache.

Nothing here performs I/O: ``build_*`` functions return :class:`HttpRequest` values for a transport to send,
``parse_*`` functions read the :class:`HttpResponse` it got back. Secrets never appear in ``repr()``.

Refresh policy (:func:`needs_refresh`): IAM tokens 1 h before ``expires_at`` (:data:`TOKEN_REFRESH_MARGIN`),
temporary AK/SK (agency) 40 min before (:data:`AGENCY_REFRESH_MARGIN`, as the official SDK does); static
AK/SK never expire. After a 401, :meth:`CredentialCache.invalidate` the credentials that failed: a 401 is
never retried with the same ones (five AK/SK failures lock the pair for five minutes)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.enums import AuthType
from airflow_dataarts_provider.core.protocol.error_bodies import parse_api_error
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsResponseError,
)
from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse, loads_json

TOKEN_REFRESH_MARGIN = timedelta(hours=1)


AGENCY_REFRESH_MARGIN = timedelta(minutes=40)


IAM_TOKEN_PATH = "/v3/auth/tokens"  # noqa: S105 - a URL path


# The metadata service's session tokens (as the SDK's MetadataAccessor): PUT the token path with a TTL,
# send the token as X-Metadata-Token; a new one on a 401 and before the TTL ends.
METADATA_TOKEN_PATH = "/meta-data/latest/api/token"  # noqa: S105 - a URL path


METADATA_TOKEN_HEADER = "X-Metadata-Token"  # noqa: S105 - a header name


METADATA_TOKEN_TTL_S = 6 * 3600  # what the SDK asks for


METADATA_TOKEN_REFRESH_MARGIN_S = 600.0


@dataclass(frozen=True)
class AkSkCredentials:
    """Permanent (``expires_at`` None) or temporary AK/SK (with ``security_token``)."""

    ak: str
    sk: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None

    def secrets(self) -> list[str]:
        return [v for v in (self.sk, self.security_token) if v]


@dataclass(frozen=True)
class TokenCredentials:
    """An IAM token, sent as ``X-Auth-Token``."""

    token: str = field(repr=False)
    expires_at: datetime | None = None

    def secrets(self) -> list[str]:
        return [self.token] if self.token else []


Credentials = AkSkCredentials | TokenCredentials


def static_credentials(config: ClientConfig) -> AkSkCredentials:
    """The AK/SK credentials of an ``aksk`` connection."""
    if config.auth_type is not AuthType.AKSK or not config.ak or not config.sk:
        raise DataArtsConfigError("auth_type", f"{config.auth_type.value!r} has no static AK/SK", "aksk")
    return AkSkCredentials(config.ak, config.sk, config.security_token)


def _require_aware(field_name: str, now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise DataArtsConfigError(field_name, "must be a timezone-aware datetime", "aware datetime (UTC)")
    return now


def needs_refresh(credentials: Credentials, now: datetime, margin: timedelta | None = None) -> bool:
    """True when ``credentials`` expire within ``margin`` of ``now`` (default margin by kind)."""
    _require_aware("now", now)
    if credentials.expires_at is None:
        return False
    if margin is None:
        margin = TOKEN_REFRESH_MARGIN if isinstance(credentials, TokenCredentials) else AGENCY_REFRESH_MARGIN
    return credentials.expires_at - now <= margin


def parse_expiry(value: object, *, method: str, path: str, status: int, request_id: str | None) -> datetime:
    """Parse an ISO-8601 ``expires_at`` such as ``2026-01-04T09:05:22.701000Z`` into an aware datetime."""
    if not isinstance(value, str) or not value:
        raise DataArtsResponseError(
            method, path, status, f"expires_at missing or not a string: {value!r}", request_id
        )
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise DataArtsResponseError(
            method, path, status, f"expires_at {value!r} is not an ISO-8601 time", request_id
        ) from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _json_body(response: HttpResponse, method: str, path: str) -> dict[str, Any]:
    try:
        body = loads_json(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataArtsResponseError(
            method, path, response.status, f"body is not JSON ({exc})", response.request_id
        ) from None
    if not isinstance(body, dict):
        raise DataArtsResponseError(
            method, path, response.status, "body is not a JSON object", response.request_id
        )
    return body


def build_iam_token_request(config: ClientConfig, now: datetime | None = None) -> HttpRequest:
    """``POST {iam}/v3/auth/tokens?nocatalog=true`` with a project-scoped password body.

    ``now`` is accepted for symmetry with the other builders; the request does not depend on it.
    """
    if config.auth_type is not AuthType.TOKEN or not (
        config.username and config.password and config.domain_name
    ):
        raise DataArtsConfigError(
            "auth_type", "an IAM token needs auth_type 'token' with user, password, domain"
        )
    if now is not None:
        _require_aware("now", now)
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": config.username,
                        "password": config.password,
                        "domain": {"name": config.domain_name},
                    }
                },
            },
            "scope": {"project": {"id": config.project_id}},
        }
    }
    return HttpRequest(
        method="POST",
        url=f"{config.iam_endpoint}{IAM_TOKEN_PATH}?nocatalog=true",
        headers={"Content-Type": "application/json;charset=UTF-8"},
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    )


def parse_iam_token_response(response: HttpResponse) -> TokenCredentials:
    """Token from ``X-Subject-Token``, expiry from ``token.expires_at``; API errors are raised."""
    method, path = "POST", IAM_TOKEN_PATH
    if response.status not in (200, 201):
        raise parse_api_error(response, method, path)
    token = response.header("x-subject-token")
    if not token or not token.strip():
        raise DataArtsResponseError(
            method, path, response.status, "no X-Subject-Token header in the answer", response.request_id
        )
    body = _json_body(response, method, path)
    token_obj = body.get("token")
    if not isinstance(token_obj, dict):
        raise DataArtsResponseError(
            method, path, response.status, "no 'token' object in the body", response.request_id
        )
    expires_at = parse_expiry(
        token_obj.get("expires_at"),
        method=method,
        path=path,
        status=response.status,
        request_id=response.request_id,
    )
    return TokenCredentials(token.strip(), expires_at)


def _metadata_url(config: ClientConfig) -> str:
    if config.auth_type is not AuthType.AGENCY or not config.metadata_url:
        raise DataArtsConfigError("auth_type", "metadata credentials need auth_type 'agency'", "agency")
    return config.metadata_url


def metadata_token_url(config: ClientConfig) -> str:
    """The session-token URL on the metadata service's origin."""
    parts = urlsplit(_metadata_url(config))
    return f"{parts.scheme}://{parts.netloc}{METADATA_TOKEN_PATH}"


def build_metadata_token_request(config: ClientConfig) -> HttpRequest:
    """``PUT`` a metadata session token valid for :data:`METADATA_TOKEN_TTL_S` seconds."""
    headers = {"X-Metadata-Token-Ttl-Seconds": str(METADATA_TOKEN_TTL_S)}
    return HttpRequest(method="PUT", url=metadata_token_url(config), headers=headers)


def parse_metadata_token_response(response: HttpResponse) -> str:
    """The session token (the body, text). A non-2xx answer never reaches here (the caller raises)."""
    token = response.body.decode("utf-8", "replace").strip()
    if not token or any(ord(c) < 33 for c in token):
        raise DataArtsResponseError(
            "PUT", METADATA_TOKEN_PATH, response.status, "no session token in the body", response.request_id
        )
    return token


def build_metadata_request(config: ClientConfig, session_token: str | None = None) -> HttpRequest:
    """``GET`` the ECS/CCE metadata security key (temporary AK/SK of the instance's agency), with the
    session token when the service has them (None: a service without the token API)."""
    headers = {METADATA_TOKEN_HEADER: session_token} if session_token else {}
    return HttpRequest(method="GET", url=_metadata_url(config), headers=headers)


def parse_metadata_response(
    response: HttpResponse, path: str = "/openstack/latest/securitykey"
) -> AkSkCredentials:
    """``{"credential": {"access", "secret", "securitytoken", "expires_at"}}`` -> :class:`AkSkCredentials`."""
    method = "GET"
    if response.status != 200:
        raise parse_api_error(response, method, path)
    body = _json_body(response, method, path)
    cred = body.get("credential")
    if not isinstance(cred, dict):
        raise DataArtsResponseError(
            method, path, response.status, "no 'credential' object", response.request_id
        )
    values: dict[str, str] = {}
    for key in ("access", "secret", "securitytoken"):
        value = cred.get(key)
        if not isinstance(value, str) or not value:
            raise DataArtsResponseError(
                method, path, response.status, f"credential.{key} missing or empty", response.request_id
            )
        values[key] = value
    expires_at = parse_expiry(
        cred.get("expires_at"),
        method=method,
        path=path,
        status=response.status,
        request_id=response.request_id,
    )
    return AkSkCredentials(values["access"], values["secret"], values["securitytoken"], expires_at)


#: Keys the password digests of :func:`cache_key`: random per process, so a key seen in a debugger or a
#: memory dump says nothing about the password.
_PASSWORD_DIGEST_KEY = secrets.token_bytes(32)


def cache_key(config: ClientConfig) -> tuple[str, ...]:
    """Cache key: (IAM endpoint, domain, user, project, password digest) for tokens; (metadata URL,) for
    agency. The password is part of the key: a connection whose password IAM refuses is never served
    the token another connection of the same user got (a shared triggerer), nor its refusal."""
    if config.auth_type is AuthType.TOKEN:
        digest = hmac.new(_PASSWORD_DIGEST_KEY, (config.password or "").encode(), hashlib.sha256)
        return (
            "token",
            config.iam_endpoint or "",
            config.domain_name or "",
            config.username or "",
            config.project_id,
            digest.hexdigest(),
        )
    if config.auth_type is AuthType.AGENCY:
        return ("agency", config.metadata_url or "")
    return ("aksk", config.ak or "")


class CredentialCache:
    """Thread-safe map of cache key -> credentials, with single-flight fetching: callers that miss
    while another one fetches wait for its result (:meth:`begin_fetch`). No I/O under the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[Hashable, Credentials] = {}
        self._fetching: dict[Hashable, float] = {}  # key -> when the fetch began (monotonic seconds)
        self._failures: dict[Hashable, tuple[BaseException, float]] = {}  # key -> (error, when)

    def get(self, key: Hashable, now: datetime, margin: timedelta | None = None) -> Credentials | None:
        """Cached credentials still valid beyond the refresh margin, else None."""
        with self._lock:
            creds = self._items.get(key)
        if creds is None or needs_refresh(creds, now, margin):
            return None
        return creds

    def put(self, key: Hashable, credentials: Credentials) -> None:
        with self._lock:
            self._items[key] = credentials

    def invalidate(self, key: Hashable, credentials: Credentials | None = None) -> bool:
        """Drop the entry (only if it still holds ``credentials``, when given). True if dropped."""
        with self._lock:
            current = self._items.get(key)
            if current is None or (credentials is not None and current != credentials):
                return False
            del self._items[key]
            return True

    def begin_fetch(self, key: Hashable, now: float, stale_after: float) -> bool:
        """Claim the fetch of ``key``'s credentials (single flight). False while another caller holds a
        claim younger than ``stale_after`` seconds: wait for its result instead of fetching too."""
        with self._lock:
            began = self._fetching.get(key)
            if began is not None and now - began < stale_after:
                return False
            self._fetching[key] = now
            return True

    def end_fetch(self, key: Hashable, failure: BaseException | None = None, now: float = 0.0) -> None:
        """Release the claim; ``failure``: the fetch failed for good (e.g. wrong password), so callers
        waiting for it get the same error instead of each trying the login again."""
        with self._lock:
            self._fetching.pop(key, None)
            if failure is None:
                self._failures.pop(key, None)
            else:
                self._failures[key] = (failure, now)

    def recent_failure(self, key: Hashable, now: float, window: float) -> BaseException | None:
        with self._lock:
            failure = self._failures.get(key)
        return failure[0] if failure is not None and now - failure[1] < window else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._fetching.clear()
            self._failures.clear()

    def __repr__(self) -> str:
        with self._lock:
            return f"CredentialCache({len(self._items)} entries)"


class MetadataSessions:
    """Process-wide metadata session tokens per token URL, and the services known to have none (their
    token PUT answered 404 or 405: only they get a bare GET). Thread-safe; times are monotonic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._without_tokens: set[str] = set()

    def get(self, url: str, now: float) -> str | None:
        """A token still valid for :data:`METADATA_TOKEN_REFRESH_MARGIN_S`, else None."""
        with self._lock:
            entry = self._tokens.get(url)
        if entry is None or entry[1] - METADATA_TOKEN_REFRESH_MARGIN_S <= now:
            return None
        return entry[0]

    def put(self, url: str, token: str, now: float) -> None:
        with self._lock:
            self._tokens[url] = (token, now + METADATA_TOKEN_TTL_S)
            self._without_tokens.discard(url)

    def invalidate(self, url: str, token: str | None) -> None:
        """Forget ``token`` (after a 401); a service remembered as token-less is asked again."""
        with self._lock:
            if token is not None and self._tokens.get(url, ("", 0.0))[0] == token:
                del self._tokens[url]
            self._without_tokens.discard(url)

    def mark_without_tokens(self, url: str) -> None:
        with self._lock:
            self._without_tokens.add(url)
            self._tokens.pop(url, None)

    def without_tokens(self, url: str) -> bool:
        with self._lock:
            return url in self._without_tokens

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._without_tokens.clear()
