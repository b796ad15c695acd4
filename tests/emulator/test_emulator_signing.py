# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The emulator's own verifier against the reference vectors."""

from __future__ import annotations

import pytest

from airflow_dataarts_provider.emulator import _signing

SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
PROJECT = "0833a5737480d53b2f25c010dc1a7b88"
PENDING = f"/v2/{PROJECT}/factory/pending-items"


def _headers(**extra: str) -> dict[str, str]:
    headers = {
        "content-type": "application/json",
        "host": "dayu.cn-north-4.myhuaweicloud.com",
        "x-sdk-date": "20240101T000000Z",
        "workspace": "ws123",
        "x-project-id": PROJECT,
    }
    headers.update(extra)
    return headers


def test_documentation_vector() -> None:
    headers = {
        "content-type": "application/json",
        "host": "service.region.example.com",
        "x-sdk-date": "20191115T033655Z",
    }
    query = _signing.parse_query("limit=2&marker=13551d6b-755d-4757-b956-536f674975c0")
    canonical = _signing.canonical_request(
        "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", query, headers, sorted(headers), b""
    )
    assert canonical.split("\n")[1] == "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/"
    assert (
        _signing.signature(SK, canonical, "20191115T033655Z")
        == "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    )


def test_pending_items_vector_with_query() -> None:
    raw = "item_name=job%20A%2Fb&limit=100&offset=0&start_time=1700000000000"
    pairs = _signing.parse_query(raw)
    assert dict(pairs)["item_name"] == "job A/b"
    assert _signing.canonical_query(pairs) == raw
    headers = _headers()
    canonical = _signing.canonical_request("GET", PENDING, pairs, headers, sorted(headers), b"")
    assert (
        _signing.signature(SK, canonical, "20240101T000000Z")
        == "ef72a3763dba5cbcc1953caecb35c4215c96e84c5ed025f7e48a3705cfed1eb6"
    )


def test_pending_items_vector_with_security_token() -> None:
    headers = _headers(**{"x-security-token": "TOKEN123"})
    canonical = _signing.canonical_request("GET", PENDING, [], headers, sorted(headers), b"")
    assert (
        _signing.signature(SK, canonical, "20240101T000000Z")
        == "fc8b136a55d79c815131cfbffb09cbcaae9ef0a6bf004bd2401466b925f7d813"
    )
    # The token is part of what is signed: another token gives another signature.
    other = _signing.canonical_request(
        "GET", PENDING, [], _headers(**{"x-security-token": "OTHER"}), sorted(headers), b""
    )
    assert _signing.signature(SK, other, "20240101T000000Z") != _signing.signature(
        SK, canonical, "20240101T000000Z"
    )


def test_query_order_and_encoding_are_canonicalised() -> None:
    pairs = _signing.parse_query("offset=0&item_name=%E6%95%B0%20a%2Bb&limit=5")
    assert _signing.canonical_query(pairs) == "item_name=%E6%95%B0%20a%2Bb&limit=5&offset=0"
    # '+' is a literal plus unless form decoding is asked for
    assert dict(_signing.parse_query("q=a+b"))["q"] == "a+b"
    assert dict(_signing.parse_query("q=a+b", plus_as_space=True))["q"] == "a b"


@pytest.mark.parametrize(
    "value",
    ["", "SDK-HMAC-SHA256 Access=AK", "HMAC Access=A, SignedHeaders=host, Signature=ab", "garbage"],
)
def test_malformed_authorization_is_rejected(value: str) -> None:
    assert _signing.parse_authorization(value) is None


def test_authorization_parses() -> None:
    auth = _signing.parse_authorization(
        "SDK-HMAC-SHA256 Access=AKX, SignedHeaders=Host;x-sdk-date, Signature=ABCDEF"
    )
    assert auth is not None
    assert auth.access == "AKX"
    assert auth.signed_headers == ("host", "x-sdk-date")
    assert auth.signature == "abcdef"


def test_emulator_imports_neither_airflow_nor_the_client_side() -> None:
    import subprocess
    import sys

    code = (
        "import sys, airflow_dataarts_provider.emulator, airflow_dataarts_provider.emulator.cli;"
        "bad = sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')"
        " or (m.startswith('airflow_dataarts_provider.')"
        " and not m.startswith('airflow_dataarts_provider.emulator')));"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout.strip() == "[]"
