# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The script hook methods against the emulator's script API (real loopback HTTP, signed requests), and
the official huaweicloudsdkdlf client against the same emulator (an independent oracle of the API)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers.hooks import make_hook, set_connection

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsInvalidRequestError,
    DataArtsUnknownOutcomeError,
)
from airflow_dataarts_provider.emulator import ENDPOINT_SCRIPT_EXECUTE, Emulator

# The scripts workflow runs in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

CHINESE_SCRIPT = "订单质量检查"


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    set_connection(monkeypatch, emulator, offset_mode="auto")
    return emulator


def _finished(hook: Any, name: str, instance_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        result: dict[str, Any] = hook.get_script_result(name, instance_id)
        if result["status"] not in ("LAUNCHING", "RUNNING") or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_a_script_runs_once_with_its_parameters_and_its_rows_come_back(emu: Emulator) -> None:
    hook = make_hook()
    emu.set_script(CHINESE_SCRIPT, rows=3)
    instance_id = hook.run_script(CHINESE_SCRIPT, script_params={"bizdate": 20261201})
    assert emu.script_instances(CHINESE_SCRIPT) == [
        {"instance_id": instance_id, "status": "RUNNING", "params": {"bizdate": "20261201"}}
    ]
    result = _finished(hook, CHINESE_SCRIPT, instance_id)
    assert result["status"] == "FINISHED" and result["message"] is None
    (rows,) = result["results"]
    assert rows["columns"] == ["ok", "day"] and rows["types"] == ["int", "string"]
    assert rows["rows"] == [[1, "20261201"], [0, 1], [1, 2], [2, 3]]
    assert rows["row_count"] == 4


@pytest.mark.parametrize(("spelling", "as_text"), [("result", False), ("results", True), ("result", True)])
def test_every_spelling_of_the_result_reads_the_same(emu: Emulator, spelling: str, as_text: bool) -> None:
    hook = make_hook()
    emu.set_script("dws_sales_check", spelling=spelling, rows_as_text=as_text, result_rows=[["a", "b"]])
    instance_id = hook.run_script("dws_sales_check")
    (rows,) = _finished(hook, "dws_sales_check", instance_id)["results"]
    assert rows["columns"] == ["ok", "day"] and rows["rows"] == [["a", "b"]]


def test_a_failed_script_says_why_and_a_stopped_one_ends(emu: Emulator) -> None:
    hook = make_hook()
    emu.set_script("cleanup_tmp", outcome="FAILED", message="exit code 2")
    failed = _finished(hook, "cleanup_tmp", hook.run_script("cleanup_tmp"))
    assert (failed["status"], failed["message"], failed["results"]) == ("FAILED", "exit code 2", [])
    emu.set_script("cleanup_tmp", outcome="FINISHED", run_s=30)
    running = hook.run_script("cleanup_tmp")
    hook.stop_script_instance("cleanup_tmp", running)
    assert hook.get_script_result("cleanup_tmp", running)["status"] == "FAILED"
    assert emu.counters()["script_instances_stopped"] == {"cleanup_tmp": 1}


def test_bad_input_is_refused_before_any_request(emu: Emulator) -> None:
    hook = make_hook()
    before = emu.counters()["requests_total"]
    for call, field in (
        (lambda: hook.run_script("x", script_params={"a": None}), "script_params"),
        (lambda: hook.run_script("x", script_params=["a"]), "script_params"),
        (lambda: hook.run_script(" x"), "script_name"),
        (lambda: hook.get_script_result("x", "a/b"), "instance_id"),
        (lambda: hook.get_script_result("x", "id\n"), "instance_id"),
    ):
        with pytest.raises(DataArtsConfigError) as error:
            call()
        assert error.value.field == field
    assert emu.counters()["requests_total"] == before


def test_unknown_script_and_instance_are_the_documented_errors(emu: Emulator) -> None:
    hook = make_hook()
    with pytest.raises(DataArtsInvalidRequestError, match=r"DLF\.6201"):
        hook.run_script("no_such_script")
    with pytest.raises(DataArtsInvalidRequestError, match=r"DLF\.6205"):
        hook.get_script_result("dws_sales_check", "0000-none")
    assert emu.counters()["script_instances_started"] == {}


@pytest.mark.parametrize("fault", ["status_after:500", "drop_after", "sleep:2"])
def test_a_lost_answer_to_execute_is_never_resent(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    set_connection(monkeypatch, emu, offset_mode="auto", timeout=[2, 1])  # a 1 s read timeout
    hook = make_hook()
    emu.script_faults(ENDPOINT_SCRIPT_EXECUTE, [fault])
    with pytest.raises(DataArtsUnknownOutcomeError, match="not sent again; check the script's run history"):
        hook.run_script("dws_sales_check")
    time.sleep(2.2 if fault == "sleep:2" else 0.2)  # the slow answer is processed after the client left
    assert emu.counters()["script_instances_started"] == {"dws_sales_check": 1}


def test_idempotent_allows_one_resend(emu: Emulator) -> None:
    hook = make_hook()
    emu.script_faults(ENDPOINT_SCRIPT_EXECUTE, ["status_after:500"])
    instance_id = hook.run_script("dws_sales_check", idempotent=True)
    assert emu.counters()["script_instances_started"] == {"dws_sales_check": 2}
    assert instance_id == emu.script_instances("dws_sales_check")[-1]["instance_id"]
    emu.script_faults(ENDPOINT_SCRIPT_EXECUTE, ["status_after:500"] * 2)
    with pytest.raises(DataArtsUnknownOutcomeError, match="after 1 resend"):
        hook.run_script("dws_sales_check", idempotent=True)


def test_definition_and_complete_listing(emu: Emulator) -> None:
    hook = make_hook()
    for n in range(130):
        emu.add_script(f"generated_{n:03d}", type="HiveSQL")
    shown = hook.get_script(CHINESE_SCRIPT)
    assert (shown["type"], shown["connection_name"], shown["database"]) == ("HiveSQL", "dws_conn", "dw")
    listed = hook.list_scripts()
    assert len(listed) == 134 and len({s["name"] for s in listed}) == 134
    assert {s["name"] for s in hook.list_scripts(name_contains="generated_12")} == {
        f"generated_12{n}" for n in range(10)
    }
    assert next(s for s in listed if s["name"] == CHINESE_SCRIPT)["connection_name"] == "dws_conn"


def test_the_official_dlf_sdk_executes_reads_and_stops_a_script(emu: Emulator) -> None:
    """The SDK as an oracle of the requests (its signer, paths and bodies); its result model reads
    ``result`` (the docs say ``results``) with ``rows`` typed as text, so it sees the rows only when the
    service spells it that way, and as a Python repr: the reason this client parses the raw JSON."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkdlf.v1 import (
        CancelScriptRequest,
        DlfClient,
        ExecuteScriptReq,
        ExecuteScriptRequest,
        ListScriptResultsRequest,
    )

    info = emu.info()
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    client = (
        DlfClient.new_builder()
        .with_credentials(BasicCredentials(info["ak"], info["sk"], info["project_id"]))
        .with_endpoints([info["url"]])
        .with_http_config(config)
        .build()
    )
    ws = info["workspace"]
    started = client.execute_script(
        ExecuteScriptRequest(
            workspace=ws, script_name=CHINESE_SCRIPT, body=ExecuteScriptReq(params={"bizdate": "20261202"})
        )
    )
    hook = make_hook()
    ours = _finished(hook, CHINESE_SCRIPT, started.instance_id)
    assert ours["results"][0]["rows"] == [[1, "20261202"]]
    read = client.list_script_results(
        ListScriptResultsRequest(workspace=ws, script_name=CHINESE_SCRIPT, instance_id=started.instance_id)
    )
    assert read.status == "FINISHED" and read.result is None  # the SDK drops the documented 'results'
    emu.set_script(CHINESE_SCRIPT, spelling="result")
    again = hook.run_script(CHINESE_SCRIPT, script_params={"bizdate": "20261203"})
    _finished(hook, CHINESE_SCRIPT, again)
    read = client.list_script_results(
        ListScriptResultsRequest(workspace=ws, script_name=CHINESE_SCRIPT, instance_id=again)
    )
    assert read.result[0].rows == str([[1, "20261203"]])  # a repr of the list, not rows
    emu.set_script(CHINESE_SCRIPT, run_s=30)
    running = hook.run_script(CHINESE_SCRIPT)
    client.cancel_script(CancelScriptRequest(workspace=ws, script_name=CHINESE_SCRIPT, instance_id=running))
    assert emu.counters()["script_instances_stopped"] == {CHINESE_SCRIPT: 1}
    assert hook.get_script_result(CHINESE_SCRIPT, running)["status"] == "FAILED"
