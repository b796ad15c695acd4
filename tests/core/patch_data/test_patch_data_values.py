# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""PatchData values (pure): the date form the service takes, run names derived from a task, the create
body's checks, the run parser (ms ints and the create form), and the condition's verdict over a run and
its instances, as tables."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_dataarts_provider.core.patch_data import values as patch
from airflow_dataarts_provider.core.patch_data.conditions import PatchDataCondition
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsResponseError
from airflow_dataarts_provider.core.protocol.http import HttpResponse

DAY = datetime(2026, 11, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (DAY, "2026-11-30T00:00:00 +00"),
        (
            datetime(2026, 11, 30, 8, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=8))),
            "2026-11-30T00:00:00 +00",
        ),
        ("2026-11-30T05:30:00+05:30", "2026-11-30T00:00:00 +00"),
        (int(DAY.timestamp() * 1000), "2026-11-30T00:00:00 +00"),
        (datetime(2026, 11, 30, 1, 2, 3), "2026-11-30T01:02:03 +00"),  # naive means UTC
    ],
)
def test_dates_are_sent_in_utc_in_the_services_form(value: object, sent: str) -> None:
    assert patch.patch_date("start", value) == sent


def test_run_names_are_stable_per_series_and_distinct_otherwise() -> None:
    key = ("etl", "scheduled__2026-11-30T00:00:00+00:00", "backfill", -1, 0)
    name = patch.task_run_name(*key)
    assert name == patch.task_run_name(*key)  # a retry, a crashed worker: the same name
    assert name.startswith("af_etl_backfill_") and len(name) <= 64
    others = {
        patch.task_run_name(*key[:1], "manual__2", *key[2:]),
        patch.task_run_name(*key[:2], "other", *key[3:]),
        patch.task_run_name(*key[:3], 0, key[4]),  # a map index
        patch.task_run_name(*key[:4], 1),  # cleared once
        patch.task_run_name("etl_", key[1], "_backfill", -1, 0),  # ids that read the same shortened
    }
    assert name not in others and len(others) == 5
    long_ids = patch.task_run_name("数据" * 200, "r", "任务/" * 100, 12, 3)
    assert patch.run_name(long_ids) == long_ids and len(long_ids) <= 64
    assert patch.generation_name(name, 1) == name and patch.generation_name(name, 3) == name + "_3"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": DAY + timedelta(seconds=1)}, "end"),
        ({"start": "soon"}, "start"),
        ({"parallel": 0}, "parallel"),
        ({"parallel": True}, "parallel"),
        ({"depend": ["ok", {"job_name": "x", "other": 1}]}, "depend_jobs"),
        ({"depend": {"job_name": "x"}}, "depend_jobs"),
        ({"job_name": " padded"}, "job_name"),
        ({"name": "P-1/2"}, "name"),
    ],
)
def test_the_create_body_refuses_bad_values_naming_the_field(change: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "name": "af_x",
        "job_name": "j",
        "start": DAY,
        "end": DAY + timedelta(hours=1),
    }
    arguments.update(change)
    with pytest.raises(DataArtsConfigError) as caught:
        patch.create_body(
            arguments.pop("name"),
            arguments.pop("job_name"),
            arguments.pop("start"),
            arguments.pop("end"),
            **arguments,
        )
    assert caught.value.field == field


def test_the_create_body_as_the_service_documents_it() -> None:
    body = patch.create_body(
        "af_x",
        "j",
        DAY,
        DAY + timedelta(days=1, seconds=-1),
        parallel=3,
        depend=["a", {"job_name": "b", "workspace_id": "w 1/2"}],
    )
    assert body == {
        "name": "af_x",
        "job_name": "j",
        "start_date": "2026-11-30T00:00:00 +00",
        "end_date": "2026-11-30T23:59:59 +00",
        "parallel": 3,
        "is_stop_when_fail": True,
        "depend_jobs": [{"job_name": "a"}, {"job_name": "b", "workspace_id": "w 1/2"}],  # not %-encoded
    }


def _page(body: Any) -> HttpResponse:
    return HttpResponse(
        200, {"content-type": "application/json", "x-request-id": "rid-9"}, json.dumps(body).encode()
    )


def test_the_run_parser_reads_ms_and_the_create_form() -> None:
    rows = [
        {
            "name": "a",
            "status": "RUNNING",
            "start_date": 1795996800000,
            "end_date": "1796083199000",
            "job_list": ["j"],
        },
        {"name": "b", "status": "SUCCESS", "start_date": "2026-11-30T08:00:00 +08", "end_date": None},
    ]
    page = patch.parse_runs_page(_page({"total": 2, "success": True, "msg": "", "rows": rows}), "GET", "/p")
    assert [r["start_date"] for r in page.items] == [1795996800000, 1795996800000]
    assert page.items[0]["end_date"] == 1796083199000 and page.items[1]["end_date"] is None
    assert page.total == 2 and page.request_id == "rid-9"
    assert patch.parse_runs_page(_page({"total": 0, "rows": None}), "GET", "/p").items == []
    for bad in ({"total": 1, "rows": [{"status": "RUNNING"}]}, {"total": "1", "rows": []}, {"rows": {}}):
        with pytest.raises(DataArtsResponseError, match="rid-9"):
            patch.parse_runs_page(_page(bad), "GET", "/p")


def _instance(status: str, number: int = 1) -> dict[str, Any]:
    return {"instance_id": str(number), "status": status, "plan_time": number, "start_time": 0, "end_time": 0}


@pytest.mark.parametrize(
    ("row_status", "instances", "stop_when_fail", "state", "said"),
    [
        ("RUNNING", [], True, "waiting", "0 of 0 instances ended"),
        ("RUNNING", ["success", "running"], True, "waiting", "1 of 2 instances ended"),
        ("RUNNING", ["fail", "running"], True, "waiting", "1 of 2"),  # its neighbour still runs
        ("RUNNING", ["fail", "success"], True, "failed", "1 of 2 instances failed"),
        ("RUNNING", ["fail", "success"], False, "waiting", "2 of 2"),  # the run may start more
        ("SUCCESS", ["success", "success"], True, "done", "succeeded: 2 instances"),
        ("success", ["success"], True, "done", "succeeded"),  # any letter case
        ("SUCCESS", ["success", "manual-stop"], False, "failed", "1 of 2 instances failed"),
        ("SUCCESS", ["success", "running"], True, "waiting", "1 of 2"),  # the row ran ahead
        ("CANCEL", ["success"], True, "failed", "was stopped (CANCEL)"),
        ("CANCLE", [], True, "failed", "was stopped (CANCLE)"),
        ("FAILED", ["fail"], True, "failed", "does not know (known: RUNNING, SUCCESS, CANCEL, CANCLE"),
        (None, [], True, "failed", "status None"),
        ("RUNNING", ["success", "exploded"], True, "failed", "an instance has status 'exploded'"),
        ("SUCCESS", ["pause"], True, "waiting", "0 of 1"),  # held by an operator
    ],
)
def test_the_condition_judges_a_run_by_its_instances(
    row_status: str | None, instances: list[str], stop_when_fail: bool, state: str, said: str
) -> None:
    condition = PatchDataCondition("j", "af_x", stop_when_fail)
    row = {"name": "af_x", "status": row_status, "start_date": 1, "end_date": 2, "job_list": ["j"]}
    result = condition.evaluate(row, [_instance(s, n) for n, s in enumerate(instances, start=1)])
    assert result.state == state and said in result.message, result.message
    if state != "waiting":
        assert [i["status"] for i in result.value["instances"]] == instances
