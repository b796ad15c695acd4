# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""IAM (``POST /v3/auth/tokens``) and the ECS metadata service (session tokens, security keys)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from . import _signing
from ._common import DIGITS_RE, METADATA_TOKEN_MAX_TTL_S, Request, Response, iso, json_response, random_secret

if TYPE_CHECKING:
    from ._state import State


def iam_error(status: int, message: str) -> Response:
    title = HTTPStatus(status).phrase
    return json_response(status, {"error": {"code": status, "message": message, "title": title}})


def iam_tokens(st: State, req: Request) -> Response:
    try:
        body = json.loads(req.body.decode("utf-8"))
        identity = body["auth"]["identity"]
        methods = identity["methods"]
        user_spec = identity["password"]["user"]
        name, password = user_spec["name"], user_spec["password"]
        domain = user_spec.get("domain") or {}
        scope = body["auth"].get("scope") or {}
        project = scope["project"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return iam_error(400, "The request body is invalid (password method with project scope expected).")
    if not isinstance(methods, list) or "password" not in methods:
        return iam_error(400, "Only the password method is supported by the emulator.")
    with st.lock:
        user = next(
            (
                u
                for u in st.iam_users
                if u.name == name
                and secrets.compare_digest(str(password), u.password)
                and (domain.get("name") == u.domain_name or domain.get("id") == u.domain_id)
            ),
            None,
        )
    if user is None:
        return iam_error(401, "The username or password is wrong.")
    project_id: str | None = None
    if isinstance(project, Mapping):
        if project.get("id") in st.projects:
            project_id = str(project["id"])
        elif project.get("name") == st.config.region:
            project_id = st.config.project_id
    if project_id is None:
        return iam_error(400, "Invalid scope: the project does not exist.")
    with st.lock:
        token = st.issue_token(user, project_id)
        record = st.tokens[token]
    query = dict(_signing.parse_query(req.raw_query))
    token_body: dict[str, Any] = {
        "expires_at": iso(record.expires_at),
        "issued_at": iso(record.issued_at),
        "methods": ["password"],
        "user": {
            "domain": {"id": user.domain_id, "name": user.domain_name},
            "id": user.user_id,
            "name": user.name,
            "password_expires_at": "",
        },
        "project": {
            "domain": {"id": user.domain_id, "name": user.domain_name},
            "id": project_id,
            "name": st.config.region,
        },
        "roles": [{"id": "0", "name": "op_service"}],
    }
    if query.get("nocatalog") != "true":
        token_body["catalog"] = []
    return json_response(201, {"token": token_body}, {"X-Subject-Token": token}).named(user.name)


def metadata_token(st: State, req: Request) -> Response:
    """``PUT /meta-data/latest/api/token`` with ``X-Metadata-Token-Ttl-Seconds``: a session token
    (text/plain), valid for that many seconds (1..21600)."""
    if st.config.metadata_sessions == "unsupported":
        return Response(404, b"Not Found", content_type="text/plain")
    ttl = req.header("x-metadata-token-ttl-seconds")
    if ttl is None or not DIGITS_RE.match(ttl) or not 1 <= int(ttl) <= METADATA_TOKEN_MAX_TTL_S:
        body = f"X-Metadata-Token-Ttl-Seconds must be 1..{METADATA_TOKEN_MAX_TTL_S}".encode()
        return Response(400, body, content_type="text/plain")
    token = random_secret(56)
    with st.lock:
        st.metadata_tokens[token] = time.time() + int(ttl)
        st.counters["metadata_tokens_issued"] += 1
    return Response(200, token.encode(), content_type="text/plain")


def securitykey(st: State, req: Request) -> Response:
    token = req.header("x-metadata-token")
    mode = st.config.metadata_sessions
    if token is not None and mode != "unsupported":
        with st.lock:
            expiry = st.metadata_tokens.get(token)
        if expiry is None or expiry <= time.time():
            return Response(
                401, b"Unauthorized: invalid or expired metadata token", content_type="text/plain"
            )
    elif mode == "required":
        return Response(401, b"Unauthorized: X-Metadata-Token is required", content_type="text/plain")
    return json_response(200, {"credential": st.issue_temporary_credentials()})
