# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-event cursor (issue 26) over random histories: instances scheduled, ending in success or
failure, rerun (under the same id or as a new row), before the watch begins and after it, watcher checks
and restarts (the state through JSON, as Airflow 3.3's asset state store keeps it). Property: every run
that ends after the watch began and that a check could see ended is reported exactly once; none that
ended before; nothing else. Against
the emulator (real loopback HTTP, the hook's feed and step), on a settable clock, under both readings
of the listing's time filter. ``test_the_property_catches_a_broken_cursor`` shows it fails on a cursor
keyed by instance id alone (K's ``instanceId`` watermark idea: reruns are lost)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import connection_json
from helpers.release import T0, Clock
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.job_runs import events
from airflow_dataarts_provider.core.job_runs.events import EventState
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

JOBS = ("ev_a", "ev_b", "ev_c")
LOOKBACK_MS = events.DEFAULT_LOOKBACK_MS

Action = tuple[Any, ...]

service_actions = st.one_of(
    st.tuples(
        st.just("schedule"),
        st.sampled_from(JOBS),
        st.integers(-1800, 0),  # plan time: up to 30 min in the past (inside the look-back)
        st.integers(0, 300),  # waiting
        st.integers(1, 5400),  # running
        st.sampled_from(["success", "fail"]),
    ),
    st.tuples(st.just("advance"), st.integers(1, 3600)),
    st.tuples(st.just("rerun"), st.integers(0, 50), st.integers(1, 3600)),
)
actions = st.one_of(service_actions, st.tuples(st.just("check")), st.tuples(st.just("restart")))
#: (what happened before the watch began, what happened after, job names, statuses).
histories = st.tuples(
    st.lists(service_actions, max_size=8),  # at most 8 h: everything stays inside the first look-back
    st.lists(actions, min_size=1, max_size=30),
    st.sampled_from([None, ("ev_a",), ("ev_a", "ev_c")]),
    st.sampled_from([("success",), ("fail",), ("success", "fail")]),
)


@dataclass
class Run:
    instance_id: str
    job: str
    end_s: float
    outcome: str
    overwritten: int | None = None  # the action number of the same-id rerun that replaced it

    @property
    def key(self) -> tuple[str, int]:
        return (self.instance_id, int(self.end_s * 1000))

    def visible_ended(self, at: float, action: int) -> bool:
        """Shown as ended at clock ``at``, before action number ``action``."""
        return self.end_s <= at and (self.overwritten is None or action < self.overwritten)


@dataclass
class World:
    emu: Any
    clock: Clock
    hook: DataArtsHook
    runs: list[Run] = field(default_factory=list)
    checks: list[tuple[float, int]] = field(default_factory=list)
    actions: int = 0
    reported: list[tuple[str, int]] = field(default_factory=list)
    state: EventState | None = None

    def schedule(self, job: str, plan_offset: int, wait: int, run: int, outcome: str) -> None:
        self.emu.set_job(job, wait_s=wait, run_s=run, outcome=outcome)
        row = self.emu.schedule_job(job, plan_at=self.clock.now + plan_offset)
        self.runs.append(Run(str(row["instanceId"]), job, self.clock.now + wait + run, outcome))

    def rerun(self, pick: int, run: int) -> None:
        ended = [r for r in self.runs if r.visible_ended(self.clock.now, self.actions)]
        if not ended:
            return
        old = ended[pick % len(ended)]
        self.emu.set_job(old.job, wait_s=0, run_s=run, outcome="success" if pick % 2 else "fail")
        result = self.hook.rerun_job_instance(old.job, old.instance_id)
        if result.same_id:
            old.overwritten = self.actions
        outcome = "success" if pick % 2 else "fail"
        self.runs.append(Run(result.instance_id, old.job, self.clock.now + run, outcome))

    def check(self, names: tuple[str, ...] | None, statuses: tuple[str, ...]) -> None:
        now_ms = int(self.clock.now * 1000)
        state = self.state
        since = events.window_start(state, now_ms, LOOKBACK_MS)
        snapshot = self.hook.read_job_feed(since, now_ms)
        step = asyncio.run(self.hook.ajob_event_step(state, since, snapshot, job_names=names))
        self.reported += [
            (str(r["instance_id"]), r["end_time"]) for r in step.finished if r["status"] in statuses
        ]
        self.state = step.state
        self.checks.append((self.clock.now, self.actions))

    def act(self, action: Action) -> None:
        """One thing happening at the service: a scheduled start, time passing, a rerun."""
        if action[0] == "schedule":
            self.schedule(*action[1:])
        elif action[0] == "advance":
            self.clock.now += action[1]
        else:
            self.rerun(action[1], action[2])

    def expected(self, names: tuple[str, ...] | None, statuses: tuple[str, ...]) -> list[tuple[str, int]]:
        """Runs that ended after the first check and were visible as ended at a later check."""
        first, later = self.checks[0][0], self.checks[1:]
        return sorted(
            r.key
            for r in self.runs
            if r.end_s > first
            and any(r.visible_ended(t, n) for t, n in later)
            and (names is None or r.job in names)
            and r.outcome in statuses
        )


def play(
    emu: Any, clock: Clock, history: tuple[list[Action], list[Action], Any, Any]
) -> tuple[list[Any], list[Any]]:
    """Run one history; ``(reported, expected)``, both sorted."""
    before, steps, names, statuses = history
    emu.reset()
    for job in JOBS:
        emu.add_job(job, rerun_mode="new_row" if job == "ev_b" else "same_id")
    clock.now = T0
    world = World(emu, clock, DataArtsHook())
    for action in before:
        world.actions += 1
        world.act(action)
    world.actions += 1
    world.check(names, statuses)  # the watch begins: runs that ended before it are never reported
    for action in steps:
        world.actions += 1
        if action[0] == "check":
            world.check(names, statuses)
        elif action[0] == "restart":  # the state as the asset's state store returns it
            world.state = EventState.from_json(json.loads(json.dumps(world.state.to_json())))
        else:
            world.act(action)
    clock.now += 6 * 3600  # everything ends; two last checks
    world.actions += 1
    world.check(names, statuses)
    world.check(names, statuses)
    return sorted(world.reported), world.expected(names, statuses)


def _world(factory: Any, monkeypatch: pytest.MonkeyPatch, time_filter: str) -> tuple[Any, Clock]:
    clock = Clock()
    emu = factory(
        rate_limit_per_user=None,
        dlf_rate_limit_per_user=None,
        release_clock=clock,
        instance_time_filter=time_filter,
        jobs=(),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", connection_json(emu.info(), max_requests_per_second=0)
    )
    return emu, clock


@pytest.fixture(params=["plan", "start"])
def world_emulator(
    request: pytest.FixtureRequest, dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Clock]:
    return _world(dataarts_emulator_factory, monkeypatch, request.param)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_each_run_that_ends_is_reported_exactly_once(world_emulator: tuple[Any, Clock], history: Any) -> None:
    reported, expected = play(*world_emulator, history)
    assert reported == expected


def test_a_rerun_under_the_same_id_is_a_new_event(world_emulator: tuple[Any, Clock]) -> None:
    history = (
        [],
        [
            ("schedule", "ev_a", 0, 0, 10, "fail"),
            ("advance", 20),
            ("check",),
            ("rerun", 0, 10),
            ("advance", 20),
            ("restart",),
            ("check",),
            ("check",),
        ],
        None,
        ("success", "fail"),
    )
    reported, expected = play(*world_emulator, history)
    assert len(reported) == 2 and reported == expected
    assert reported[0][0] == reported[1][0]  # one instance id, two runs


def test_runs_before_the_watch_are_stock_and_their_reruns_are_new(world_emulator: tuple[Any, Clock]) -> None:
    """One instance ended and one still running when the watch began; after it, the first is rerun: the
    second's end and the rerun are reported, the first run never."""
    history = (
        [("schedule", "ev_a", 0, 0, 10, "success"), ("schedule", "ev_c", 0, 0, 600, "fail"), ("advance", 20)],
        [("check",), ("rerun", 1, 10), ("advance", 700), ("check",)],
        None,
        ("success", "fail"),
    )
    reported, expected = play(*world_emulator, history)
    assert len(reported) == 2 and reported == expected
    first_run_end = int((T0 + 10) * 1000)
    assert ("880000001", first_run_end) not in reported


def test_a_watch_stopped_longer_than_the_service_lists_says_what_it_cannot_see(
    world_emulator: tuple[Any, Clock],
) -> None:
    """A state restored after 8 days: the listing reaches back 7 days at most, and the step says so."""
    emu, clock = world_emulator
    emu.reset()
    now_ms = int(clock.now * 1000)
    old = EventState(now_ms - 8 * 86_400_000, now_ms - 9 * 86_400_000)
    hook = DataArtsHook()
    since = events.window_start(old, now_ms, LOOKBACK_MS)
    step = asyncio.run(hook.ajob_event_step(old, since, hook.read_job_feed(since, now_ms)))
    assert any("at most 7 days back" in note for note in step.notes), step.notes
    fresh = EventState(now_ms - 60_000, now_ms - LOOKBACK_MS)
    since = events.window_start(fresh, now_ms, LOOKBACK_MS)
    step = asyncio.run(hook.ajob_event_step(fresh, since, hook.read_job_feed(since, now_ms)))
    assert step.notes == ()


def test_the_property_catches_a_broken_cursor(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On one reading of the time filter (the search takes about 8 s; one is proof enough)."""
    world_emulator = _world(dataarts_emulator_factory, monkeypatch, "plan")
    monkeypatch.setattr(events, "run_key", lambda row: str(row["instance_id"]))

    def loses_or_repeats(history: Any) -> bool:
        reported, expected = play(*world_emulator, history)
        return reported != expected

    counterexample = find(
        histories,
        loses_or_repeats,
        settings=settings(
            max_examples=300,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,  # the same search on every machine
            database=None,
            phases=(Phase.generate,),  # the first counterexample is proof enough: no shrinking
        ),
    )
    assert loses_or_repeats(counterexample)  # find() raises when it finds none; this replays it
