# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of DataArtsReleasePackageSensor in poke, reschedule and deferrable modes (real DAG runs,
``dag.test()``; the deferrable sensor's trigger runs inline) against the emulator over loopback HTTP;
emulator changes (approval) are made by a timer thread while the run waits. DAGs:
``dataarts_release_sensor_<mode>[_soft]`` (2 s timeout, 0.5 s poke interval)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import task_output, upstream_reschedule_timeout_bug
from helpers.hooks import by_endpoint
from helpers.release import APPROVER, WRONG_SK, Later, dag_runner, set_conn, start
from helpers.runs import state

from airflow_dataarts_provider.emulator import ENDPOINT_PACKAGE_DETAIL
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

MODES = ("poke", "reschedule", "deferrable")
TIMEOUT_S = 7.0  # = REL_SENSOR_SHORT_TIMEOUT_S (tests/dags)
POKE_S = 0.5
HOOK_CONN = "dataarts_release_sensor_hook"


@pytest.fixture(scope="module")
def bag(dag_bag: Any) -> Any:
    return dag_bag


@pytest.fixture
def run(bag: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    runner = dag_runner(bag, monkeypatch)

    def _run(
        mode: str, emu: Any, package_id: str, *, soft: bool = False, short: bool = False, **conn: Any
    ) -> Any:
        conf = {"package_id": package_id}
        variant = "_soft" if soft else "_short" if short else ""
        return runner(f"dataarts_release_sensor_{mode}{variant}", emu, conf, **conn)

    return _run


@pytest.fixture
def later() -> Iterator[Later]:
    scheduler = Later()
    yield scheduler
    scheduler.stop()


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Any:
    return start(dataarts_emulator_factory, release_duration_s=0.3)


@pytest.fixture
def hook(emu: Any, monkeypatch: pytest.MonkeyPatch) -> DataArtsHook:
    set_conn(monkeypatch, emu, HOOK_CONN)
    return DataArtsHook(HOOK_CONN)


def _package(hook: DataArtsHook, emu: Any, names: list[str], label: str) -> str:
    by_name = {i["item_name"]: i["pending_item_id"] for i in emu.items()}
    package_id, _ = hook.create_release_package(
        package_name=label,
        pending_item_ids=[by_name[n] for n in names],
        approver_ids=[APPROVER],
        apply_user_id="u-1",
    )
    return package_id


def _ti(dr: Any) -> Any:
    return dr.get_task_instance("s")


def _xcom(dr: Any, key: str = "return_value") -> Any:
    return _ti(dr).xcom_pull(task_ids="s", key=key)


def _details(emu: Any) -> int:
    return by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL)


@pytest.mark.parametrize("mode", MODES)
def test_succeeds_once_deployed(mode: str, emu: Any, hook: DataArtsHook, run: Any, later: Later) -> None:
    names = [emu.items()[0]["item_name"], emu.items()[1]["item_name"]]
    package_id = _package(hook, emu, names, f"sensor-ok-{mode}")
    # deployed only once the sensor has seen it pending
    later(
        lambda: _details(emu) >= 1, lambda: DataArtsHook(HOOK_CONN).deploy_release_packages([package_id]), 0.3
    )
    dr = run(mode, emu, package_id)
    assert state(_ti(dr)) == "success"
    assert state(dr) == "success"
    assert later.done.is_set()
    assert emu.counters()["packages_released"] == 1
    assert _details(emu) >= 2  # it waited for the deployment
    detail = _xcom(dr)
    assert detail["release_package"]["package_id"] == package_id
    assert detail["release_package"]["deploy_status"] == 2
    assert sorted(t["item_name"] for t in detail["task_details"]) == sorted(names)
    url = _xcom(dr, "_link_DataArtsReleasePackageLink")
    assert isinstance(url, str) and f"packageId={package_id}" in url


@pytest.mark.parametrize("mode", MODES)
def test_failed_deployment_fails_fast_naming_the_failing_task(
    mode: str,
    emu: Any,
    hook: DataArtsHook,
    run: Any,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.add_item({"item_name": "dwd_orders_daily"})
    emu.add_item({"item_name": "ads_finance_report"})
    emu.set_fail_items(["ads_fin*"])
    package_id = _package(hook, emu, ["dwd_orders_daily", "ads_finance_report"], f"sensor-fail-{mode}")
    hook.deploy_release_packages([package_id])
    started = time.monotonic()
    dr = run(mode, emu, package_id)
    elapsed = time.monotonic() - started
    assert state(_ti(dr)) == "failed"
    assert emu.package(package_id)["deploy_status"] == 3
    # fails on the first check that sees the failure, not at the timeout
    assert _details(emu) <= 3, _details(emu)
    assert elapsed < TIMEOUT_S + 8  # generous for dag.test overhead; the request count is the real check
    text = task_output(capfd, caplog)
    assert f"release package {package_id} failed to deploy" in text
    assert "failing tasks:" in text and "ads_finance_report" in text
    assert _xcom(dr) is None


@pytest.mark.parametrize("mode", MODES)
def test_manual_approval_keeps_it_waiting(
    mode: str, dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, run: Any, later: Later
) -> None:
    emu = start(dataarts_emulator_factory, auto_approve=False, release_duration_s=0.2)
    set_conn(monkeypatch, emu, HOOK_CONN)
    hook = DataArtsHook(HOOK_CONN)
    package_id = _package(hook, emu, [emu.items()[2]["item_name"]], f"sensor-approve-{mode}")
    hook.deploy_release_packages([package_id])
    approved_at: list[float] = []

    def approve() -> None:
        assert emu.package(package_id)["deploy_status"] == 1  # still pending approval
        approved_at.append(time.monotonic())
        emu.approve(package_id)

    later(lambda: _details(emu) >= 1, approve, delay=0.7)
    dr = run(mode, emu, package_id)
    assert state(_ti(dr)) == "success"
    assert approved_at, "the run ended before the approval"
    assert emu.package(package_id)["approved"] is True
    assert emu.package(package_id)["deploy_status"] == 2
    assert _details(emu) >= 2
    assert _xcom(dr)["release_package"]["deploy_status"] == 2


@pytest.mark.parametrize("mode", MODES)
def test_timeout_with_soft_fail_is_skipped(
    mode: str, emu: Any, hook: DataArtsHook, run: Any, request: pytest.FixtureRequest
) -> None:
    upstream_reschedule_timeout_bug(request, mode)
    package_id = _package(hook, emu, [emu.items()[3]["item_name"]], f"sensor-soft-{mode}")  # never deployed
    dr = run(mode, emu, package_id, soft=True)
    assert state(_ti(dr)) == "skipped"
    assert _details(emu) >= 2
    assert emu.package(package_id)["deploy_status"] == 1


def test_timeout_without_soft_fail_fails(emu: Any, hook: DataArtsHook, run: Any) -> None:
    package_id = _package(hook, emu, [emu.items()[4]["item_name"]], "sensor-timeout")
    dr = run("poke", emu, package_id, short=True)
    assert state(_ti(dr)) == "failed"
    assert _details(emu) >= 2


@pytest.mark.parametrize("mode", MODES)
def test_401_fails_after_one_request(
    mode: str,
    emu: Any,
    hook: DataArtsHook,
    run: Any,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    package_id = _package(hook, emu, [emu.items()[5]["item_name"]], f"sensor-401-{mode}")
    hook.deploy_release_packages([package_id])
    before = len(emu.request_log())
    dr = run(mode, emu, package_id, password=WRONG_SK)
    assert state(_ti(dr)) == "failed"
    log = [r for r in emu.request_log()[before:] if r["endpoint"] == ENDPOINT_PACKAGE_DETAIL]
    assert len(log) == 1, log
    assert log[0]["status"] == 401
    text = task_output(capfd, caplog)
    assert "APIGW.0301" in text


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_unknown_package_fails_at_once(mode: str, emu: Any, run: Any) -> None:
    dr = run(mode, emu, "424242")
    assert state(_ti(dr)) == "failed"
    assert _details(emu) == 1


def test_invalid_package_id_fails_before_any_request(emu: Any, run: Any) -> None:
    dr = run("poke", emu, "../etc")
    assert state(_ti(dr)) == "failed"
    assert _details(emu) == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_cancelled_package_fails_at_once(
    mode: str, emu: Any, hook: DataArtsHook, run: Any, capfd: pytest.CaptureFixture[str], caplog: Any
) -> None:
    """Before: the sensor waited until its deadline for a package that can never deploy."""
    package_id = _package(hook, emu, [emu.items()[5]["item_name"]], f"sensor-cancelled-{mode}")
    hook.cancel_release_packages([package_id])
    dr = run(mode, emu, package_id)
    assert state(_ti(dr)) == "failed"
    assert _details(emu) == 1  # the first check decided
    assert f"release package {package_id} was cancelled" in task_output(capfd, caplog)


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_deploy_status_fails_naming_the_value(
    mode: str, emu: Any, hook: DataArtsHook, run: Any, capfd: pytest.CaptureFixture[str], caplog: Any
) -> None:
    package_id = _package(hook, emu, [emu.items()[6]["item_name"]], f"sensor-status-{mode}")
    detail = emu.package(package_id)
    detail["deploy_status"] = 7  # no public source lists a 7
    body = {"release_package": detail, "task_details": []}
    emu.script_faults(ENDPOINT_PACKAGE_DETAIL, [{"status": 200, "body": body}] * 3)
    dr = run(mode, emu, package_id)
    assert state(_ti(dr)) == "failed"
    assert _details(emu) == 1
    text = task_output(capfd, caplog)
    assert f"release package {package_id} has deploy_status 7" in text
    assert "2 success" in text  # the known values are listed
