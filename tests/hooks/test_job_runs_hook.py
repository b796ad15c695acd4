# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run hook methods against the emulator's V1 job API (real loopback HTTP, signed requests), and
the official huaweicloudsdkdlf client against the same emulator (an independent oracle of the API)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from helpers.hooks import make_hook, set_connection

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsInvalidRequestError,
    DataArtsTransportError,
    DataArtsUnknownOutcomeError,
)
from airflow_dataarts_provider.core.protocol.http import HttpRequest
from airflow_dataarts_provider.emulator import ENDPOINT_JOB_RUN, Emulator
from airflow_dataarts_provider.transport import aio, sync

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

CHINESE_JOB = "数据清洗作业"


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    set_connection(monkeypatch, emulator, offset_mode="auto")
    return emulator


def _wait_status(hook: Any, job: str, instance_id: str, wanted: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        shaped: dict[str, Any] = hook.get_job_instance(job, instance_id)
        if shaped["status"] == wanted or time.monotonic() > deadline:
            return shaped
        time.sleep(0.05)


def _sdk(client_class: Any, info: dict[str, Any]) -> Any:
    """An official SDK client (DLF or DataArtsStudio) signed with the emulator's AK/SK."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    credentials = BasicCredentials(info["ak"], info["sk"], info["project_id"])
    return (
        client_class.new_builder()
        .with_credentials(credentials)
        .with_endpoints([info["url"]])
        .with_http_config(config)
        .build()
    )


@pytest.mark.parametrize("job", ["daily_sales_job", CHINESE_JOB])
def test_run_job_returns_the_instance_id_and_the_detail_shows_its_nodes(emu: Emulator, job: str) -> None:
    emu.set_job(job, wait_s=0.1, run_s=0.2, nodes=["extract", "load"])
    hook = make_hook()
    instance_id = hook.run_job(job, job_params={"bizdate": "20261201"})
    assert emu.counters()["job_instances_started"] == {job: 1}
    (remote,) = emu.job_instances(job)
    assert str(remote["instanceId"]) == instance_id
    assert remote["params"] == [{"name": "bizdate", "value": "20261201", "paramType": "variable"}]
    first = hook.get_job_instance(job, instance_id)
    assert first["status"] in ("waiting", "running") and first["job_name"] == job
    done = _wait_status(hook, job, instance_id, "success")
    assert done["status"] == "success"
    assert [n["name"] for n in done["nodes"]] == ["extract", "load"]
    assert all(n["status"] == "success" and n["log_path"].startswith("obs://") for n in done["nodes"])


def test_a_failed_run_names_the_failing_node_and_its_log(emu: Emulator) -> None:
    emu.set_job(
        "daily_sales_job",
        run_s=0.05,
        outcome="fail",
        nodes=["extract", "transform", "load"],
        failing_node="transform",
    )
    hook = make_hook()
    instance_id = hook.run_job("daily_sales_job")
    shaped = _wait_status(hook, "daily_sales_job", instance_id, "fail")
    assert [(n["name"], n["status"]) for n in shaped["nodes"]] == [
        ("extract", "success"),
        ("transform", "fail"),
        ("load", "skip"),
    ]


def test_stop_and_rerun(emu: Emulator) -> None:
    emu.set_job("daily_sales_job", wait_s=0, run_s=30)
    hook = make_hook()
    instance_id = hook.run_job("daily_sales_job")
    hook.stop_job_instance("daily_sales_job", instance_id)
    assert hook.get_job_instance("daily_sales_job", instance_id)["status"] == "manual-stop"
    with pytest.raises(DataArtsInvalidRequestError, match=r"EMU\.1201"):
        hook.stop_job_instance("daily_sales_job", instance_id)  # already ended
    emu.set_job("daily_sales_job", run_s=0.05)
    hook.rerun_job_instance("daily_sales_job", instance_id)
    assert _wait_status(hook, "daily_sales_job", instance_id, "success")["status"] == "success"
    counters = emu.counters()
    assert (
        counters["job_instances_started"],
        counters["job_instances_stopped"],
        counters["job_instances_rerun"],
    ) == (
        {"daily_sales_job": 1},
        {"daily_sales_job": 1},
        {"daily_sales_job": 1},
    )


def test_listing_pages_completely_newest_first(emu: Emulator) -> None:
    emu.set_job("daily_sales_job", run_s=60)  # all still running: every one is active
    hook = make_hook()
    started = [hook.run_job("daily_sales_job") for _ in range(130)]
    hook.run_job(CHINESE_JOB)  # another job: never listed with this one
    listed = hook.list_job_instances("daily_sales_job")
    assert [i["instance_id"] for i in listed] == list(reversed(started))
    active = hook.active_job_instances("daily_sales_job", since=datetime.now(timezone.utc))
    assert [i["instance_id"] for i in active] == list(reversed(started))


def test_unknown_job_and_bad_values(emu: Emulator) -> None:
    hook = make_hook()
    with pytest.raises(DataArtsInvalidRequestError) as info:
        hook.run_job("no_such_job")
    assert info.value.error_code == "DLF.0100" and info.value.request_id
    before = emu.counters()["requests_total"]
    for bad in ({"job_params": "x=1"}, {"job_params": [{"name": "", "value": "1"}]}):
        with pytest.raises(DataArtsConfigError, match="job_params"):
            hook.run_job("daily_sales_job", **bad)
    with pytest.raises(DataArtsConfigError, match="job_name"):
        hook.run_job(" padded ")
    with pytest.raises(DataArtsConfigError, match="status"):
        hook.list_job_instances("daily_sales_job", status="finished")
    assert emu.counters()["requests_total"] == before  # refused before any request


def test_a_start_whose_answer_is_lost_is_adopted_not_repeated(emu: Emulator) -> None:
    emu.set_job("daily_sales_job", run_s=30)
    emu.script_faults(ENDPOINT_JOB_RUN, ["drop_after"])  # started, then the connection drops
    hook = make_hook()
    instance_id = hook.run_job("daily_sales_job")
    (remote,) = emu.job_instances("daily_sales_job")
    assert str(remote["instanceId"]) == instance_id
    assert emu.counters()["job_instances_started"] == {"daily_sales_job": 1}


def test_a_start_whose_connection_dropped_is_not_resent_and_a_later_try_starts_it(emu: Emulator) -> None:
    """A dropped connection after the request was sent: the client cannot know whether the service acts
    on it later, so it does not send it again (nothing is listed yet); the next try (a task retry) looks
    again, finds nothing and starts the job once."""
    emu.script_faults(ENDPOINT_JOB_RUN, ["drop"])  # dropped before processing
    hook = make_hook()
    with pytest.raises(DataArtsUnknownOutcomeError, match="not sent again"):
        hook.run_job("daily_sales_job")
    assert emu.job_instances("daily_sales_job") == []
    instance_id = hook.run_job("daily_sales_job")
    assert [str(r["instanceId"]) for r in emu.job_instances("daily_sales_job")] == [instance_id]


def test_a_request_that_could_not_connect_is_unprocessed_in_both_drivers() -> None:
    """Refused while connecting: provably never sent, so even a start (a POST) may be sent again, like a
    429. A closed loopback port, through the real sync and async drivers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    request = HttpRequest("POST", f"http://127.0.0.1:{port}/v1/p/jobs/j/run-immediate", {})
    with pytest.raises(DataArtsTransportError) as sync_error:
        sync.SyncTransport(timeout=(1, 1)).send(request)

    async def send_async() -> None:
        transport = await aio.AsyncTransport.open(timeout=(1, 1))
        try:
            await transport.send(request)
        finally:
            await transport.aclose()

    with pytest.raises(DataArtsTransportError) as async_error:
        asyncio.run(send_async())
    for error in (sync_error.value, async_error.value):
        assert error.connect and error.unprocessed and error.retryable


def test_the_official_dlf_sdk_runs_reads_and_stops_an_instance(emu: Emulator) -> None:
    from huaweicloudsdkdlf.v1 import (
        DlfClient,
        JobParam,
        RunOnceRequest,
        ShowJobInstanceRequest,
        StartJobReq,
        StopJobInstanceRequest,
    )

    info = emu.info()
    client = _sdk(DlfClient, info)
    emu.set_job(CHINESE_JOB, run_s=30)
    body = StartJobReq(job_params=[JobParam(name="bizdate", value="20261201", param_type="variable")])
    started = client.run_once(RunOnceRequest(workspace=info["workspace"], job_name=CHINESE_JOB, body=body))
    instance_id = str(started.instance_id)
    assert [str(r["instanceId"]) for r in emu.job_instances(CHINESE_JOB)] == [instance_id]
    detail = client.show_job_instance(
        ShowJobInstanceRequest(workspace=info["workspace"], job_name=CHINESE_JOB, instance_id=instance_id)
    )
    assert detail.status in ("waiting", "running") and len(detail.nodes) == 2
    ours = make_hook().get_job_instance(CHINESE_JOB, instance_id)
    assert ours["status"] == detail.status
    assert [n["name"] for n in ours["nodes"]] == [n.node_name for n in detail.nodes]
    assert [n["log_path"] for n in ours["nodes"]] == [n.log_path for n in detail.nodes]
    client.stop_job_instance(
        StopJobInstanceRequest(workspace=info["workspace"], job_name=CHINESE_JOB, instance_id=instance_id)
    )
    assert make_hook().get_job_instance(CHINESE_JOB, instance_id)["status"] == "manual-stop"


def test_the_official_dataartsstudio_sdk_lists_instances_by_name_on_the_v2_api(emu: Emulator) -> None:
    from huaweicloudsdkdataartsstudio.v1 import DataArtsStudioClient, ListFactoryJobInstancesByNameRequest

    hook = make_hook()
    started = [hook.run_job(CHINESE_JOB) for _ in range(3)]
    info = emu.info()
    response = _sdk(DataArtsStudioClient, info).list_factory_job_instances_by_name(
        ListFactoryJobInstancesByNameRequest(
            workspace=info["workspace"], job_name=CHINESE_JOB, limit=10, offset=0
        )
    )
    assert response.total == 3
    assert [str(i.instance_id) for i in response.instances] == list(reversed(started))
    assert {i.job_name for i in response.instances} == {CHINESE_JOB}


def test_jobs_are_scripted_over_the_http_control_surface(emu: Emulator) -> None:
    import json
    import urllib.parse
    import urllib.request

    def control(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{emu.url}/_emulator/{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())

    created = control("POST", "jobs", {"name": "夜间作业", "run_s": 0.05, "outcome": "fail"})
    assert created["name"] == "夜间作业" and created["outcome"] == "fail"
    settings = control("POST", "jobs/" + urllib.parse.quote("夜间作业"), {"outcome": "success"})
    assert settings["outcome"] == "success"
    instance_id = make_hook().run_job("夜间作业")
    listed = control("GET", "jobs/" + urllib.parse.quote("夜间作业") + "/instances")["data"]
    assert [str(i["instanceId"]) for i in listed] == [instance_id]


def test_without_an_id_the_condition_watches_the_newest_instance_planned_in_the_window(emu: Emulator) -> None:
    from datetime import datetime, timezone

    from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition

    emu.set_job("daily_sales_job", run_s=30)
    hook = make_hook()
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    empty = hook.check_condition(
        JobInstanceCondition("daily_sales_job", None, now_ms - 60_000, now_ms + 60_000)
    )
    assert empty.state == "waiting" and "no instance" in empty.message
    older, newer = hook.run_job("daily_sales_job"), hook.run_job("daily_sales_job")
    result = hook.check_condition(
        JobInstanceCondition("daily_sales_job", None, now_ms - 60_000, now_ms + 60_000)
    )
    assert result.state == "waiting" and newer in result.message and older not in result.message
    outside = hook.check_condition(
        JobInstanceCondition("daily_sales_job", None, now_ms - 600_000, now_ms - 300_000)
    )
    assert outside.state == "waiting" and "no instance" in outside.message


def _failed_run(emu: Emulator, hook: Any, **settings: Any) -> str:
    """A finished, failed instance of a three-node job whose 'transform' failed."""
    emu.set_job(
        "daily_sales_job",
        run_s=0.05,
        outcome="fail",
        nodes=["extract", "transform", "load"],
        failing_node="transform",
        **settings,
    )
    instance_id = hook.run_job("daily_sales_job")
    assert _wait_status(hook, "daily_sales_job", instance_id, "fail")["status"] == "fail"
    emu.set_job("daily_sales_job", outcome="success")
    return str(instance_id)


def _node_runs(emu: Emulator) -> dict[str, int]:
    return dict(emu.counters()["job_node_runs"]["daily_sales_job"])


def test_a_rerun_from_the_error_node_runs_only_the_failed_node_and_later(emu: Emulator) -> None:
    hook = make_hook()
    instance_id = _failed_run(emu, hook)
    rerun = hook.rerun_job_instance("daily_sales_job", instance_id, retry_location="error_node")
    assert (rerun.instance_id, rerun.same_id, rerun.note) == (instance_id, True, None)
    done = _wait_status(hook, "daily_sales_job", instance_id, "success")
    assert [n["status"] for n in done["nodes"]] == ["success"] * 3
    assert _node_runs(emu) == {"extract": 1, "transform": 2, "load": 2}
    assert emu.counters()["job_instances_rerun"] == {"daily_sales_job": 1}
    (request,) = [r for r in emu.request_log() if r["endpoint"] == "job-instance-restart"]
    assert json.loads(request["body"]) == {"retry_location": "error_node"}


@pytest.mark.parametrize("time_filter", ["plan", "start"])
def test_a_rerun_that_makes_a_new_row_is_followed_there(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, time_filter: str
) -> None:
    """Whichever time the listing's plan-time bounds filter (UNCERTAIN): under the start-time reading
    the new row's start, not its plan time, is in range (found by the job-event property test: the
    rerun was looked for with min = max = the plan time, and never found)."""
    emu = dataarts_emulator_factory(rate_limit_per_user=None, instance_time_filter=time_filter)
    set_connection(monkeypatch, emu, offset_mode="auto")
    hook = make_hook()
    instance_id = _failed_run(emu, hook, rerun_mode="new_row")
    before = hook.get_job_instance("daily_sales_job", instance_id)
    rerun = hook.rerun_job_instance("daily_sales_job", instance_id, retry_location="error_node")
    assert rerun.same_id is False and rerun.instance_id != instance_id
    again = _wait_status(hook, "daily_sales_job", rerun.instance_id, "success")
    assert again["plan_time"] == before["plan_time"]
    assert hook.get_job_instance("daily_sales_job", instance_id)["status"] == "fail"  # the old row stays
    assert _node_runs(emu) == {"extract": 1, "transform": 2, "load": 2}


@pytest.mark.parametrize(
    ("mode", "note"),
    [
        ("refuse_body", "the service refused the rerun body {'retry_location': 'error_node'} (DLF.3051)"),
        ("ignore_body", "the service ignored retry_location 'error_node': extract ran again"),
    ],
)
def test_a_refused_or_ignored_body_is_said_and_the_job_reruns_once(
    emu: Emulator, mode: str, note: str
) -> None:
    hook = make_hook()
    instance_id = _failed_run(emu, hook, rerun_mode=mode, wait_s=0.3)  # the rerun waits: seen live
    rerun = hook.rerun_job_instance("daily_sales_job", instance_id, retry_location="error_node")
    assert rerun.instance_id == instance_id and rerun.note is not None and rerun.note.startswith(note)
    _wait_status(hook, "daily_sales_job", instance_id, "success")
    assert _node_runs(emu) == {"extract": 2, "transform": 2, "load": 2}
    assert emu.counters()["job_instances_rerun"] == {"daily_sales_job": 1}


def test_rerun_arguments_are_checked_before_any_request(emu: Emulator) -> None:
    hook = make_hook()
    before = emu.counters()["requests_total"]
    for kwargs, field in (
        ({"retry_location": "last_node"}, "retry_location"),
        ({"retry_location": "specified_node"}, "node_name"),
        ({"retry_location": "error_node", "node_name": "load"}, "node_name"),
        ({"node_name": "load"}, "retry_location"),
        ({"retry_location": "first_node", "job_param_version": "newest"}, "job_param_version"),
    ):
        with pytest.raises(DataArtsConfigError) as error:
            hook.rerun_job_instance("daily_sales_job", "1", **kwargs)
        assert error.value.field == field
    assert emu.counters()["requests_total"] == before


def test_the_official_dlf_sdk_reruns_an_instance_without_a_body(emu: Emulator) -> None:
    from huaweicloudsdkdlf.v1 import DlfClient, RestoreJobInstanceRequest

    hook = make_hook()
    instance_id = _failed_run(emu, hook)
    info = emu.info()
    _sdk(DlfClient, info).restore_job_instance(
        RestoreJobInstanceRequest(
            workspace=info["workspace"], job_name="daily_sales_job", instance_id=instance_id
        )
    )
    _wait_status(hook, "daily_sales_job", instance_id, "success")
    assert _node_runs(emu) == {"extract": 2, "transform": 2, "load": 2}  # no body: from the first node
