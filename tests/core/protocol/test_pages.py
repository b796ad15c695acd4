# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Parsing and validation of successful listing responses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_dataarts_provider.core.pending_items.calls import parse_pending_items_page
from airflow_dataarts_provider.core.protocol.errors import DataArtsResponseError
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import (
    Page,
    parse_json_object,
    parse_listing_page,
)

PATH = "/v2/p1/factory/pending-items"


def response(
    body: Any,
    content_type: str | None = "application/json;charset=UTF-8",
    status: int = 200,
    raw: bytes | None = None,
) -> HttpResponse:
    headers = {"x-request-id": "req-42"}
    if content_type is not None:
        headers["content-type"] = content_type
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    return HttpResponse(status=status, headers=headers, body=data)


def parse(resp: HttpResponse) -> Page:
    return parse_pending_items_page(resp, "GET", PATH)


def item(item_id: Any, **extra: Any) -> dict[str, Any]:
    return {"pending_item_id": item_id, "item_name": "作业 A", **extra}


def test_valid_page() -> None:
    page = parse(response({"data": [item("a1"), item(7, task_type=1)], "total": 12}))
    assert page == Page(
        items=[item("a1"), {"pending_item_id": "7", "item_name": "作业 A", "task_type": 1}],
        total=12,
        request_id="req-42",
    )


def test_ids_are_normalised_without_mutating_other_fields() -> None:
    page = parse(response({"data": [item(12345678901234567890, nested={"k": [1]})]}))
    assert page.items[0]["pending_item_id"] == "12345678901234567890"
    assert page.items[0]["nested"] == {"k": [1]}
    assert page.total is None


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "APPLICATION/JSON; charset=utf-8",
        "application/problem+json",
        "text/json",
    ],
)
def test_json_content_types_accepted(content_type: str | None) -> None:
    assert parse(response({"data": [], "total": 0}, content_type=content_type)).total == 0


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/html; charset=utf-8", "text/plain", "application/xml"]
)
def test_non_json_content_type_refused(content_type: str) -> None:
    with pytest.raises(DataArtsResponseError, match="content type") as info:
        parse(response({"data": [], "total": 0}, content_type=content_type))
    assert info.value.request_id == "req-42"
    assert info.value.status == 200
    assert "req-42" in str(info.value) and PATH in str(info.value)


def test_utf8_bom_tolerated() -> None:
    body = b"\xef\xbb\xbf" + json.dumps({"data": [item("x")], "total": 1}).encode()
    assert parse(response(None, raw=body)).items[0]["pending_item_id"] == "x"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b'{"data": [], "total": 1', "malformed JSON"),
        (b"<html>502 Bad Gateway</html>", "malformed JSON"),
        (b'{"data": [], "total": NaN}', "malformed JSON"),
        (b'{"data": "\xff\xfe"}', "not valid UTF-8"),
        (b"[]", "expected a JSON object, got an array"),
        (b"null", "expected a JSON object, got null"),
        (b'"text"', "expected a JSON object, got a string"),
    ],
)
def test_malformed_bodies(raw: bytes, problem: str) -> None:
    with pytest.raises(DataArtsResponseError, match=problem) as info:
        parse(response(None, raw=raw))
    assert info.value.request_id == "req-42"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"total": 3}, "'data' is missing"),
        ({"data": None, "total": 3}, "'data' is null"),
        ({}, "'data' is missing"),
        ({"data": {"a": 1}, "total": 1}, "'data' is an object, expected an array"),
        ({"data": ["a1"], "total": 1}, r"data\[0\] is a string, expected an object"),
        ({"data": [item("a"), {"item_name": "x"}]}, r"data\[1\] has no 'pending_item_id'"),
        ({"data": [item(None)]}, r"data\[0\].pending_item_id is null"),
        ({"data": [item(True)]}, r"data\[0\].pending_item_id is a boolean"),
        ({"data": [item(1.5)]}, r"data\[0\].pending_item_id is a number"),
        ({"data": [item(["a"])]}, r"pending_item_id is an array"),
        ({"data": [item("  ")]}, "empty string"),
        ({"data": [], "total": -1}, "'total' is negative"),
        ({"data": [], "total": True}, "'total' is a boolean"),
        ({"data": [], "total": "3"}, "'total' is a string"),
        ({"data": [], "total": 3.0}, "'total' is a number"),
    ],
)
def test_invalid_shapes(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(DataArtsResponseError, match=problem):
        parse(response(body))


def test_missing_data_accepted_when_total_is_zero() -> None:
    assert parse(response({"total": 0})) == Page(items=[], total=0, request_id="req-42")
    assert parse(response({"data": None, "total": 0})).items == []


def test_parse_json_object_is_generic() -> None:
    resp = response({"release_package_id": "r1", "package_name": "pkg"}, status=201)
    assert parse_json_object(resp, "POST", "/x") == {"release_package_id": "r1", "package_name": "pkg"}
    with pytest.raises(DataArtsResponseError) as info:
        parse_json_object(response(None, raw=b"oops", status=201), "POST", "/x")
    assert info.value.status == 201 and info.value.method == "POST" and info.value.path == "/x"


def test_long_snippet_is_truncated() -> None:
    with pytest.raises(DataArtsResponseError) as info:
        parse(response(None, raw=b"x" * 10_000))
    assert len(str(info.value)) < 500


def test_listing_with_other_id_key() -> None:
    page = parse_listing_page(
        response({"data": [{"package_id": 5}], "total": 1}), "POST", "/r", id_key="package_id"
    )
    assert page.items == [{"package_id": "5"}]
