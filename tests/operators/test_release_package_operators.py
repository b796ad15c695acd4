# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of DataArtsCreateReleasePackageOperator and DataArtsDeployReleasePackageOperator: real
DAG runs (``dag.test()``, DAGs in tests/dags/dataarts_release_dags.py) against the emulator over loopback
HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import task_output
from helpers.hooks import by_endpoint
from helpers.release import APPROVER, dag_runner, set_conn, start
from helpers.runs import state

from airflow_dataarts_provider.emulator import (
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGES_DEPLOY,
    SUBMITTERS,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.operators.release_package import DataArtsDeployReleasePackageOperator

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

LINK_KEY = "_link_DataArtsReleasePackageLink"
HOOK_CONN = "dataarts_release_ops"


@pytest.fixture(scope="module")
def bag(dag_bag: Any) -> Any:
    return dag_bag


@pytest.fixture
def run(bag: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    return dag_runner(bag, monkeypatch)


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Any:
    return start(dataarts_emulator_factory)


@pytest.fixture
def hook(emu: Any, monkeypatch: pytest.MonkeyPatch) -> DataArtsHook:
    set_conn(monkeypatch, emu, HOOK_CONN)
    return DataArtsHook(HOOK_CONN)


def _ti(dr: Any, task_id: str) -> Any:
    return dr.get_task_instance(task_id)


def _xcom(dr: Any, task_id: str, key: str = "return_value") -> Any:
    return _ti(dr, task_id).xcom_pull(task_ids=task_id, key=key)


def _one_submitter_items(emu: Any, count: int, submitter: int = 0) -> list[dict[str, Any]]:
    uid = SUBMITTERS[submitter][0]
    return [i for i in emu.items() if i["submit_user_id"] == uid][:count]


def _package_of(emu: Any, dr: Any, task_id: str = "c") -> dict[str, Any]:
    package_id = _xcom(dr, task_id)
    # (Airflow 3's ORM xcom_pull reads the JSON string "1000001" back as the number)
    assert isinstance(package_id, (str, int)) and str(package_id), package_id
    return emu.package(str(package_id))


def _assert_link(dr: Any, task_id: str, package_id: str, emu: Any) -> None:
    url = _xcom(dr, task_id, LINK_KEY)
    assert isinstance(url, str), url
    assert f"packageId={package_id}" in url
    assert emu.info()["project_id"] in url
    assert url.startswith("https://console.")


# ------------------------------------------------------------------------------------------ create


def test_create_by_exact_task_names(emu: Any, run: Any) -> None:
    sync = emu.add_item({"item_name": "sync"})
    emu.add_item({"item_name": "sync job"})
    emu.add_item({"item_name": "pre-sync"})
    other = emu.items()[5]
    dr = run("dataarts_release_create", emu, {"names": ["sync", other["item_name"]], "apply_user_id": "u-1"})
    assert state(_ti(dr, "c")) == "success"
    package = _package_of(emu, dr)
    assert sorted(package["pending_item_ids"]) == sorted([sync["pending_item_id"], other["pending_item_id"]])
    assert package["apply_user_id"] == "u-1"
    assert [a["user_id"] for a in package["package_approvers"]] == [APPROVER]
    assert package["package_name"].startswith("dataarts_release_create__")
    assert emu.counters()["packages_created"] == 1
    flags = {i["item_name"]: i["package_flag"] for i in emu.items()}
    assert flags["sync"] == 1 and flags["sync job"] == 0 and flags["pre-sync"] == 0
    _assert_link(dr, "c", package["package_id"], emu)


def test_create_by_explicit_ids_with_default_applicant(emu: Any, run: Any) -> None:
    items = _one_submitter_items(emu, 3, submitter=1)
    ids = [i["pending_item_id"] for i in items]
    dr = run("dataarts_release_create", emu, {"pending_item_ids": ids, "package_name": "explicit-ids"})
    assert state(_ti(dr, "c")) == "success"
    package = _package_of(emu, dr)
    assert sorted(package["pending_item_ids"]) == sorted(ids)
    assert package["package_name"] == "explicit-ids"
    assert package["apply_user_id"] == SUBMITTERS[1][0]  # the items' single submitter
    _assert_link(dr, "c", package["package_id"], emu)


def test_create_from_the_list_operator_xcom(emu: Any, run: Any) -> None:
    for n in range(3):
        emu.add_item({"item_name": f"relxcom-{n}"})
    dr = run("dataarts_release_list_create", emu, {"item_name": "relxcom"})
    assert state(_ti(dr, "c")) == "success", state(_ti(dr, "list"))
    listed = _xcom(dr, "list")
    assert isinstance(listed, list) and listed and all(isinstance(i, dict) for i in listed)
    package = _package_of(emu, dr)
    assert sorted(package["pending_item_ids"]) == sorted(i["pending_item_id"] for i in listed)
    assert {i["item_name"] for i in listed} >= {"relxcom-0", "relxcom-1", "relxcom-2"}


def test_several_submitters_without_applicant_fail_clearly(
    emu: Any, run: Any, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    items = _one_submitter_items(emu, 1, 0) + _one_submitter_items(emu, 1, 2)
    dr = run("dataarts_release_create", emu, {"pending_item_ids": [i["pending_item_id"] for i in items]})
    assert state(_ti(dr, "c")) == "failed"
    text = task_output(capfd, caplog)
    assert "apply_user_id is required" in text
    assert "2 submitters" in text
    assert SUBMITTERS[0][0] in text and SUBMITTERS[2][0] in text
    assert emu.packages() == []
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 0


def test_nothing_pending_skips_by_default(emu: Any, run: Any) -> None:
    dr = run("dataarts_release_create", emu, {"names": ["no such job"]})
    assert state(_ti(dr, "c")) == "skipped"
    assert emu.packages() == []
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 0


def test_nothing_pending_fails_when_asked(emu: Any, run: Any) -> None:
    dr = run("dataarts_release_create_fail", emu, {"names": ["no such job"]})
    assert state(_ti(dr, "c")) == "failed"
    assert emu.packages() == []
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 0


def test_already_packaged_items_are_left_out(emu: Any, run: Any, hook: DataArtsHook) -> None:
    a, b = emu.items()[0], emu.items()[1]
    first, _ = hook.create_release_package(
        package_name="earlier", pending_item_ids=[a["pending_item_id"]], approver_ids=[APPROVER],
        apply_user_id="u-1",
    )  # fmt: skip
    dr = run(
        "dataarts_release_create", emu, {"names": [a["item_name"], b["item_name"]], "apply_user_id": "u-1"}
    )
    assert state(_ti(dr, "c")) == "success"
    package = _package_of(emu, dr)
    assert package["package_id"] != first
    assert package["pending_item_ids"] == [b["pending_item_id"]]


@pytest.mark.parametrize("max_attempts", [1, 3], ids=["task-retry", "flow-retry"])
def test_lost_create_answer_in_a_dag_run_gives_one_package(emu: Any, run: Any, max_attempts: int) -> None:
    names = [emu.items()[2]["item_name"], emu.items()[3]["item_name"]]
    emu.script_faults(ENDPOINT_PACKAGE_CREATE, ["drop_after"])
    dr = run(
        "dataarts_release_create_retry",
        emu,
        {"names": names, "apply_user_id": "u-1"},
        max_attempts=max_attempts,
    )
    ti = _ti(dr, "c")
    assert state(ti) == "success"
    # Even with one attempt, the lost answer's package is looked up and adopted in the same try.
    assert ti.try_number == 1
    packages = emu.packages()
    assert len(packages) == 1, packages
    assert emu.counters()["packages_created"] == 1
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 1
    assert str(_xcom(dr, "c")) == packages[0]["package_id"]
    assert sorted(packages[0]["item_names"]) == sorted(names)
    _assert_link(dr, "c", packages[0]["package_id"], emu)


# ------------------------------------------------------------------------------------------ deploy


def _package(hook: DataArtsHook, emu: Any, index: int, name: str) -> str:
    package_id, _ = hook.create_release_package(
        package_name=name,
        pending_item_ids=[emu.items()[index]["pending_item_id"]],
        approver_ids=[APPROVER],
        apply_user_id="u-1",
    )
    return package_id


def test_deploy_without_waiting(emu: Any, run: Any, hook: DataArtsHook) -> None:
    package_id = _package(hook, emu, 0, "dep-nowait")
    dr = run("dataarts_release_deploy_nowait", emu, {"package_ids": package_id, "startup_mode": 0})
    assert state(_ti(dr, "d")) == "success"
    assert emu.counters()["packages_deploy_requests"] == 1
    assert emu.package(package_id)["deploy_requested"] is True
    assert emu.package(package_id)["startup_mode"] == 0
    details = _xcom(dr, "d")
    assert [str(d["package_id"]) for d in details] == [package_id]
    _assert_link(dr, "d", package_id, emu)


@pytest.mark.parametrize("status", ["releasing", "deployed"])
def test_deploy_skips_a_package_already_released_or_releasing(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, run: Any, status: str
) -> None:
    emu = start(dataarts_emulator_factory, release_duration_s=30 if status == "releasing" else 0)
    set_conn(monkeypatch, emu, HOOK_CONN)
    hook = DataArtsHook(HOOK_CONN)
    package_id = _package(hook, emu, 0, f"dep-{status}")
    hook.deploy_release_packages([package_id])
    assert emu.package(package_id)["deploy_status"] == (5 if status == "releasing" else 2)
    requests_before = by_endpoint(emu, ENDPOINT_PACKAGES_DEPLOY)
    dr = run("dataarts_release_deploy_nowait", emu, {"package_ids": [package_id]})
    assert state(_ti(dr, "d")) == "success"
    assert by_endpoint(emu, ENDPOINT_PACKAGES_DEPLOY) == requests_before == 1
    assert emu.counters()["packages_deploy_requests"] == 1


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_deploy_and_wait_for_completion(emu: Any, run: Any, hook: DataArtsHook, mode: str) -> None:
    emu.set_release_settings(release_duration_s=0.8)
    package_id = _package(hook, emu, 1, f"dep-wait-{mode}")
    started = time.monotonic()
    dr = run(f"dataarts_release_deploy_{mode}", emu, {"package_ids": [package_id]})
    assert state(_ti(dr, "d")) == "success"
    assert time.monotonic() - started >= 0.8
    assert emu.counters()["packages_deploy_requests"] == 1
    assert emu.counters()["packages_released"] == 1
    detail = _xcom(dr, "d")
    assert detail["release_package"]["package_id"] == package_id
    assert detail["release_package"]["deploy_status"] == 2
    assert [t["pending_item_id"] for t in detail["task_details"]] == emu.package(package_id)[
        "pending_item_ids"
    ]
    _assert_link(dr, "d", package_id, emu)


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_deploy_and_wait_fails_naming_the_failing_task(
    emu: Any,
    run: Any,
    hook: DataArtsHook,
    mode: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.add_item({"item_name": "broken_job"})
    package_id, _ = hook.create_release_package(
        package_name=f"dep-fail-{mode}",
        pending_item_ids=[i["pending_item_id"] for i in emu.items() if i["item_name"] == "broken_job"],
        approver_ids=[APPROVER],
        apply_user_id="u-1",
    )
    emu.set_fail_items(["broken_*"])
    dr = run(f"dataarts_release_deploy_{mode}", emu, {"package_ids": package_id})
    assert state(_ti(dr, "d")) == "failed"
    text = task_output(capfd, caplog)
    assert "broken_job" in text
    assert f"release package {package_id} failed to deploy" in text
    assert emu.counters()["packages_failed"] == 1


def test_deploy_wait_needs_exactly_one_package(emu: Any, run: Any, hook: DataArtsHook) -> None:
    ids = [_package(hook, emu, 0, "dep-a"), _package(hook, emu, 1, "dep-b")]
    dr = run("dataarts_release_deploy_poke", emu, {"package_ids": ids})
    assert state(_ti(dr, "d")) == "failed"
    assert by_endpoint(emu, ENDPOINT_PACKAGES_DEPLOY) == 0


def test_deploy_has_no_reschedule_mode() -> None:
    """Rescheduling would deploy again at every reschedule: the operator is not a sensor and has no
    ``mode``; Airflow refuses the argument (TypeError on 3.x, AirflowException on 2.11)."""
    from airflow_dataarts_provider.version_compat import AirflowException

    with pytest.raises((TypeError, AirflowException), match="mode"):
        DataArtsDeployReleasePackageOperator(task_id="d", package_ids="1", mode="reschedule")


# ------------------------------------------------------------------------------------------ pipeline


def test_pipeline_create_deploy_wait(emu: Any, run: Any) -> None:
    names = [i["item_name"] for i in _one_submitter_items(emu, 2, 3)]
    dr = run("dataarts_release_pipeline", emu, {"names": names})
    assert state(dr) == "success", {t: state(_ti(dr, t)) for t in ("package", "deploy", "wait")}
    (package,) = emu.packages()
    assert package["deploy_status"] == 2
    assert sorted(package["item_names"]) == sorted(names)
    assert package["apply_user_id"] == SUBMITTERS[3][0]
    assert _xcom(dr, "wait")["release_package"]["package_id"] == package["package_id"]
    c = emu.counters()
    assert (c["packages_created"], c["packages_deploy_requests"], c["packages_released"]) == (1, 1, 1)


def test_the_deploy_operator_times_out_as_an_operator_not_as_a_sensor() -> None:
    """An operator waiting for its deployment: the timeout names the package and is an
    ``AirflowException`` (the task's retries apply; a retry never deploys twice), not a sensor's
    ``AirflowSensorTimeout``; ``soft_fail`` skips."""
    from airflow_dataarts_provider.version_compat import (
        AirflowException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )

    event = {"status": "timeout", "message": "deadline reached; package 1 is releasing"}
    operator = DataArtsDeployReleasePackageOperator(task_id="deploy", package_ids=["1"])
    with pytest.raises(AirflowException, match="Timed out waiting for the release package") as info:
        operator.execute_complete({}, event)
    assert not isinstance(info.value, AirflowSensorTimeout)
    soft = DataArtsDeployReleasePackageOperator(task_id="deploy_soft", package_ids=["1"], soft_fail=True)
    with pytest.raises(AirflowSkipException, match="releasing"):
        soft.execute_complete({}, event)
