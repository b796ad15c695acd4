# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from airflow_dataarts_provider.core.protocol.error_bodies import parse_api_error, parse_retry_after
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAPIError,
    DataArtsAuthenticationError,
    DataArtsInvalidRequestError,
    DataArtsNotFoundError,
    DataArtsPermissionError,
    DataArtsServerError,
    DataArtsThrottledError,
)
from airflow_dataarts_provider.core.protocol.http import HttpResponse

PATH = "/v2/p/factory/pending-items"


def err(
    status: int, body: object = b"", headers: dict[str, str] | None = None, **kw: object
) -> DataArtsAPIError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    return parse_api_error(HttpResponse(status, headers or {}, raw), "GET", PATH, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, DataArtsInvalidRequestError),
        (405, DataArtsInvalidRequestError),
        (409, DataArtsInvalidRequestError),
        (401, DataArtsAuthenticationError),
        (403, DataArtsPermissionError),
        (404, DataArtsNotFoundError),
        (429, DataArtsThrottledError),
        (500, DataArtsServerError),
        (503, DataArtsServerError),
    ],
)
def test_status_to_class(status: int, cls: type[DataArtsAPIError]) -> None:
    e = err(status, {"error_code": "X.1", "error_msg": "m"})
    assert type(e) is cls
    assert e.status == status and e.method == "GET" and e.path == PATH


def test_dataarts_shape_with_header_request_id() -> None:
    e = err(
        400,
        {"error_code": "DLF.3051", "error_msg": "The request parameter is invalid."},
        {"x-request-id": "rid-1"},
    )
    assert (e.error_code, e.error_msg, e.request_id) == (
        "DLF.3051",
        "The request parameter is invalid.",
        "rid-1",
    )
    assert "DLF.3051" in str(e) and "rid-1" in str(e) and PATH in str(e)


def test_camel_case_shape() -> None:
    e = err(400, {"errorCode": "DLS.1000", "errorMsg": "bad"})
    assert (e.error_code, e.error_msg) == ("DLS.1000", "bad")


def test_code_message_shape() -> None:
    e = err(500, {"code": 12, "message": "internal"})
    assert (e.error_code, e.error_msg) == ("12", "internal")


def test_iam_nested_shape() -> None:
    e = err(
        401,
        {
            "error": {
                "code": 401,
                "message": "The request you have made requires authentication.",
                "title": "Unauthorized",
            }
        },
    )
    assert e.error_code == "401"
    assert e.error_msg.startswith("The request you have made")


def test_gateway_body_request_id() -> None:
    e = err(
        404,
        {
            "error_code": "APIGW.0101",
            "error_msg": "The API does not exist or has not been published",
            "request_id": "gw-9",
        },
    )
    assert isinstance(e, DataArtsNotFoundError)
    assert (e.error_code, e.request_id) == ("APIGW.0101", "gw-9")


def test_header_request_id_wins() -> None:
    e = err(
        404, {"error_code": "APIGW.0101", "error_msg": "x", "request_id": "body"}, {"x-request-id": "hdr"}
    )
    assert e.request_id == "hdr"


def test_empty_body() -> None:
    e = err(502, b"")
    assert e.error_code is None
    assert "Bad Gateway" in e.error_msg and "empty" in e.error_msg


def test_non_json_body_excerpt_bounded() -> None:
    html = "<html>" + "x" * 100_000 + "</html>"
    e = err(502, html.encode())
    assert len(e.error_msg) < 700
    assert "more characters not shown" in e.error_msg
    assert e.error_msg.startswith("<html>")


def test_small_non_json_body_whole() -> None:
    e = err(503, b"Service Unavailable\n")
    assert e.error_msg == "Service Unavailable"


def test_unrecognised_json() -> None:
    e = err(400, {"foo": "bar"})
    assert "unrecognised" in e.error_msg and "foo" in e.error_msg


def test_invalid_utf8_body() -> None:
    e = err(500, b"\xff\xfe oops")
    assert "oops" in e.error_msg


def test_retry_after_seconds() -> None:
    e = err(
        429,
        {
            "error_code": "APIGW.0308",
            "error_msg": "The throttling threshold has been reached: policy user over ratelimit",
        },
        {"retry-after": "3"},
    )
    assert isinstance(e, DataArtsThrottledError)
    assert e.retry_after == 3.0


def test_retry_after_http_date() -> None:
    headers = {"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT", "date": "Wed, 21 Oct 2015 07:28:00 GMT"}
    assert err(429, b"", headers).retry_after == 10.0
    now = datetime(2015, 10, 21, 7, 28, 5, tzinfo=timezone.utc)
    assert err(429, b"", {"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=now).retry_after == 5.0
    assert err(429, b"", {"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}).retry_after is None
    assert err(429, b"").retry_after is None


@pytest.mark.parametrize(
    ("value", "expected"), [("0", 0.0), ("-5", 0.0), ("1.5", 1.5), ("soon", None), ("", None), (None, None)]
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


SERVER_CANON = (
    "GET|/v2/p/factory/pending-items/|limit=10&offset=0|content-type:application/json|"
    "host:dayu.cn-north-4.myhuaweicloud.com|x-sdk-date:20240101T000000Z|x-security-token:SUPERSECRETTOKEN|"
    "|content-type;host;x-sdk-date;x-security-token|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)


def test_apigw_0301_canonical_request_detail() -> None:
    ours = SERVER_CANON.replace("limit=10&offset=0", "limit=10&offset=1").replace("|", "\n")
    body = {
        "error_code": "APIGW.0301",
        "error_msg": "Incorrect IAM authentication information: verify aksk signature fail,"
        f" canonicalRequest: {SERVER_CANON}",
        "request_id": "r-401",
    }
    e = err(401, body, our_canonical_request=ours)
    assert isinstance(e, DataArtsAuthenticationError)
    assert e.error_code == "APIGW.0301"
    assert e.detail is not None
    assert "Server canonical request:\nGET\n/v2/p/factory/pending-items/\nlimit=10&offset=0\n" in e.detail
    assert "Our canonical request:\nGET" in e.detail
    assert "First difference at line 3" in e.detail
    assert "SUPERSECRETTOKEN" not in e.detail
    assert "SUPERSECRETTOKEN" not in str(e)
    assert "x-security-token:****" in e.detail
    assert e.error_msg.startswith("Incorrect IAM authentication information")


def test_apigw_0301_identical_canonical_requests_point_at_key() -> None:
    body = {
        "error_code": "APIGW.0301",
        "error_msg": f"verify aksk signature fail, canonicalRequest: {SERVER_CANON}",
    }
    e = err(401, body, our_canonical_request=SERVER_CANON.replace("|", "\n"))
    assert e.detail is not None and "match" in e.detail


def test_apigw_0301_without_canonical_in_message() -> None:
    e = err(
        401,
        {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"},
        our_canonical_request="GET\n/x/",
    )
    assert e.detail == "Our canonical request:\nGET\n/x/"
    e2 = err(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"})
    assert e2.detail is None


def test_retry_after_only_for_throttling() -> None:
    assert err(400, b"", {"retry-after": "5"}).retry_after is None


def test_clock_skew_seconds_compares_our_signature_date_with_the_servers() -> None:
    from airflow_dataarts_provider.core.protocol.error_bodies import clock_skew_seconds

    assert clock_skew_seconds("20260101T002000Z", "Thu, 01 Jan 2026 00:00:00 GMT") == 1200.0
    assert clock_skew_seconds("20260101T000000Z", "Thu, 01 Jan 2026 00:00:30 GMT") == -30.0
    assert clock_skew_seconds(None, "Thu, 01 Jan 2026 00:00:00 GMT") is None
    assert clock_skew_seconds("20260101T000000Z", "not a date") is None


def test_a_401_within_tolerance_does_not_blame_the_clock() -> None:
    from airflow_dataarts_provider.core.protocol.error_bodies import parse_api_error
    from airflow_dataarts_provider.core.protocol.http import HttpResponse

    body = b'{"error_code": "APIGW.0301", "error_msg": "verify aksk signature fail"}'
    response = HttpResponse(401, {"date": "Thu, 01 Jan 2026 00:00:00 GMT"}, body)
    near = parse_api_error(response, "GET", "/p", sdk_date="20260101T000100Z")
    far = parse_api_error(response, "GET", "/p", sdk_date="20251231T233000Z")
    assert "clock skew" not in str(near).lower()
    assert "Clock skew: the local clock is 30 minutes behind the server's" in str(far)
