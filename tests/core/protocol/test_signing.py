# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.signing import (
    canonical_query,
    canonical_uri,
    format_sdk_date,
    parse_authorization,
    recompute_canonical_request,
    sign,
)

SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
PROJECT = "0833a5737480d53b2f25c010dc1a7b88"
HOST = "dayu.cn-north-4.myhuaweicloud.com"
PENDING_URL = f"https://{HOST}/v2/{PROJECT}/factory/pending-items"
PENDING_HEADERS = {"Content-Type": "application/json", "workspace": "ws123", "X-Project-Id": PROJECT}


def _sig(auth: str) -> str:
    parsed = parse_authorization(auth)
    assert parsed is not None
    return parsed[2]


def test_vector_official_documentation_example() -> None:
    parts = sign(
        "GET",
        "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
        [("limit", "2"), ("marker", "13551d6b-755d-4757-b956-536f674975c0")],
        {"Content-Type": "application/json"},
        b"",
        "AKEXAMPLE",
        SK,
        "20191115T033655Z",
    )
    assert parts.signed_headers == "content-type;host;x-sdk-date"
    assert parts.signature == "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    assert parts.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    )
    assert parts.headers["Host"] == "service.region.example.com"
    assert parts.headers["X-Sdk-Date"] == "20191115T033655Z"
    assert parts.canonical_query == "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"


def test_vector_pending_items_with_query() -> None:
    parts = sign(
        "GET",
        PENDING_URL,
        [("offset", "0"), ("limit", "100"), ("item_name", "job A/b"), ("start_time", "1700000000000")],
        PENDING_HEADERS,
        b"",
        "AKTESTEXAMPLE",
        SK,
        "20240101T000000Z",
    )
    assert parts.canonical_query == "item_name=job%20A%2Fb&limit=100&offset=0&start_time=1700000000000"
    assert parts.signature == "ef72a3763dba5cbcc1953caecb35c4215c96e84c5ed025f7e48a3705cfed1eb6"
    assert parts.signed_headers == "content-type;host;workspace;x-project-id;x-sdk-date"
    lines = parts.canonical_request.split("\n")
    assert lines[0] == "GET"
    assert lines[1] == f"/v2/{PROJECT}/factory/pending-items/"
    assert lines[-1] == hashlib.sha256(b"").hexdigest()


def test_vector_pending_items_security_token() -> None:
    parts = sign(
        "GET",
        PENDING_URL,
        [],
        {**PENDING_HEADERS, "X-Security-Token": "TOKEN123"},
        b"",
        "AKTESTEXAMPLE",
        SK,
        "20240101T000000Z",
    )
    assert parts.signature == "fc8b136a55d79c815131cfbffb09cbcaae9ef0a6bf004bd2401466b925f7d813"
    assert "x-security-token" in parts.signed_headers.split(";")
    assert parts.canonical_query == ""


def test_wrong_secret_changes_signature() -> None:
    args = ("GET", PENDING_URL, [], PENDING_HEADERS, b"", "AK", SK, "20240101T000000Z")
    other = (*args[:6], SK + "x", args[7])
    assert sign(*args).signature != sign(*other).signature  # type: ignore[arg-type]


def test_canonical_query_repeats_unicode_reserved() -> None:
    q = canonical_query([("b", "2"), ("a", "z"), ("a", "y"), ("名", "值 /&=+#?%~")])
    assert q == "a=y&a=z&b=2&%E5%90%8D=%E5%80%BC%20%2F%26%3D%2B%23%3F%25~"


def test_canonical_uri_rules() -> None:
    assert canonical_uri("/v1/a b/c") == "/v1/a%20b/c/"
    assert canonical_uri("/v1/x/") == "/v1/x/"
    assert canonical_uri("") == "/"
    assert canonical_uri("/v1/%E5%90%8D") == "/v1/%E5%90%8D/"


def test_unsigned_payload_for_non_json_content_type() -> None:
    parts = sign(
        "POST",
        "https://h.example.com/x",
        [],
        {"Content-Type": "text/plain"},
        b"abc",
        "AK",
        SK,
        "20240101T000000Z",
    )
    assert parts.added_headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert parts.canonical_request.endswith("\nUNSIGNED-PAYLOAD")
    json_parts = sign(
        "POST",
        "https://h.example.com/x",
        [],
        {"Content-Type": "application/json;charset=UTF-8"},
        b"{}",
        "AK",
        SK,
        "20240101T000000Z",
    )
    assert "X-Sdk-Content-Sha256" not in json_parts.headers
    assert json_parts.canonical_request.endswith(hashlib.sha256(b"{}").hexdigest())


def test_underscore_headers_not_signed_and_host_with_port() -> None:
    parts = sign(
        "GET", "http://127.0.0.1:8080/a", [], {"x_custom": "1", "X-A": "2"}, b"", "AK", SK, "20240101T000000Z"
    )
    assert parts.signed_headers == "host;x-a;x-sdk-date"
    assert parts.headers["Host"] == "127.0.0.1:8080"
    assert parts.headers["x_custom"] == "1"


def test_recompute_canonical_request_matches() -> None:
    parts = sign("GET", PENDING_URL, [("a", "b c")], PENDING_HEADERS, b"", "AK", SK, "20240101T000000Z")
    url = f"{PENDING_URL}?{parts.canonical_query}"
    assert recompute_canonical_request("GET", url, parts.headers, b"") == parts.canonical_request
    assert recompute_canonical_request("GET", url, {"X-Auth-Token": "t"}, b"") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"url": "https://h/x?a=1"}, "url"),
        ({"url": "ftp://h/x"}, "url"),
        ({"sdk_date": "2024-01-01"}, "X-Sdk-Date"),
        ({"ak": ""}, "ak"),
        ({"sk": ""}, "sk"),
        ({"method": "get"}, "method"),
        ({"headers": {"A": "1", "a": "2"}}, "headers"),
        ({"headers": {"A": "x\r\ny"}}, "headers"),
        ({"headers": {"X-Sdk-Date": "20240101T000000Z"}}, "headers"),
        ({"query": [("a", "\ud800")]}, "query"),
    ],
)
def test_sign_rejects_bad_input(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "method": "GET",
        "url": "https://h.example.com/x",
        "query": [],
        "headers": {},
        "ak": "AK",
        "sk": SK,
        "sdk_date": "20240101T000000Z",
    }
    args.update(kwargs)
    with pytest.raises(DataArtsConfigError) as info:
        sign(
            args["method"],  # type: ignore[arg-type]
            args["url"],  # type: ignore[arg-type]
            args["query"],  # type: ignore[arg-type]
            args["headers"],  # type: ignore[arg-type]
            b"",
            args["ak"],  # type: ignore[arg-type]
            args["sk"],  # type: ignore[arg-type]
            args["sdk_date"],  # type: ignore[arg-type]
        )
    assert info.value.field == field


def test_format_sdk_date() -> None:
    now = datetime(2024, 1, 1, 8, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    assert format_sdk_date(now) == "20240101T000005Z"
    with pytest.raises(DataArtsConfigError):
        format_sdk_date(datetime(2024, 1, 1))


# --- property test against the official SDK signer -------------------------------------------------

_RESERVED = " /&=+#?%~;:,@!$'()*[]"
_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(_RESERVED)),
        st.sampled_from(list("abcXYZ019-_.")),
        st.sampled_from(list("名字值作业脚本é€😀")),
        st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF),
    ),
    max_size=12,
)
_segment = st.text(alphabet=st.sampled_from(list("abcXYZ019-_.~名%20 ")), min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)
_hosts = st.sampled_from(
    ["dayu.cn-north-4.myhuaweicloud.com", "127.0.0.1", "localhost", "example.com", "[::1]"]
)
_ascii_value = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20
)


@st.composite
def _requests(draw: st.DrawFn) -> dict[str, object]:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(_hosts)
    port = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=65535)))
    netloc = host if port is None else f"{host}:{port}"
    segments = draw(st.lists(_segment, min_size=0, max_size=4))
    path = "/" + "/".join(segments) + draw(st.sampled_from(["", "/"]))
    query = draw(st.lists(st.tuples(_text, _text), max_size=6))
    if query and draw(st.booleans()):
        query.append((query[0][0], draw(_text)))  # repeated key
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    body = draw(st.one_of(st.just(b""), st.binary(max_size=40), _text.map(lambda t: t.encode("utf-8"))))
    headers: dict[str, str] = {}
    content_type = draw(
        st.sampled_from(
            [None, "application/json", "application/json;charset=UTF-8", "text/plain", "application/bson"]
        )
    )
    if content_type:
        headers["Content-Type"] = content_type
    if draw(st.booleans()):
        headers["workspace"] = draw(_ascii_value)
    if draw(st.booleans()):
        headers["X-Project-Id"] = draw(_ascii_value)
    if draw(st.booleans()):
        headers["x_underscored"] = draw(_ascii_value)
    token = draw(st.one_of(st.none(), _ascii_value))
    date = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
    return {
        "scheme": scheme,
        "netloc": netloc,
        "path": path,
        "query": query,
        "method": method,
        "body": body,
        "headers": headers,
        "token": token,
        "date": date.strftime("%Y%m%dT%H%M%SZ"),
        "ak": draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=24)),
        "sk": draw(_ascii_value),
    }


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_requests())
def test_authorization_matches_official_sdk(req: dict[str, object]) -> None:
    headers = dict(req["headers"])  # type: ignore[call-overload]
    token = req["token"]
    ours_headers = dict(headers)
    if token is not None:
        ours_headers["X-Security-Token"] = token
    url = f"{req['scheme']}://{req['netloc']}{req['path']}"
    ours = sign(
        req["method"],  # type: ignore[arg-type]
        url,
        req["query"],  # type: ignore[arg-type]
        ours_headers,
        req["body"],  # type: ignore[arg-type]
        req["ak"],  # type: ignore[arg-type]
        req["sk"],  # type: ignore[arg-type]
        req["date"],  # type: ignore[arg-type]
    )

    sdk_headers = dict(headers)
    sdk_headers["X-Sdk-Date"] = req["date"]
    sdk_request = SdkRequest(
        method=req["method"],  # type: ignore[arg-type]
        schema=req["scheme"],  # type: ignore[arg-type]
        host=req["netloc"],  # type: ignore[arg-type]
        resource_path=req["path"],  # type: ignore[arg-type]
        query_params=list(req["query"]),  # type: ignore[call-overload]
        header_params=sdk_headers,
        body=req["body"],
    )
    credentials = BasicCredentials(req["ak"], req["sk"])
    if token is not None:
        credentials.with_security_token(token)
    signed = credentials.sign_request(sdk_request)

    assert ours.headers["Authorization"] == signed.header_params["Authorization"]
    # The URL we send carries exactly the query string the SDK sends (and signs).
    sdk_query = urlsplit(signed.uri).query if "?" in signed.uri else ""
    assert ours.canonical_query == sdk_query
    for name, value in signed.header_params.items():
        assert ours.headers[name] == value
