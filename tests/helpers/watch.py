# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Driving asset watchers (event triggers) in a test's event loop: a watcher's run in a task, waiting
for a condition, and Airflow 3.3's asset state store as a trigger sees it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest


class Watcher:
    """A trigger's run() in a task, collecting its events' payloads."""

    def __init__(self, trigger: Any, id_key: str = "package_id") -> None:
        self.trigger, self.id_key = trigger, id_key
        self.events: list[dict[str, Any]] = []
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        async for event in self.trigger.run():
            json.dumps(event.payload)  # plain JSON, as Airflow stores it
            self.events.append(event.payload)

    @property
    def ids(self) -> list[str]:
        return [e[self.id_key] for e in self.events]

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "condition not reached in time"
        await asyncio.sleep(0.02)


class Store:
    """Airflow 3.3's asset state store as a trigger sees it (``aget``/``aset`` of JSON values); the real
    one needs a triggerer process (make e2e restarts one)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.writes = 0

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(self.values[key]) if key in self.values else default

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.dumps(value)
        self.writes += 1
