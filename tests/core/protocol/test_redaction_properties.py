# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Properties of the pure hostile-answer defences (issue 23): secrets are removed by value whatever
surrounds them or however they are encoded, and no ``Retry-After`` a server sends can make the client
raise or wait beyond the cap."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.protocol.error_bodies import RETRY_AFTER_CAP, parse_retry_after
from airflow_dataarts_provider.core.protocol.errors import DataArtsAPIError
from airflow_dataarts_provider.core.protocol.redaction import MIN_REDACTED_LENGTH, redact, scrub

SECRETS = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF), min_size=MIN_REDACTED_LENGTH, max_size=40
)
AROUND = st.text(max_size=60)
ENCODINGS = (
    lambda s: s,
    lambda s: quote(s, safe=""),
    quote_plus,
    lambda s: json.dumps(s)[1:-1],
    lambda s: json.dumps({"token": s}),
    lambda s: f"x-auth-token:{s}|x-security-token:{s}",
    lambda s: f"password={s}&user=a",
)


@settings(max_examples=300, deadline=None)
@given(secret=SECRETS, before=AROUND, after=AROUND, encoding=st.sampled_from(ENCODINGS))
def test_no_encoding_of_a_secret_survives_redaction(
    secret: str, before: str, after: str, encoding: object
) -> None:
    text = before + encoding(secret) + after  # type: ignore[operator]
    cleaned = redact(text, [secret])
    assert secret not in cleaned
    assert quote(secret, safe="") not in cleaned
    assert json.dumps(secret)[1:-1] not in cleaned


@settings(max_examples=200, deadline=None)
@given(secret=SECRETS, message=AROUND)
def test_a_scrubbed_error_has_the_secret_in_none_of_its_texts(secret: str, message: str) -> None:
    error = DataArtsAPIError(
        status=400,
        error_code="EMU.ECHO",
        error_msg=f"{message} token={secret}",
        request_id=None,
        method="GET",
        path="/v2/p/factory/pending-items",
        detail=json.dumps({"X-Auth-Token": secret}),
    )
    scrub(error, [secret])
    texts = [str(error), repr(error), *(v for v in vars(error).values() if isinstance(v, str))]
    assert all(secret not in text for text in texts)


@settings(max_examples=500, deadline=None)
@given(
    value=st.one_of(
        st.text(max_size=80),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    ),
    date=st.one_of(st.none(), st.text(max_size=40), st.just("Wed, 02 Dec 2026 00:00:00 GMT")),
)
def test_any_retry_after_is_none_or_within_the_cap(value: str, date: str | None) -> None:
    seconds = parse_retry_after(value, date_header=date)
    assert seconds is None or 0.0 <= seconds <= RETRY_AFTER_CAP


def test_a_secret_the_marker_would_spell_again_withholds_the_text() -> None:
    assert redact("xx***", ["x***"]) == "[withheld: the text contained a secret]"
