# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the benchmarks: environment, emulator process, connections, statistics, reporting."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 100
CONN_ID = "dataarts_default"


def setup_environment() -> None:
    """A throwaway AIRFLOW_HOME (before airflow is imported) and quiet logs."""
    if "AIRFLOW_HOME" not in os.environ:
        os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="dataarts-bench-airflow-home-")
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")


def clear_process_caches() -> None:
    """Forget credentials, rate limiters and learned offset semantics: every run starts cold, as a task
    process does."""
    from airflow_dataarts_provider.core.protocol.state import STATE

    STATE.reset()


def connection_json(info: dict[str, Any], **extra: Any) -> str:
    """The AIRFLOW_CONN_* JSON of an AK/SK connection to an emulator (``info``: its ready JSON)."""
    from airflow_dataarts_provider.emulator import airflow_connection

    return json.dumps(airflow_connection(info, **extra))


def set_connection(info: dict[str, Any], conn_id: str = CONN_ID, **extra: Any) -> None:
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = connection_json(info, **extra)


def pages_for(items: int) -> int:
    return max(1, math.ceil(items / PAGE_SIZE))


class EmulatorProcess:
    """``python -m airflow_dataarts_provider.emulator`` in its own process (its CPU is not ours), with
    its control API (``/_emulator/...``) over urllib."""

    def __init__(
        self,
        *,
        items: int,
        rate_limit: float = 0,
        latency: float = 0.0,
        offset_mode: str = "page",
        dlf_rate_limit: float = 30,
    ) -> None:
        self._dir = tempfile.mkdtemp(prefix="dataarts-bench-emu-")
        ready = Path(self._dir) / "ready.json"
        args = [
            sys.executable,
            "-m",
            "airflow_dataarts_provider.emulator",
            "--ready-file",
            str(ready),
            "--items",
            str(items),
            "--rate-limit",
            str(rate_limit),
            "--latency",
            str(latency),
            "--offset-mode",
            offset_mode,
            "--dlf-rate-limit",
            str(dlf_rate_limit),
        ]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator process did not start")
            time.sleep(0.02)
        self.info: dict[str, Any] = json.loads(ready.read_text(encoding="utf-8"))
        self.url: str = self.info["url"]

    def control(self, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_emulator/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def counters(self) -> dict[str, Any]:
        return dict(self.control("GET", "counters"))

    def reset(self) -> None:
        """Items, counters and rate-limit windows back to the start."""
        self.control("POST", "reset", {})

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pending_requests(counters: dict[str, Any]) -> int:
    return int(counters["by_endpoint"].get("pending-items", 0))


def throttled(counters: dict[str, Any]) -> int:
    return int(counters["by_status"].get("429", 0))


def sdk_client(info: dict[str, Any]) -> Any:
    """The official SDK client (``huaweicloudsdkdataartsstudio``) pointed at the emulator."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkdataartsstudio.v1 import DataArtsStudioClient

    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    return (
        DataArtsStudioClient.new_builder()
        .with_credentials(BasicCredentials(info["ak"], info["sk"], info["project_id"]))
        .with_endpoints([info["url"]])
        .with_http_config(config)
        .build()
    )


def sdk_list_all(client: Any, workspace: str, limit: int = PAGE_SIZE) -> tuple[list[str], int]:
    """The plain SDK loop: ``list_factory_pending_items`` page by page (offset = page index, as the
    emulator's default ``page`` mode and the service expect). Returns (ids, requests)."""
    from huaweicloudsdkdataartsstudio.v1 import ListFactoryPendingItemsRequest

    ids: list[str] = []
    page = 0
    while True:
        resp = client.list_factory_pending_items(
            ListFactoryPendingItemsRequest(workspace=workspace, limit=limit, offset=page)
        )
        data = resp.data or []
        ids.extend(item.pending_item_id for item in data)
        page += 1
        if len(data) < limit or (resp.total is not None and len(ids) >= resp.total):
            return ids, page


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``(result, wall seconds, process CPU seconds)`` of ``fn()``."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - wall0, time.process_time() - cpu0


@dataclass
class Goal:
    name: str
    value: float
    target: float
    unit: str = ""
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def describe(self) -> str:
        op = ">=" if self.higher_is_better else "<="
        verdict = "MET" if self.met else "MISSED"
        return f"{self.name}: {self.value:.3g}{self.unit} (goal {op} {self.target:g}{self.unit}) {verdict}"


@dataclass
class Result:
    """What one benchmark measured: table rows (printed), goals, and counts (asserted by smoke tests)."""

    bench: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "title": self.title,
            "rows": self.rows,
            "goals": [{**g.__dict__, "met": g.met} for g in self.goals],
            "counts": self.counts,
            "notes": self.notes,
        }

    def print(self) -> None:
        print(f"\n== {self.bench}: {self.title}")
        if self.rows:
            columns = list(dict.fromkeys(k for row in self.rows for k in row))
            cells = [[_fmt(row.get(c, "")) for c in columns] for row in self.rows]
            widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
            print("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
            for r in cells:
                print("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        for goal in self.goals:
            print(f"  goal  {goal.describe()}")
        for note in self.notes:
            print(f"  note  {note}")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)
