# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Pytest fixtures: a fresh emulator on an ephemeral loopback port per test.

Register with ``pytest_plugins = ["airflow_dataarts_provider.emulator.pytest_plugin"]`` in the root
conftest, or import the fixtures into a conftest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ._config import EmulatorConfig
from .server import Emulator

EmulatorFactory = Callable[..., Emulator]


@pytest.fixture
def dataarts_emulator_factory() -> Iterator[EmulatorFactory]:
    """Call with ``EmulatorConfig`` field values; every emulator started is stopped after the test."""
    started: list[Emulator] = []

    def factory(**config: Any) -> Emulator:
        config.setdefault("host", "127.0.0.1")
        config.setdefault("port", 0)
        emulator = Emulator(EmulatorConfig(**config)).start()
        started.append(emulator)
        return emulator

    yield factory
    for emulator in reversed(started):
        emulator.stop()


@pytest.fixture
def dataarts_emulator(dataarts_emulator_factory: EmulatorFactory) -> Emulator:
    """A running emulator with the default account and 25 seeded items (seed 0)."""
    return dataarts_emulator_factory(seed_items=25)
