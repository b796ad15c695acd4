# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""What the run-operator tests share: the connection extras of a fast DAG run, a DAG run's or task's
state as text, an operator's ``execute`` on this thread (Airflow 2.11 refuses it from another) while
a second thread kills the task the way Airflow does, from elsewhere, once the remote run started, and a
fast trigger with its first event."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: Connection extras of the run-operator DAG runs: short back-offs, no client-side rate limit.
RUN_FAST: dict[str, Any] = {
    "backoff_initial": 0.01,
    "backoff_max": 0.05,
    "max_retry_wait": 5,
    "max_requests_per_second": 0,
    "max_attempts": 2,
}


def state(obj: Any) -> str:
    """A DagRun's or TaskInstance's state as text (an enum on Airflow 3, text on 2.11)."""
    return str(getattr(obj.state, "value", obj.state))


class _TI:
    dag_id = "tests"
    task_id = "patch"
    map_index = -1
    max_tries = 0

    def __init__(self, try_number: int = 1) -> None:
        self.try_number = try_number

    def xcom_push(self, key: str, value: Any) -> None:
        pass


def patch_context(try_number: int = 1) -> dict[str, Any]:
    """The context of an operator's ``execute`` outside a DAG run: one task instance of one DAG run."""
    return {"ti": _TI(try_number), "run_id": "manual__crash_test"}


def execute_then_kill(op: Any, started: Callable[[], bool]) -> Exception | None:
    """``op.execute()`` while ``op.on_kill()`` is called 0.2 s after ``started()`` holds (10 s at most);
    returns what ``execute`` raised (None when it returned)."""

    def killer() -> None:
        deadline = time.monotonic() + 10
        while not started() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        op.on_kill()

    threading.Thread(target=killer, daemon=True).start()
    try:
        op.execute(patch_context())
    except Exception as exc:
        return exc
    return None


def fast_trigger(trigger_class: Any, seconds: float, **kwargs: Any) -> Any:
    """A run trigger on connection ``dataarts_default``, checking every 0.1 s, ``seconds`` from its
    deadline."""
    return trigger_class(
        dataarts_conn_id="dataarts_default", poke_interval=0.1, deadline=time.time() + seconds, **kwargs
    )


async def first_event(trigger: Any) -> dict[str, Any]:
    """The payload of the trigger's (only) event."""
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("no event")
