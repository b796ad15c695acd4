# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Acceptance: no secret (SK, security token, IAM password, IAM token) leaks into logs, reprs, errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timezone

import pytest
from helpers.hooks import (
    assert_same_items,
    make_hook,
    set_connection,
    start_emulator,
)

from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.emulator import AkSkCredential, IamUser

N = 150
CANARY_AK = "CANARYAK7F3E9A1B2C4D"
CANARY_SK = "CANARYsk-7f3e9a1b2c4d"
CANARY_WRONG_SK = "CANARYskWRONG-1a2b3c4d5e"
CANARY_USER = "canary-user"
CANARY_PASSWORD = "CANARYpw-9d8c7b6a5e4f"
CANARY_WRONG_PASSWORD = "CANARYpwWRONG-0f1e2d3c"
CANARY_TOKEN = "CANARYst-3c5e7a9b1d2f4a6b"
CANARIES = [CANARY_SK, CANARY_WRONG_SK, CANARY_PASSWORD, CANARY_WRONG_PASSWORD, CANARY_TOKEN]
IAM_TOKEN_PREFIX = "MIIEemu"  # every IAM token the emulator issues starts with it


@pytest.fixture
def emu(dataarts_emulator_factory):
    return start_emulator(
        dataarts_emulator_factory,
        N,
        credentials=(AkSkCredential(CANARY_AK, CANARY_SK),),
        iam_users=(IamUser(CANARY_USER, CANARY_PASSWORD),),
    )


def _record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    texts = []
    for r in records:
        texts.append(r.getMessage())
        texts.append(repr(r.args))
        texts.append(repr(r.msg))
        if r.exc_text:
            texts.append(r.exc_text)
        if r.exc_info and r.exc_info[1] is not None:
            texts.append(repr(r.exc_info[1]))
    return texts


def _assert_clean(texts: Iterable[str], secrets: Iterable[str]) -> None:
    secrets = [s for s in secrets if s]
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"secret {secret[:8]}... leaked into: {text[:300]!r}"


def _exception_texts(exc: BaseException) -> list[str]:
    out = [str(exc), repr(exc), *(repr(a) for a in exc.args)]
    for attr in ("detail", "error_msg", "problem", "reason"):
        value = getattr(exc, attr, None)
        if value:
            out.append(str(value))
    if exc.__cause__ is not None:
        out.append(repr(exc.__cause__))
    return out


async def _acollect(hook):
    # aiter_pending_items, not alist_pending_items: see the alist bug in test_hook_async.py
    return [item async for item in hook.aiter_pending_items()]


def _run_and_capture(hook, call):
    try:
        result = call(hook)
    except DataArtsError as exc:
        return None, exc
    return result, None


CASES = [
    # (auth, connection overrides, expect success)
    ("aksk", {"login": CANARY_AK, "password": CANARY_SK}, True),
    ("aksk", {"login": CANARY_AK, "password": CANARY_WRONG_SK}, False),
    ("aksk_sts", {}, True),
    ("aksk_sts", {"security_token": CANARY_TOKEN}, False),
    ("token", {"login": CANARY_USER, "password": CANARY_PASSWORD}, True),
    ("token", {"login": CANARY_USER, "password": CANARY_WRONG_PASSWORD}, False),
    ("agency", {}, True),
]
CASE_IDS = [
    "aksk-ok",
    "aksk-wrong-sk",
    "sts-ok",
    "sts-wrong-token",
    "token-ok",
    "token-wrong-pw",
    "agency-ok",
]


@pytest.mark.parametrize(("auth", "overrides", "succeeds"), CASES, ids=CASE_IDS)
def test_no_secret_in_logs_reprs_or_errors(emu, monkeypatch, caplog, capfd, auth, overrides, succeeds):
    fields = set_connection(monkeypatch, emu, auth, **overrides)
    secrets = [*CANARIES, fields.get("password"), fields["extra"].get("security_token"), IAM_TOKEN_PREFIX]
    caplog.set_level(logging.DEBUG)

    hook = make_hook()
    items, error = _run_and_capture(hook, lambda h: h.list_pending_items())
    lazy, lazy_error = _run_and_capture(make_hook(), lambda h: list(h.iter_pending_items()))
    async_items, async_error = _run_and_capture(make_hook(), lambda h: asyncio.run(_acollect(h)))
    ok, message = make_hook().test_connection()
    if succeeds:
        assert error is None and lazy_error is None and async_error is None
        assert_same_items(items, emu.items())
        assert_same_items(lazy, emu.items())
        assert_same_items(async_items, emu.items())
        assert ok is True
        # an agency connection also handles secrets fetched at run time: the temporary SK/token
        if auth == "agency":
            secrets += _fetched_agency_secrets(hook)
    else:
        assert error is not None and lazy_error is not None and async_error is not None
        assert ok is False
        for exc in (error, lazy_error, async_error):
            _assert_clean(_exception_texts(exc), secrets)

    texts = _record_texts(caplog.records)
    assert texts, "nothing was logged at all"
    _assert_clean(texts, secrets)
    _assert_clean([caplog.text], secrets)
    _assert_clean([repr(hook), str(hook), repr(hook.get_config()), str(hook.get_config())], secrets)
    _assert_clean([message], secrets)
    out, err = capfd.readouterr()
    _assert_clean([out, err], secrets)


def _fetched_agency_secrets(hook) -> list[str]:
    from airflow_dataarts_provider.core.protocol.auth import cache_key
    from airflow_dataarts_provider.core.protocol.state import STATE

    creds = STATE.credentials.get(cache_key(hook.get_config()), _now())
    return [] if creds is None else list(creds.secrets())


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def test_invalid_secret_shape_is_not_echoed(emu, monkeypatch, caplog):
    """A validation error about a secret must not quote it (here: an SK with a space in it)."""
    bad = "CANARY sk-with-space-7f3e"
    set_connection(monkeypatch, emu, login=CANARY_AK, password=bad)
    caplog.set_level(logging.DEBUG)
    hook = make_hook()
    with pytest.raises(DataArtsError) as info:
        hook.list_pending_items()
    _assert_clean(_exception_texts(info.value), [bad])
    ok, message = make_hook().test_connection()
    assert ok is False
    _assert_clean([message, caplog.text, repr(hook)], [bad])


def test_secrets_are_registered_with_airflows_real_masker(emu, monkeypatch):
    """The oracle is Airflow's own masker: after a token-mode listing it redacts the IAM password and
    the token the hook fetched (which never was in the connection)."""
    from airflow.providers.common.compat.sdk import redact

    from airflow_dataarts_provider.core.protocol.auth import TokenCredentials, cache_key
    from airflow_dataarts_provider.core.protocol.state import STATE

    set_connection(monkeypatch, emu, "token", login=CANARY_USER, password=CANARY_PASSWORD)
    hook = make_hook()
    assert len(hook.list_pending_items()) == len(emu.items())
    cached = STATE.credentials.get(cache_key(hook.get_config()), datetime.now(timezone.utc))
    assert isinstance(cached, TokenCredentials) and len(cached.token) >= 5
    for secret in (CANARY_PASSWORD, cached.token):
        text = redact(f"before {secret} after")
        assert secret not in text and "***" in text
    # A value never registered is left alone (the check can fail).
    assert redact("before CANARYnot-registered-123 after") == "before CANARYnot-registered-123 after"
