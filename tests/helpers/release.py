# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Release packages made through a hook, a settable release clock, DAG runs of the test DAGs.

Everything talks real loopback HTTP to the emulator; connections come from ``AIRFLOW_CONN_<ID>``
environment variables in JSON form, with short timeouts and back-offs so the run stays fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from airflow_dataarts_provider.emulator import (
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGE_DETAIL,
    ENDPOINT_PACKAGES_DEPLOY,
    ENDPOINT_PACKAGES_LIST,
    ENDPOINT_PACKAGES_UNPACK,
    ENDPOINT_PENDING_ITEMS,
    SUBMITTERS,
    Emulator,
)
from helpers.hooks import by_endpoint, connection_fields, set_raw_connection, start_emulator

APPROVER = "7e6d5c4b3a291807f6e5d4c3b2a19080"
WRONG_SK = "Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1"
RELEASE_ENDPOINTS = (
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGES_LIST,
    ENDPOINT_PACKAGE_DETAIL,
    ENDPOINT_PACKAGES_DEPLOY,
    ENDPOINT_PACKAGES_UNPACK,
    ENDPOINT_PENDING_ITEMS,
)

#: Short timeouts and back-offs (the connection extras of every test here).
FAST: dict[str, Any] = {
    "max_attempts": 3,
    "backoff_initial": 0.01,
    "backoff_max": 0.05,
    "max_retry_wait": 5,
    "timeout": [2, 5],
    "max_requests_per_second": 0,
}


T0 = 1_760_000_000.0


class Clock:
    """A settable release clock for the emulator (``release_clock=clock``)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def release_package(emu: Emulator, hook: Any, *names: str, deploy: bool = True) -> str:
    """Package fresh pending items with these names through ``hook`` (and deploy it); the package id."""
    ids = [emu.add_item({"item_name": n, "task_type": 1})["pending_item_id"] for n in names]
    package_id, _ = hook.create_release_package(
        package_name=f"pkg-{'-'.join(names)}-{len(emu.packages())}",
        pending_item_ids=ids,
        approver_ids=[APPROVER],
        apply_user_id=SUBMITTERS[0][0],
    )
    if deploy:
        hook.deploy_release_packages([package_id])
    return str(package_id)


def start(factory: Any, **config: Any) -> Emulator:
    """An emulator with fast releases, 25 seeded items and no server-side rate limit."""
    config.setdefault("release_duration_s", 0.3)
    return start_emulator(factory, config.pop("seed_items", 25), **config)


def conn_fields(emu: Emulator, **extra: Any) -> dict[str, Any]:
    """The AK/SK connection with this suite's extras; ``extra`` overrides (``None`` removes)."""
    return connection_fields(emu, **{**FAST, **extra})


def set_conn(monkeypatch: pytest.MonkeyPatch, emu: Emulator, conn_id: str, **extra: Any) -> None:
    set_raw_connection(monkeypatch, conn_fields(emu, **extra), conn_id)


def release_requests(emu: Emulator) -> int:
    return sum(by_endpoint(emu, e) for e in RELEASE_ENDPOINTS)


class Later:
    """Run ``action`` in a thread once ``ready()`` holds and ``delay`` more seconds passed."""

    def __init__(self) -> None:
        self._stops: list[threading.Event] = []
        self.done = threading.Event()

    def __call__(self, ready: Callable[[], bool], action: Callable[[], Any], delay: float = 0.6) -> None:
        stop = threading.Event()
        self._stops.append(stop)

        def body() -> None:
            deadline = time.monotonic() + 30
            while not ready() and time.monotonic() < deadline:
                if stop.wait(0.02):
                    return
            if not stop.wait(delay):
                action()
                self.done.set()

        threading.Thread(target=body, daemon=True).start()

    def stop(self) -> None:
        for stop in self._stops:
            stop.set()


def dag_runner(bag: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``run(dag_id, emu, conf=None, **conn)``: ``conn`` overrides extras (and ``password``)."""

    def _run(dag_id: str, emu: Emulator, conf: dict[str, Any] | None = None, **conn: Any) -> Any:
        set_conn(monkeypatch, emu, "dataarts_default", **conn)
        dag = bag.get_dag(dag_id)
        assert dag is not None, dag_id
        return dag.test(run_conf=conf or {})

    return _run
