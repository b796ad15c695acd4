# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The emulator over real loopback HTTP, driven by the official SDK and by plain requests."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from helpers.sdk import PENDING_PATH, metadata_credential, sdk_client, signed_get
from huaweicloudsdkcore.exceptions import exceptions as sdk_exc
from huaweicloudsdkdataartsstudio.v1 import ListFactoryPendingItemsRequest

from airflow_dataarts_provider.emulator import (
    DEFAULT_AK,
    DEFAULT_DOMAIN_NAME,
    DEFAULT_PASSWORD,
    DEFAULT_PROJECT_ID,
    DEFAULT_SK,
    DEFAULT_USER_NAME,
    DEFAULT_WORKSPACE_ID,
    AkSkCredential,
    Emulator,
)

FIELDS = {
    "pending_item_id",
    "item_name",
    "task_id",
    "task_type",
    "update_type",
    "package_flag",
    "pending_version",
    "deployed_version",
    "submit_timestamp",
    "submit_user_id",
    "submit_user_name",
    "project_id",
}


def _list(client: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("workspace", DEFAULT_WORKSPACE_ID)
    return client.list_factory_pending_items(ListFactoryPendingItemsRequest(**kwargs))


def _all_pages(client: Any, mode: str, limit: int) -> list[str]:
    seen: list[str] = []
    page = 0
    while True:
        offset = page if mode == "page" else page * limit
        resp = _list(client, limit=limit, offset=offset)
        seen.extend(item.pending_item_id for item in resp.data)
        if len(resp.data) < limit:
            return seen
        page += 1


def _token(
    emu: Emulator, password: str = DEFAULT_PASSWORD, query: str = "?nocatalog=true"
) -> requests.Response:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": DEFAULT_USER_NAME,
                        "password": password,
                        "domain": {"name": DEFAULT_DOMAIN_NAME},
                    }
                },
            },
            "scope": {"project": {"id": DEFAULT_PROJECT_ID}},
        }
    }
    return requests.post(f"{emu.url}/v3/auth/tokens{query}", json=body, timeout=5)


def _token_get(emu: Emulator, token: str, query: str = "", **headers: str) -> requests.Response:
    hdrs = {"X-Auth-Token": token, "workspace": DEFAULT_WORKSPACE_ID, **headers}
    return requests.get(f"{emu.url}{PENDING_PATH}{query}", headers=hdrs, timeout=5)


# ---------------------------------------------------------------- SDK acceptance
@pytest.mark.parametrize("mode", ["page", "record"])
def test_sdk_pages_through_every_item_exactly_once(dataarts_emulator_factory: Any, mode: str) -> None:
    emu = dataarts_emulator_factory(offset_mode=mode, seed_items=47, seed=3, rate_limit_per_user=None)
    ids = _all_pages(sdk_client(emu), mode, limit=10)
    expected = [item["pending_item_id"] for item in emu.items()]
    assert ids == expected
    assert len(set(ids)) == 47


def test_sdk_lists_items_with_documented_fields(dataarts_emulator: Emulator) -> None:
    resp = _list(sdk_client(dataarts_emulator), limit=100, x_project_id=DEFAULT_PROJECT_ID)
    assert resp.total == 25
    assert len(resp.data) == 25
    raw = resp.to_json_object()["data"][0]
    assert set(raw) == FIELDS
    assert raw["project_id"] == f"{DEFAULT_PROJECT_ID}-workspace-{DEFAULT_WORKSPACE_ID}"


def test_raw_body_shape_and_content_type(dataarts_emulator: Emulator) -> None:
    resp = signed_get(dataarts_emulator, [("limit", 3)])
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = resp.json()
    assert set(body) == {"data", "total"}
    item = body["data"][0]
    assert set(item) == FIELDS
    assert isinstance(item["pending_item_id"], str) and isinstance(item["task_id"], str)
    assert isinstance(item["submit_timestamp"], int) and item["submit_timestamp"] > 10**12


def _sdk_metadata_accessor(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The official SDK's metadata client (huaweicloudsdkcore MetadataAccessor), pointed at the emulator."""
    from huaweicloudsdkcore.auth.internal import MetadataAccessor

    monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", emu.url)
    return MetadataAccessor()


def test_metadata_session_tokens_as_the_sdk_speaks_them(
    dataarts_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emulator's metadata service (session tokens required, the default) against the SDK's own
    client: token PUT with a TTL, X-Metadata-Token on the GET, and a new token after a 401."""
    url = f"{dataarts_emulator.url}/openstack/latest/securitykey"
    assert requests.get(url, timeout=5).status_code == 401  # a bare GET is refused
    accessor = _sdk_metadata_accessor(dataarts_emulator, monkeypatch)
    first = accessor.get_credential()
    assert first.access and first.secret and first.security_token
    assert dataarts_emulator.counters()["metadata_tokens_issued"] == 1
    dataarts_emulator.expire_metadata_tokens()
    second = accessor.get_credential()  # 401 -> the SDK fetches a new token and asks again
    assert second.access != first.access
    assert dataarts_emulator.counters()["metadata_tokens_issued"] == 2
    log = [r for r in dataarts_emulator.request_log() if r["endpoint"] in ("metadata-token", "securitykey")]
    assert [(r["method"], r["status"]) for r in log] == [
        ("GET", 401), ("PUT", 200), ("GET", 200), ("GET", 401), ("PUT", 200), ("GET", 200)
    ]  # fmt: skip
    bad_ttl = requests.put(
        f"{dataarts_emulator.url}/meta-data/latest/api/token",
        headers={"X-Metadata-Token-Ttl-Seconds": "0"},
        timeout=5,
    )
    assert bad_ttl.status_code == 400


def test_sdk_with_security_token_from_metadata(dataarts_emulator: Emulator) -> None:
    cred = metadata_credential(dataarts_emulator)
    assert set(cred) == {"access", "secret", "securitytoken", "expires_at"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", cred["expires_at"])
    client = sdk_client(dataarts_emulator, cred["access"], cred["secret"], cred["securitytoken"])
    assert _list(client, limit=5).total == 25
    # Same temporary AK without its security token: refused.
    no_token = sdk_client(dataarts_emulator, cred["access"], cred["secret"])
    with pytest.raises(sdk_exc.ClientRequestException) as info:
        _list(no_token, limit=5)
    assert info.value.status_code == 401
    # After expiry, refused with a message about the token.
    dataarts_emulator.expire_tokens()
    resp = signed_get(
        dataarts_emulator, ak=cred["access"], sk=cred["secret"], security_token=cred["securitytoken"]
    )
    assert resp.status_code == 401
    assert "expired" in resp.json()["error_msg"]


def test_temporary_credentials_short_lifetime(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(temporary_credential_lifetime_s=0.3)
    cred = emu.issue_temporary_credentials()
    kw = {"ak": cred["access"], "sk": cred["secret"], "security_token": cred["securitytoken"]}
    assert signed_get(emu, **kw).status_code == 200
    time.sleep(0.4)
    assert signed_get(emu, **kw).status_code == 401
    fresh = metadata_credential(emu)
    assert fresh["access"] != cred["access"]
    kw2 = {"ak": fresh["access"], "sk": fresh["secret"], "security_token": fresh["securitytoken"]}
    assert signed_get(emu, **kw2).status_code == 200


def test_wrong_sk_gets_401_with_canonical_request(dataarts_emulator: Emulator) -> None:
    client = sdk_client(dataarts_emulator, sk="x" * 40)
    with pytest.raises(sdk_exc.ClientRequestException) as info:
        _list(client, limit=3, item_name="job A/b")
    err = info.value
    assert err.status_code == 401
    assert err.error_code == "APIGW.0301"
    assert "verify aksk signature fail" in err.error_msg
    assert (
        f"canonicalRequest: GET|{PENDING_PATH}/|item_name=job%20A%2Fb&limit=3|content-type:application/json|"
        in err.error_msg
    )
    assert re.fullmatch(r"[0-9a-f]{32}", err.request_id)


def test_unknown_ak_and_missing_auth(dataarts_emulator: Emulator) -> None:
    resp = signed_get(dataarts_emulator, ak="AKUNKNOWN0000000000X")
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "APIGW.0301"
    resp = requests.get(
        f"{dataarts_emulator.url}{PENDING_PATH}", headers={"workspace": DEFAULT_WORKSPACE_ID}, timeout=5
    )
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "APIGW.0301"


def test_permanent_ak_with_security_token_is_refused(dataarts_emulator: Emulator) -> None:
    assert signed_get(dataarts_emulator, security_token="SOMETOKEN").status_code == 401


def test_date_out_of_range_is_refused(dataarts_emulator: Emulator) -> None:
    old = datetime.now(timezone.utc) - timedelta(minutes=20)
    resp = signed_get(dataarts_emulator, [("limit", 1)], date=old)
    assert resp.status_code == 401
    body = resp.json()
    assert body["error_code"] == "APIGW.0301"
    assert "out of range" in body["error_msg"]
    recent = datetime.now(timezone.utc) - timedelta(minutes=10)
    assert signed_get(dataarts_emulator, [("limit", 1)], date=recent).status_code == 200


def test_tampered_query_fails_signature(dataarts_emulator: Emulator) -> None:
    ok = signed_get(dataarts_emulator, [("limit", 2)])
    assert ok.status_code == 200
    # Re-send the same signed headers with another query: the server's canonical request differs.
    url = ok.request.url.replace("limit=2", "limit=3")
    resp = requests.get(url, headers=dict(ok.request.headers), timeout=5)
    assert resp.status_code == 401
    assert "limit=3" in resp.json()["error_msg"]


def test_form_encoded_space_is_caught(dataarts_emulator: Emulator) -> None:
    ok = signed_get(dataarts_emulator, [("item_name", "job A")])
    assert "item_name=job%20A" in ok.request.url
    assert ok.status_code == 200
    resp = requests.get(ok.request.url.replace("%20", "+"), headers=dict(ok.request.headers), timeout=5)
    assert resp.status_code == 401


def test_extra_credentials_are_attributed_to_their_user(dataarts_emulator_factory: Any) -> None:
    other = AkSkCredential("EMUOTHER0000000000AK", "s" * 40, user_id="u2", user_name="other-user")
    emu = dataarts_emulator_factory(seed_items=3, credentials=(AkSkCredential(DEFAULT_AK, DEFAULT_SK), other))
    assert signed_get(emu, ak=other.ak, sk=other.sk).status_code == 200
    assert signed_get(emu).status_code == 200
    assert emu.counters()["by_user"] == {"other-user": 1, "emulator-user": 1}


# ---------------------------------------------------------------- rate limit
def test_rate_limit_429_with_retry_after(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=3, rate_limit_per_user=3)
    statuses = [signed_get(emu, [("limit", 1)]) for _ in range(5)]
    assert [r.status_code for r in statuses][:3] == [200, 200, 200]
    throttled = statuses[3]
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    body = throttled.json()
    assert body["error_code"] == "APIGW.0308"
    assert "policy user over ratelimit,limit:3,time:1 second" in body["error_msg"]
    assert body["request_id"] == throttled.headers["X-Request-Id"]
    # Another user has its own budget.
    emu.add_credentials(AkSkCredential("EMUOTHER0000000000AK", "s" * 40, user_id="u2", user_name="other"))
    assert signed_get(emu, ak="EMUOTHER0000000000AK", sk="s" * 40).status_code == 200
    emu.set_rate_limit(None)
    assert signed_get(emu).status_code == 200
    assert emu.counters()["throttled"] >= 2


def test_rate_limit_window_recovers(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=1, rate_limit_per_user=2)
    assert [signed_get(emu).status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1.05)
    assert signed_get(emu).status_code == 200


# ---------------------------------------------------------------- IAM
def test_iam_token_issue_use_expire(dataarts_emulator: Emulator) -> None:
    resp = _token(dataarts_emulator)
    assert resp.status_code == 201
    token = resp.headers["X-Subject-Token"]
    body = resp.json()["token"]
    assert body["expires_at"].endswith("Z")
    assert body["project"]["id"] == DEFAULT_PROJECT_ID
    assert body["user"]["name"] == DEFAULT_USER_NAME
    assert "catalog" not in body
    listed = _token_get(dataarts_emulator, token, "?limit=5")
    assert listed.status_code == 200
    assert len(listed.json()["data"]) == 5
    assert dataarts_emulator.counters()["tokens_issued"] == 1
    dataarts_emulator.expire_tokens()
    expired = _token_get(dataarts_emulator, token)
    assert expired.status_code == 401
    assert expired.json()["error_code"] == "APIGW.0301"
    assert "invalid or expired" in expired.json()["error_msg"]
    assert _token_get(dataarts_emulator, "MIIEbogus").status_code == 401


def test_iam_token_lifetime(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=2, token_lifetime_s=0.3)
    token = _token(emu).headers["X-Subject-Token"]
    assert _token_get(emu, token).status_code == 200
    time.sleep(0.4)
    assert _token_get(emu, token).status_code == 401


def test_iam_wrong_password(dataarts_emulator: Emulator) -> None:
    resp = _token(dataarts_emulator, password="wrong")
    assert resp.status_code == 401
    assert resp.json() == {
        "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
    }
    assert "X-Request-Id" in resp.headers


def test_iam_scope_by_region_name(dataarts_emulator: Emulator) -> None:
    body = json.loads(_token(dataarts_emulator).request.body)
    body["auth"]["scope"] = {"project": {"name": "cn-north-4"}}
    resp = requests.post(f"{dataarts_emulator.url}/v3/auth/tokens", json=body, timeout=5)
    assert resp.status_code == 201
    assert resp.json()["token"]["project"]["id"] == DEFAULT_PROJECT_ID


def test_token_for_other_project_is_forbidden(dataarts_emulator_factory: Any) -> None:
    other_project = "f" * 32
    emu = dataarts_emulator_factory(seed_items=2, extra_project_ids=(other_project,))
    token = emu.issue_token(project_id=other_project)
    resp = _token_get(emu, token)
    assert resp.status_code == 403
    assert resp.json()["error_code"] == "APIGW.0302"


# ---------------------------------------------------------------- filters & validation
def test_every_filter(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=60, seed=11, rate_limit_per_user=None)
    items = emu.items()

    def listed(**query: Any) -> list[dict[str, Any]]:
        resp = signed_get(emu, [("limit", 100), *query.items()])
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["total"] == len(body["data"])
        return body["data"]

    by_user = listed(submit_user_name="carol li")
    assert by_user and all(i["submit_user_name"] == "carol li" for i in by_user)
    assert len(by_user) == sum(1 for i in items if i["submit_user_name"] == "carol li")
    assert listed(submit_user_name="carol") == []  # exact match
    for update_type in (1, 2, 3):
        got = listed(update_type=update_type)
        assert got and {i["update_type"] for i in got} == {update_type}
    for task_type in (1, 2):
        got = listed(task_type=task_type)
        assert got and {i["task_type"] for i in got} == {task_type}
    stamps = sorted(i["submit_timestamp"] for i in items)
    lo, hi = stamps[10], stamps[40]
    window = listed(start_time=str(lo), end_time=str(hi))
    assert len(window) == 31
    assert all(lo <= i["submit_timestamp"] <= hi for i in window)
    assert len(listed(start_time=str(lo))) == 50
    reserved = listed(item_name="/")
    assert reserved and all("/" in i["item_name"] for i in reserved)
    chinese = listed(item_name="数据清洗")
    assert chinese and all("数据清洗" in i["item_name"] for i in chinese)
    for name in ("a+b=c", "100%", "report #1", "what?", "库存 & 物流"):
        got = listed(item_name=name)
        assert got and all(name in i["item_name"] for i in got), name
    combined = listed(task_type=1, update_type=2, submit_user_name="zhang.wei")
    assert all(
        (i["task_type"], i["update_type"], i["submit_user_name"]) == (1, 2, "zhang.wei") for i in combined
    )


def test_item_name_exact_mode(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=30, item_name_match="exact")
    name = emu.items()[4]["item_name"]
    assert len(signed_get(emu, [("item_name", name)]).json()["data"]) == 1
    assert signed_get(emu, [("item_name", name[:-1])]).json()["data"] == []


@pytest.mark.parametrize(
    "query",
    [
        [("limit", "0")],
        [("limit", "101")],
        [("limit", "abc")],
        [("limit", "-1")],
        [("limit", "1.5")],
        [("offset", "-1")],
        [("offset", "x")],
        [("update_type", "one")],
        [("task_type", "1.0")],
        [("start_time", "2024-01-01")],
        [("end_time", "abc")],
    ],
)
def test_invalid_parameters_400(dataarts_emulator: Emulator, query: list[tuple[str, str]]) -> None:
    resp = signed_get(dataarts_emulator, query)
    assert resp.status_code == 400
    assert resp.json() == {"error_code": "DLF.3051", "error_msg": "The request parameter is invalid."}


def test_default_limit_and_bounds(dataarts_emulator: Emulator) -> None:
    assert len(signed_get(dataarts_emulator).json()["data"]) == 10
    assert len(signed_get(dataarts_emulator, [("limit", 100)]).json()["data"]) == 25
    assert len(signed_get(dataarts_emulator, [("limit", 1)]).json()["data"]) == 1
    beyond = signed_get(dataarts_emulator, [("offset", 99)]).json()
    assert beyond == {"data": [], "total": 25}


def test_workspace_header_checks(dataarts_emulator: Emulator) -> None:
    missing = signed_get(dataarts_emulator, headers={"Content-Type": "application/json"})
    assert missing.status_code == 400
    assert missing.json()["error_code"] == "APIGW.0106"
    unknown = signed_get(dataarts_emulator, headers={"workspace": "0" * 32})
    assert unknown.status_code == 400
    assert unknown.json()["error_code"] == "EMU.1001"


def test_project_checks(dataarts_emulator: Emulator) -> None:
    wrong_header = signed_get(
        dataarts_emulator, headers={"workspace": DEFAULT_WORKSPACE_ID, "X-Project-Id": "e" * 32}
    )
    assert wrong_header.status_code == 403
    assert wrong_header.json()["error_code"] == "APIGW.0302"
    unknown = signed_get(dataarts_emulator, path="/v2/" + "d" * 32 + "/factory/pending-items")
    assert unknown.status_code == 403
    assert unknown.json()["error_code"] == "APIGW.0302"


def test_several_projects_require_x_project_id_on_aksk_calls(dataarts_emulator_factory: Any) -> None:
    """The official SDK always sends X-Project-Id (and signs it): it works. A bare signed call does not
    name the project, which an account with several projects cannot resolve."""
    emu = dataarts_emulator_factory(seed_items=5, extra_project_ids=("c" * 32,))
    bare = signed_get(emu)  # no X-Project-Id
    assert (bare.status_code, bare.json()["error_code"]) == (400, "EMU.1002")
    named = signed_get(
        emu,
        headers={
            "Content-Type": "application/json",
            "workspace": DEFAULT_WORKSPACE_ID,
            "X-Project-Id": DEFAULT_PROJECT_ID,
        },
    )
    assert named.status_code == 200
    assert _list(sdk_client(emu), limit=5).total == 5
    # a single-project account does not need it (the emulator's default)
    assert signed_get(dataarts_emulator_factory(seed_items=1)).status_code == 200


def test_unknown_path_404_and_request_id_everywhere(dataarts_emulator: Emulator) -> None:
    url = dataarts_emulator.url
    responses = [
        requests.get(f"{url}/v1/nothing", timeout=5),
        requests.get(f"{url}/_emulator/counters", timeout=5),
        requests.post(f"{url}/_emulator/nope", timeout=5),
        requests.get(f"{url}/openstack/latest/securitykey", timeout=5),
        signed_get(dataarts_emulator, [("limit", "abc")]),
        signed_get(dataarts_emulator, sk="bad"),
        signed_get(dataarts_emulator),
        _token(dataarts_emulator),
        _token(dataarts_emulator, password="bad"),
    ]
    assert responses[0].status_code == 404
    assert responses[0].json()["error_code"] == "APIGW.0101"
    ids = [r.headers["X-Request-Id"] for r in responses]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_request_log_redacts_secrets(dataarts_emulator: Emulator) -> None:
    token = dataarts_emulator.issue_token()
    _token_get(dataarts_emulator, token, "?limit=2")
    cred = dataarts_emulator.issue_temporary_credentials()
    signed_get(
        dataarts_emulator,
        [("limit", 1)],
        ak=cred["access"],
        sk=cred["secret"],
        security_token=cred["securitytoken"],
    )
    log = dataarts_emulator.request_log()
    assert [e["status"] for e in log] == [200, 200]
    dumped = json.dumps(log)
    assert token not in dumped
    assert cred["securitytoken"] not in dumped
    assert "Signature=" not in dumped
    assert log[0]["query"] == "limit=2"
    assert log[0]["headers"]["X-Auth-Token"] == "***"
    assert "Authorization" in log[1]["header_names"]
