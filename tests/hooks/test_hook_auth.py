# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance: authentication failures and credential refresh, through the hook, over real HTTP."""

from __future__ import annotations

import pytest
from helpers.hooks import (
    assert_same_items,
    iam_requests,
    make_hook,
    metadata_requests,
    pages_for,
    pending_requests,
    set_connection,
    start_emulator,
    total_requests,
)

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAuthenticationError,
    DataArtsError,
    DataArtsPermissionError,
)

N = 250
WRONG_SK = "Wr0ngSecretKeyValue-0123456789abcdefABCD"


def _last_request_id(emu) -> str:
    log = [e for e in emu.request_log() if e["endpoint"] == "pending-items"]
    assert log
    return log[-1]["request_id"]


@pytest.mark.parametrize("call", ["list", "iter"])
def test_wrong_sk_fails_after_exactly_one_request(dataarts_emulator_factory, monkeypatch, call):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, password=WRONG_SK)
    hook = make_hook()
    with pytest.raises(DataArtsAuthenticationError) as info:
        if call == "list":
            hook.list_pending_items()
        else:
            list(hook.iter_pending_items())
    exc = info.value
    assert total_requests(emu) == 1  # no retry, nothing else
    assert exc.status == 401
    assert exc.error_code == "APIGW.0301"
    request_id = _last_request_id(emu)
    assert exc.request_id == request_id
    assert "APIGW.0301" in str(exc)
    assert request_id in str(exc)
    assert WRONG_SK not in str(exc)


def test_unknown_ak_fails_after_exactly_one_request(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, login="UNKNOWNAK0123456789")
    with pytest.raises(DataArtsAuthenticationError, match=r"APIGW\.0301"):
        make_hook().list_pending_items()
    assert total_requests(emu) == 1


def test_wrong_sk_does_not_lock_the_ak(dataarts_emulator_factory, monkeypatch):
    """Five failures lock a real AK: one failing call must cost one failure, not max_attempts."""
    emu = start_emulator(dataarts_emulator_factory, N, aksk_lockout_failures=2, aksk_lockout_s=60)
    set_connection(monkeypatch, emu, password=WRONG_SK)
    with pytest.raises(DataArtsAuthenticationError):
        make_hook().list_pending_items()
    set_connection(monkeypatch, emu)
    assert_same_items(make_hook().list_pending_items(), emu.items())


def test_expired_temporary_aksk_fails_once(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "aksk_sts")
    assert_same_items(make_hook().list_pending_items(), emu.items())
    before = pending_requests(emu)
    emu.expire_tokens()
    with pytest.raises(DataArtsAuthenticationError, match=r"APIGW\.0301"):
        make_hook().list_pending_items()
    assert pending_requests(emu) == before + 1


def test_security_token_of_other_credentials_fails_once(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    other = emu.issue_temporary_credentials()
    set_connection(monkeypatch, emu, "aksk_sts", security_token=other["securitytoken"])
    with pytest.raises(DataArtsAuthenticationError):
        make_hook().list_pending_items()
    assert total_requests(emu) == 1


def test_expired_iam_token_is_refreshed_once(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="record")
    set_connection(monkeypatch, emu, "token", offset_mode="record")
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert iam_requests(emu) == 1
    assert pending_requests(emu) == pages_for(N)

    assert emu.expire_tokens() >= 1
    items = make_hook().list_pending_items()
    assert_same_items(items, emu.items())
    assert iam_requests(emu) == 2
    # one request answered 401, then the walk with the fresh token
    assert pending_requests(emu) == 2 * pages_for(N) + 1
    statuses = [e["status"] for e in emu.request_log() if e["endpoint"] == "pending-items"]
    assert statuses.count(401) == 1


def test_token_expiring_mid_walk_is_refreshed_once(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, "token", offset_mode="page")
    hook = make_hook()
    walk = hook.iter_pending_items()
    first = [next(walk) for _ in range(100)]  # first page consumed
    emu.expire_tokens()
    rest = list(walk)
    assert_same_items(first + rest, emu.items())
    assert iam_requests(emu) == 2


def test_expired_agency_credentials_are_refreshed_once(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N, offset_mode="page")
    set_connection(monkeypatch, emu, "agency", offset_mode="page")
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert metadata_requests(emu) == 1
    emu.expire_tokens()
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert metadata_requests(emu) == 2
    assert pending_requests(emu) == 2 * pages_for(N) + 1


def test_wrong_iam_password_fails_with_one_iam_request(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "token", password="Wrong@Passw0rd-123")
    with pytest.raises(DataArtsAuthenticationError) as info:
        make_hook().list_pending_items()
    assert iam_requests(emu) == 1
    assert pending_requests(emu) == 0
    assert info.value.status == 401
    assert "Wrong@Passw0rd-123" not in str(info.value)


def test_wrong_domain_fails_with_one_iam_request(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "token", domain_name="other-account")
    with pytest.raises(DataArtsAuthenticationError):
        make_hook().list_pending_items()
    assert total_requests(emu) == 1


def test_unknown_project_is_a_permission_error_without_retry(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, project_id="0" * 32)
    with pytest.raises(DataArtsPermissionError, match=r"APIGW\.0302"):
        make_hook().list_pending_items()
    assert total_requests(emu) == 1


def test_failed_auth_is_not_cached(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, N)
    set_connection(monkeypatch, emu, "token", password="Wrong@Passw0rd-123")
    with pytest.raises(DataArtsAuthenticationError):
        make_hook().list_pending_items()
    set_connection(monkeypatch, emu, "token")
    assert_same_items(make_hook().list_pending_items(), emu.items())
    assert iam_requests(emu) == 2


def test_concurrent_listings_share_one_iam_login(dataarts_emulator_factory, monkeypatch):
    """Single flight: 20 concurrent async listings (e.g. triggers in one triggerer) that all find the
    token cache empty make one IAM request, not 20."""
    import asyncio

    emu = start_emulator(dataarts_emulator_factory, 30)
    set_connection(monkeypatch, emu, "token")

    async def many() -> list[list[dict]]:
        return await asyncio.gather(*(make_hook().alist_pending_items() for _ in range(20)))

    results = asyncio.run(many())
    assert all(len(r) == 30 for r in results)
    assert iam_requests(emu) == 1


def test_concurrent_listings_share_a_refused_login(dataarts_emulator_factory, monkeypatch):
    """A refused login is not retried by every waiting listing (IAM locks users after failed logins)."""
    import asyncio

    from airflow_dataarts_provider.core.protocol.errors import DataArtsAuthenticationError

    emu = start_emulator(dataarts_emulator_factory, 30)
    set_connection(monkeypatch, emu, "token", password="Wrong@Passw0rd-123")

    async def many() -> list[object]:
        return await asyncio.gather(
            *(make_hook().alist_pending_items() for _ in range(10)), return_exceptions=True
        )

    results = asyncio.run(many())
    assert all(isinstance(r, DataArtsAuthenticationError) for r in results)
    assert iam_requests(emu) == 1


# ------------------------------------------ agency: metadata session tokens (as the SDK's MetadataAccessor)


def _metadata_log(emu):
    return [
        (
            r["method"],
            r["status"],
            "X-Metadata-Token" in r["header_names"] or "x-metadata-token" in r["header_names"],
        )
        for r in emu.request_log()
        if r["endpoint"] in ("metadata-token", "securitykey")
    ]


def test_agency_fetches_a_session_token_then_the_security_key_with_it(
    dataarts_emulator_factory, monkeypatch, caplog
):
    """The emulator's default metadata service requires session tokens (hardened ECS/CCE nodes): a bare
    GET would get a 401. The token is fetched once per process and never logged."""
    caplog.set_level("DEBUG")
    emu = start_emulator(dataarts_emulator_factory, 30)
    set_connection(monkeypatch, emu, "agency")
    assert len(make_hook().list_pending_items()) == 30
    assert len(make_hook().list_pending_items()) == 30  # cached credentials: no second fetch
    assert _metadata_log(emu) == [("PUT", 200, False), ("GET", 200, True)]
    put = next(r for r in emu.request_log() if r["endpoint"] == "metadata-token")
    assert put["headers"]["X-Metadata-Token-Ttl-Seconds"] == "21600"
    assert emu.counters()["metadata_tokens_issued"] == 1
    # After the temporary credentials expire: a new GET with the same (still valid) session token.
    emu.expire_tokens()
    assert len(make_hook().list_pending_items()) == 30
    assert _metadata_log(emu)[2:] == [("GET", 200, True)]
    (session_token,) = emu.state.metadata_tokens
    assert session_token not in caplog.text


def test_a_refused_session_token_is_replaced_once(dataarts_emulator_factory, monkeypatch):
    emu = start_emulator(dataarts_emulator_factory, 30)
    set_connection(monkeypatch, emu, "agency")
    make_hook().list_pending_items()
    emu.expire_tokens()  # the credentials...
    emu.expire_metadata_tokens()  # ...and the session token
    assert len(make_hook().list_pending_items()) == 30
    assert _metadata_log(emu)[2:] == [("GET", 401, True), ("PUT", 200, False), ("GET", 200, True)]


def test_a_metadata_service_without_session_tokens_gets_a_bare_get(dataarts_emulator_factory, monkeypatch):
    """Only where the token PUT answers 404 (or 405): remembered, so later fetches skip the PUT."""
    emu = start_emulator(dataarts_emulator_factory, 30, metadata_sessions="unsupported")
    set_connection(monkeypatch, emu, "agency")
    make_hook().list_pending_items()
    emu.expire_tokens()
    make_hook().list_pending_items()
    assert _metadata_log(emu) == [("PUT", 404, False), ("GET", 200, False), ("GET", 200, False)]


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_failing_token_put_is_not_taken_for_a_token_less_service(
    dataarts_emulator_factory, monkeypatch, status
):
    emu = start_emulator(dataarts_emulator_factory, 30)
    set_connection(monkeypatch, emu, "agency")
    emu.script_faults("metadata-token", [status] * 50)
    with pytest.raises(DataArtsError):
        make_hook().list_pending_items()
    assert not [m for m in _metadata_log(emu) if m[0] == "GET"]  # never a bare GET


def test_a_refused_login_is_not_tried_again_by_a_call_that_comes_just_after(
    dataarts_emulator_factory, monkeypatch
):
    """A call that starts after a refused login ended (it did not wait for it) does not send the same
    password again for REFUSED_LOGIN_HOLD_S; a corrected password is tried at once."""
    from airflow_dataarts_provider.core.protocol.errors import DataArtsAuthenticationError
    from airflow_dataarts_provider.emulator import DEFAULT_PASSWORD

    emu = start_emulator(dataarts_emulator_factory, 3)
    set_connection(monkeypatch, emu, "token", password="Wrong@Passw0rd-123")
    for _ in range(3):
        with pytest.raises(DataArtsAuthenticationError):
            make_hook().list_pending_items()
    assert iam_requests(emu) == 1
    set_connection(monkeypatch, emu, "token", password=DEFAULT_PASSWORD)
    assert len(make_hook().list_pending_items()) == 3
    assert iam_requests(emu) == 2
