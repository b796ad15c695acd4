# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Fault injection, mutations between pages, the HTTP control surface and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers.sdk import signed_get

from airflow_dataarts_provider.emulator import DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_WORKSPACE_ID, Emulator

ENDPOINT = "pending-items"


def test_status_script_consumed_in_order(dataarts_emulator: Emulator) -> None:
    dataarts_emulator.script_faults(
        ENDPOINT,
        [503, {"status": 429, "headers": {"Retry-After": "2"}}, 429, 200, {"status": 500, "body": "oops"}],
    )
    first = signed_get(dataarts_emulator)
    assert first.status_code == 503
    assert first.json()["request_id"] == first.headers["X-Request-Id"]
    second = signed_get(dataarts_emulator)
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "2"
    assert second.json()["error_code"] == "APIGW.0308"
    third = signed_get(dataarts_emulator)
    assert third.status_code == 429
    assert "Retry-After" not in third.headers
    fourth = signed_get(dataarts_emulator)
    assert fourth.status_code == 200
    assert fourth.json()["total"] == 25
    fifth = signed_get(dataarts_emulator)
    assert (fifth.status_code, fifth.text) == (500, "oops")
    assert signed_get(dataarts_emulator).status_code == 200  # script exhausted
    counters = dataarts_emulator.counters()
    assert counters["by_endpoint_status"][ENDPOINT] == {"503": 1, "429": 2, "200": 2, "500": 1}
    assert counters["faults_injected"] == 5


def test_drop_closes_without_response(dataarts_emulator: Emulator) -> None:
    dataarts_emulator.script_faults(ENDPOINT, ["drop"])
    with pytest.raises(requests.exceptions.ConnectionError):
        signed_get(dataarts_emulator)
    assert signed_get(dataarts_emulator).status_code == 200
    assert dataarts_emulator.request_log()[0]["status"] is None
    assert dataarts_emulator.counters()["by_status"]["dropped"] == 1


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_broken_json(dataarts_emulator: Emulator, kind: str) -> None:
    dataarts_emulator.script_faults(ENDPOINT, [kind])
    resp = signed_get(dataarts_emulator)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        json.loads(resp.text)


def test_html_page(dataarts_emulator: Emulator) -> None:
    dataarts_emulator.script_faults(ENDPOINT, ["html"])
    resp = signed_get(dataarts_emulator)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/html"
    assert resp.text.startswith("<html>")


def test_sleep_exceeds_client_timeout(dataarts_emulator: Emulator) -> None:
    dataarts_emulator.script_faults(ENDPOINT, ["sleep:0.6"])
    with pytest.raises(requests.exceptions.ReadTimeout):
        signed_get(dataarts_emulator, timeout=0.2)
    started = time.monotonic()
    assert signed_get(dataarts_emulator).status_code == 200
    assert time.monotonic() - started < 0.5


def test_latency(dataarts_emulator: Emulator) -> None:
    dataarts_emulator.set_latency(0.25)
    started = time.monotonic()
    assert signed_get(dataarts_emulator).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_faults_on_iam_and_metadata(dataarts_emulator: Emulator) -> None:
    dataarts_emulator.script_faults("securitykey", [503])
    dataarts_emulator.script_faults("iam-tokens", ["html"])
    url = dataarts_emulator.url
    assert requests.get(f"{url}/openstack/latest/securitykey", timeout=5).status_code == 503
    assert requests.post(f"{url}/v3/auth/tokens", json={}, timeout=5).headers["Content-Type"] == "text/html"


def test_invalid_fault_entries_rejected(dataarts_emulator: Emulator) -> None:
    for bad in (["explode"], [99], ["sleep:-1"], [{"action": "nope"}]):
        with pytest.raises(ValueError):
            dataarts_emulator.script_faults(ENDPOINT, bad)
    with pytest.raises(ValueError):
        dataarts_emulator.script_faults("nowhere", [503])


@pytest.mark.parametrize("mode", ["page", "record"])
def test_insert_between_pages_shifts_rows(dataarts_emulator_factory: Any, mode: str) -> None:
    emu = dataarts_emulator_factory(seed_items=20, offset_mode=mode)
    before = [i["pending_item_id"] for i in emu.items()]
    emu.schedule_mutation(1, insert=3)
    page1 = signed_get(emu, [("limit", 5), ("offset", 0)]).json()
    second_offset = 1 if mode == "page" else 5
    page2 = signed_get(emu, [("limit", 5), ("offset", second_offset)]).json()
    assert page1["total"] == 20
    assert page2["total"] == 23
    ids2 = [i["pending_item_id"] for i in page2["data"]]
    # Three new items in front: page 2 now starts with the last 3 items of the old page 1.
    assert ids2[:3] == before[2:5]
    assert [i["pending_item_id"] for i in page1["data"]] == before[:5]
    inserted = emu.items()[:3]
    assert all(i["item_name"].startswith("inserted ") for i in inserted)


def test_remove_between_pages_skips_rows(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=20, offset_mode="record")
    before = [i["pending_item_id"] for i in emu.items()]
    emu.schedule_mutation(1, remove=2)
    signed_get(emu, [("limit", 5), ("offset", 0)])
    page2 = signed_get(emu, [("limit", 5), ("offset", 5)]).json()
    assert page2["total"] == 18
    assert [i["pending_item_id"] for i in page2["data"]] == before[7:12]


def test_item_operations_in_process(dataarts_emulator: Emulator) -> None:
    items = dataarts_emulator.items()
    first, second = items[0], items[1]
    assert dataarts_emulator.mark_packaged([first["pending_item_id"]], [second["item_name"]]) == 2
    listed = signed_get(dataarts_emulator, [("limit", 2)]).json()["data"]
    assert [i["package_flag"] for i in listed] == [1, 1]
    assert dataarts_emulator.release([first["pending_item_id"]]) == 1
    assert dataarts_emulator.remove_item(second["pending_item_id"]) is True
    assert dataarts_emulator.remove_item(second["pending_item_id"]) is False
    added = dataarts_emulator.add_item({"item_name": "新作业 a/b", "task_type": 2, "update_type": 3})
    assert set(added) >= {"pending_item_id", "task_id", "submit_timestamp"}
    body = signed_get(dataarts_emulator, [("limit", 1)]).json()
    assert body["total"] == 24
    assert body["data"][0]["item_name"] == "新作业 a/b"
    dataarts_emulator.reset()
    assert [i["pending_item_id"] for i in dataarts_emulator.items()] == [i["pending_item_id"] for i in items]
    assert dataarts_emulator.counters()["requests_total"] == 0


def test_seed_is_deterministic_and_varied(dataarts_emulator: Emulator) -> None:
    a = dataarts_emulator.seed(120, seed=7)
    b = dataarts_emulator.seed(120, seed=7)
    assert a == b
    assert dataarts_emulator.seed(120, seed=8) != a
    names = " ".join(i["item_name"] for i in a)
    for ch in "/&=+#?% ":
        assert ch in names
    assert any("\u4e00" <= c <= "\u9fff" for c in names)
    assert {i["task_type"] for i in a} == {1, 2}
    assert {i["update_type"] for i in a} == {1, 2, 3}
    assert len({i["submit_user_name"] for i in a}) >= 3
    assert len({i["item_name"] for i in a}) == 120
    assert len({i["submit_timestamp"] for i in a}) > 100


def test_control_surface_over_http(dataarts_emulator: Emulator) -> None:
    base = f"{dataarts_emulator.url}/_emulator"

    def call(method: str, path: str, body: Any = None) -> requests.Response:
        resp = requests.request(method, f"{base}/{path}", json=body, timeout=5)
        assert len(resp.headers["X-Request-Id"]) == 32
        return resp

    info = call("GET", "info").json()
    assert (info["project_id"], info["workspace"], info["ak"]) == (
        DEFAULT_PROJECT_ID,
        DEFAULT_WORKSPACE_ID,
        DEFAULT_AK,
    )
    assert call("POST", "seed", {"count": 40, "seed": 1}).json() == {"seeded": 40}
    items = call("GET", "items").json()["data"]
    assert len(items) == 40
    assert call("POST", "mark-packaged", {"item_names": [items[0]["item_name"]]}).json() == {"matched": 1}
    assert call("POST", "release", {"pending_item_ids": [items[1]["pending_item_id"]]}).json() == {
        "released": 1
    }
    added = call("POST", "items", {"item_name": "x & y", "position": "back"})
    assert added.status_code == 201
    assert call("DELETE", f"items/{added.json()['pending_item_id']}").json() == {"removed": 1}
    assert call("POST", "items", {"nope": 1}).status_code == 400
    assert call("POST", "faults", {"endpoint": ENDPOINT, "entries": [502, "sleep:0.01"]}).json() == {
        "scripts": {ENDPOINT: ["status:502", "sleep:0.01"]}
    }
    assert signed_get(dataarts_emulator).status_code == 502
    call("DELETE", "faults")
    assert call("POST", "faults", {"mutation": {"after_requests": 1, "insert": 2}}).status_code == 200
    assert signed_get(dataarts_emulator).json()["total"] == 39
    assert signed_get(dataarts_emulator).json()["total"] == 41
    assert call("POST", "rate-limit", {"per_user": 1}).json() == {"per_user": 1.0, "dlf_per_user": 30.0}
    limits = call("POST", "rate-limit", {"per_user": 3, "family": "dlf"}).json()
    assert limits == {"per_user": 1.0, "dlf_per_user": 3.0}
    statuses = [signed_get(dataarts_emulator).status_code for _ in range(2)]
    assert statuses == [200, 429]
    call("POST", "rate-limit", {"per_user": None})
    cred = call("POST", "temporary-credentials", {"lifetime_s": 60}).json()["credential"]
    assert len(cred["access"]) == 20
    assert call("POST", "expire-tokens").json()["expired"] >= 1
    counters = call("GET", "counters").json()
    assert counters["by_endpoint"][ENDPOINT] == 5
    assert counters["by_user"]["emulator-user"] == 4  # the scripted 502 came before authentication
    assert counters["by_status"] == {"502": 1, "200": 3, "429": 1}
    log = call("GET", "requests").json()["requests"]
    assert any(e["path"] == "/_emulator/seed" for e in log)
    assert all(e["headers"].get("Authorization", "***") == "***" for e in log)
    call("POST", "reset")
    assert len(call("GET", "items").json()["data"]) == 25
    assert call("GET", "counters").json()["requests_total"] == 0
    assert call("GET", "nothing").status_code == 404


def _start_cli(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    ready = tmp_path / "ready.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "airflow_dataarts_provider.emulator", "--ready-file", str(ready), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 10
    while not ready.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "emulator did not become ready"
        time.sleep(0.05)
    return proc, json.loads(ready.read_text(encoding="utf-8"))


def test_cli_ready_file_and_sigterm(tmp_path: Path) -> None:
    proc, info = _start_cli(
        tmp_path, "--items", "12", "--seed", "5", "--offset-mode", "record", "--rate-limit", "0"
    )
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline()) == info
        assert info["url"].startswith("http://127.0.0.1:")
        assert {"project_id", "workspace", "region", "ak", "sk", "iam"} <= set(info)
        assert info["iam"]["password"]
        emu_items = requests.get(f"{info['url']}/_emulator/items", timeout=5).json()["data"]
        assert len(emu_items) == 12
        assert requests.get(f"{info['url']}/_emulator/info", timeout=5).json()["offset_mode"] == "record"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert rc == 0
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{info['url']}/_emulator/health", timeout=2)


def test_added_items_never_reuse_seeded_ids(dataarts_emulator: Emulator) -> None:
    before = {i["pending_item_id"] for i in dataarts_emulator.items()}
    added = [dataarts_emulator.add_item({"item_name": f"added {n}"})["pending_item_id"] for n in range(5)]
    assert len(set(added)) == 5
    assert not before & set(added)
    assert len({i["pending_item_id"] for i in dataarts_emulator.items()}) == len(before) + 5
