# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release watch (what the asset-watcher trigger runs each interval) against the emulator over
loopback HTTP: which packages count as newly released, and never twice. The emulator's release clock
and the check times are driven by the test (a package approved hours after its deploy request, a
re-release of a failed package), so no test waits."""

from __future__ import annotations

import random
from typing import Any

import pytest
from helpers.hooks import by_endpoint
from helpers.release import T0, Clock, release_package, set_conn, start

from airflow_dataarts_provider.core.protocol.errors import DataArtsAuthenticationError
from airflow_dataarts_provider.core.release_packages.watch import (
    MARGIN_MS,
    WatchState,
    WatchStep,
    event_payload,
)
from airflow_dataarts_provider.emulator import ENDPOINT_PACKAGE_DETAIL, ENDPOINT_PACKAGES_LIST
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

CONN = "dataarts_release_watch"
HOUR = 3600.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(dataarts_emulator_factory: Any, clock: Clock) -> Any:
    return start(dataarts_emulator_factory, release_clock=clock, seed_items=0)


@pytest.fixture
def hook(emu: Any, monkeypatch: pytest.MonkeyPatch) -> DataArtsHook:
    set_conn(monkeypatch, emu, CONN)
    return DataArtsHook(CONN)


class Watch:
    """A watcher's checks at the emulator clock's time."""

    def __init__(self, hook: DataArtsHook, clock: Clock) -> None:
        self.hook, self.clock = hook, clock
        self.state: WatchState | None = None
        self.reported: list[str] = []

    def check(self) -> WatchStep:
        step = self.hook.watch_releases(self.state, now_ms=int(self.clock.now * 1000))
        if self.state is not None:
            self.reported += [
                str(d["release_package"]["package_id"]) for d in step.released_after(self.state)
            ]
        self.state = step.state
        return step


package = release_package


def test_first_check_takes_stock_and_later_ones_report_each_release_once(
    emu: Any, hook: DataArtsHook, clock: Clock
) -> None:
    before = package(emu, hook, "job_before")
    clock.now += 10  # released (auto-approved, 0.3 s release)
    waiting = package(emu, hook, "job_waiting", deploy=False)
    watch = Watch(hook, clock)
    first = watch.check()
    assert first.previous is None and first.released == ()
    assert set(first.state.seen) == {before} and first.state.unfinished == frozenset({waiting})
    assert watch.check().released == ()

    released = package(emu, hook, "job_new", "other_job")
    clock.now += 10
    step = watch.check()
    assert [event_payload(d, "ws")["package_id"] for d in step.released] == [released]
    payload = event_payload(step.released[0], "ws")
    assert payload["item_names"] == ["job_new", "other_job"]
    assert payload["deploy_time"].endswith("+00:00") and payload["deploy_timestamp"] == int((T0 + 10) * 1000)
    assert {"deploy_user_name", "apply_user_name", "package_name", "workspace", "items"} <= set(payload)
    clock.now += 10
    assert watch.check().released == ()
    assert watch.reported == [released]


def test_a_package_approved_long_after_its_deploy_request_is_reported(
    emu: Any, hook: DataArtsHook, clock: Clock
) -> None:
    """Its deploy time is older than the listing's window: found because it was unfinished before."""
    emu.set_release_settings(auto_approve=False)
    late = package(emu, hook, "job_late")
    watch = Watch(hook, clock)
    watch.check()
    clock.now += 3 * HOUR  # days in review, in effect: the deploy time leaves the window
    assert watch.check().released == ()
    emu.approve(late)
    clock.now += 10
    assert watch.check().state.checked_ms - MARGIN_MS > int(T0 * 1000)  # outside the window
    clock.now += 10
    watch.check()
    assert watch.reported == [late]


def test_failed_cancelled_and_rereleased_packages(emu: Any, hook: DataArtsHook, clock: Clock) -> None:
    watch = Watch(hook, clock)
    watch.check()
    emu.set_fail_items(["job_fails*"])
    failing = package(emu, hook, "job_fails_once")
    cancelled = package(emu, hook, "job_cancelled", deploy=False)
    clock.now += 10
    watch.check()
    hook.cancel_release_packages([cancelled])
    emu.set_fail_items([])
    clock.now += 10
    watch.check()
    assert watch.reported == []  # a failure and a cancellation are not releases
    hook.deploy_release_packages([failing])  # released again, and it works this time
    clock.now += 10
    watch.check()
    clock.now += 10
    watch.check()
    assert watch.reported == [failing]


def test_one_detail_request_per_released_package(emu: Any, hook: DataArtsHook, clock: Clock) -> None:
    watch = Watch(hook, clock)
    watch.check()
    released = [package(emu, hook, f"job_{n}") for n in range(3)]
    clock.now += 10
    lists, details = by_endpoint(emu, ENDPOINT_PACKAGES_LIST), by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL)
    watch.check()
    watch.check()
    assert by_endpoint(emu, ENDPOINT_PACKAGES_LIST) - lists == 2 * 2  # two listings per check
    assert by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL) - details == 3  # one per released package, once
    assert watch.reported == released


def test_state_round_trips_and_bad_state_is_refused(emu: Any, hook: DataArtsHook, clock: Clock) -> None:
    package(emu, hook, "job_a")
    clock.now += 10
    state = hook.watch_releases(None, now_ms=int(clock.now * 1000)).state
    assert WatchState.from_json(state.to_json()) == state
    for bad, field in (
        ({"version": 99}, "version"),
        ({**state.to_json(), "checked_ms": "x"}, "checked_ms"),
        ({**state.to_json(), "unfinished": [1]}, "unfinished"),
        ({**state.to_json(), "seen": {"1": "x"}}, "seen"),
    ):
        with pytest.raises(ValueError, match=field):
            WatchState.from_json(bad)


def test_a_refused_check_raises_with_code_and_request_id(
    emu: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_conn(monkeypatch, emu, CONN, password="Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1")
    with pytest.raises(DataArtsAuthenticationError, match=r"APIGW\.0301.*request id"):
        DataArtsHook(CONN).watch_releases(None, now_ms=int(clock.now * 1000))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_histories_report_every_release_exactly_once(
    emu: Any, hook: DataArtsHook, clock: Clock, seed: int
) -> None:
    """Random package lives (released at once or after a long review, failed, released again,
    cancelled, left pending) between checks at random gaps: the watcher reports exactly the packages
    that reached success after its first check, each once. (It fails when the unfinished packages'
    details are not read: a package approved hours after its deploy request is then lost.)"""
    rng = random.Random(seed)
    emu.set_release_settings(auto_approve=False)
    watch = Watch(hook, clock)
    live: list[str] = []
    before = package(emu, hook, "job_before")
    emu.approve(before)
    clock.now += 5
    watch.check()
    for step in range(40):
        action = rng.choice(["new", "new", "approve", "approve", "fail", "redeploy", "cancel", "idle"])
        if action == "new":
            live.append(package(emu, hook, f"job_{step}"))
        elif live and action == "approve":
            pid = rng.choice(live)
            if emu.package(pid)["deploy_status"] == 1:
                emu.approve(pid)
        elif live and action == "fail":
            pid = rng.choice(live)
            if emu.package(pid)["deploy_status"] == 1:
                emu.set_package_outcome(pid, "failed")
                emu.approve(pid)
        elif live and action == "redeploy":
            pid = rng.choice(live)
            if emu.package(pid)["deploy_status"] == 3:
                emu.set_package_outcome(pid, "success")
                hook.deploy_release_packages([pid])
        elif live and action == "cancel":
            pid = rng.choice(live)
            if emu.package(pid)["deploy_status"] in (1, 3):
                hook.cancel_release_packages([pid])
                live.remove(pid)
        clock.now += rng.choice([0.1, 1, 30, 2 * HOUR])
        if rng.random() < 0.6:
            watch.check()
    clock.now += 10
    watch.check()
    succeeded = [
        p["package_id"] for p in emu.packages() if p["deploy_status"] == 2 and p["package_id"] != before
    ]
    assert sorted(watch.reported) == sorted(succeeded)
    assert len(watch.reported) == len(set(watch.reported))
    assert succeeded, "the history released nothing: the test would prove nothing"
