"""What the run-operator tests share: the connection extras of a fast DAG run, a DAG run's or task's
state as text, and an operator's ``execute`` on this thread (Airflow 2.11 refuses it from another) while
a second thread kills the task the way Airflow does, from elsewhere, once the remote run started."""

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
    try_number = 1

    def xcom_push(self, key: str, value: Any) -> None:
        pass


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
        op.execute({"ti": _TI()})
    except Exception as exc:
        return exc
    return None
