# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of the "DataArts release management" console link: pushed to XCom by real DAG runs
(a successful operator run and a failed sensor run) and read back by ``get_link``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import AIRFLOW_2

from airflow_dataarts_provider.links.dataarts import DataArtsReleaseManagementLink, release_management_url

XCOM_KEY = "_link_DataArtsReleaseManagementLink"
FAST = {"max_attempts": 1, "backoff_initial": 0.01, "backoff_max": 0.05, "max_requests_per_second": 0}


@pytest.fixture(scope="module")
def bag(dag_bag: Any) -> Any:
    return dag_bag


def _run(
    bag: Any, monkeypatch: pytest.MonkeyPatch, dag_id: str, emu: Any, conf: dict[str, Any], **fields: Any
) -> Any:
    from airflow_dataarts_provider.emulator import airflow_connection

    connection = airflow_connection(emu.info(), **{**FAST, **fields})
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", json.dumps(connection))
    return bag.get_dag(dag_id).test(run_conf=conf)


def _state(obj: Any) -> str:
    return str(getattr(obj.state, "value", obj.state))


def _assert_console_url(url: Any, emu: Any) -> None:
    assert isinstance(url, str)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "console.huaweicloud.com"
    query = parse_qs(parts.query)
    assert query["region"] == [emu.info()["region"]]
    assert query["workspace"] == [emu.info()["workspace"]]
    assert query["projectId"] == [emu.info()["project_id"]]
    assert url == release_management_url(
        emu.info()["region"], emu.info()["project_id"], emu.info()["workspace"]
    )


@pytest.fixture
def get_link_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    """Records ``(ti_key, result)`` of every real ``get_link`` call. On Airflow 3 the task runner calls
    ``get_link(operator, ti_key=<RuntimeTaskInstance>)`` when the task finishes (in-process under
    ``dag.test()``) and stores the result under the link's XCom key; there is no way to call it outside a
    task (the SDK's XCom needs the supervisor's comms channel)."""
    calls: list[tuple[Any, str]] = []
    original = DataArtsReleaseManagementLink.get_link

    def spy(self: Any, operator: Any, *, ti_key: Any) -> str:
        result = original(self, operator, ti_key=ti_key)
        calls.append((ti_key, result))
        return result

    monkeypatch.setattr(DataArtsReleaseManagementLink, "get_link", spy)
    return calls


def _get_link(bag: Any, dag_id: str, task_id: str, ti: Any, calls: list[tuple[Any, str]]) -> str:
    operator = bag.get_dag(dag_id).get_task(task_id)
    assert any(isinstance(x, DataArtsReleaseManagementLink) for x in operator.operator_extra_links)
    if AIRFLOW_2:
        assert calls == []
        return DataArtsReleaseManagementLink().get_link(operator, ti_key=ti.key)
    # Airflow 3: resolved by the task runner at the end of the task, from the pushed XCom
    assert len(calls) == 1, calls
    ti_key, result = calls[0]
    assert (ti_key.dag_id, ti_key.task_id, ti_key.run_id) == (ti.dag_id, ti.task_id, ti.run_id)
    return result


@pytest.mark.parametrize(
    ("dag_id", "task_id", "conf", "fields", "final"),
    [
        ("dataarts_acc_list", "t", {"max_items": 3}, {}, "success"),
        (
            "dataarts_acc_sensor_poke",
            "s",
            {"names": ["x"]},
            {"password": "Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1"},
            "failed",
        ),
    ],
    ids=["operator-success", "sensor-failed"],
)
def test_link_is_pushed_and_resolved_after_a_run(
    bag: Any,
    monkeypatch: pytest.MonkeyPatch,
    dataarts_emulator: Any,
    dag_id: str,
    task_id: str,
    conf: dict[str, Any],
    fields: dict[str, Any],
    final: str,
    get_link_calls: list[tuple[Any, str]],
) -> None:
    dr = _run(bag, monkeypatch, dag_id, dataarts_emulator, conf, **fields)
    ti = dr.get_task_instance(task_id)
    assert _state(ti) == final
    url = ti.xcom_pull(task_ids=task_id, key=XCOM_KEY)
    _assert_console_url(url, dataarts_emulator)
    assert _get_link(bag, dag_id, task_id, ti, get_link_calls) == url


def test_release_management_url_eu_region() -> None:
    url = release_management_url("eu-west-101", "0123456789abcdef0123456789abcdef", "ws 1/ü")
    parts = urlsplit(url)
    assert parts.netloc == "console.eu.huaweicloud.com"
    assert parse_qs(parts.query) == {
        "region": ["eu-west-101"],
        "projectId": ["0123456789abcdef0123456789abcdef"],
        "workspace": ["ws 1/ü"],
    }
    assert parts.fragment == "/dlf/release/management"


@pytest.mark.parametrize("region", ["cn-north-4", "ap-southeast-1", "eu-west-0"])
def test_release_management_url_other_regions(region: str) -> None:
    url = release_management_url(region, "0123456789abcdef0123456789abcdef", None)
    parts = urlsplit(url)
    assert parts.netloc == "console.huaweicloud.com"
    assert parse_qs(parts.query) == {"region": [region], "projectId": ["0123456789abcdef0123456789abcdef"]}
