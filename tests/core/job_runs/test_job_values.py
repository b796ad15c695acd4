# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run parsers accept both field spellings (the SDK's and the documentation's) and refuse what
is not an instance, naming the problem and the request id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsResponseError,
)
from airflow_dataarts_provider.core.protocol.http import HttpResponse

PATH = "/v1/p/jobs/j/instances/1"


def _answer(body: Any) -> HttpResponse:
    return HttpResponse(
        200, {"content-type": "application/json", "x-request-id": "rid-7"}, json.dumps(body).encode()
    )


DOC = {
    "instanceId": 42,
    "jobName": "j",
    "status": "fail",
    "startTime": 1,
    "nodes": [
        {
            "nodeName": "load",
            "status": "fail",
            "type": "DLIScript",
            "logPath": "obs://b/l.log",
            "startTime": 2,
        }
    ],
}
SDK = {
    "instancesId": "42",
    "jobName": "j",
    "status": "fail",
    "starttime": 1,
    "nodes": [
        {
            "name": "load",
            "status": "fail",
            "nodeType": "DLIScript",
            "logPath": "obs://b/l.log",
            "starttime": 2,
        }
    ],
}


@pytest.mark.parametrize("body", [DOC, SDK], ids=["documentation", "sdk"])
def test_both_spellings_give_one_shape(body: dict[str, Any]) -> None:
    shaped = jobs.parse_job_instance(_answer(body), "GET", PATH)
    assert (shaped["instance_id"], shaped["status"], shaped["start_time"]) == ("42", "fail", 1)
    (node,) = shaped["nodes"]
    assert (node["name"], node["type"], node["log_path"], node["start_time"]) == (
        "load",
        "DLIScript",
        "obs://b/l.log",
        2,
    )
    assert jobs.failed_nodes(shaped) == [node]


@pytest.mark.parametrize(
    ("body", "problem"), [({"status": "running"}, "instanceId"), ({"instanceId": 1}, "status")]
)
def test_not_an_instance(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(DataArtsResponseError, match=problem) as info:
        jobs.parse_job_instance(_answer(body), "GET", PATH)
    assert info.value.request_id == "rid-7"


@pytest.mark.parametrize("body", [{"instanceId": 9}, {"instance_id": "9"}, {"instancesId": 9}])
def test_run_immediate_ids(body: dict[str, Any]) -> None:
    assert jobs.parse_run_immediate(_answer(body), "POST", "/v1/p/jobs/j/run-immediate") == "9"


def test_run_immediate_without_an_id() -> None:
    with pytest.raises(DataArtsResponseError, match="instanceId"):
        jobs.parse_run_immediate(_answer({}), "POST", "/v1/p/jobs/j/run-immediate")


def test_listing_page_and_phases() -> None:
    page = jobs.parse_job_instances_page(
        _answer({"total": 2, "instances": [DOC, SDK]}), "GET", "/v1/p/jobs/instances/detail"
    )
    assert [i["instance_id"] for i in page.items] == ["42", "42"] and page.total == 2
    assert jobs.parse_job_instances_page(_answer({"total": 0}), "GET", "/x").items == []
    assert [jobs.phase(s) for s in ("running", "pause", "success", "manual-stop", "finished", None)] == [
        "active",
        "held",
        "succeeded",
        "failed",
        None,
        None,
    ]


@pytest.mark.parametrize(
    "value",
    [
        {"": "x"},
        [{"name": "a"}],
        [{"name": "a", "value": True}],
        [{"name": "a", "value": "1", "paramType": "x"}],
        "a=1",
    ],
)
def test_bad_job_params_name_the_field(value: Any) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        jobs.job_params(value)
    assert info.value.field == "job_params"
