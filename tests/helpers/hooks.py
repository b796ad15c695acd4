# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Connections, hooks, counters and waiting shared by every suite.

Every test talks real loopback HTTP to the emulator; connections come from ``AIRFLOW_CONN_<ID>``
environment variables in JSON form.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from airflow_dataarts_provider.emulator import (
    ENDPOINT_IAM_TOKENS,
    ENDPOINT_PENDING_ITEMS,
    ENDPOINT_SECURITYKEY,
    Emulator,
    airflow_connection,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

CONN_ID = "dataarts_test"
CONN_TYPE = "huaweicloud_dataarts"
PAGE_SIZE = 100
AUTH_MODES = ("aksk", "aksk_sts", "token", "agency")
SERVER_MODES = ("page", "record")

#: Short timeouts and back-offs: the whole tests/hooks run must stay fast.
FAST_EXTRAS: dict[str, Any] = {
    "max_attempts": 5,
    "backoff_initial": 0.01,
    "backoff_max": 0.05,
    "max_retry_wait": 10,
    "timeout": [2, 5],
    "max_requests_per_second": 0,
}

HOOK_LOGGER = "dataarts.acceptance.hook"


def start_emulator(factory: Any, count: int = 250, **config: Any) -> Emulator:
    """An emulator with ``count`` seeded items and (by default) no server-side rate limit."""
    config.setdefault("rate_limit_per_user", None)
    return factory(seed_items=count, **config)


def connection_fields(emu: Emulator, auth: str = "aksk", **extra: Any) -> dict[str, Any]:
    """The JSON connection for ``auth`` (``aksk``, ``aksk_sts``, ``token``, ``agency``).

    ``extra`` entries override (``None`` removes) the extras; ``host``, ``login``, ``password`` and
    ``port`` keys override the standard fields.
    """
    defaults: dict[str, Any] = {"offset_mode": "auto", **FAST_EXTRAS}
    if auth in ("aksk", "aksk_sts"):
        defaults["auth_type"] = "aksk"
    if auth == "aksk_sts":
        creds = emu.issue_temporary_credentials()
        defaults.update(
            login=creds["access"], password=creds["secret"], security_token=creds["securitytoken"]
        )
        auth = "aksk"
    return airflow_connection(emu.info(), auth, **{**defaults, **extra})


def set_connection(
    monkeypatch: pytest.MonkeyPatch, emu: Emulator, auth: str = "aksk", conn_id: str = CONN_ID, **extra: Any
) -> dict[str, Any]:
    fields = connection_fields(emu, auth, **extra)
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    return fields


def set_raw_connection(
    monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any], conn_id: str = CONN_ID
) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


def make_hook(conn_id: str = CONN_ID, **kwargs: Any) -> DataArtsHook:
    """A hook whose own logger is a plain stdlib logger (Airflow 3 hooks log through structlog,
    which ``caplog`` does not see); the hook's log calls themselves are unchanged."""
    hook = DataArtsHook(conn_id, **kwargs)
    logger = logging.getLogger(HOOK_LOGGER)
    logger.setLevel(logging.DEBUG)
    logger.propagate = True
    hook._log = logger
    return hook


def by_endpoint(emu: Emulator, endpoint: str) -> int:
    return int(emu.counters()["by_endpoint"].get(endpoint, 0))


def pending_requests(emu: Emulator) -> int:
    return by_endpoint(emu, ENDPOINT_PENDING_ITEMS)


def iam_requests(emu: Emulator) -> int:
    return by_endpoint(emu, ENDPOINT_IAM_TOKENS)


def metadata_requests(emu: Emulator) -> int:
    return by_endpoint(emu, ENDPOINT_SECURITYKEY)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` (the emulator counts a request only once it has answered it)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def total_requests(emu: Emulator) -> int:
    return int(emu.counters()["requests_total"])


def ids(items: Iterable[dict[str, Any]]) -> Counter[str]:
    """Multiset of pending item ids."""
    return Counter(str(item["pending_item_id"]) for item in items)


def assert_same_items(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    got_ids, expected_ids = ids(got), ids(expected)
    duplicates = sorted(k for k, n in got_ids.items() if n > 1)
    assert not duplicates, f"duplicated ids: {duplicates[:5]}"
    missing = set(expected_ids) - set(got_ids)
    extra = set(got_ids) - set(expected_ids)
    assert not missing and not extra, f"missing {len(missing)}, unexpected {len(extra)}"
    assert got_ids == expected_ids


def pages_for(count: int) -> int:
    return max(1, math.ceil(count / PAGE_SIZE))


def listing_lines(records: Iterable[logging.LogRecord]) -> list[logging.LogRecord]:
    return [
        r
        for r in records
        if r.name == HOOK_LOGGER and r.levelno == logging.INFO and r.getMessage().startswith("Listed ")
    ]
