# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of DataArtsPendingItemsSensor in each mode (poke, reschedule, deferrable): real DAG
runs (``dag.test()``; the deferrable sensor's trigger runs inline) against the emulator over loopback
HTTP, with emulator changes made by timers while the run waits. DAGs: ``dataarts_acc_sensor_<mode>``,
``dataarts_acc_sensor_<mode>_short`` and ``_soft`` (tests/dags: 60 s, 4 s and 4 s timeouts), 0.5 s
poke interval."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import task_output, upstream_reschedule_timeout_bug

from airflow_dataarts_provider.emulator import ENDPOINT_PENDING_ITEMS

MODES = ("poke", "reschedule", "deferrable")
FAST = {"max_attempts": 1, "backoff_initial": 0.01, "backoff_max": 0.05, "max_requests_per_second": 0}
CHANGE_AFTER_S = 0.8
WRONG_SK = "Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1"
OTHER_PROJECT = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Any:
    return dataarts_emulator_factory(seed_items=25, rate_limit_per_user=None)


@pytest.fixture(scope="module")
def bag(dag_bag: Any) -> Any:
    return dag_bag


@pytest.fixture
def run(bag: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``run(mode, emu, conf, soft=False, at=None, **conn)``: ``at`` is called ``CHANGE_AFTER_S`` after
    the sensor's first pending-items request; ``conn`` overrides connection fields (``password``) or
    extras. Returns the DagRun."""
    stops: list[threading.Event] = []

    def _run(
        mode: str,
        emulator: Any,
        conf: dict[str, Any],
        *,
        soft: bool = False,
        short: bool = False,
        at: Any = None,
        **conn: Any,
    ) -> Any:
        from airflow_dataarts_provider.emulator import airflow_connection

        fields = airflow_connection(emulator.info(), **{**FAST, **conn})
        monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", json.dumps(fields))
        variant = "_soft" if soft else "_short" if short else ""
        dag = bag.get_dag(f"dataarts_acc_sensor_{mode}{variant}")
        assert dag is not None
        if at is not None:
            stop = threading.Event()
            stops.append(stop)

            def change() -> None:
                # CHANGE_AFTER_S after the sensor's first check (the first dag.test() of a session
                # spends seconds before the task starts).
                deadline = time.monotonic() + 15
                while _pending_requests(emulator) < 1 and time.monotonic() < deadline:
                    if stop.wait(0.02):
                        return
                if not stop.wait(CHANGE_AFTER_S):
                    at()

            threading.Thread(target=change, daemon=True).start()
        return dag.test(run_conf=conf)

    yield _run
    for stop in stops:
        stop.set()


def _state(obj: Any) -> str:
    return str(getattr(obj.state, "value", obj.state))


def _ti(dr: Any) -> Any:
    return dr.get_task_instance("s")


def _xcom(dr: Any) -> Any:
    return _ti(dr).xcom_pull(task_ids="s")


def _pending_requests(emu: Any) -> int:
    return int(emu.counters()["by_endpoint"].get(ENDPOINT_PENDING_ITEMS, 0))


def _names(emu: Any, *indexes: int) -> list[str]:
    items = emu.items()
    return [items[i]["item_name"] for i in indexes]


def _timed(fn: Any) -> tuple[Any, float]:
    start = time.monotonic()
    result = fn()
    return result, time.monotonic() - start


# ---------------------------------------------------------------- success when the watched items change


@pytest.mark.parametrize("mode", MODES)
def test_succeeds_when_named_tasks_are_released_mid_run(mode: str, emu: Any, run: Any) -> None:
    names = _names(emu, 0, 3)
    before = len(emu.items())
    dr, elapsed = _timed(lambda: run(mode, emu, {"names": names}, at=lambda: emu.release(item_names=names)))
    assert _state(_ti(dr)) == "success"
    assert _state(dr) == "success"
    assert elapsed >= CHANGE_AFTER_S  # it really waited for the release
    assert len(emu.items()) == before - 2
    assert _pending_requests(emu) >= 2
    assert _xcom(dr) == []  # last snapshot of the matching items: none left


@pytest.mark.parametrize("mode", MODES)
def test_wait_for_packaged_succeeds_when_items_are_packaged(mode: str, emu: Any, run: Any) -> None:
    names = _names(emu, 1, 2, 5)
    dr, elapsed = _timed(
        lambda: run(
            mode,
            emu,
            {"names": names, "wait_for": "packaged"},
            at=lambda: emu.mark_packaged(item_names=names),
        )
    )
    assert _state(_ti(dr)) == "success"
    assert elapsed >= CHANGE_AFTER_S
    expected = [i for i in emu.items() if i["item_name"] in names]
    assert len(expected) == 3 and all(i["package_flag"] == 1 for i in expected)
    got = _xcom(dr)
    assert sorted(got, key=lambda i: i["pending_item_id"]) == sorted(
        expected, key=lambda i: i["pending_item_id"]
    )


# ---------------------------------------------------------------- timeouts


@pytest.mark.parametrize("mode", MODES)
def test_times_out_when_only_other_tasks_change(mode: str, emu: Any, run: Any) -> None:
    # "sync" is a substring of "sync job": releasing "sync job" must not satisfy a gate on "sync"
    emu.add_item({"item_name": "sync"})
    emu.add_item({"item_name": "sync job"})
    watched, others = ["sync"], ["sync job", *_names(emu, 3, 4)]

    def change_others() -> None:
        emu.release(item_names=others[:2])
        emu.mark_packaged(item_names=others[2:])

    dr = run(mode, emu, {"names": watched}, at=change_others, short=True)
    assert _state(_ti(dr)) == "failed"
    assert _state(dr) == "failed"
    assert [i["item_name"] for i in emu.items()].count(watched[0]) == 1  # still pending
    assert others[0] not in [i["item_name"] for i in emu.items()]  # the change did happen
    assert _xcom(dr) is None


@pytest.mark.parametrize("mode", MODES)
def test_soft_fail_timeout_ends_skipped(
    mode: str, emu: Any, run: Any, request: pytest.FixtureRequest
) -> None:
    upstream_reschedule_timeout_bug(request, mode)
    dr = run(mode, emu, {"names": _names(emu, 4)}, soft=True)
    assert _state(_ti(dr)) == "skipped"
    assert _pending_requests(emu) >= 2


# ---------------------------------------------------------------- permanent errors fail fast


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("conn", "status", "code"),
    [
        ({"password": WRONG_SK}, 401, "APIGW.0301"),
        ({"project_id": OTHER_PROJECT}, 403, "APIGW.0302"),
    ],
    ids=["401-wrong-sk", "403-project-mismatch"],
)
def test_fails_fast_on_auth_and_permission_errors(
    mode: str,
    conn: dict[str, Any],
    status: int,
    code: str,
    emu: Any,
    run: Any,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    dr = run(mode, emu, {"names": _names(emu, 0)}, **conn)
    assert _state(_ti(dr)) == "failed"
    log = [r for r in emu.request_log() if r["endpoint"] == ENDPOINT_PENDING_ITEMS]
    assert len(log) == 1, log
    assert log[0]["status"] == status
    text = task_output(capfd, caplog)
    assert code in text
    assert log[0]["request_id"] in text


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_exact_name_matching_ignores_superstring_names(mode: str, emu: Any, run: Any) -> None:
    emu.add_item({"item_name": "sync"})
    emu.add_item({"item_name": "sync job"})
    emu.add_item({"item_name": "pre-sync"})
    dr = run(mode, emu, {"names": ["sync"]}, at=lambda: emu.release(item_names=["sync"]))
    assert _state(_ti(dr)) == "success"
    assert _xcom(dr) == []
    remaining = {i["item_name"] for i in emu.items()}
    assert {"sync job", "pre-sync"} <= remaining


@pytest.mark.parametrize("mode", MODES)
def test_the_task_type_is_matched_on_the_client_never_sent(mode: str, emu: Any, run: Any) -> None:
    """The server's task_type format is undocumented: a server that misread it and answered an empty
    page would open a 'released' gate. The gate never sends it and matches types itself."""
    job = emu.add_item({"item_name": "typed_gate_job", "task_type": 1})
    emu.add_item({"item_name": "typed_gate_job", "task_type": 2})  # a script of the same name stays
    dr = run(
        mode,
        emu,
        {"names": ["typed_gate_job"], "task_type": "JOB"},
        at=lambda: emu.release(pending_item_ids=[job["pending_item_id"]]),
    )
    assert _state(_ti(dr)) == "success"
    assert [i["task_type"] for i in emu.items() if i["item_name"] == "typed_gate_job"] == [2]
    queries = [r["query"] for r in emu.request_log() if r["endpoint"] == ENDPOINT_PENDING_ITEMS]
    assert queries and not [q for q in queries if "task_type" in q], queries


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_task_ids_are_watched(mode: str, emu: Any, run: Any) -> None:
    items = emu.items()
    watched = [items[2], items[7]]
    ids = [i["task_id"] for i in watched]
    dr = run(
        mode,
        emu,
        {"ids": ids},
        at=lambda: emu.release(pending_item_ids=[i["pending_item_id"] for i in watched]),
    )
    assert _state(_ti(dr)) == "success"
    assert _xcom(dr) == []
    assert not {i["task_id"] for i in emu.items()} & set(ids)


def test_task_type_restricts_the_gate(emu: Any, run: Any) -> None:
    items = emu.items()
    job = next(i for i in items if i["task_type"] == 1)
    script = next(i for i in items if i["task_type"] == 2)
    names = [job["item_name"], script["item_name"]]
    dr = run(
        "poke",
        emu,
        {"names": names, "task_type": "JOB"},
        at=lambda: emu.release(item_names=[job["item_name"]]),
    )
    assert _state(_ti(dr)) == "success"
    assert script["item_name"] in {i["item_name"] for i in emu.items()}


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_whole_workspace_gate(mode: str, dataarts_emulator_factory: Any, run: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=130, rate_limit_per_user=None)  # 2 pages
    names = [i["item_name"] for i in emu.items()]
    dr = run(mode, emu, {}, at=lambda: emu.release(item_names=names))
    assert _state(_ti(dr)) == "success"
    assert emu.items() == []
    assert _xcom(dr) == []


def test_whole_workspace_packaged_returns_every_item(dataarts_emulator_factory: Any, run: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=7, rate_limit_per_user=None)
    dr = run(
        "poke",
        emu,
        {"wait_for": "packaged"},
        at=lambda: emu.mark_packaged(item_names=[i["item_name"] for i in emu.items()]),
    )
    assert _state(_ti(dr)) == "success"
    assert sorted(_xcom(dr), key=lambda i: i["pending_item_id"]) == sorted(
        emu.items(), key=lambda i: i["pending_item_id"]
    )


def test_invalid_wait_for_fails_before_any_request(emu: Any, run: Any) -> None:
    dr = run("poke", emu, {"names": ["x"], "wait_for": "deployed"})
    assert _state(_ti(dr)) == "failed"
    assert _pending_requests(emu) == 0


def test_listing_log_counts_each_item_once(
    emu: Any, run: Any, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # two names that are not pending: the gate walks the workspace once (1 page) and is satisfied
    dr = run("poke", emu, {"names": ["not pending 1", "not pending 2"]})
    assert _state(_ti(dr)) == "success"
    assert _pending_requests(emu) == 1
    text = task_output(capfd, caplog)
    assert "Listed 25 pending items of workspace" in text, [
        line for line in text.splitlines() if "Listed " in line
    ]
