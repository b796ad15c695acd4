# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The async transport prepares its TLS context off the event loop, once per setting and process."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import certifi
import pytest

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.transport import aio


def test_context_is_built_once_per_setting() -> None:
    aio._ssl_context.cache_clear()
    first = aio._ssl_context(True)
    assert isinstance(first, ssl.SSLContext) and first.verify_mode == ssl.CERT_REQUIRED
    assert aio._ssl_context(True) is first
    assert aio._ssl_context(False) is False
    assert isinstance(aio._ssl_context(certifi.where()), ssl.SSLContext)


def test_a_missing_ca_bundle_is_a_config_error_naming_verify(tmp_path: Path) -> None:
    async def open_it() -> None:
        await aio.AsyncTransport.open(timeout=(1, 1), verify=str(tmp_path / "missing.pem"))

    with pytest.raises(DataArtsConfigError) as info:
        asyncio.run(open_it())
    assert info.value.field == "verify" and "missing.pem" in str(info.value)


def test_open_builds_a_client_inside_the_loop_and_closes_it() -> None:
    async def open_and_close() -> tuple[bool, bool]:
        transport = await aio.AsyncTransport.open(timeout=(1, 2))
        was_open = not transport._client.is_closed
        await transport.aclose()
        return was_open, transport._client.is_closed

    assert asyncio.run(open_and_close()) == (True, True)
