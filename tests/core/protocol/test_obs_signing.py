# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The OBS header signature (core/protocol/obs.py) against the reference sheet's vectors (computed with the
official esdk-obs-python client) and, as a property, against that client's own ``Authentication`` for any
key, date and security token."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.protocol import obs
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
PATH = "obs://dlf-test-log/job_batch/2019-03-04 11_53_00.000/error/error.job"
DATE = "Sat, 12 Oct 2015 08:12:38 GMT"


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {"date": DATE}, "cGau1fXUC7FNeKl923U/PsF0GzY="),
        ("GET", {"date": DATE, "range": "bytes=100-199"}, "cGau1fXUC7FNeKl923U/PsF0GzY="),
        ("GET", {"x-obs-date": DATE, "x-obs-security-token": "TOKEN123"}, "wyFPP6qy2NgIAbOigJ1lz8JMq6o="),
        ("HEAD", {"date": DATE}, "jXRlDYi1SC+VXyfuJbyVyuKqoDk="),
    ],
)
def test_the_reference_vectors(method: str, headers: dict[str, str], expected: str) -> None:
    target = obs.log_object(PATH)
    assert target.resource == "/dlf-test-log/job_batch/2019-03-04%2011_53_00.000/error/error.job"
    assert obs.signature(SK, obs.string_to_sign(method, headers, target.resource)) == expected


def test_addressing_and_log_paths() -> None:
    target = obs.log_object(PATH)
    assert obs.object_url("https://obs.cn-north-4.myhuaweicloud.com", target) == (
        "https://dlf-test-log.obs.cn-north-4.myhuaweicloud.com/job_batch/2019-03-04%2011_53_00.000/error/error.job"
    )
    assert obs.object_url("http://127.0.0.1:8080", target).startswith("http://127.0.0.1:8080/dlf-test-log/")
    for bad in ("dlf-test-log/a.log", "obs://dlf-test-log", "obs://Bad_Bucket/a", "obs://ab/a\nb", 5):
        with pytest.raises(DataArtsConfigError):
            obs.log_object(bad)
    assert obs.error_code(b"<Error><Code>NoSuchKey</Code><Message>m</Message></Error>") == "NoSuchKey"


_KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda k: not k.startswith("/")
)


@settings(max_examples=150, deadline=None)
@given(
    key=_KEYS,
    seconds=st.integers(min_value=0, max_value=4_000_000_000),
    token=st.none() | st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789", min_size=8, max_size=40),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_the_signature_matches_the_official_client(
    key: str, seconds: int, token: str | None, method: str
) -> None:
    from obs.auth import Authentication
    from obs.convertor import Adapter

    now = datetime.fromtimestamp(seconds, timezone.utc)
    target = obs.ObsObject("dlf-log", key)
    ours = obs.signed_request(
        method,
        "https://obs.cn-north-4.myhuaweicloud.com",
        target,
        ak="AKX",
        sk=SK,
        security_token=token,
        now=now,
    )
    headers = {"Date": format_datetime(now, usegmt=True)}
    if token:
        headers["x-obs-security-token"] = token
    theirs = Authentication("AKX", SK, False, Adapter("obs"), "obs.cn-north-4.myhuaweicloud.com", False)
    assert (
        ours.headers["authorization"] == theirs.doAuth(method, "dlf-log", key, {}, headers)["Authorization"]
    )
