# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.pending_items.values import build_filter_query
from airflow_dataarts_provider.core.protocol.auth import AkSkCredentials, TokenCredentials
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.http import HttpRequest
from airflow_dataarts_provider.core.protocol.request import (
    api_path,
    build_request,
    canonical_request_of,
    request_for,
    resolve_workspace,
)

PID = "0833a5737480d53b2f25c010dc1a7b88"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
CFG = ClientConfig.from_connection(
    None, "AKTESTEXAMPLE", SK, {"region": "cn-north-4", "project_id": PID, "workspace": "ws123"}
)
CREDS = AkSkCredentials("AKTESTEXAMPLE", SK)


def build_pending_items_request(
    config: ClientConfig,
    *,
    credentials: object,
    filters_query: list[tuple[str, str]] | None = None,
    limit: int = 10,
    offset: int = 0,
    workspace: str | None = None,
    now: datetime,
) -> HttpRequest:
    """The request of one pending-items page, as the engine builds it."""
    call = calls.pending_items(config, filters_query or []).page(limit, offset)
    ws = resolve_workspace(config, workspace)
    return request_for(config, credentials, call, workspace=ws, now=now)  # type: ignore[arg-type]


def test_pending_items_matches_reference_vector() -> None:
    req = build_pending_items_request(
        CFG,
        credentials=CREDS,
        filters_query=[("item_name", "job A/b"), ("start_time", "1700000000000")],
        limit=100,
        offset=0,
        now=NOW,
    )
    assert req.method == "GET"
    assert req.url == (
        f"https://dayu.cn-north-4.myhuaweicloud.com/v2/{PID}/factory/pending-items"
        "?item_name=job%20A%2Fb&limit=100&offset=0&start_time=1700000000000"
    )
    assert req.headers["Authorization"].endswith(
        "Signature=ef72a3763dba5cbcc1953caecb35c4215c96e84c5ed025f7e48a3705cfed1eb6"
    )
    assert req.headers["workspace"] == "ws123"
    assert req.headers["X-Project-Id"] == PID
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["X-Sdk-Date"] == "20240101T000000Z"
    assert req.headers["Host"] == "dayu.cn-north-4.myhuaweicloud.com"
    assert req.body == b""


def test_security_token_signed_vector() -> None:
    # Reference vector has no query at all; the pending-items builder always adds limit/offset,
    # so use the generic builder.
    req = build_request(
        CFG,
        AkSkCredentials("AKTESTEXAMPLE", SK, "TOKEN123"),
        "GET",
        api_path("v2", PID, "factory", "pending-items"),
        now=NOW,
    )
    assert req.headers["X-Security-Token"] == "TOKEN123"
    assert req.headers["Authorization"].endswith(
        "Signature=fc8b136a55d79c815131cfbffb09cbcaae9ef0a6bf004bd2401466b925f7d813"
    )
    assert "?" not in req.url


def test_canonical_request_recomputable() -> None:
    req = build_pending_items_request(
        CFG, credentials=CREDS, filters_query=build_filter_query({"item_name": "名 字"}), now=NOW
    )
    creq = canonical_request_of(req)
    assert creq is not None
    lines = creq.split("\n")
    assert lines[0] == "GET"
    assert lines[1] == f"/v2/{PID}/factory/pending-items/"
    assert lines[2] == urlsplit(req.url).query == "item_name=%E5%90%8D%20%E5%AD%97&limit=10&offset=0"
    assert SK not in creq


def test_token_request() -> None:
    req = build_pending_items_request(
        CFG, credentials=TokenCredentials("tok-abc", NOW + timedelta(hours=5)), workspace="other", now=NOW
    )
    assert req.headers["X-Auth-Token"] == "tok-abc"
    assert req.headers["workspace"] == "other"
    assert "Authorization" not in req.headers
    assert canonical_request_of(req) is None


def test_post_with_json_body_is_signed_over_body() -> None:
    body = {"package_ids": ["p1"], "startup_mode": 1, "name": "发布"}
    req = build_request(
        CFG,
        CREDS,
        "POST",
        api_path("v2", PID, "factory", "release-packages", "deploy"),
        json_body=body,
        now=NOW,
    )
    assert json.loads(req.body.decode("utf-8")) == body
    creq = canonical_request_of(req)
    assert creq is not None
    import hashlib

    assert creq.endswith(hashlib.sha256(req.body).hexdigest())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 1.0}, "offset"),
        ({"workspace": "bad ws"}, "workspace"),
        ({"filters_query": [("limit", "5")]}, "filters"),
        ({"now": datetime(2024, 1, 1)}, "now"),
    ],
)
def test_pending_items_rejects(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"credentials": CREDS, "now": NOW, **kwargs}
    with pytest.raises(DataArtsConfigError) as info:
        build_pending_items_request(CFG, **args)  # type: ignore[arg-type]
    assert info.value.field == field


def test_workspace_required() -> None:
    cfg = ClientConfig.from_connection(None, "AK", SK, {"region": "cn-north-4", "project_id": PID})
    with pytest.raises(DataArtsConfigError) as info:
        build_pending_items_request(cfg, credentials=CREDS, now=NOW)
    assert info.value.field == "workspace"


@pytest.mark.parametrize("segment", ["a/b", "..", "a b", "名", ""])
def test_api_path_rejects(segment: str) -> None:
    with pytest.raises(DataArtsConfigError):
        api_path("v2", segment)


def test_bad_json_body() -> None:
    with pytest.raises(DataArtsConfigError) as info:
        build_request(CFG, CREDS, "POST", "/v2/x", json_body={"a": float("nan")}, now=NOW)
    assert info.value.field == "body"
