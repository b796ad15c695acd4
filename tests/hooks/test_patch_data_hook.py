# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The PatchData hook methods against the emulator's V2 ``supplement-data`` API (real loopback HTTP,
signed requests), and the official huaweicloudsdkdataartsstudio client against the same routes (an
independent oracle of the API)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from helpers.hooks import make_hook, set_connection
from helpers.sdk import sdk_client

from airflow_dataarts_provider.core.patch_data.conditions import PatchDataCondition
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsInvalidRequestError
from airflow_dataarts_provider.emulator import ENDPOINT_PATCH_CREATE, Emulator

pytestmark = pytest.mark.workflows

JOB = "daily_sales_job"
DAY = datetime(2026, 11, 30, tzinfo=timezone.utc)


@pytest.fixture
def emu(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    set_connection(monkeypatch, emulator, offset_mode="auto")
    emulator.set_job(JOB, wait_s=0.0, run_s=0.1, period_s=3600)
    return emulator


def _until(hook: Any, condition: PatchDataCondition, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = hook.check_condition(condition)
        if result.state != "waiting" or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_a_run_over_three_hours_makes_three_patch_data_instances_and_succeeds(emu: Emulator) -> None:
    hook = make_hook()
    run = hook.create_patch_data_run(
        JOB, DAY, DAY + timedelta(hours=3) - timedelta(seconds=1), name="af_three_hours", parallel=2
    )
    assert run["name"] == "af_three_hours" and run["status"] == "RUNNING"
    assert run["start_date"] == int(DAY.timestamp() * 1000)
    result = _until(hook, PatchDataCondition(JOB, "af_three_hours"))
    assert result.state == "done", result.message
    instances = result.value["instances"]
    assert [i["plan_time"] for i in instances] == [
        int((DAY + timedelta(hours=h)).timestamp() * 1000) for h in range(3)
    ]
    assert {i["status"] for i in instances} == {"success"}
    assert all(r["instance_type"] == 5 for r in hook.list_job_instances(JOB, min_plan_time=DAY))
    assert emu.counters()["patch_data_created"] == {JOB: 1}
    (remote,) = emu.patch_data_runs()
    assert remote["status"] == "SUCCESS" and remote["parallel"] == 2 and len(remote["instance_ids"]) == 3


def test_create_is_at_most_once_and_an_existing_name_is_returned(emu: Emulator) -> None:
    hook = make_hook()
    emu.script_faults(ENDPOINT_PATCH_CREATE, ["drop_after"])  # created, then the connection drops
    first = hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=1), name="af_once")
    again = hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=1), name="af_once")
    assert first["name"] == again["name"] == "af_once"
    assert emu.counters()["patch_data_created"] == {JOB: 1}
    assert emu.counters()["by_endpoint"][ENDPOINT_PATCH_CREATE] == 1


def test_a_task_series_finds_its_newest_run(emu: Emulator) -> None:
    hook = make_hook()
    assert hook.latest_patch_data_run("af_series") == (0, None)
    for name in ("af_series", "af_series_2"):
        hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=1), name=name)
    hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=1), name="af_series_x")
    generation, run = hook.latest_patch_data_run("af_series")
    assert generation == 2 and run is not None and run["name"] == "af_series_2"


def test_values_are_checked_before_any_request(emu: Emulator) -> None:
    hook = make_hook()
    before = emu.counters()["requests_total"]
    cases = [
        ({"end": DAY + timedelta(seconds=1)}, "end"),
        ({"parallel": 6}, "parallel"),
        ({"name": "has space"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"depend_jobs": "other_job"}, "depend_jobs"),
        ({"start": "yesterday"}, "start"),
    ]
    for change, field in cases:
        arguments = {"start": DAY, "end": DAY + timedelta(hours=1), "name": "af_ok", **change}
        with pytest.raises(DataArtsConfigError, match=f"'{field}'"):
            hook.create_patch_data_run(JOB, arguments.pop("start"), arguments.pop("end"), **arguments)
    assert emu.counters()["requests_total"] == before


def test_the_services_codes_are_explained(emu: Emulator) -> None:
    emu.set_job(JOB, period_s=0)  # no schedule
    hook = make_hook()
    with pytest.raises(DataArtsInvalidRequestError, match=r"DLF\.30111") as caught:
        hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=1), name="af_unscheduled")
    assert "only jobs scheduled periodically" in str(caught.value)
    with pytest.raises(DataArtsInvalidRequestError, match=r"DLF\.0113") as unknown:
        hook.stop_patch_data_run("af_never_made")
    assert "no PatchData run has this name" in str(unknown.value)


def test_a_stopped_run_fails_the_condition_and_its_later_instances_never_start(emu: Emulator) -> None:
    emu.set_job(JOB, run_s=5.0, patch_cancel_status="CANCLE")  # the SDK's spelling
    hook = make_hook()
    hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=2), name="af_stopped")
    hook.stop_patch_data_run("af_stopped")
    result = hook.check_condition(PatchDataCondition(JOB, "af_stopped"))
    assert result.state == "failed" and "was stopped (CANCLE)" in result.message
    assert [i["status"] for i in result.value["instances"]] == ["manual-stop"]
    assert emu.counters()["patch_data_stopped"] == {JOB: 1}


@pytest.mark.parametrize("row_after_failure", ["SUCCESS", "RUNNING"])
def test_a_failed_instance_fails_the_run_naming_its_failed_nodes(
    emu: Emulator, row_after_failure: str
) -> None:
    """Whether the service's row shows the failure is undocumented: with stop_when_fail the client fails
    when no instance is active any more, whatever the row says."""
    emu.set_job(
        JOB, outcome_script=["success", "fail"], patch_failed_row=row_after_failure, failing_node="load"
    )
    hook = make_hook()
    hook.create_patch_data_run(JOB, DAY, DAY + timedelta(hours=3), name="af_fails")
    result = _until(hook, PatchDataCondition(JOB, "af_fails"))
    assert result.state == "failed"
    assert "1 of 2 instances failed" in result.message and "load (fail, log obs://" in result.message
    (failed,) = result.value["failed_instances"]
    assert failed["status"] == "fail" and failed["failed_nodes"][0]["name"] == "load"


def test_listing_pages_by_page_index_completely(emu: Emulator) -> None:
    client = sdk_client(emu)
    from huaweicloudsdkdataartsstudio.v1 import (
        CreateFactorySupplementDataInstanceRequest,
        CreateFactorySupplementDataInstanceRequestBody,
    )

    for number in range(105):
        body = CreateFactorySupplementDataInstanceRequestBody(
            name=f"sdk_run_{number:03d}",
            job_name=JOB,
            start_date="2026-11-30T00:00:00 +08",
            end_date="2026-11-30T00:59:59 +08",
            parallel=1,
        )
        client.create_factory_supplement_data_instance(
            CreateFactorySupplementDataInstanceRequest(workspace=emu.info()["workspace"], body=body)
        )
    names = [r["name"] for r in make_hook().list_patch_data_runs("sdk_run_")]
    assert sorted(names) == [f"sdk_run_{n:03d}" for n in range(105)]


def test_the_official_sdk_reads_and_stops_a_run_the_hook_created(emu: Emulator) -> None:
    from huaweicloudsdkdataartsstudio.v1 import (
        ShowFactorySupplementDataRequest,
        StopFactorySupplementDataInstanceRequest,
    )

    emu.set_job(JOB, run_s=30)
    make_hook().create_patch_data_run(
        JOB, "2026-11-30T00:00:00+08:00", "2026-11-30T01:00:00+08:00", name="af_sdk"
    )
    client, workspace = sdk_client(emu), emu.info()["workspace"]
    shown = client.show_factory_supplement_data(
        ShowFactorySupplementDataRequest(workspace=workspace, name="af_sdk")
    )
    (row,) = shown.rows
    assert row.name == "af_sdk" and row.status == "RUNNING" and row.job_list == [JOB]
    assert row.start_date == int(datetime(2026, 11, 29, 16, tzinfo=timezone.utc).timestamp() * 1000)
    client.stop_factory_supplement_data_instance(
        StopFactorySupplementDataInstanceRequest(workspace=workspace, instance_name="af_sdk")
    )
    assert make_hook().get_patch_data_run("af_sdk")["status"] == "CANCEL"


def test_a_run_the_service_accepted_but_never_lists_is_an_error_not_a_second_create(emu: Emulator) -> None:
    from airflow_dataarts_provider.core.protocol.errors import DataArtsError
    from airflow_dataarts_provider.core.protocol.once import LOOKS
    from airflow_dataarts_provider.emulator import ENDPOINT_PATCH_QUERY

    empty = {"status": 200, "body": {"total": 0, "success": True, "msg": "", "rows": []}}
    emu.script_faults(ENDPOINT_PATCH_QUERY, [200] + [empty] * LOOKS)  # the first look, then LOOKS blank ones
    with pytest.raises(DataArtsError, match=f"does not show after {LOOKS} looks"):
        make_hook().create_patch_data_run(JOB, DAY, DAY + timedelta(hours=1), name="af_unseen")
    assert emu.counters()["patch_data_created"] == {JOB: 1}
    assert emu.counters()["by_endpoint"][ENDPOINT_PATCH_QUERY] == 1 + LOOKS
