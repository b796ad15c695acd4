# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance tests of the hook's release-package methods over real loopback HTTP against the emulator:
create (at most once, also when the answer to the POST is lost), list with filters, detail, deploy,
cancel, and input validation before any request."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import clear_process_state
from helpers.hooks import by_endpoint
from helpers.release import APPROVER, T0, Clock, release_requests, set_conn, start

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsInvalidRequestError,
    DataArtsServerError,
)
from airflow_dataarts_provider.emulator import (
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGE_DETAIL,
    ENDPOINT_PACKAGES_DEPLOY,
    ENDPOINT_PACKAGES_LIST,
    ENDPOINT_PACKAGES_UNPACK,
    SUBMITTERS,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

# The release and job-run workflows run in the full cells (pyproject.toml's marker, the Makefile's SUITE).
pytestmark = pytest.mark.workflows

CONN = "dataarts_release_hook"


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Any:
    return start(dataarts_emulator_factory)


@pytest.fixture
def hook(emu: Any, monkeypatch: pytest.MonkeyPatch) -> DataArtsHook:
    set_conn(monkeypatch, emu, CONN)
    return DataArtsHook(CONN)


def _ids(emu: Any, *indexes: int) -> list[str]:
    items = emu.items()
    return [items[i]["pending_item_id"] for i in indexes]


def _create(hook: DataArtsHook, name: str, item_ids: list[str]) -> tuple[str, bool]:
    return hook.create_release_package(
        package_name=name, pending_item_ids=item_ids, approver_ids=[APPROVER], apply_user_id=SUBMITTERS[0][0]
    )


def _flags(emu: Any, item_ids: list[str]) -> list[int]:
    by_id = {i["pending_item_id"]: i for i in emu.items()}
    return [by_id[i]["package_flag"] for i in item_ids]


# ------------------------------------------------------------------------------------------ create


def test_create_returns_the_id_and_packages_the_items(emu: Any, hook: DataArtsHook) -> None:
    item_ids = _ids(emu, 0, 3, 7)
    package_id, created = _create(hook, "rel-create", item_ids)
    assert created is True
    assert [p["package_id"] for p in emu.packages()] == [package_id]
    assert _flags(emu, item_ids) == [1, 1, 1]
    assert sorted(emu.package(package_id)["pending_item_ids"]) == sorted(item_ids)
    assert emu.package(package_id)["package_name"] == "rel-create"
    assert emu.counters()["packages_created"] == 1
    # the other items stay unpackaged
    assert sum(i["package_flag"] for i in emu.items()) == 3


def test_second_create_with_same_name_and_items_reuses_without_post(emu: Any, hook: DataArtsHook) -> None:
    item_ids = _ids(emu, 1, 2)
    first, created = _create(hook, "rel-again", item_ids)
    assert created
    posts = by_endpoint(emu, ENDPOINT_PACKAGE_CREATE)
    again, created_again = _create(hook, "rel-again", list(reversed(item_ids)))
    assert (again, created_again) == (first, False)
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == posts == 1
    assert emu.counters()["packages_created"] == 1
    assert hook.find_release_package("rel-again") == first
    assert hook.find_release_package("rel-again", pending_item_ids=item_ids) == first
    assert hook.find_release_package("rel-again", pending_item_ids=item_ids[:1]) is None
    assert hook.find_release_package("rel-agai") is None  # key_word is a substring search: exact name


def test_lost_answer_to_the_create_post_does_not_duplicate(emu: Any, hook: DataArtsHook) -> None:
    item_ids = _ids(emu, 4, 5)
    emu.script_faults(ENDPOINT_PACKAGE_CREATE, ["drop_after"])
    package_id, created = _create(hook, "rel-dropped", item_ids)
    packages = emu.packages()
    assert [p["package_id"] for p in packages] == [package_id]
    assert emu.counters()["packages_created"] == 1
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 1  # never POSTed again: the server was checked first
    assert created is True  # made by this call's POST, whose answer was lost (found on the server)
    assert _flags(emu, item_ids) == [1, 1]


def test_lost_answer_with_a_single_attempt_is_found_and_a_retry_reuses_it(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_conn(monkeypatch, emu, CONN, max_attempts=1)
    item_ids = _ids(emu, 6)
    emu.script_faults(ENDPOINT_PACKAGE_CREATE, ["drop_after"])
    # Even with no attempt left, the outcome of the lost POST is looked up rather than raised blindly.
    package_id, created = _create(DataArtsHook(CONN), "rel-one-try", item_ids)
    assert created is True
    assert emu.counters()["packages_created"] == 1
    again, created = _create(DataArtsHook(CONN), "rel-one-try", item_ids)
    assert (again, created) == (package_id, False)
    assert [p["package_id"] for p in emu.packages()] == [package_id]
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 1


def test_create_that_provably_did_not_happen_raises_after_the_last_attempt(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_conn(monkeypatch, emu, CONN, max_attempts=2)
    item_ids = _ids(emu, 7)
    emu.script_faults(ENDPOINT_PACKAGE_CREATE, [502, 502])  # refused by the gateway: nothing created
    with pytest.raises(DataArtsServerError):
        _create(DataArtsHook(CONN), "rel-never", item_ids)
    assert emu.counters()["packages_created"] == 0
    assert by_endpoint(emu, ENDPOINT_PACKAGE_CREATE) == 2  # sent again only after a look found nothing


def test_create_with_already_packaged_items_is_refused_by_the_server(emu: Any, hook: DataArtsHook) -> None:
    item_ids = _ids(emu, 8, 9)
    _create(hook, "rel-first", item_ids)
    with pytest.raises(DataArtsInvalidRequestError, match=r"EMU\.1102"):
        _create(hook, "rel-second", item_ids)
    assert emu.counters()["packages_created"] == 1


# ------------------------------------------------------------------------------------------ list


@pytest.fixture
def clocked(dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Clock, Any]:
    clock = Clock()
    emu = start(dataarts_emulator_factory, release_clock=clock, release_duration_s=10)
    set_conn(monkeypatch, emu, CONN)
    return emu, clock, DataArtsHook(CONN)


def test_list_filters(clocked: tuple[Any, Clock, Any]) -> None:
    emu, clock, hook = clocked
    a, _ = _create(hook, "nightly-alpha", _ids(emu, 0))
    clock.now = T0 + 100
    b, _ = _create(hook, "nightly-beta", _ids(emu, 1))
    clock.now = T0 + 200
    c, _ = _create(hook, "weekly-gamma", _ids(emu, 2))
    hook.deploy_release_packages([b])  # releasing (10 s on the frozen clock)

    def listed(**filters: Any) -> list[str]:
        return sorted(p["package_id"] for p in hook.list_release_packages(**filters))

    assert listed() == sorted([a, b, c])
    assert listed(key_word="nightly") == sorted([a, b])
    assert listed(key_word="gamma") == [c]
    assert listed(key_word="nothing-like-this") == []
    assert listed(deploy_status_filter=5) == [b]
    assert listed(deploy_status_filter="releasing") == [b]
    assert listed(deploy_status_filter=["PENDING_APPROVAL"]) == sorted([a, c])
    assert listed(deploy_status_filter=[1, "5"]) == sorted([a, b, c])
    assert listed(deploy_status_filter="success") == []
    mid = datetime.fromtimestamp(T0 + 50, tz=timezone.utc)
    late = datetime.fromtimestamp(T0 + 150, tz=timezone.utc)
    assert listed(apply_begin_time=mid) == sorted([b, c])
    assert listed(apply_end_time=mid.isoformat()) == [a]
    assert listed(apply_begin_time=mid.isoformat(), apply_end_time=late) == [b]
    assert listed(apply_begin_time=int((T0 + 150) * 1000)) == [c]
    assert listed(apply_begin_time=mid, key_word="nightly") == [b]
    # exact bounds are inclusive (13-digit epoch ms on the wire)
    exact = datetime.fromtimestamp(T0 + 100, tz=timezone.utc)
    assert listed(apply_begin_time=exact, apply_end_time=exact) == [b]
    deployed_at = datetime.fromtimestamp(T0 + 200, tz=timezone.utc)
    assert listed(deploy_begin_time=deployed_at - timedelta(seconds=1)) == [b]
    assert by_endpoint(emu, ENDPOINT_PACKAGES_LIST) >= 15
    # every list answer was a 200: the emulator refuses times that are not 13-digit epoch ms
    assert set(emu.counters()["by_endpoint_status"][ENDPOINT_PACKAGES_LIST]) == {"200"}


def test_list_walks_more_than_one_page(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = start(dataarts_emulator_factory, seed_items=130)
    set_conn(monkeypatch, emu, CONN)
    hook = DataArtsHook(CONN)
    ids = [i["pending_item_id"] for i in emu.items()]
    for n, item_id in enumerate(ids[:105]):
        _create(hook, f"bulk-{n:03d}", [item_id])
    emu.clear_request_log()
    before = by_endpoint(emu, ENDPOINT_PACKAGES_LIST)
    listed = hook.list_release_packages(key_word="bulk-")
    assert len(listed) == 105
    assert len({p["package_id"] for p in listed}) == 105
    assert by_endpoint(emu, ENDPOINT_PACKAGES_LIST) - before >= 2
    assert len(hook.list_release_packages(key_word="bulk-", max_items=10)) == 10


# ---------------------------------------------------------------------------- detail, deploy, cancel


def test_detail_deploy_and_cancel(emu: Any, hook: DataArtsHook) -> None:
    first_ids, second_ids = _ids(emu, 10, 11), _ids(emu, 12)
    first, _ = _create(hook, "rel-deploy", first_ids)
    second, _ = _create(hook, "rel-cancel", second_ids)

    detail = hook.get_release_package(first)
    assert set(detail) == {"release_package", "task_details"}
    assert detail["release_package"]["package_id"] == first
    assert detail["release_package"]["deploy_status"] == 1
    assert sorted(t["pending_item_id"] for t in detail["task_details"]) == sorted(first_ids)

    details = hook.deploy_release_packages([first], startup_mode=0)
    assert [str(d["package_id"]) for d in details] == [first]
    assert emu.counters()["packages_deploy_requests"] == 1
    assert emu.package(first)["startup_mode"] == 0
    assert hook.get_release_package(first)["release_package"]["deploy_status"] in (5, 2)

    hook.cancel_release_packages([second])
    assert emu.counters()["packages_cancelled"] == 1
    assert _flags(emu, second_ids) == [0]
    assert emu.package(second)["delete_flag"] == 1
    assert second not in [p["package_id"] for p in hook.list_release_packages()]
    assert hook.find_release_package("rel-cancel") is None
    # the released package cannot be cancelled any more: the server refuses, nothing changes
    with pytest.raises(DataArtsInvalidRequestError, match=r"EMU\.1104"):
        hook.cancel_release_packages([first])
    assert _flags(emu, first_ids) == [1, 1]


def test_cancelled_items_can_be_packaged_again(emu: Any, hook: DataArtsHook) -> None:
    item_ids = _ids(emu, 13, 14)
    first, _ = _create(hook, "rel-repack", item_ids)
    hook.cancel_release_packages(first)
    second, created = _create(hook, "rel-repack", item_ids)
    assert created is True and second != first
    assert _flags(emu, item_ids) == [1, 1]


# ------------------------------------------------------------------------------------------ validation


def _bad_calls(hook: DataArtsHook, item: str) -> list[tuple[str, Any]]:
    def create(**over: Any) -> Any:
        kwargs: dict[str, Any] = {
            "package_name": "ok",
            "pending_item_ids": [item],
            "approver_ids": [APPROVER],
            "apply_user_id": SUBMITTERS[0][0],
            **over,
        }
        return lambda: hook.create_release_package(**kwargs)

    many = [f"id-{n}" for n in range(101)]
    return [
        ("empty item ids", create(pending_item_ids=[])),
        ("101 item ids", create(pending_item_ids=many)),
        ("bad item id", create(pending_item_ids=["a/b"])),
        ("empty approvers", create(approver_ids=[])),
        ("two applicants", create(apply_user_id=["u1", "u2"])),
        ("empty name", create(package_name="")),
        ("long name", create(package_name="x" * 129)),
        ("padded name", create(package_name=" name")),
        ("control char name", create(package_name="a\nb")),
        ("non-str name", create(package_name=5)),
        ("deploy no ids", lambda: hook.deploy_release_packages([])),
        ("deploy 101 ids", lambda: hook.deploy_release_packages(many)),
        ("startup_mode 2", lambda: hook.deploy_release_packages(["1000001"], startup_mode=2)),
        ("startup_mode True", lambda: hook.deploy_release_packages(["1000001"], startup_mode=True)),
        ("startup_mode str", lambda: hook.deploy_release_packages(["1000001"], startup_mode="1")),
        ("cancel no ids", lambda: hook.cancel_release_packages([])),
        ("cancel 101 ids", lambda: hook.cancel_release_packages(many)),
        ("detail bad id", lambda: hook.get_release_package("../x")),
        ("detail empty id", lambda: hook.get_release_package("")),
        ("unknown filter", lambda: hook.list_release_packages(status=2)),
        ("bad status int", lambda: hook.list_release_packages(deploy_status_filter=4)),
        ("bad status name", lambda: hook.list_release_packages(deploy_status_filter="deployed")),
        ("bool status", lambda: hook.list_release_packages(deploy_status_filter=True)),
        ("bad time", lambda: hook.list_release_packages(apply_begin_time="yesterday-ish")),
        ("bad key_word", lambda: hook.list_release_packages(key_word=3)),
    ]


def test_invalid_inputs_are_refused_before_any_request(emu: Any, hook: DataArtsHook) -> None:
    item = _ids(emu, 0)[0]
    accepted = []
    for label, call in _bad_calls(hook, item):
        try:
            call()
        except DataArtsConfigError:
            pass
        else:
            accepted.append(label)
    assert accepted == []
    assert release_requests(emu) == 0, emu.counters()["by_endpoint"]
    assert emu.packages() == []


def test_101_duplicate_ids_are_one_id(emu: Any, hook: DataArtsHook) -> None:
    item = _ids(emu, 0)[0]
    package_id, created = _create(hook, "rel-dedup", [item] * 101)
    assert created and emu.package(package_id)["pending_item_ids"] == [item]


def test_unknown_package_is_an_error_not_none(emu: Any, hook: DataArtsHook) -> None:
    with pytest.raises(DataArtsInvalidRequestError, match=r"EMU\.1103"):
        hook.get_release_package("999")
    with pytest.raises(DataArtsInvalidRequestError, match=r"EMU\.1103"):
        hook.deploy_release_packages(["999"])
    # The deploy reads the package's state first: an unknown package fails there, nothing is POSTed.
    assert by_endpoint(emu, ENDPOINT_PACKAGE_DETAIL) == 2
    assert by_endpoint(emu, ENDPOINT_PACKAGES_DEPLOY) == 0
    assert by_endpoint(emu, ENDPOINT_PACKAGES_UNPACK) == 0


# ------------------------------------------- the listing's undocumented maximum page size (#13.4)


def _make_packages(hook: DataArtsHook, emu: Any, count: int) -> list[str]:
    ids = []
    for n, item in enumerate(emu.items()[:count]):
        package_id, _ = hook.create_release_package(
            package_name=f"size-{n}",
            pending_item_ids=[item["pending_item_id"]],
            approver_ids=[APPROVER],
            apply_user_id="u-1",
        )
        ids.append(package_id)
    return ids


def _limits(emu: Any) -> list[int]:
    import json

    return [
        json.loads(r["body"])["limit"] for r in emu.request_log() if r["endpoint"] == ENDPOINT_PACKAGES_LIST
    ]


@pytest.mark.parametrize(("maximum", "learned"), [(50, 50), (20, 10)])
def test_a_refused_page_size_falls_back_and_is_remembered(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch, maximum: int, learned: int
) -> None:
    """A server whose maximum is below 100 answers DLF.3051; before, every listing (and so every
    create-package run, which looks for its package first) failed."""
    emu = start(dataarts_emulator_factory, seed_items=60, release_list_max_limit=maximum)
    set_conn(monkeypatch, emu, CONN)
    hook = DataArtsHook(CONN)
    created = _make_packages(hook, emu, 55)
    clear_process_state()  # a new worker process: nothing learned yet
    emu.clear_request_log()
    listed = DataArtsHook(CONN).list_release_packages()
    assert sorted(p["package_id"] for p in listed) == sorted(created)
    tried = [s for s in (100, 50, 10) if s > learned]
    assert _limits(emu)[: len(tried)] == tried  # each refused once
    assert set(_limits(emu)[len(tried) :]) == {learned}
    emu.clear_request_log()
    assert len(DataArtsHook(CONN).list_release_packages()) == 55  # remembered: no refused request
    assert set(_limits(emu)) == {learned}


def test_a_silently_capped_page_size_is_recognised(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that answers at most 30 rows whatever the limit: the walk used to see a short page
    below total and raise; now it pages by 30."""
    emu = start(
        dataarts_emulator_factory, seed_items=80, release_list_max_limit=30, release_list_over_limit="cap"
    )
    set_conn(monkeypatch, emu, CONN)
    hook = DataArtsHook(CONN)
    created = _make_packages(hook, emu, 75)
    clear_process_state()
    emu.clear_request_log()
    listed = DataArtsHook(CONN).list_release_packages()
    assert sorted(p["package_id"] for p in listed) == sorted(created)
    assert _limits(emu)[0] == 100 and set(_limits(emu)[1:]) == {30}
    assert len(_limits(emu)) == 1 + 3  # the capped first page, then ceil(75/30) pages


def test_a_bad_filter_is_not_mistaken_for_the_page_size(
    dataarts_emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = start(dataarts_emulator_factory)
    set_conn(monkeypatch, emu, CONN)
    emu.script_faults(
        ENDPOINT_PACKAGES_LIST, [{"status": 400, "body": {"error_code": "DLF.3051", "error_msg": "bad"}}] * 3
    )
    with pytest.raises(DataArtsInvalidRequestError):
        DataArtsHook(CONN).list_release_packages()
    assert _limits(emu) == [100, 50, 10]  # tried each size once, then the error
