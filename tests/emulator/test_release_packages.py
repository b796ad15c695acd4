# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package workflow of the emulator over real signed HTTP, checked with the official SDK."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from helpers.sdk import sdk_client
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions as sdk_exc
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkdataartsstudio.v1 import (
    CancelFactoryPackagesRequest,
    CancelFactoryPackagesRequestBody,
    CreateFactoryPendingItemsPackageBody,
    CreateFactoryPendingItemsPackageRequest,
    DeployFactoryPackagesRequest,
    DeployFactoryPackagesRequestBody,
    ListFactoryReleasePackagesRequest,
    ListReleasePackagesRequestBody,
    ShowFactoryPackageDetailRequest,
)

from airflow_dataarts_provider.emulator import (
    DEFAULT_AK,
    DEFAULT_PROJECT_ID,
    DEFAULT_SK,
    DEFAULT_USER_NAME,
    DEFAULT_WORKSPACE_ID,
    Emulator,
)

BASE = f"/v2/{DEFAULT_PROJECT_ID}/factory"
APPROVER = "7e6d5c4b3a291807f6e5d4c3b2a19080"
PACKAGE_KEYS = {
    "apply_timestamp",
    "apply_user_id",
    "apply_user_name",
    "delete_flag",
    "deploy_status",
    "deploy_timestamp",
    "deploy_user_id",
    "deploy_user_name",
    "package_approvers",
    "package_id",
    "package_name",
    "project_id",
    "workspace_id",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_760_000_000.0

    def __call__(self) -> float:
        return self.now


def call(
    emu: Emulator,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: str | None = None,
) -> requests.Response:
    """Sign with the official SDK Signer and send with requests (body exactly as signed)."""
    text = raw if raw is not None else ("" if body is None else json.dumps(body))
    header_params = {"Content-Type": "application/json", "workspace": DEFAULT_WORKSPACE_ID}
    header_params.update(headers or {})
    req = SdkRequest(
        method=method,
        schema="http",
        host=emu.url.removeprefix("http://"),
        resource_path=f"{BASE}/{path}",
        query_params=[],
        header_params=header_params,
        body=text,
    )
    signed = Signer(BasicCredentials(DEFAULT_AK, DEFAULT_SK)).sign(req)
    return requests.request(
        method, f"{emu.url}{signed.uri}", headers=dict(signed.header_params), data=text.encode(), timeout=5
    )


def create(emu: Emulator, ids: list[str], name: str = "pkg 1", **extra: Any) -> requests.Response:
    body = {"apply_user_id": "u1", "package_name": name, "pending_item_list": ids, "approver_ids": [APPROVER]}
    body.update(extra)
    return call(emu, "POST", "pending-items/package", body)


def item_ids(emu: Emulator, n: int, start: int = 0) -> list[str]:
    return [i["pending_item_id"] for i in emu.items()[start : start + n]]


def detail(emu: Emulator, package_id: str) -> dict[str, Any]:
    resp = call(emu, "GET", f"release-packages/{package_id}")
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(dataarts_emulator_factory: Any, clock: Clock) -> Emulator:
    return dataarts_emulator_factory(
        seed_items=12, rate_limit_per_user=None, release_clock=clock, release_duration_s=5.0
    )


def test_create_package_happy_path(emu: Emulator, clock: Clock) -> None:
    ids = item_ids(emu, 3)
    resp = create(emu, ids, "发布包 #1")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"package_name", "release_package_id"}
    assert body["package_name"] == "发布包 #1"
    pkg_id = body["release_package_id"]
    assert isinstance(pkg_id, str) and pkg_id.isdigit()
    flags = {i["pending_item_id"]: i["package_flag"] for i in emu.items()}
    assert [flags[i] for i in ids] == [1, 1, 1]
    assert sum(flags.values()) == 3
    pkg = detail(emu, pkg_id)
    assert set(pkg) == {"release_package", "task_details"}
    assert set(pkg["release_package"]) == PACKAGE_KEYS
    rp = pkg["release_package"]
    assert (rp["deploy_status"], rp["delete_flag"], rp["apply_user_id"]) == (1, 0, "u1")
    assert rp["apply_timestamp"] == int(clock.now * 1000)
    assert rp["package_approvers"] == [{"user_id": APPROVER, "user_name": DEFAULT_USER_NAME}]
    assert rp["project_id"] == f"{DEFAULT_PROJECT_ID}-workspace-{DEFAULT_WORKSPACE_ID}"
    assert [t["pending_item_id"] for t in pkg["task_details"]] == ids
    assert {t["deploy_status"] for t in pkg["task_details"]} == {1}
    assert emu.counters()["by_endpoint"]["release-package-create"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"apply_user_id": None}, "apply_user_id"),
        ({"package_name": ""}, "package_name"),
        ({"package_name": 5}, "package_name"),
        ({"pending_item_list": []}, "pending_item_list"),
        ({"pending_item_list": "abc"}, "pending_item_list"),
        ({"approver_ids": None}, "approver_ids"),
        ({"approver_ids": [1]}, "approver_ids"),
    ],
)
def test_create_package_validation(emu: Emulator, change: dict[str, Any], field: str) -> None:
    body = {"apply_user_id": "u1", "package_name": "p", "pending_item_list": item_ids(emu, 1)}
    body["approver_ids"] = [APPROVER]
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    resp = call(emu, "POST", "pending-items/package", body)
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "DLF.3051"
    assert field in resp.json()["error_msg"]
    assert emu.packages() == []


def test_create_package_unknown_or_packaged_items(emu: Emulator) -> None:
    ids = item_ids(emu, 2)
    bad = create(emu, [ids[0], "no-such-id"])
    assert (bad.status_code, bad.json()["error_code"]) == (400, "EMU.1101")
    assert "no-such-id" in bad.json()["error_msg"]
    assert all(i["package_flag"] == 0 for i in emu.items())  # nothing half-done
    assert create(emu, [ids[0]]).status_code == 200
    again = create(emu, [ids[1], ids[0]])
    assert (again.status_code, again.json()["error_code"]) == (400, "EMU.1102")
    dup = create(emu, [ids[1], ids[1]])
    assert (dup.status_code, dup.json()["error_code"]) == (400, "DLF.3051")
    broken = call(emu, "POST", "pending-items/package", raw="{not json")
    assert broken.status_code == 400 and "body" in broken.json()["error_msg"]


def test_gateway_checks_apply(emu: Emulator) -> None:
    ids = item_ids(emu, 1)
    no_ws = call(emu, "POST", "release-packages", {}, headers={"workspace": ""})
    assert no_ws.json()["error_code"] == "APIGW.0106"
    other = call(emu, "POST", "release-packages", {}, headers={"X-Project-Id": "x" * 32})
    assert other.status_code == 403
    unsigned = requests.post(f"{emu.url}{BASE}/pending-items/package", json={}, timeout=5)
    assert unsigned.status_code == 401
    emu.set_rate_limit(1)
    assert create(emu, ids).status_code == 200
    assert create(emu, ids).status_code == 429


def test_list_packages_filters_paging_and_validation(dataarts_emulator_factory: Any, clock: Clock) -> None:
    emu = dataarts_emulator_factory(
        seed_items=12, rate_limit_per_user=None, release_clock=clock, offset_mode="record"
    )
    ids = item_ids(emu, 5)
    created = []
    for n, pid in enumerate(ids):
        clock.now += 10
        created.append(create(emu, [pid], f"nightly {n}").json()["release_package_id"])
    deploy = call(emu, "POST", "release-packages/deploy", {"package_ids": created[:2]})
    assert deploy.status_code == 200
    listed = call(emu, "POST", "release-packages", {}).json()
    assert listed["total"] == 5
    assert [p["package_id"] for p in listed["data"]] == created[::-1]  # newest apply_timestamp first
    assert all(set(p) == PACKAGE_KEYS for p in listed["data"])

    def ids_for(body: dict[str, Any]) -> list[str]:
        resp = call(emu, "POST", "release-packages", body)
        assert resp.status_code == 200, resp.text
        return [p["package_id"] for p in resp.json()["data"]]

    assert ids_for({"key_word": "nightly 3"}) == [created[3]]
    assert ids_for({"deploy_status_filter": [5], "sorted_direction": "asc"}) == created[:2]
    assert ids_for({"deploy_status_filter": [1]}) == created[:1:-1]
    assert ids_for({"deploy_user_name": DEFAULT_USER_NAME, "sorted_direction": "asc"}) == created[:2]
    assert ids_for({"apply_user_name": "nobody"}) == []
    t2 = (1_760_000_000 + 20) * 1000
    assert ids_for({"apply_begin_time": t2, "apply_end_time": t2 + 10_000}) == [created[2], created[1]]
    assert ids_for({"limit": 2, "offset": 2}) == [created[2], created[1]]  # record offset
    for bad in (
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"apply_begin_time": 1_760_000_000},  # seconds, not ms
        {"deploy_end_time": "1760000000000"},
        {"deploy_status_filter": [4]},
        {"key_word": 3},
    ):
        resp = call(emu, "POST", "release-packages", bad)
        assert resp.status_code == 400, bad
        assert resp.json()["error_code"] == "DLF.3051"
        assert next(iter(bad)) in resp.json()["error_msg"]


def test_page_offset_mode(emu: Emulator) -> None:
    ids = item_ids(emu, 3)
    made = [create(emu, [i], f"p{n}").json()["release_package_id"] for n, i in enumerate(ids)]
    page1 = call(emu, "POST", "release-packages", {"limit": 2, "offset": 1, "sorted_direction": "asc"})
    assert [p["package_id"] for p in page1.json()["data"]] == made[2:]


def test_auto_approval_release_success_removes_items(emu: Emulator, clock: Clock) -> None:
    emu.set_release_settings(approve_delay_s=2.0)
    ids = item_ids(emu, 2)
    pkg_id = create(emu, ids).json()["release_package_id"]
    resp = call(emu, "POST", "release-packages/deploy", {"package_ids": [pkg_id], "startup_mode": 0})
    assert resp.status_code == 200
    (entry,) = resp.json()["deploy_package_details"]
    assert entry["package_id"] == int(pkg_id) and entry["asy_subtask_num"] == 2
    assert len(entry["asy_task_id"]) == 32
    rp = detail(emu, pkg_id)["release_package"]
    assert rp["deploy_status"] == 1 and rp["deploy_user_name"] == DEFAULT_USER_NAME
    clock.now += 2.0
    assert detail(emu, pkg_id)["release_package"]["deploy_status"] == 5
    clock.now += 4.9
    assert detail(emu, pkg_id)["release_package"]["deploy_status"] == 5
    clock.now += 0.1
    done = detail(emu, pkg_id)
    assert done["release_package"]["deploy_status"] == 2
    assert {t["deploy_status"] for t in done["task_details"]} == {2}
    remaining = {i["pending_item_id"] for i in emu.items()}
    assert remaining.isdisjoint(ids) and len(remaining) == 10
    again = call(emu, "POST", "release-packages/deploy", {"package_ids": [pkg_id]})
    assert (again.status_code, again.json()["error_code"]) == (400, "EMU.1104")
    assert emu.counters()["packages_released"] == 1


def test_manual_approval_waits(dataarts_emulator_factory: Any, clock: Clock) -> None:
    emu = dataarts_emulator_factory(
        seed_items=5, rate_limit_per_user=None, release_clock=clock, auto_approve=False, release_duration_s=1
    )
    pkg_id = create(emu, item_ids(emu, 1)).json()["release_package_id"]
    assert call(emu, "POST", "release-packages/deploy", {"package_ids": [int(pkg_id)]}).status_code == 200
    clock.now += 3600
    assert detail(emu, pkg_id)["release_package"]["deploy_status"] == 1
    assert emu.package(pkg_id)["deploy_requested"] is True
    emu.approve(pkg_id)
    assert detail(emu, pkg_id)["release_package"]["deploy_status"] == 5
    clock.now += 1
    assert detail(emu, pkg_id)["release_package"]["deploy_status"] == 2
    assert len(emu.items()) == 4
    # approved before the deploy: the release starts at the deploy
    other = create(emu, item_ids(emu, 1)).json()["release_package_id"]
    emu.approve(other)
    assert detail(emu, other)["release_package"]["deploy_status"] == 1
    call(emu, "POST", "release-packages/deploy", {"package_ids": [other]})
    assert detail(emu, other)["release_package"]["deploy_status"] == 5


def test_failure_keeps_items_with_details_then_rerelease(emu: Emulator, clock: Clock) -> None:
    items = emu.items()[:2]
    emu.set_fail_items([items[0]["item_name"][:3] + "*"])
    pkg_id = create(emu, [i["pending_item_id"] for i in items]).json()["release_package_id"]
    call(emu, "POST", "release-packages/deploy", {"package_ids": [pkg_id]})
    clock.now += 5
    failed = detail(emu, pkg_id)
    assert failed["release_package"]["deploy_status"] == 3
    first, second = failed["task_details"]
    assert first["deploy_status"] == 3 and items[0]["item_name"] in first["error_msg"]
    assert second["deploy_status"] == 3 and "rolled back" in second["error_msg"]
    pending = {i["pending_item_id"]: i["package_flag"] for i in emu.items()}
    assert [pending[i["pending_item_id"]] for i in items] == [1, 1]
    listed = call(emu, "POST", "release-packages", {"deploy_status_filter": [3]}).json()
    assert [p["package_id"] for p in listed["data"]] == [pkg_id]
    emu.set_fail_items([])
    assert call(emu, "POST", "release-packages/deploy", {"package_ids": [pkg_id]}).status_code == 200
    clock.now += 5
    assert detail(emu, pkg_id)["release_package"]["deploy_status"] == 2
    assert len(emu.items()) == 10


def test_forced_outcome_and_cancel_restores_flags(emu: Emulator, clock: Clock) -> None:
    ids = item_ids(emu, 2)
    pkg_id = create(emu, ids).json()["release_package_id"]
    emu.set_package_outcome(pkg_id, "failed", "quota exceeded")
    call(emu, "POST", "release-packages/deploy", {"package_ids": [pkg_id]})
    busy = call(emu, "POST", "release-packages/unpack", {"package_ids": [pkg_id]})
    assert (busy.status_code, busy.json()["error_code"]) == (400, "EMU.1104")
    clock.now += 5
    assert {t["error_msg"] for t in detail(emu, pkg_id)["task_details"]} == {"quota exceeded"}
    resp = call(emu, "POST", "release-packages/unpack", {"package_ids": [pkg_id]})
    assert (resp.status_code, resp.content) == (200, b"")
    assert all(i["package_flag"] == 0 for i in emu.items())
    assert call(emu, "POST", "release-packages", {}).json()["total"] == 0
    assert detail(emu, pkg_id)["release_package"]["delete_flag"] == 1
    gone = call(emu, "POST", "release-packages/unpack", {"package_ids": [pkg_id]})
    assert gone.json()["error_code"] == "EMU.1103"
    assert create(emu, ids).status_code == 200  # the items can be packaged again


def test_pending_package_cancel_and_deploy_validation(emu: Emulator) -> None:
    pkg_id = create(emu, item_ids(emu, 1)).json()["release_package_id"]
    for body, code in (
        ({}, "DLF.3051"),
        ({"package_ids": []}, "DLF.3051"),
        ({"package_ids": [str(n) for n in range(101)]}, "DLF.3051"),
        ({"package_ids": [pkg_id], "startup_mode": 2}, "DLF.3051"),
        ({"package_ids": [pkg_id, "999"]}, "EMU.1103"),
    ):
        resp = call(emu, "POST", "release-packages/deploy", body)
        assert (resp.status_code, resp.json()["error_code"]) == (400, code), body
    assert emu.package(pkg_id)["deploy_requested"] is False  # all-or-nothing
    unknown = call(emu, "GET", "release-packages/424242")
    assert (unknown.status_code, unknown.json()["error_code"]) == (400, "EMU.1103")
    assert call(emu, "POST", "release-packages/unpack", {"package_ids": [pkg_id]}).status_code == 200
    assert emu.items()[0]["package_flag"] == 0


def test_drop_after_creates_then_closes(emu: Emulator) -> None:
    ids = item_ids(emu, 1)
    emu.script_faults("release-package-create", ["drop_after"])
    with pytest.raises(requests.exceptions.ConnectionError):
        create(emu, ids)
    (pkg,) = emu.packages()
    assert pkg["pending_item_ids"] == ids
    retry = create(emu, ids)  # a blind retry is refused: the items are already packaged
    assert retry.json()["error_code"] == "EMU.1102"
    log = [e for e in emu.request_log() if e["endpoint"] == "release-package-create"]
    assert [(e["status"], e.get("processed_status"), e["fault"]) for e in log] == [
        (None, 200, "drop_after"),
        (400, None, None),
    ]
    assert emu.counters()["by_endpoint_status"]["release-package-create"] == {"dropped": 1, "400": 1}


def test_other_faults_on_release_endpoints(emu: Emulator) -> None:
    emu.script_faults("release-packages-list", [503, "drop"])
    emu.script_faults("release-package-detail", [{"status": 429, "headers": {"Retry-After": "1"}}])
    assert call(emu, "POST", "release-packages", {}).status_code == 503
    with pytest.raises(requests.exceptions.ConnectionError):
        call(emu, "POST", "release-packages", {})
    assert call(emu, "GET", "release-packages/1").headers["Retry-After"] == "1"
    assert call(emu, "POST", "release-packages", {}).status_code == 200


def test_control_surface_over_http(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(
        seed_items=4, rate_limit_per_user=None, auto_approve=False, release_duration_s=0
    )
    base = f"{emu.url}/_emulator"
    settings = requests.post(f"{base}/release-settings", json={"fail_items": ["nothing"]}, timeout=5).json()
    assert settings == {
        "auto_approve": False,
        "approve_delay_s": 0.0,
        "release_duration_s": 0.0,
        "fail_items": ["nothing"],
    }
    assert requests.post(f"{base}/release-settings", json={"bogus": 1}, timeout=5).status_code == 400
    pkg_id = create(emu, item_ids(emu, 2)).json()["release_package_id"]
    call(emu, "POST", "release-packages/deploy", {"package_ids": [pkg_id]})
    (listed,) = requests.get(f"{base}/packages", timeout=5).json()["data"]
    assert (listed["package_id"], listed["approved"], listed["deploy_status"]) == (pkg_id, False, 1)
    outcome = requests.post(f"{base}/packages/{pkg_id}/outcome", json={"outcome": "success"}, timeout=5)
    assert outcome.json()["outcome"] == "success"
    approved = requests.post(f"{base}/packages/{pkg_id}/approve", timeout=5).json()
    assert approved["deploy_status"] == 2  # zero release duration
    assert len(requests.get(f"{base}/items", timeout=5).json()["data"]) == 2
    assert requests.get(f"{base}/packages/nope", timeout=5).status_code == 400
    counters = requests.get(f"{base}/counters", timeout=5).json()
    assert (counters["packages_created"], counters["packages_released"]) == (1, 1)
    requests.post(f"{base}/reset", timeout=5)
    assert requests.get(f"{base}/packages", timeout=5).json()["data"] == []
    assert requests.get(f"{base}/release-settings", timeout=5).json()["auto_approve"] is False


def test_official_sdk_reads_the_packages(emu: Emulator, clock: Clock) -> None:
    client = sdk_client(emu)
    ids = item_ids(emu, 3)
    created = client.create_factory_pending_items_package(
        CreateFactoryPendingItemsPackageRequest(
            workspace=DEFAULT_WORKSPACE_ID,
            x_project_id=DEFAULT_PROJECT_ID,
            body=CreateFactoryPendingItemsPackageBody(
                apply_user_id="u1", package_name="sdk pkg", pending_item_list=ids, approver_ids=[APPROVER]
            ),
        )
    )
    pkg_id = created.release_package_id
    assert created.package_name == "sdk pkg"
    deployed = client.deploy_factory_packages(
        DeployFactoryPackagesRequest(
            workspace=DEFAULT_WORKSPACE_ID, body=DeployFactoryPackagesRequestBody(package_ids=[pkg_id])
        )
    )
    assert deployed.deploy_package_details[0].package_id == int(pkg_id)
    assert deployed.deploy_package_details[0].asy_subtask_num == 3
    listed = client.list_factory_release_packages(
        ListFactoryReleasePackagesRequest(
            workspace=DEFAULT_WORKSPACE_ID,
            body=ListReleasePackagesRequestBody(deploy_status_filter=[5], limit=10, offset=0),
        )
    )
    assert listed.total == 1
    (pkg,) = listed.data
    assert (pkg.package_id, pkg.package_name, pkg.deploy_status) == (pkg_id, "sdk pkg", 5)
    assert pkg.package_approvers[0].user_id == APPROVER
    assert pkg.workspace_id == DEFAULT_WORKSPACE_ID
    assert listed.x_request_id
    clock.now += 5
    shown = client.show_factory_package_detail(
        ShowFactoryPackageDetailRequest(package_id=pkg_id, workspace=DEFAULT_WORKSPACE_ID)
    )
    assert shown.release_package.deploy_status == 2
    assert [t.pending_item_id for t in shown.task_details] == ids
    assert all(t.deploy_status == 2 and t.item_name for t in shown.task_details)
    assert {t.task_type for t in shown.task_details} <= {1, 2}
    with pytest.raises(sdk_exc.ClientRequestException) as err:
        client.show_factory_package_detail(
            ShowFactoryPackageDetailRequest(package_id="999", workspace=DEFAULT_WORKSPACE_ID)
        )
    assert (err.value.status_code, err.value.error_code) == (400, "EMU.1103")
    other = create(emu, item_ids(emu, 1)).json()["release_package_id"]
    client.cancel_factory_packages(
        CancelFactoryPackagesRequest(
            workspace=DEFAULT_WORKSPACE_ID, body=CancelFactoryPackagesRequestBody(package_ids=[other])
        )
    )
    assert emu.package(other)["delete_flag"] == 1
