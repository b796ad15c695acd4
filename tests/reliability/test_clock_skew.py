# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Clock skew: a local clock 20 minutes off makes every AK/SK signature date out of range (the emulator,
like APIGW, accepts 15 minutes). The error must be classified, sent once (never retried), and say that
the clock is the problem."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from helpers.reliability import connection_fields, fresh_caches, pending_requests, start_emulator

from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.engine import CallContext
from airflow_dataarts_provider.core.protocol.errors import DataArtsAuthenticationError
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.transport import sync

SKEW = timedelta(minutes=20)


@pytest.fixture(autouse=True)
def _caches() -> Any:
    yield from fresh_caches()


def _config(emu: Any, auth: str = "aksk") -> ClientConfig:
    fields = connection_fields(emu, auth)
    return ClientConfig.from_connection(fields["host"], fields["login"], fields["password"], fields["extra"])


def _list(config: ClientConfig, offset: timedelta) -> Any:
    client = CallContext.create(config, clock=lambda: datetime.now(timezone.utc) + offset)
    transport = sync.SyncTransport(timeout=config.timeout)
    try:
        return sync.run(list_flow(client, calls.pending_items(config), emit=False), transport)
    finally:
        transport.close()


def _skewed_error(emu: Any, offset: timedelta) -> DataArtsAuthenticationError:
    with pytest.raises(DataArtsAuthenticationError) as info:
        _list(_config(emu), offset)
    return info.value


@pytest.mark.parametrize("direction", [1, -1], ids=["ahead", "behind"])
def test_skewed_clock_fails_once_with_a_401(dataarts_emulator_factory: Any, direction: int) -> None:
    emu = start_emulator(dataarts_emulator_factory, 5)
    error = _skewed_error(emu, direction * SKEW)
    assert error.status == 401 and error.error_code == "APIGW.0301"
    assert "out of range" in str(error)  # the server's words survive into the message
    assert pending_requests(emu) == 1  # a 401 is never retried (five failures lock an AK/SK pair)


@pytest.mark.parametrize("direction", [1, -1], ids=["ahead", "behind"])
def test_skewed_clock_error_names_clock_skew(dataarts_emulator_factory: Any, direction: int) -> None:
    emu = start_emulator(dataarts_emulator_factory, 5)
    text = str(_skewed_error(emu, direction * SKEW)).lower()
    assert "clock skew" in text and "20 minutes" in text, text
    assert ("ahead of" if direction > 0 else "behind") in text


def test_skew_within_tolerance_still_works(dataarts_emulator_factory: Any) -> None:
    emu = start_emulator(dataarts_emulator_factory, 5)
    result = _list(_config(emu), timedelta(minutes=10))
    assert len(result.items) == 5 and pending_requests(emu) == 1


def test_token_auth_does_not_depend_on_the_local_clock(dataarts_emulator_factory: Any) -> None:
    """IAM tokens carry no signing date: a skewed clock must not break them (nor trigger refreshes)."""
    emu = start_emulator(dataarts_emulator_factory, 5)
    result = _list(_config(emu, "token"), SKEW)
    assert len(result.items) == 5 and pending_requests(emu) == 1
