# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-gate logic: matching, satisfaction, validation and the cheaper query plan.

The plan tests count requests on the emulator (real HTTP), the pure parts need no server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.pending_items.flows import gate_flow
from airflow_dataarts_provider.core.pending_items.gate import (
    GateSpec,
    ListingIndex,
    choose_plan,
    describe_blocking,
)
from airflow_dataarts_provider.core.pending_items.values import TaskType
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAuthenticationError,
    DataArtsConfigError,
    DataArtsServerError,
    DataArtsTransportError,
)
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Waiter
from airflow_dataarts_provider.transport import sync

ITEM = {"item_name": "job a", "task_id": "11", "task_type": 1, "package_flag": 0}


def test_exact_names_ids_and_type() -> None:
    spec = GateSpec.create(["job a"], ["22"], "JOB")
    assert spec.matches(ITEM)
    assert not spec.matches({**ITEM, "item_name": "job ab"})  # a longer name is another task
    assert spec.matches({**ITEM, "item_name": "x", "task_id": "22"})
    assert not spec.matches({**ITEM, "task_type": 2})
    assert GateSpec.create().matches({**ITEM, "task_type": 2})  # whole workspace


def test_released_vs_packaged() -> None:
    packaged = {**ITEM, "package_flag": 1}
    released = GateSpec.create("job a")
    assert released.blocking([packaged]) == [packaged]
    assert released.blocking([]) == []
    assert GateSpec.create("job a", wait_for="packaged").blocking([packaged, ITEM]) == [ITEM]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"wait_for": "deployed"}, "wait_for"),
        ({"task_names": [" padded "]}, "task_names"),
        ({"task_names": [""]}, "task_names"),
        ({"task_ids": [7]}, "task_ids"),
        ({"task_type": 9}, "task_type"),
    ],
)
def test_invalid_specs_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        GateSpec.create(**kwargs)
    assert info.value.field == field


def test_json_round_trip_is_plain_json() -> None:
    spec = GateSpec.create(["job a", "任务 b/c"], ["1"], TaskType.SCRIPT, "packaged")
    data = json.loads(json.dumps(spec.to_json()))
    assert GateSpec.from_json(data) == spec


def test_choose_plan() -> None:
    one, three = GateSpec.create("a"), GateSpec.create(["a", "b", "c"])
    assert choose_plan(one, None) == "per_name"
    assert choose_plan(three, None) == "walk"  # look at the first page before deciding
    assert choose_plan(three, 250) == "walk"  # 2 more pages < 3 names
    assert choose_plan(three, 1000) == "per_name"  # 9 more pages > 3 names
    assert choose_plan(GateSpec.create(task_ids=["1"]), 10_000) == "walk"  # ids can't be queried
    assert choose_plan(GateSpec.create(), 10_000) == "walk"


def test_the_waiter_fails_at_once_on_permanent_errors_and_counts_transient_ones() -> None:
    def api(cls: type, status: int) -> Exception:
        return cls(status=status, error_code="X", error_msg="m", request_id="r", method="GET", path="/p")

    for permanent in (api(DataArtsAuthenticationError, 401), DataArtsConfigError("f", "bad")):
        step = Waiter(3).after(permanent)  # type: ignore[arg-type]
        assert (step.action, step.permanent) == ("fail", True)
        assert step.message.startswith("permanent error: ")
    waiter = Waiter(2)
    transient = [api(DataArtsServerError, 503), DataArtsTransportError("GET", "/p", "reset")]
    assert [waiter.after(e).action for e in transient] == ["wait", "wait"]  # type: ignore[arg-type]
    step = waiter.after(transient[1])  # type: ignore[arg-type]
    assert (step.action, step.permanent) == ("fail", False)
    assert step.message.startswith("Giving up after 3 failed checks in a row: ")
    waiter = Waiter(1)
    waiter.after(transient[0])  # type: ignore[arg-type]
    assert waiter.after(CheckResult("waiting", "still")).action == "wait"  # a result resets the count
    assert waiter.after(transient[0]).action == "wait"  # type: ignore[arg-type]
    failed = waiter.after(CheckResult("failed", "deployment failed", ["t1"]))
    assert (failed.action, failed.permanent, failed.value) == ("fail", True, ["t1"])


def test_describe_blocking_is_bounded() -> None:
    items = [{**ITEM, "item_name": f"n{i}"} for i in range(15)]
    text = describe_blocking(items, limit=3)
    assert text.startswith("15 items: n0 (job, ?), n1") and text.endswith("and 12 more")


def _gate(emu: Any, spec: GateSpec) -> tuple[list[dict[str, Any]], int]:
    info = emu.info()
    config = ClientConfig.from_connection(
        info["url"],
        info["ak"],
        info["sk"],
        {"region": info["region"], "project_id": info["project_id"], "workspace": info["workspace"]},
    )
    before = emu.counters()["by_endpoint"].get("pending-items", 0)
    transport = sync.SyncTransport(timeout=config.timeout)
    try:
        items = sync.run(gate_flow(CallContext.create(config), spec), transport)
    finally:
        transport.close()
    return items, emu.counters()["by_endpoint"].get("pending-items", 0) - before


@pytest.mark.parametrize(("seeded", "names", "requests"), [(250, 1, 1), (250, 2, 3), (950, 2, 3), (80, 3, 1)])
def test_gate_flow_takes_the_cheaper_plan(
    dataarts_emulator_factory: Any, seeded: int, names: int, requests: int
) -> None:
    emu = dataarts_emulator_factory(seed_items=seeded, rate_limit_per_user=None, offset_mode="page")
    chosen = [i["item_name"] for i in emu.items()[:names]]
    items, made = _gate(emu, GateSpec.create(chosen))
    assert sorted(i["item_name"] for i in items) == sorted(chosen)  # exact: no substring matches
    assert made == requests


def test_gate_flow_whole_workspace_walks_everything(dataarts_emulator_factory: Any) -> None:
    emu = dataarts_emulator_factory(seed_items=230, rate_limit_per_user=None)
    items, made = _gate(emu, GateSpec.create())
    assert {i["pending_item_id"] for i in items} == {i["pending_item_id"] for i in emu.items()}
    assert made <= 4  # ceil(230/100) plus at most one offset-semantics probe


def test_a_list_rendered_as_text_is_read_as_a_list() -> None:
    # "{{ params.job_names }}" without render_template_as_native_obj renders "['a', 'b c']": taken as
    # one name it would match nothing and open a "released" gate at once.
    assert GateSpec.create("['a', 'b c']").task_names == ("a", "b c")
    assert GateSpec.create('["任务 1"]').task_names == ("任务 1",)
    assert GateSpec.create("plain name").task_names == ("plain name",)
    with pytest.raises(DataArtsConfigError) as info:
        GateSpec.create("[not a literal]")
    assert info.value.field == "task_names"
    with pytest.raises(DataArtsConfigError):
        GateSpec.create(task_ids="[1, 2]")  # ints are not ids here: refused, not silently str()-ed


_names = st.sampled_from(["a", "b", "c", "d"])
_items = st.lists(
    st.fixed_dictionaries(
        {
            "pending_item_id": st.uuids().map(str),
            "item_name": _names,
            "task_id": st.sampled_from(["1", "2", "3", 4]),
            "task_type": st.sampled_from([1, 2]),
            "package_flag": st.sampled_from([0, 1]),
        }
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    items=_items,
    names=st.lists(_names, max_size=3),
    task_ids=st.lists(st.sampled_from(["1", "2", "4", "9"]), max_size=2),
    task_type=st.sampled_from([None, 1, 2]),
)
def test_an_index_matches_exactly_what_a_scan_matches(
    items: list[dict[str, Any]], names: list[str], task_ids: list[str], task_type: int | None
) -> None:
    """The fleet's shared index is an optimisation only: same items, same order, as the scan."""
    spec = GateSpec.create(names, task_ids, task_type)
    assert ListingIndex(items).matching(spec) == spec.matching(items)
