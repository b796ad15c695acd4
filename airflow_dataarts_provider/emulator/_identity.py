# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Identity: who a request is (IAM token, or AK/SK signature with lockout and temporary keys), the
per-user rate limit, and the project/workspace scope of an authenticated request."""

from __future__ import annotations

import secrets
import time
from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from . import _signing
from ._common import (
    ERR_PROJECT_HEADER_MISSING,
    ERR_WORKSPACE_MISSING,
    ERR_WORKSPACE_UNKNOWN,
    Request,
    Response,
    dlf_error,
    gateway_error,
)

if TYPE_CHECKING:
    from ._state import State


def auth_error(st: State, req: Request, detail: str) -> Response:
    with st.lock:
        st.counters["auth_failures"] += 1
    return gateway_error(req, 401, "APIGW.0301", f"Incorrect IAM authentication information: {detail}")


def authenticate(
    st: State, req: Request, query_pairs: list[tuple[str, str]]
) -> tuple[str, str | None] | Response:
    """Return ``(user_name, token_project_id)`` or an error response. The gateway's checks, in its
    order: an IAM token; else the AK (lockout, permanent or temporary with its token), the date, the
    signature."""
    token = req.header("x-auth-token")
    if token:
        with st.lock:
            record = st.tokens.get(token)
            valid = record is not None and record.expires_at > time.time()
        if record is None or not valid:
            return auth_error(st, req, "the token is invalid or expired")
        return record.user.name, record.project_id
    authorization = req.header("authorization")
    if not authorization:
        return auth_error(st, req, "neither X-Auth-Token nor an AK/SK Authorization header was found")
    auth = _signing.parse_authorization(authorization)
    if auth is None:
        return auth_error(st, req, f"the Authorization header is malformed (expected {_signing.ALGORITHM})")
    owner = _key_owner(st, req, auth)
    if isinstance(owner, Response):
        return owner
    sk, user_name = owner
    sdk_date = req.header("x-sdk-date")
    late = _date_problem(st, sdk_date)
    if late is not None or sdk_date is None:
        return auth_error(st, req, late or "X-Sdk-Date is missing")
    canonical = _signing.canonical_request(
        req.method, req.raw_path, query_pairs, req.headers, auth.signed_headers, req.body
    )
    expected = _signing.signature(sk, canonical, sdk_date.strip())
    missing = "x-sdk-date" not in auth.signed_headers
    if missing or not _signing.signatures_equal(expected, auth.signature):
        note_aksk_failure(st, auth.access)
        return auth_error(
            st,
            req,
            "verify aksk signature fail, error: the signature does not match"
            + (" (x-sdk-date is not signed)" if missing else "")
            + ", canonicalRequest: "
            + canonical.replace("\n", "|"),
        )
    with st.lock:
        st.aksk_failures.pop(auth.access, None)
    return user_name, None


def _key_owner(st: State, req: Request, auth: _signing.AuthorizationHeader) -> tuple[str, str] | Response:
    """``(SK, user name)`` of the request's AK (permanent, or temporary with its security token)."""
    with st.lock:
        permanent = st.credentials.get(auth.access)
        temporary = st.temp_credentials.get(auth.access)
        locked_until = st.aksk_locked_until.get(auth.access, 0.0)
    if locked_until > time.time():
        return auth_error(st, req, "the AK/SK pair is locked after too many failed signature checks")
    security_token = req.header("x-security-token")
    if permanent is not None:
        if security_token:
            return auth_error(st, req, "a security token was sent with a permanent AK")
        return permanent.sk, permanent.user_name
    if temporary is None:
        return auth_error(st, req, f"the access key {auth.access} does not exist")
    if not security_token or not secrets.compare_digest(security_token, temporary.security_token):
        return auth_error(st, req, "the security token is missing or does not match the AK")
    if "x-security-token" not in auth.signed_headers:
        return auth_error(st, req, "X-Security-Token must be a signed header")
    if temporary.expires_at <= time.time():
        return auth_error(st, req, "the security token has expired")
    return temporary.sk, temporary.user_name


def _date_problem(st: State, sdk_date: str | None) -> str | None:
    """Why ``X-Sdk-Date`` is refused (missing, malformed, beyond the clock-skew window), or None."""
    date = _signing.parse_sdk_date(sdk_date) if sdk_date else None
    if date is None:
        return "X-Sdk-Date is missing or not in the format YYYYMMDDTHHMMSSZ"
    skew = abs((datetime.now(timezone.utc) - date).total_seconds())
    if skew <= st.config.max_clock_skew_s:
        return None
    now = datetime.now(timezone.utc).strftime(_signing.DATE_FORMAT)
    return (
        f"the request date is out of range: X-Sdk-Date {sdk_date} differs from the server time "
        f"{now} by more than {int(st.config.max_clock_skew_s // 60)} minutes"
    )


def note_aksk_failure(st: State, ak: str) -> None:
    limit = st.config.aksk_lockout_failures
    with st.lock:
        count = st.aksk_failures.get(ak, 0) + 1
        st.aksk_failures[ak] = count
        if limit and count >= limit:
            st.aksk_locked_until[ak] = time.time() + st.config.aksk_lockout_s
            st.aksk_failures[ak] = 0


def rate_limit(st: State, family: str) -> float | None:
    """The per-user limit of an API family: ``dlf`` (V1 jobs and scripts) or ``dataarts`` (V2)."""
    return st.dlf_rate_limit if family == "dlf" else st.rate_limit


def throttled(st: State, user: str, family: str = "dataarts") -> float | None:
    """Seconds until the user may retry on the API ``family``, or ``None`` when the request is allowed
    (each family has its own limit and window, as the gateway counts them)."""
    with st.lock:
        limit = rate_limit(st, family)
        if not limit:
            return None
        window_s = max(1.0, 1.0 / limit)
        capacity = max(1, int(limit * window_s))
        now = time.monotonic()
        window = st.rate_windows.setdefault((family, user), deque())
        while window and now - window[0] >= window_s:
            window.popleft()
        if len(window) >= capacity:
            return window_s - (now - window[0])
        window.append(now)
        peaks = st.counters["peak_1s_window_dlf" if family == "dlf" else "peak_1s_window"]
        peaks[user] = max(peaks.get(user, 0), len(window))
        return None


# ------------------------------------------------------------------ pending items


def check_scope(st: State, req: Request, path_project: str, token_project: str | None) -> str | Response:
    """The workspace of an authenticated request, or the project/workspace error response."""
    with st.lock:
        known_project = path_project in st.projects
    if not known_project or (token_project is not None and token_project != path_project):
        return gateway_error(
            req, 403, "APIGW.0302", "The IAM user is not authorized to access the API (project mismatch)."
        )
    x_project = req.header("x-project-id")
    if x_project is None and token_project is None and st.config.extra_project_ids:
        # AK/SK in an account with several projects: the project must be named (the retry guide).
        return gateway_error(
            req,
            400,
            ERR_PROJECT_HEADER_MISSING,
            "X-Project-Id is required: the account has several projects.",
        )
    if x_project is not None and x_project.strip() != path_project:
        return gateway_error(
            req,
            403,
            "APIGW.0302",
            "The IAM user is not authorized to access the API (X-Project-Id differs from the path).",
        )
    workspace = (req.header("workspace") or "").strip()
    if not workspace:
        return gateway_error(req, 400, ERR_WORKSPACE_MISSING, "Orchestration error.")
    with st.lock:
        if workspace not in st.workspaces:
            return dlf_error(ERR_WORKSPACE_UNKNOWN, f"The workspace {workspace} does not exist.")
    return workspace
