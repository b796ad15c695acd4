# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""What every part of the emulator shares: the endpoint names, the error catalogue, the request and
response values, JSON answers and request-body validation.

Error choices where the real service is undocumented (all bodies JSON, ``X-Request-Id`` on every
response):

* unknown path or method: 404 ``APIGW.0101`` (gateway shape, with ``request_id``);
* no/invalid authentication, bad signature, unknown AK, date out of range, unknown/expired token or
  security token: 401 ``APIGW.0301``;
* project id in the path unknown, token scoped to another project, or ``X-Project-Id`` different from
  the path project: 403 ``APIGW.0302``;
* throttled: 429 ``APIGW.0308`` with ``Retry-After``;
* ``workspace`` header missing: 400 ``APIGW.0106`` "Orchestration error." (gateway shape); unknown
  workspace: 400 ``EMU.1001`` (invented; DataArts shape ``{"error_code", "error_msg"}``);
* AK/SK call without ``X-Project-Id`` when the account has several projects (``extra_project_ids``):
  400 ``EMU.1002`` (invented);
* invalid query parameter (limit, offset, types, times): 400 ``DLF.3051`` "The request parameter is invalid.".

Release workflow (all 400, DataArts shape; the codes other than ``DLF.3051`` are invented, in the
``EMU.*`` range: the real ones are undocumented). The catalogue and its sources are at ``ERR_*`` below.

* invalid body field: ``DLF.3051`` "The request parameter is invalid. <field>: <reason>";
* unknown pending item id (in the ``workspace``): ``EMU.1101``; pending item already packaged: ``EMU.1102``;
* unknown (or cancelled, for deploy/unpack) release package id, in the path or the body: ``EMU.1103``
  (the detail of an unknown package is a 400, like other DataArts "not found" errors);
* operation not allowed in the package's state (deploy of a releasing/released package, cancel of a
  releasing/released package): ``EMU.1104``.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

ENDPOINT_PENDING_ITEMS = "pending-items"
ENDPOINT_IAM_TOKENS = "iam-tokens"
ENDPOINT_SECURITYKEY = "securitykey"
ENDPOINT_METADATA_TOKEN = "metadata-token"  # noqa: S105 - an endpoint label
ENDPOINT_PACKAGE_CREATE = "release-package-create"
ENDPOINT_PACKAGES_LIST = "release-packages-list"
ENDPOINT_PACKAGE_DETAIL = "release-package-detail"
ENDPOINT_PACKAGES_DEPLOY = "release-packages-deploy"
ENDPOINT_PACKAGES_UNPACK = "release-packages-unpack"
ENDPOINT_JOB_RUN = "job-run"
ENDPOINT_JOB_INSTANCE = "job-instance"
ENDPOINT_JOB_INSTANCES = "job-instances"
ENDPOINT_JOB_STOP = "job-instance-stop"
ENDPOINT_JOB_RESTART = "job-instance-restart"
ENDPOINT_JOB_INSTANCES_V2 = "job-instances-v2"
ENDPOINT_OBS_OBJECT = "obs-object"
ENDPOINT_SCRIPT_EXECUTE = "script-execute"
ENDPOINT_SCRIPT_RESULT = "script-result"
ENDPOINT_SCRIPT_STOP = "script-stop"
ENDPOINT_SCRIPT_SHOW = "script-show"
ENDPOINT_SCRIPTS_V2 = "scripts-v2"
ENDPOINT_PATCH_CREATE = "patch-data-create"
ENDPOINT_PATCH_QUERY = "patch-data-query"
ENDPOINT_PATCH_STOP = "patch-data-stop"
PATCH_ENDPOINTS = (ENDPOINT_PATCH_CREATE, ENDPOINT_PATCH_QUERY, ENDPOINT_PATCH_STOP)
SCRIPT_ENDPOINTS = (
    ENDPOINT_SCRIPT_EXECUTE,
    ENDPOINT_SCRIPT_RESULT,
    ENDPOINT_SCRIPT_STOP,
    ENDPOINT_SCRIPT_SHOW,
    ENDPOINT_SCRIPTS_V2,
)
JOB_ENDPOINTS = (
    ENDPOINT_JOB_RUN,
    ENDPOINT_JOB_INSTANCE,
    ENDPOINT_JOB_INSTANCES,
    ENDPOINT_JOB_STOP,
    ENDPOINT_JOB_RESTART,
    ENDPOINT_JOB_INSTANCES_V2,
)
#: The V1 (DLF) job and script API: its own per-user rate limit.
V1_ENDPOINTS = frozenset(JOB_ENDPOINTS + SCRIPT_ENDPOINTS) - {ENDPOINT_JOB_INSTANCES_V2, ENDPOINT_SCRIPTS_V2}
ENDPOINT_CONTROL = "control"
ENDPOINT_UNKNOWN = "unknown"
RELEASE_ENDPOINTS = (
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGES_LIST,
    ENDPOINT_PACKAGE_DETAIL,
    ENDPOINT_PACKAGES_DEPLOY,
    ENDPOINT_PACKAGES_UNPACK,
)
FAULT_ENDPOINTS = (
    ENDPOINT_PENDING_ITEMS,
    ENDPOINT_IAM_TOKENS,
    ENDPOINT_SECURITYKEY,
    ENDPOINT_METADATA_TOKEN,
    *RELEASE_ENDPOINTS,
    *JOB_ENDPOINTS,
    *PATCH_ENDPOINTS,
    *SCRIPT_ENDPOINTS,
    ENDPOINT_OBS_OBJECT,
)
METADATA_TOKEN_PATH = "/meta-data/latest/api/token"  # noqa: S105 - a URL path
METADATA_TOKEN_MAX_TTL_S = 21_600  # the SDK asks for 6 h
DATAARTS_ENDPOINTS = (
    ENDPOINT_PENDING_ITEMS,
    *RELEASE_ENDPOINTS,
    *JOB_ENDPOINTS,
    *PATCH_ENDPOINTS,
    *SCRIPT_ENDPOINTS,
)

# Error codes. Public sources only:
# - API Gateway error-code table (Huawei Cloud API usage guide, "Error Codes"): APIGW.0101 API not
#   published (404), APIGW.0106 orchestration error (400), APIGW.0301 incorrect IAM authentication
#   information (401), APIGW.0302 the IAM user is not authorized to access the API (403), APIGW.0308
#   throttling threshold reached (429).
# - DataArts Studio API reference, error codes: DLF.3051 "The request parameter is invalid." (also
#   DLF.0100 job, DLF.0137 job instance and DLF.0113 supplement data not found: the job-run APIs).
# - A missing ``workspace`` header answered APIGW.0106 to the Kestra plugin (kestra-io/plugin-huawei,
#   AGENTS.md; docs/api-notes.md).
# INVENTED where no public source gives a code: the EMU.* range, which no Huawei service uses.
ERR_WORKSPACE_MISSING = "APIGW.0106"
ERR_PARAM_INVALID = "DLF.3051"
MSG_PARAM_INVALID = "The request parameter is invalid."
ERR_WORKSPACE_UNKNOWN = "EMU.1001"  # INVENTED
ERR_PROJECT_HEADER_MISSING = "EMU.1002"  # INVENTED: X-Project-Id missing on AK/SK, several projects
ERR_PENDING_ITEM_UNKNOWN = "EMU.1101"  # INVENTED
ERR_PENDING_ITEM_PACKAGED = "EMU.1102"  # INVENTED
ERR_PACKAGE_UNKNOWN = "EMU.1103"  # INVENTED
ERR_PACKAGE_STATE = "EMU.1104"  # INVENTED
ERR_JOB_UNKNOWN = "DLF.0100"  # the job does not exist (documented)
ERR_JOB_INSTANCE_UNKNOWN = "DLF.0137"  # the job instance does not exist (documented)
ERR_JOB_INSTANCE_STATE = "EMU.1201"  # INVENTED: stop of an ended instance, restart of a live one
ERR_SCRIPT_UNKNOWN = "DLF.6201"  # the script does not exist (documented)
ERR_SCRIPT_INSTANCE_UNKNOWN = "DLF.6205"  # the script execution instance does not exist (documented)
ERR_SCRIPT_INSTANCE_STATE = "EMU.1301"  # INVENTED: stop of an ended script instance

REDACTED_HEADERS = frozenset({"authorization", "x-auth-token", "x-security-token", "x-metadata-token"})
JSON_CT = "application/json;charset=UTF-8"
DIGITS_RE = re.compile(r"^[0-9]+$")

Position = Literal["front", "back"]


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def random_upper(n: int) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def random_secret(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass
class Request:
    """A received request, as the dispatcher sees it."""

    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]  # lower-cased name -> value (first occurrence), UTF-8 decoded
    header_names: list[str]
    body: bytes
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_CT
    drop: bool = False
    fault: str | None = None
    user: str | None = None
    endpoint: str = ENDPOINT_UNKNOWN
    processed_status: int | None = None  # status computed before a drop_after fault dropped it
    #: A body sent in chunks as the iterator yields them (chunked transfer encoding, no length): huge,
    #: endless or trickling answers. ``body`` is ignored then.
    stream: Iterator[bytes] | None = field(default=None, repr=False)
    #: Seconds between the bytes of the status line and headers (a server trickling its headers).
    header_delay: float = 0.0

    def with_headers(self, headers: Mapping[str, str]) -> Response:
        self.headers.update(headers)
        return self

    def named(self, user: str) -> Response:
        self.user = user
        return self


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


class ApiError(Exception):
    """A 400 DataArts error raised by a request handler."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(field_name: str, reason: str) -> ApiError:
    return ApiError(ERR_PARAM_INVALID, f"{MSG_PARAM_INVALID} {field_name}: {reason}")


def int_param(params: dict[str, str], name: str, default: int | None) -> int | None:
    """A non-negative integer query parameter (absent or empty: ``default``)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not DIGITS_RE.match(raw):
        raise invalid(name, "a non-negative integer is required")
    return int(raw)


def count_for(counters: dict[str, Any], counter: str, name: str) -> None:
    """One more in a per-name counter (``job_instances_started``: {job: n})."""
    per_name = counters[counter]
    per_name[name] = per_name.get(name, 0) + 1


def json_body(req: Request) -> dict[str, Any]:
    if not req.body.strip():
        return {}
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("body", f"not valid JSON ({exc})") from exc
    if not isinstance(body, dict):
        raise invalid("body", "a JSON object is required")
    return body


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def opt_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(name, "a string is required")
    return value or None


def req_str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise invalid(name, "is required")
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, "a non-empty string is required")
    return value


def req_str_list(body: Mapping[str, Any], name: str, *, max_len: int | None = None) -> list[str]:
    value = body.get(name)
    if value is None:
        raise invalid(name, "is required")
    if not isinstance(value, list) or not value:
        raise invalid(name, "a non-empty list is required")
    if max_len is not None and len(value) > max_len:
        raise invalid(name, f"at most {max_len} entries are allowed")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise invalid(name, "every entry must be a non-empty string")
    if len(set(value)) != len(value):
        raise invalid(name, "duplicate entries")
    return list(value)


def package_ids_of(body: Mapping[str, Any]) -> list[str]:
    """``package_ids``: 1..100 ids; strings, or integers (a Java backend coerces them), duplicates ignored."""
    value = body.get("package_ids")
    if value is None:
        raise invalid("package_ids", "is required")
    if not isinstance(value, list) or not value:
        raise invalid("package_ids", "a non-empty list is required")
    if len(value) > 100:
        raise invalid("package_ids", "at most 100 entries are allowed")
    ids: list[str] = []
    for v in value:
        if not (is_int(v) or (isinstance(v, str) and v.strip())):
            raise invalid("package_ids", "every entry must be a package id (string)")
        if str(v) not in ids:
            ids.append(str(v))
    return ids


def json_response(status: int, obj: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, json_bytes(obj), dict(headers or {}))


def gateway_error(
    req: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The API gateway's error shape (with ``request_id``)."""
    return json_response(
        status, {"error_code": code, "error_msg": message, "request_id": req.request_id}, headers
    )


def dlf_error(code: str, message: str, status: int = 400) -> Response:
    """DataArts' own error shape."""
    return json_response(status, {"error_code": code, "error_msg": message})


def param_error() -> Response:
    return dlf_error(ERR_PARAM_INVALID, MSG_PARAM_INVALID)


def throttle_body(req: Request, limit: float | None) -> Response:
    shown = "10" if limit is None else (str(int(limit)) if float(limit).is_integer() else str(limit))
    return gateway_error(
        req,
        429,
        "APIGW.0308",
        f"The throttling threshold has been reached: policy user over ratelimit,limit:{shown},time:1 second",
    )
