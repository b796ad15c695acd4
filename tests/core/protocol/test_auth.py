# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from airflow_dataarts_provider.core.protocol.auth import (
    AkSkCredentials,
    CredentialCache,
    TokenCredentials,
    build_iam_token_request,
    build_metadata_request,
    cache_key,
    needs_refresh,
    parse_iam_token_response,
    parse_metadata_response,
    static_credentials,
)
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAuthenticationError,
    DataArtsConfigError,
    DataArtsResponseError,
)
from airflow_dataarts_provider.core.protocol.http import HttpResponse

PID = "0833a5737480d53b2f25c010dc1a7b88"
NOW = datetime(2026, 1, 3, 9, 0, tzinfo=timezone.utc)
BASE = {"region": "cn-north-4", "project_id": PID}
TOKEN_CFG = ClientConfig.from_connection(
    None, "iam-user", "S3cret pw", {**BASE, "auth_type": "token", "domain_name": "acct"}
)
AGENCY_CFG = ClientConfig.from_connection(None, None, None, {**BASE, "auth_type": "agency"})


def test_iam_token_request() -> None:
    req = build_iam_token_request(TOKEN_CFG, NOW)
    assert req.method == "POST"
    assert req.url == "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
    assert req.headers["Content-Type"].startswith("application/json")
    assert json.loads(req.body) == {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "iam-user", "password": "S3cret pw", "domain": {"name": "acct"}}
                },
            },
            "scope": {"project": {"id": PID}},
        }
    }
    assert "Authorization" not in req.headers and "X-Auth-Token" not in req.headers


def test_iam_token_request_needs_token_mode() -> None:
    aksk = ClientConfig.from_connection(None, "AK", "SK", BASE)
    with pytest.raises(DataArtsConfigError):
        build_iam_token_request(aksk, NOW)


def test_parse_iam_token_response() -> None:
    resp = HttpResponse(
        201,
        {"x-subject-token": "MIIZ-token", "x-request-id": "r1"},
        json.dumps(
            {"token": {"expires_at": "2026-01-04T09:05:22.701000Z", "methods": ["password"]}}
        ).encode(),
    )
    creds = parse_iam_token_response(resp)
    assert creds.token == "MIIZ-token"
    assert creds.expires_at == datetime(2026, 1, 4, 9, 5, 22, 701000, tzinfo=timezone.utc)
    assert "MIIZ-token" not in repr(creds)


@pytest.mark.parametrize(
    "resp",
    [
        HttpResponse(201, {}, b'{"token": {"expires_at": "2026-01-04T09:05:22Z"}}'),
        HttpResponse(201, {"x-subject-token": "t"}, b"not json"),
        HttpResponse(201, {"x-subject-token": "t"}, b'{"token": {}}'),
        HttpResponse(201, {"x-subject-token": "t"}, b'{"token": {"expires_at": "tomorrow"}}'),
        HttpResponse(201, {"x-subject-token": "t"}, b"[]"),
    ],
)
def test_parse_iam_token_response_malformed(resp: HttpResponse) -> None:
    with pytest.raises(DataArtsResponseError):
        parse_iam_token_response(resp)


def test_parse_iam_token_error() -> None:
    resp = HttpResponse(
        401,
        {},
        b'{"error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}}',
    )
    err = parse_iam_token_response_error(resp)
    assert isinstance(err, DataArtsAuthenticationError)
    assert err.error_code == "401"
    assert "password is wrong" in err.error_msg


def parse_iam_token_response_error(resp: HttpResponse) -> Exception:
    with pytest.raises(Exception) as info:
        parse_iam_token_response(resp)
    return info.value


def test_metadata_request_and_response() -> None:
    req = build_metadata_request(AGENCY_CFG)
    assert (req.method, req.url) == ("GET", "http://169.254.169.254/openstack/latest/securitykey")
    body = {
        "credential": {
            "access": "TMPAK",
            "secret": "TMPSK",
            "securitytoken": "SECTOK",
            "expires_at": "2026-01-03T10:00:00.000000Z",
        }
    }
    creds = parse_metadata_response(HttpResponse(200, {}, json.dumps(body).encode()))
    assert (creds.ak, creds.sk, creds.security_token) == ("TMPAK", "TMPSK", "SECTOK")
    assert creds.expires_at == datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)
    assert "TMPSK" not in repr(creds) and "SECTOK" not in repr(creds)
    with pytest.raises(DataArtsResponseError):
        parse_metadata_response(HttpResponse(200, {}, b'{"credential": {"access": "A"}}'))
    with pytest.raises(DataArtsConfigError):
        build_metadata_request(TOKEN_CFG)


def test_needs_refresh_margins() -> None:
    token = TokenCredentials("t", NOW + timedelta(minutes=61))
    assert not needs_refresh(token, NOW)
    assert needs_refresh(token, NOW + timedelta(minutes=1))
    agency = AkSkCredentials("a", "s", "t", NOW + timedelta(minutes=41))
    assert not needs_refresh(agency, NOW)
    assert needs_refresh(agency, NOW + timedelta(minutes=1))
    assert not needs_refresh(AkSkCredentials("a", "s"), NOW + timedelta(days=9999))
    assert needs_refresh(token, NOW, margin=timedelta(hours=2))
    with pytest.raises(DataArtsConfigError):
        needs_refresh(token, datetime(2026, 1, 1))


def test_cache_get_put_invalidate() -> None:
    cache = CredentialCache()
    key = cache_key(TOKEN_CFG)
    assert key[:5] == ("token", "https://iam.cn-north-4.myhuaweicloud.com", "acct", "iam-user", PID)
    # The password is part of the key (as a keyed digest, never in clear): another password, another entry.
    assert TOKEN_CFG.password not in "".join(key)
    assert cache_key(replace(TOKEN_CFG, password="another-password")) != key
    assert cache_key(replace(TOKEN_CFG)) == key
    assert cache.get(key, NOW) is None
    tok = TokenCredentials("t1", NOW + timedelta(hours=23))
    cache.put(key, tok)
    assert cache.get(key, NOW) is tok
    assert cache.get(key, NOW + timedelta(hours=22, minutes=30)) is None  # inside the 1 h margin
    newer = TokenCredentials("t2", NOW + timedelta(hours=24))
    cache.put(key, newer)
    assert not cache.invalidate(key, tok)  # stale 401 must not drop a newer token
    assert cache.get(key, NOW) is newer
    assert cache.invalidate(key, newer)
    assert cache.get(key, NOW) is None
    assert "t2" not in repr(cache)


def test_cache_thread_safety() -> None:
    cache = CredentialCache()
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(200):
                key = ("k", str(j % 5))
                cache.put(key, TokenCredentials(f"{i}-{j}", NOW + timedelta(hours=5)))
                cache.get(key, NOW)
                cache.invalidate(key)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_static_credentials() -> None:
    cfg = ClientConfig.from_connection(None, "AK", "SK", {**BASE, "security_token": "ST"})
    assert static_credentials(cfg) == AkSkCredentials("AK", "SK", "ST")
    with pytest.raises(DataArtsConfigError):
        static_credentials(AGENCY_CFG)


def test_metadata_session_tokens_are_renewed_before_their_ttl_ends() -> None:
    from airflow_dataarts_provider.core.protocol.auth import (
        METADATA_TOKEN_REFRESH_MARGIN_S,
        METADATA_TOKEN_TTL_S,
        MetadataSessions,
    )

    sessions = MetadataSessions()
    url = "http://169.254.169.254/meta-data/latest/api/token"
    sessions.put(url, "tok-1", now=1000.0)
    renew_at = 1000.0 + METADATA_TOKEN_TTL_S - METADATA_TOKEN_REFRESH_MARGIN_S
    assert sessions.get(url, renew_at - 1) == "tok-1"
    assert sessions.get(url, renew_at) is None  # renewed before the service would refuse it
    sessions.invalidate(url, "other")  # a 401 with another token leaves this one
    assert sessions.get(url, 1001.0) == "tok-1"
    sessions.invalidate(url, "tok-1")
    assert sessions.get(url, 1001.0) is None
    sessions.mark_without_tokens(url)
    assert sessions.without_tokens(url) and sessions.get(url, 1001.0) is None
    sessions.put(url, "tok-2", now=1001.0)  # a service that later answers the PUT is used again
    assert not sessions.without_tokens(url)
