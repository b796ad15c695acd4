"""The emulator: state, request dispatch and the HTTP server.

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

Order of checks on the DataArts API: route, scripted fault, authentication, rate limit, project,
workspace, parameters.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import random
import re
import secrets
import string
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from . import _release, _signing
from ._config import AkSkCredential, EmulatorConfig, IamUser
from ._data import BASE_TIMESTAMP_MS, SUBMITTERS, PendingItem, generate_items, item_from_mapping
from ._release import ReleasePackage, ReleaseSettings

ENDPOINT_PENDING_ITEMS = "pending-items"
ENDPOINT_IAM_TOKENS = "iam-tokens"
ENDPOINT_SECURITYKEY = "securitykey"
ENDPOINT_METADATA_TOKEN = "metadata-token"  # noqa: S105 - an endpoint label
ENDPOINT_PACKAGE_CREATE = "release-package-create"
ENDPOINT_PACKAGES_LIST = "release-packages-list"
ENDPOINT_PACKAGE_DETAIL = "release-package-detail"
ENDPOINT_PACKAGES_DEPLOY = "release-packages-deploy"
ENDPOINT_PACKAGES_UNPACK = "release-packages-unpack"
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
)
METADATA_TOKEN_PATH = "/meta-data/latest/api/token"  # noqa: S105 - a URL path
METADATA_TOKEN_MAX_TTL_S = 21_600  # the SDK asks for 6 h
DATAARTS_ENDPOINTS = (ENDPOINT_PENDING_ITEMS, *RELEASE_ENDPOINTS)

# Error codes. Public sources only:
# - API Gateway error-code table (Huawei Cloud API usage guide, "Error Codes"): APIGW.0101 API not
#   published (404), APIGW.0106 orchestration error (400), APIGW.0301 incorrect IAM authentication
#   information (401), APIGW.0302 the IAM user is not authorized to access the API (403), APIGW.0308
#   throttling threshold reached (429).
# - DataArts Studio API reference, error codes: DLF.3051 "The request parameter is invalid." (also
#   DLF.0100 job, DLF.0137 job instance and DLF.0113 supplement data not found: the job-run APIs).
# - A missing ``workspace`` header answered APIGW.0106 to the Kestra plugin (kestra-io/plugin-huawei,
#   AGENTS.md; ../shared/reference/dataarts-job-runs.md section 1).
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

REDACTED_HEADERS = frozenset({"authorization", "x-auth-token", "x-security-token", "x-metadata-token"})
JSON_CT = "application/json;charset=UTF-8"

_PENDING_RE = re.compile(r"^/v2/([^/]+)/factory/pending-items/?$")
_PACKAGE_CREATE_RE = re.compile(r"^/v2/([^/]+)/factory/pending-items/package/?$")
_PACKAGES_RE = re.compile(r"^/v2/([^/]+)/factory/release-packages/?$")
_PACKAGES_ACTION_RE = re.compile(r"^/v2/([^/]+)/factory/release-packages/(deploy|unpack)/?$")
_PACKAGE_DETAIL_RE = re.compile(r"^/v2/([^/]+)/factory/release-packages/([^/]+)/?$")
_FIRST_PACKAGE_ID = 1_000_001
_DIGITS_RE = re.compile(r"^[0-9]+$")
# repeat_row: answered normally, then the page's second row is replaced by a copy of its first (a
# listing whose rows shifted under an unstable sort: one row shown twice, another hidden, same total).
_FAULT_KINDS = ("drop", "drop_after", "malformed", "truncated", "html", "repeat_row")
_POST_FAULTS = ("drop_after", "repeat_row")  # applied to the processed answer

Position = Literal["front", "back"]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _random_upper(n: int) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _random_secret(n: int) -> str:
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

    def _with_headers(self, headers: Mapping[str, str]) -> Response:
        self.headers.update(headers)
        return self

    def _named(self, user: str) -> Response:
        self.user = user
        return self


@dataclass
class _Token:
    user: IamUser
    project_id: str
    issued_at: float
    expires_at: float


@dataclass
class _TempCredential:
    ak: str
    sk: str
    security_token: str
    expires_at: float
    user_id: str
    user_name: str


@dataclass
class _Fault:
    kind: str  # status | drop | drop_after | malformed | truncated | html | repeat_row | sleep
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        if self.kind == "status":
            return f"status:{self.status}"
        if self.kind == "sleep":
            return f"sleep:{self.seconds}"
        return self.kind


@dataclass
class _Mutation:
    after_requests: int
    insert: int
    remove: int
    position: Position
    workspace: str
    seen: int = 0


def _repeat_first_row(resp: Response) -> Response:
    if resp.status != 200:
        return resp
    body = json.loads(resp.body)
    rows = body.get("data")
    if isinstance(rows, list) and len(rows) >= 2:
        rows[1] = rows[0]
        resp.body = _json_bytes(body)
    return resp


def _parse_fault(entry: Any) -> _Fault:
    if isinstance(entry, bool):
        raise ValueError(f"invalid fault entry: {entry!r}")
    if isinstance(entry, int):
        return _Fault("status", status=_check_status(entry))
    if isinstance(entry, str):
        text = entry.strip().lower()
        if text in _FAULT_KINDS:
            return _Fault(text)
        if text.startswith("sleep:"):
            return _Fault("sleep", seconds=_check_seconds(text.split(":", 1)[1]))
        if text.isdigit():
            return _Fault("status", status=_check_status(int(text)))
        raise ValueError(f"invalid fault entry: {entry!r}")
    if isinstance(entry, Mapping):
        if "action" in entry:
            action = str(entry["action"]).lower()
            if action == "sleep":
                return _Fault("sleep", seconds=_check_seconds(entry.get("seconds", 0)))
            if action in _FAULT_KINDS:
                return _Fault(action)
            raise ValueError(f"invalid fault action: {action!r}")
        if "status" in entry:
            headers = entry.get("headers") or {}
            if not isinstance(headers, Mapping):
                raise ValueError("fault headers must be a mapping")
            return _Fault(
                "status",
                status=_check_status(int(entry["status"])),
                body=entry.get("body"),
                headers={str(k): str(v) for k, v in headers.items()},
            )
    raise ValueError(f"invalid fault entry: {entry!r}")


def _check_status(status: int) -> int:
    if not 100 <= status <= 599:
        raise ValueError(f"invalid HTTP status {status}")
    return status


def _check_seconds(value: Any) -> float:
    seconds = float(value)
    if seconds < 0 or math.isnan(seconds):
        raise ValueError("sleep seconds must be >= 0")
    return seconds


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


class _ApiError(Exception):
    """A 400 DataArts error raised by a request handler."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(field_name: str, reason: str) -> _ApiError:
    return _ApiError(ERR_PARAM_INVALID, f"{MSG_PARAM_INVALID} {field_name}: {reason}")


def _json_body(req: Request) -> dict[str, Any]:
    if not req.body.strip():
        return {}
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid("body", f"not valid JSON ({exc})") from exc
    if not isinstance(body, dict):
        raise _invalid("body", "a JSON object is required")
    return body


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _opt_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, "a string is required")
    return value or None


def _req_str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise _invalid(name, "is required")
    if not isinstance(value, str) or not value.strip():
        raise _invalid(name, "a non-empty string is required")
    return value


def _req_str_list(body: Mapping[str, Any], name: str, *, max_len: int | None = None) -> list[str]:
    value = body.get(name)
    if value is None:
        raise _invalid(name, "is required")
    if not isinstance(value, list) or not value:
        raise _invalid(name, "a non-empty list is required")
    if max_len is not None and len(value) > max_len:
        raise _invalid(name, f"at most {max_len} entries are allowed")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise _invalid(name, "every entry must be a non-empty string")
    if len(set(value)) != len(value):
        raise _invalid(name, "duplicate entries")
    return list(value)


def _package_ids(body: Mapping[str, Any]) -> list[str]:
    """``package_ids``: 1..100 ids; strings, or integers (a Java backend coerces them), duplicates ignored."""
    value = body.get("package_ids")
    if value is None:
        raise _invalid("package_ids", "is required")
    if not isinstance(value, list) or not value:
        raise _invalid("package_ids", "a non-empty list is required")
    if len(value) > 100:
        raise _invalid("package_ids", "at most 100 entries are allowed")
    ids: list[str] = []
    for v in value:
        if not (_is_int(v) or (isinstance(v, str) and v.strip())):
            raise _invalid("package_ids", "every entry must be a package id (string)")
        if str(v) not in ids:
            ids.append(str(v))
    return ids


class Emulator:
    """A local fake of DataArts Factory (pending items) + IAM tokens + ECS metadata.

    Use as a context manager (or ``start()``/``stop()``); ``url`` is ``http://127.0.0.1:PORT``.
    All public methods are thread-safe and return JSON-compatible data.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.config.validate()
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._init_state()

    # ------------------------------------------------------------------ lifecycle
    def _init_state(self) -> None:
        cfg = self.config
        with self._lock:
            # Ids of added items must not replay the ids generate_items() draws from the same seed.
            self._rng = random.Random(f"added-items-{cfg.seed}")  # noqa: S311 - deterministic test data
            self._workspaces: list[str] = list(cfg.workspaces)
            self._projects: set[str] = {cfg.project_id, *cfg.extra_project_ids}
            self._credentials: dict[str, AkSkCredential] = {c.ak: c for c in cfg.credentials}
            self._iam_users: list[IamUser] = list(cfg.iam_users)
            self._tokens: dict[str, _Token] = {}
            self._metadata_tokens: dict[str, float] = {}  # token -> expiry (epoch s)
            self._temp_credentials: dict[str, _TempCredential] = {}
            self._items: list[PendingItem] = [
                item_from_mapping(m, self._workspaces[0], self._rng, BASE_TIMESTAMP_MS) for m in cfg.items
            ]
            if cfg.seed_items:
                self._items.extend(generate_items(cfg.seed_items, cfg.seed, self._workspaces[0]))
            self._rate_limit: float | None = cfg.rate_limit_per_user or None
            self._rate_windows: dict[str, deque[float]] = {}
            self._latency = cfg.latency_s
            self._faults: dict[str, deque[_Fault]] = {}
            self._mutations: list[_Mutation] = []
            self._aksk_failures: dict[str, int] = {}
            self._aksk_locked_until: dict[str, float] = {}
            self._log: deque[dict[str, Any]] = deque(maxlen=cfg.request_log_limit)
            self._counters: dict[str, Any] = self._empty_counters()
            self._release_settings = ReleaseSettings(
                auto_approve=cfg.auto_approve,
                approve_delay_s=cfg.approve_delay_s,
                release_duration_s=cfg.release_duration_s,
                fail_items=tuple(cfg.fail_items),
            )
            self._release_settings.validate()
            self._release_clock = cfg.release_clock or time.time
            self._packages: dict[str, ReleasePackage] = {}
            self._next_package_id = _FIRST_PACKAGE_ID

    @staticmethod
    def _empty_counters() -> dict[str, Any]:
        return {
            "requests_total": 0,
            "by_endpoint": {},
            "by_user": {},
            "by_status": {},
            "by_endpoint_status": {},
            "tokens_issued": 0,
            "temporary_credentials_issued": 0,
            "metadata_tokens_issued": 0,
            "throttled": 0,
            "auth_failures": 0,
            "faults_injected": 0,
            "packages_created": 0,
            "packages_deploy_requests": 0,
            "packages_released": 0,
            "packages_failed": 0,
            "packages_cancelled": 0,
        }

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.config.host, self.config.port), _Handler, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="dataarts-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def project_id(self) -> str:
        return self.config.project_id

    @property
    def workspace(self) -> str:
        return self.config.workspaces[0]

    def info(self) -> dict[str, Any]:
        """Connection details of the default account (what the CLI's ready file contains)."""
        cred = self.config.credentials[0] if self.config.credentials else None
        user = self.config.iam_users[0] if self.config.iam_users else None
        return {
            "url": self.url if self._server is not None else None,
            "project_id": self.config.project_id,
            "workspace": self.workspace,
            "region": self.config.region,
            "ak": cred.ak if cred else None,
            "sk": cred.sk if cred else None,
            "iam": {
                "url": self.url if self._server is not None else None,
                "domain_name": user.domain_name if user else None,
                "user_name": user.name if user else None,
                "password": user.password if user else None,
            },
            "offset_mode": self.config.offset_mode,
            "rate_limit_per_user": self._rate_limit,
        }

    def reset(self) -> None:
        """Back to the initial state of the configuration (items, packages, release settings, tokens,
        faults, counters, log)."""
        self._init_state()

    # ------------------------------------------------------------------ items
    def _ws(self, workspace: str | None) -> str:
        ws = workspace or self._workspaces[0]
        if ws not in self._workspaces:
            raise ValueError(f"unknown workspace {ws!r}")
        return ws

    def seed(
        self, count: int, seed: int = 0, *, workspace: str | None = None, replace: bool = True
    ) -> list[dict[str, Any]]:
        """Generate ``count`` deterministic items (replacing the workspace's items by default)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        with self._lock:
            ws = self._ws(workspace)
            generated = generate_items(count, seed, ws)
            if replace:
                self._items = [i for i in self._items if i.workspace_id != ws]
            self._items.extend(generated)
            return [i.to_api(self.config.project_id) for i in generated]

    def items(self, workspace: str | None = None) -> list[dict[str, Any]]:
        """The items of a workspace in API order (what an unfiltered listing pages through)."""
        self._advance_packages()
        with self._lock:
            ws = self._ws(workspace)
            return [i.to_api(self.config.project_id) for i in self._items if i.workspace_id == ws]

    def add_item(self, item: Mapping[str, Any], *, position: Position = "front") -> dict[str, Any]:
        """Add one item (``item_name`` required, other fields defaulted); returns it in API shape."""
        with self._lock:
            new = item_from_mapping(item, self._workspaces[0], self._rng, _now_ms())
            self._ws(new.workspace_id)
            if any(i.pending_item_id == new.pending_item_id for i in self._items):
                raise ValueError(f"duplicate pending_item_id {new.pending_item_id}")
            if position == "front":
                self._items.insert(0, new)
            else:
                self._items.append(new)
            return new.to_api(self.config.project_id)

    def remove_item(self, pending_item_id: str) -> bool:
        with self._lock:
            before = len(self._items)
            self._items = [i for i in self._items if i.pending_item_id != pending_item_id]
            return len(self._items) != before

    @staticmethod
    def _selected(item: PendingItem, ids: set[str], names: set[str]) -> bool:
        return item.pending_item_id in ids or item.item_name in names

    def mark_packaged(self, pending_item_ids: Iterable[str] = (), item_names: Iterable[str] = ()) -> int:
        """Set ``package_flag=1`` on the selected items; returns how many matched."""
        ids, names = set(pending_item_ids), set(item_names)
        with self._lock:
            matched = [i for i in self._items if self._selected(i, ids, names)]
            for item in matched:
                item.package_flag = 1
            return len(matched)

    def release(self, pending_item_ids: Iterable[str] = (), item_names: Iterable[str] = ()) -> int:
        """Remove the selected items (they were released); returns how many were removed."""
        ids, names = set(pending_item_ids), set(item_names)
        with self._lock:
            before = len(self._items)
            self._items = [i for i in self._items if not self._selected(i, ids, names)]
            return before - len(self._items)

    # ------------------------------------------------------------------ release packages
    def _advance_packages(self) -> None:
        """Apply the due state transitions of every package (lazily, on each request/API call)."""
        with self._lock:
            now = self._release_clock()
            for package in self._packages.values():
                outcome = package.advance(now, self._release_settings)
                if outcome == "success":
                    self._counters["packages_released"] += 1
                    released = {i.pending_item_id for i in package.items}
                    self._items = [i for i in self._items if i.pending_item_id not in released]
                elif outcome == "failed":
                    self._counters["packages_failed"] += 1

    def _get_package(self, package_id: str) -> ReleasePackage:
        package = self._packages.get(str(package_id))
        if package is None:
            raise ValueError(f"unknown release package {package_id!r}")
        return package

    def packages(
        self, workspace: str | None = None, *, include_cancelled: bool = True
    ) -> list[dict[str, Any]]:
        """Every package (oldest first) with its internal state (``approved``, ``pending_item_ids``,
        ``task_details``...); ``workspace=None`` means all workspaces."""
        self._advance_packages()
        with self._lock:
            return [
                p.control_view(self.config.project_id)
                for p in self._packages.values()
                if (workspace is None or p.workspace_id == workspace)
                and (include_cancelled or not p.delete_flag)
            ]

    def package(self, package_id: str) -> dict[str, Any]:
        """One package with its internal state (``ValueError`` when unknown)."""
        self._advance_packages()
        with self._lock:
            return self._get_package(package_id).control_view(self.config.project_id)

    def approve(self, package_id: str) -> dict[str, Any]:
        """Approve a package pending approval (as the console's review center would). If it was already
        deployed, its release starts now."""
        self._advance_packages()
        with self._lock:
            self._get_package(package_id).approve(self._release_clock())
        return self.package(package_id)

    def set_package_outcome(
        self, package_id: str, outcome: str | None, message: str | None = None
    ) -> dict[str, Any]:
        """Force the outcome of a package's (next) release: ``"success"``, ``"failed"`` (every item fails
        with ``message``) or ``None`` (decided by ``fail_items``)."""
        if outcome not in (None, "success", "failed"):
            raise ValueError("outcome must be 'success', 'failed' or None")
        with self._lock:
            package = self._get_package(package_id)
            package.outcome = outcome  # type: ignore[assignment]
            package.failure_message = message
        return self.package(package_id)

    def set_fail_items(self, patterns: Iterable[str]) -> None:
        """Item-name patterns (``fnmatch``, case-sensitive) whose release fails (checked at release end)."""
        if isinstance(patterns, str):
            raise ValueError("fail_items must be a list of patterns, not a string")
        self.set_release_settings(fail_items=list(patterns))

    def set_release_settings(
        self,
        *,
        auto_approve: bool | None = None,
        approve_delay_s: float | None = None,
        release_duration_s: float | None = None,
        fail_items: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Change the release timings/rules (``None`` keeps a value); returns the settings.

        New timings apply to transitions not yet due (a running release uses the current duration)."""
        self._advance_packages()
        with self._lock:
            current = self._release_settings
            new = ReleaseSettings(
                auto_approve=current.auto_approve if auto_approve is None else bool(auto_approve),
                approve_delay_s=current.approve_delay_s
                if approve_delay_s is None
                else float(approve_delay_s),
                release_duration_s=(
                    current.release_duration_s if release_duration_s is None else float(release_duration_s)
                ),
                fail_items=current.fail_items if fail_items is None else tuple(fail_items),
            )
            new.validate()
            self._release_settings = new
            return new.as_dict()

    def release_settings(self) -> dict[str, Any]:
        with self._lock:
            return self._release_settings.as_dict()

    def _user_name(self, user_id: str) -> str:
        """Name of a known user id (item submitters, AK/SK owners, IAM users); the id itself otherwise."""
        for item in self._items:
            if item.submit_user_id == user_id:
                return item.submit_user_name
        for uid, name in SUBMITTERS:
            if uid == user_id:
                return name
        for cred in self._credentials.values():
            if cred.user_id == user_id:
                return cred.user_name
        for user in self._iam_users:
            if user.user_id == user_id:
                return user.name
        return user_id

    def _user_id(self, user_name: str) -> str:
        for cred in self._credentials.values():
            if cred.user_name == user_name:
                return cred.user_id
        for user in self._iam_users:
            if user.name == user_name:
                return user.user_id
        for temp in self._temp_credentials.values():
            if temp.user_name == user_name:
                return temp.user_id
        return ""

    # ------------------------------------------------------------------ accounts
    def add_credentials(self, credential: AkSkCredential) -> None:
        with self._lock:
            self._credentials[credential.ak] = credential

    def add_iam_user(self, user: IamUser) -> None:
        with self._lock:
            self._iam_users.append(user)

    def add_workspace(self, workspace_id: str) -> None:
        with self._lock:
            if workspace_id not in self._workspaces:
                self._workspaces.append(workspace_id)

    def issue_token(self, user: IamUser | None = None, project_id: str | None = None) -> str:
        """Issue an IAM token directly (as ``POST /v3/auth/tokens`` would)."""
        with self._lock:
            return self._issue_token(user or self._iam_users[0], project_id or self.config.project_id)

    def _issue_token(self, user: IamUser, project_id: str) -> str:
        token = "MIIEemu" + base64.urlsafe_b64encode(secrets.token_bytes(384)).decode().rstrip("=")
        now = time.time()
        self._tokens[token] = _Token(user, project_id, now, now + self.config.token_lifetime_s)
        self._counters["tokens_issued"] += 1
        return token

    def issue_temporary_credentials(self, lifetime_s: float | None = None) -> dict[str, str]:
        """Issue temporary AK/SK/security token (the metadata endpoint's ``credential`` object)."""
        lifetime = self.config.temporary_credential_lifetime_s if lifetime_s is None else lifetime_s
        user = self._iam_users[0] if self._iam_users else IamUser("agency", "")
        cred = _TempCredential(
            ak=_random_upper(20),
            sk=_random_secret(40),
            security_token="gQpjbi1ub3J0aC00" + base64.b64encode(secrets.token_bytes(240)).decode(),
            expires_at=time.time() + lifetime,
            user_id=user.user_id,
            user_name=user.name,
        )
        with self._lock:
            self._temp_credentials[cred.ak] = cred
            self._counters["temporary_credentials_issued"] += 1
        return {
            "access": cred.ak,
            "secret": cred.sk,
            "securitytoken": cred.security_token,
            "expires_at": _iso(cred.expires_at),
        }

    def expire_tokens(self) -> int:
        """Expire every issued IAM token and temporary credential now (not the metadata session tokens:
        :meth:`expire_metadata_tokens`); returns how many."""
        with self._lock:
            past = time.time() - 1
            for token in self._tokens.values():
                token.expires_at = past
            for cred in self._temp_credentials.values():
                cred.expires_at = past
            return len(self._tokens) + len(self._temp_credentials)

    def expire_metadata_tokens(self) -> int:
        """Expire every metadata-service session token now (the client must fetch a new one)."""
        with self._lock:
            for token in self._metadata_tokens:
                self._metadata_tokens[token] = time.time() - 1
            return len(self._metadata_tokens)

    # ------------------------------------------------------------------ faults & limits
    def script_faults(self, endpoint: str, entries: Sequence[Any]) -> None:
        """Queue responses for the next requests to ``endpoint`` (one entry per request).

        Entries: an HTTP status (``503``; ``200`` means "answer normally"), a mapping
        ``{"status": 429, "body": {...} | "text", "headers": {"Retry-After": "2"}}``, or one of
        ``"drop"``, ``"malformed"``, ``"truncated"``, ``"html"``, ``"sleep:<seconds>"``.
        """
        if endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"endpoint must be one of {FAULT_ENDPOINTS}")
        parsed = [_parse_fault(e) for e in entries]
        with self._lock:
            self._faults.setdefault(endpoint, deque()).extend(parsed)

    def pending_faults(self) -> dict[str, list[str]]:
        with self._lock:
            return {k: [f.describe() for f in v] for k, v in self._faults.items() if v}

    def set_latency(self, seconds: float) -> None:
        """Latency added to every request (control surface excluded)."""
        with self._lock:
            self._latency = _check_seconds(seconds)

    def schedule_mutation(
        self,
        after_requests: int,
        *,
        insert: int = 0,
        remove: int = 0,
        position: Position = "front",
        workspace: str | None = None,
    ) -> None:
        """After the Nth successful (200) pending-items response from now, insert/remove items.

        ``insert`` new items are added at ``position``; then ``remove`` items are removed from
        ``position`` of the workspace's list. The change is visible to the next request.
        """
        if after_requests < 1 or insert < 0 or remove < 0:
            raise ValueError("after_requests must be >= 1, insert/remove >= 0")
        if position not in ("front", "back"):
            raise ValueError("position must be 'front' or 'back'")
        with self._lock:
            ws = self._ws(workspace)
            self._mutations.append(_Mutation(after_requests, insert, remove, position, ws))

    def clear_faults(self) -> None:
        """Drop scripted faults, scheduled mutations and latency."""
        with self._lock:
            self._faults.clear()
            self._mutations.clear()
            self._latency = 0.0

    def set_rate_limit(self, per_user: float | None) -> None:
        """Requests per second per user (``None``/``0`` disables)."""
        with self._lock:
            if per_user is not None and per_user < 0:
                raise ValueError("rate limit must be >= 0")
            self._rate_limit = per_user or None
            self._rate_windows.clear()

    # ------------------------------------------------------------------ observation
    def counters(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._counters)

    def request_log(self) -> list[dict[str, Any]]:
        """Received requests (oldest first); secret header values are redacted."""
        with self._lock:
            return copy.deepcopy(list(self._log))

    def clear_request_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ================================================================== dispatch
    def handle(self, req: Request) -> Response:
        """Answer one request (used by the HTTP handler; no I/O on the socket here)."""
        resp = self._dispatch(req)
        resp.headers["X-Request-Id"] = req.request_id
        self._record(req, resp)
        return resp

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _dispatch(self, req: Request) -> Response:
        path = req.raw_path
        if path.startswith("/_emulator/") or path == "/_emulator":
            control = self._control(req)
            control.endpoint = ENDPOINT_CONTROL
            return control
        endpoint, match = self._route(req)
        with self._lock:
            latency = self._latency
            queue = self._faults.get(endpoint)
            fault = queue.popleft() if queue else None
            if fault is not None:
                self._counters["faults_injected"] += 1
        self._sleep(latency)
        resp: Response | None = None
        if fault is not None:
            if fault.kind == "sleep":
                self._sleep(fault.seconds)
            elif fault.kind not in _POST_FAULTS:
                resp = self._fault_response(req, fault)
        if resp is None:
            if endpoint in DATAARTS_ENDPOINTS and match is not None:
                resp = self._dataarts(req, endpoint, match)
            elif endpoint == ENDPOINT_IAM_TOKENS:
                resp = self._iam_tokens(req)
            elif endpoint == ENDPOINT_SECURITYKEY:
                resp = self._securitykey(req)
            elif endpoint == ENDPOINT_METADATA_TOKEN:
                resp = self._metadata_token(req)
            else:
                resp = self._gateway_error(
                    req,
                    404,
                    "APIGW.0101",
                    "The API does not exist or has not been published in the environment",
                )
        if fault is not None:
            if fault.kind == "drop_after":  # processed (state changed), then the connection is closed
                resp.processed_status = resp.status
                resp.drop = True
            elif fault.kind == "repeat_row":
                resp = _repeat_first_row(resp)
            resp.fault = fault.describe()
        resp.endpoint = endpoint
        return resp

    def _route(self, req: Request) -> tuple[str, re.Match[str] | None]:
        path, method = req.raw_path, req.method
        if method == "GET":
            match = _PENDING_RE.match(path)
            if match:
                return ENDPOINT_PENDING_ITEMS, match
            if path.rstrip("/") == "/openstack/latest/securitykey":
                return ENDPOINT_SECURITYKEY, None
            match = _PACKAGE_DETAIL_RE.match(path)
            if match:
                return ENDPOINT_PACKAGE_DETAIL, match
        if method == "PUT" and path.rstrip("/") == METADATA_TOKEN_PATH:
            return ENDPOINT_METADATA_TOKEN, None
        if method == "POST":
            if path.rstrip("/") == "/v3/auth/tokens":
                return ENDPOINT_IAM_TOKENS, None
            match = _PACKAGE_CREATE_RE.match(path)
            if match:
                return ENDPOINT_PACKAGE_CREATE, match
            match = _PACKAGES_RE.match(path)
            if match:
                return ENDPOINT_PACKAGES_LIST, match
            match = _PACKAGES_ACTION_RE.match(path)
            if match:
                action = ENDPOINT_PACKAGES_DEPLOY if match.group(2) == "deploy" else ENDPOINT_PACKAGES_UNPACK
                return action, match
        return ENDPOINT_UNKNOWN, None

    def _record(self, req: Request, resp: Response) -> None:
        status = None if resp.drop else resp.status
        entry = {
            "request_id": req.request_id,
            "time": _iso(time.time()),
            "method": req.method,
            "path": req.raw_path,
            "query": req.raw_query,
            "header_names": list(req.header_names),
            "headers": {
                name: ("***" if name.lower() in REDACTED_HEADERS else req.headers.get(name.lower(), ""))
                for name in req.header_names
            },
            "status": status,
            "endpoint": resp.endpoint,
            "user": resp.user,
            "fault": resp.fault,
            # DataArts bodies only (ids, names, paging): IAM and metadata bodies may hold passwords.
            "body": req.body.decode("utf-8", "replace") if resp.endpoint in DATAARTS_ENDPOINTS else None,
        }
        if resp.processed_status is not None:
            entry["processed_status"] = resp.processed_status
        status_key = "dropped" if status is None else str(status)
        with self._lock:
            self._log.append(entry)
            if resp.endpoint == ENDPOINT_CONTROL:
                return
            c = self._counters
            c["requests_total"] += 1
            c["by_endpoint"][resp.endpoint] = c["by_endpoint"].get(resp.endpoint, 0) + 1
            c["by_status"][status_key] = c["by_status"].get(status_key, 0) + 1
            per = c["by_endpoint_status"].setdefault(resp.endpoint, {})
            per[status_key] = per.get(status_key, 0) + 1
            if resp.user is not None:
                c["by_user"][resp.user] = c["by_user"].get(resp.user, 0) + 1

    # ------------------------------------------------------------------ responses
    @staticmethod
    def _json(status: int, obj: Any, headers: Mapping[str, str] | None = None) -> Response:
        return Response(status, _json_bytes(obj), dict(headers or {}))

    def _gateway_error(
        self, req: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        return self._json(
            status, {"error_code": code, "error_msg": message, "request_id": req.request_id}, headers
        )

    @staticmethod
    def _dlf_error(code: str, message: str, status: int = 400) -> Response:
        return Emulator._json(status, {"error_code": code, "error_msg": message})

    def _param_error(self) -> Response:
        return self._dlf_error(ERR_PARAM_INVALID, MSG_PARAM_INVALID)

    def _auth_error(self, req: Request, detail: str) -> Response:
        with self._lock:
            self._counters["auth_failures"] += 1
        return self._gateway_error(
            req, 401, "APIGW.0301", f"Incorrect IAM authentication information: {detail}"
        )

    def _throttle_body(self, req: Request, limit: float | None) -> Response:
        shown = "10" if limit is None else (str(int(limit)) if float(limit).is_integer() else str(limit))
        return self._gateway_error(
            req,
            429,
            "APIGW.0308",
            "The throttling threshold has been reached: "
            f"policy user over ratelimit,limit:{shown},time:1 second",
        )

    def _fault_response(self, req: Request, fault: _Fault) -> Response | None:
        if fault.kind == "drop":
            return Response(0, drop=True)
        if fault.kind == "malformed":
            return Response(200, b'{"data": [{"pending_item_id": "x",, }', content_type=JSON_CT)
        if fault.kind == "truncated":
            full = _json_bytes({"data": self.items()[:5], "total": 5})
            return Response(200, full[: max(1, len(full) // 2)], content_type=JSON_CT)
        if fault.kind == "html":
            html = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
            return Response(200, html, content_type="text/html")
        # explicit status
        if fault.status == 200 and fault.body is None:
            return None  # answer normally
        if fault.body is not None:
            if isinstance(fault.body, str):
                resp = Response(fault.status, fault.body.encode("utf-8"), dict(fault.headers))
                resp.content_type = fault.headers.get("Content-Type", "text/plain")
                return resp
            return self._json(fault.status, fault.body, fault.headers)
        if fault.status == 429:
            with self._lock:
                limit = self._rate_limit
            return self._throttle_body(req, limit)._with_headers(fault.headers)
        phrase = HTTPStatus(fault.status).phrase if fault.status in HTTPStatus._value2member_map_ else "Error"
        return self._gateway_error(
            req, fault.status, f"EMU.{fault.status}", f"{phrase} (scripted fault)", fault.headers
        )

    # ------------------------------------------------------------------ authentication
    def _authenticate(
        self, req: Request, query_pairs: list[tuple[str, str]]
    ) -> tuple[str, str | None] | Response:
        """Return ``(user_name, token_project_id)`` or an error response."""
        token = req.header("x-auth-token")
        if token:
            with self._lock:
                record = self._tokens.get(token)
                valid = record is not None and record.expires_at > time.time()
            if record is None or not valid:
                return self._auth_error(req, "the token is invalid or expired")
            return record.user.name, record.project_id
        authorization = req.header("authorization")
        if not authorization:
            return self._auth_error(req, "neither X-Auth-Token nor an AK/SK Authorization header was found")
        auth = _signing.parse_authorization(authorization)
        if auth is None:
            return self._auth_error(
                req, f"the Authorization header is malformed (expected {_signing.ALGORITHM})"
            )
        with self._lock:
            permanent = self._credentials.get(auth.access)
            temporary = self._temp_credentials.get(auth.access)
            locked_until = self._aksk_locked_until.get(auth.access, 0.0)
        if locked_until > time.time():
            return self._auth_error(req, "the AK/SK pair is locked after too many failed signature checks")
        security_token = req.header("x-security-token")
        if permanent is not None:
            if security_token:
                return self._auth_error(req, "a security token was sent with a permanent AK")
            sk, user_name = permanent.sk, permanent.user_name
        elif temporary is not None:
            if not security_token or not secrets.compare_digest(security_token, temporary.security_token):
                return self._auth_error(req, "the security token is missing or does not match the AK")
            if "x-security-token" not in auth.signed_headers:
                return self._auth_error(req, "X-Security-Token must be a signed header")
            if temporary.expires_at <= time.time():
                return self._auth_error(req, "the security token has expired")
            sk, user_name = temporary.sk, temporary.user_name
        else:
            return self._auth_error(req, f"the access key {auth.access} does not exist")
        sdk_date = req.header("x-sdk-date")
        date = _signing.parse_sdk_date(sdk_date) if sdk_date else None
        if date is None or sdk_date is None:
            return self._auth_error(req, "X-Sdk-Date is missing or not in the format YYYYMMDDTHHMMSSZ")
        skew = abs((datetime.now(timezone.utc) - date).total_seconds())
        if skew > self.config.max_clock_skew_s:
            return self._auth_error(
                req,
                f"the request date is out of range: X-Sdk-Date {sdk_date} differs from the server time "
                f"{datetime.now(timezone.utc).strftime(_signing.DATE_FORMAT)} by more than "
                f"{int(self.config.max_clock_skew_s // 60)} minutes",
            )
        canonical = _signing.canonical_request(
            req.method, req.raw_path, query_pairs, req.headers, auth.signed_headers, req.body
        )
        expected = _signing.signature(sk, canonical, sdk_date.strip())
        missing = "x-sdk-date" not in auth.signed_headers
        if missing or not _signing.signatures_equal(expected, auth.signature):
            self._note_aksk_failure(auth.access)
            return self._auth_error(
                req,
                "verify aksk signature fail, error: the signature does not match"
                + (" (x-sdk-date is not signed)" if missing else "")
                + ", canonicalRequest: "
                + canonical.replace("\n", "|"),
            )
        with self._lock:
            self._aksk_failures.pop(auth.access, None)
        return user_name, None

    def _note_aksk_failure(self, ak: str) -> None:
        limit = self.config.aksk_lockout_failures
        with self._lock:
            count = self._aksk_failures.get(ak, 0) + 1
            self._aksk_failures[ak] = count
            if limit and count >= limit:
                self._aksk_locked_until[ak] = time.time() + self.config.aksk_lockout_s
                self._aksk_failures[ak] = 0

    def _throttled(self, user: str) -> float | None:
        """Seconds until the user may retry, or ``None`` when the request is allowed."""
        with self._lock:
            limit = self._rate_limit
            if not limit:
                return None
            window_s = max(1.0, 1.0 / limit)
            capacity = max(1, int(limit * window_s))
            now = time.monotonic()
            window = self._rate_windows.setdefault(user, deque())
            while window and now - window[0] >= window_s:
                window.popleft()
            if len(window) >= capacity:
                return window_s - (now - window[0])
            window.append(now)
            return None

    # ------------------------------------------------------------------ pending items
    def _dataarts(self, req: Request, endpoint: str, match: re.Match[str]) -> Response:
        """The DataArts API: authentication, rate limit, project, workspace, then the endpoint."""
        path_project = match.group(1)
        pairs = _signing.parse_query(req.raw_query, plus_as_space=self.config.query_plus_as_space)
        auth = self._authenticate(req, pairs)
        if isinstance(auth, Response):
            return auth
        user, token_project = auth
        retry = self._throttled(user)
        if retry is not None:
            with self._lock:
                self._counters["throttled"] += 1
                limit = self._rate_limit
            resp = self._throttle_body(req, limit)
            resp.headers["Retry-After"] = str(max(1, math.ceil(retry)))
            resp.user = user
            return resp
        scope = self._check_scope(req, path_project, token_project)
        if isinstance(scope, Response):
            scope.user = user
            return scope
        workspace = scope
        self._advance_packages()
        try:
            if endpoint == ENDPOINT_PENDING_ITEMS:
                resp = self._list_items(path_project, workspace, pairs)
            elif endpoint == ENDPOINT_PACKAGE_CREATE:
                resp = self._create_package(req, path_project, workspace)
            elif endpoint == ENDPOINT_PACKAGES_LIST:
                resp = self._list_packages(req, path_project, workspace)
            elif endpoint == ENDPOINT_PACKAGE_DETAIL:
                resp = self._package_detail(path_project, workspace, match.group(2))
            elif endpoint == ENDPOINT_PACKAGES_DEPLOY:
                resp = self._deploy_packages(req, workspace, user)
            else:
                resp = self._unpack_packages(req, workspace)
        except _ApiError as exc:
            resp = self._dlf_error(exc.code, exc.message)
        resp.user = user
        return resp

    def _check_scope(self, req: Request, path_project: str, token_project: str | None) -> str | Response:
        """The workspace of an authenticated request, or the project/workspace error response."""
        with self._lock:
            known_project = path_project in self._projects
        if not known_project or (token_project is not None and token_project != path_project):
            return self._gateway_error(
                req, 403, "APIGW.0302", "The IAM user is not authorized to access the API (project mismatch)."
            )
        x_project = req.header("x-project-id")
        if x_project is None and token_project is None and self.config.extra_project_ids:
            # AK/SK in an account with several projects: the project must be named (the retry guide).
            return self._gateway_error(
                req,
                400,
                ERR_PROJECT_HEADER_MISSING,
                "X-Project-Id is required: the account has several projects.",
            )
        if x_project is not None and x_project.strip() != path_project:
            return self._gateway_error(
                req,
                403,
                "APIGW.0302",
                "The IAM user is not authorized to access the API (X-Project-Id differs from the path).",
            )
        workspace = (req.header("workspace") or "").strip()
        if not workspace:
            return self._gateway_error(req, 400, ERR_WORKSPACE_MISSING, "Orchestration error.")
        with self._lock:
            if workspace not in self._workspaces:
                return self._dlf_error(ERR_WORKSPACE_UNKNOWN, f"The workspace {workspace} does not exist.")
        return workspace

    def _list_items(self, path_project: str, workspace: str, pairs: list[tuple[str, str]]) -> Response:
        params: dict[str, str] = {}
        for key, value in pairs:
            params.setdefault(key, value)

        def int_param(name: str, default: int | None) -> int | Literal[False] | None:
            if name not in params:
                return default
            raw = params[name]
            return int(raw) if _DIGITS_RE.match(raw) else False

        limit = int_param("limit", 10)
        offset = int_param("offset", 0)
        if limit is False or limit is None or not 1 <= limit <= 100:
            return self._param_error()
        if offset is False or offset is None:
            return self._param_error()
        update_type = int_param("update_type", None) if params.get("update_type") != "" else None
        task_type = int_param("task_type", None) if params.get("task_type") != "" else None
        start_time = int_param("start_time", None) if params.get("start_time") != "" else None
        end_time = int_param("end_time", None) if params.get("end_time") != "" else None
        if False in (update_type, task_type, start_time, end_time):
            return self._param_error()
        submit_user = params.get("submit_user_name") or None
        item_name = params.get("item_name") or None
        match_mode = self.config.item_name_match

        def keep(item: PendingItem) -> bool:
            if item.workspace_id != workspace:
                return False
            if submit_user is not None and item.submit_user_name != submit_user:
                return False
            if item_name is not None:
                if match_mode == "exact" and item.item_name != item_name:
                    return False
                if match_mode == "prefix" and not item.item_name.startswith(item_name):
                    return False
                if match_mode == "contains" and item_name not in item.item_name:
                    return False
            if update_type is not None and item.update_type != update_type:
                return False
            if task_type is not None and item.task_type != task_type:
                return False
            if start_time is not None and item.submit_timestamp < start_time:
                return False
            return not (end_time is not None and item.submit_timestamp > end_time)

        with self._lock:
            selected = [i for i in self._items if keep(i)]
            start = offset * limit if self.config.offset_mode == "page" else offset
            # Only the page is converted to API shape: converting every match cost ~150 ms per request
            # at 10,000 items, which made the emulator, not the client, the bottleneck in benchmarks.
            page = [i.to_api(path_project) for i in selected[start : start + limit]]
            self._after_success(workspace)
        return Response(200, _json_bytes({"data": page, "total": len(selected)}))

    def _after_success(self, workspace: str) -> None:
        remaining: list[_Mutation] = []
        for mutation in self._mutations:
            if mutation.workspace == workspace:
                mutation.seen += 1
            if mutation.seen < mutation.after_requests:
                remaining.append(mutation)
                continue
            self._apply_mutation(mutation)
        self._mutations = remaining

    def _apply_mutation(self, mutation: _Mutation) -> None:
        ws = mutation.workspace
        if mutation.insert:
            newest = max((i.submit_timestamp for i in self._items), default=BASE_TIMESTAMP_MS)
            new = generate_items(
                mutation.insert,
                self._rng.randrange(2**32),
                ws,
                base_timestamp_ms=newest + 60_000,
                name_prefix="inserted ",
            )
            if mutation.position == "front":
                self._items = new + self._items
            else:
                self._items.extend(new)
        if mutation.remove:
            in_ws = [i for i in self._items if i.workspace_id == ws]
            victims = in_ws[: mutation.remove] if mutation.position == "front" else in_ws[-mutation.remove :]
            gone = {id(i) for i in victims}
            self._items = [i for i in self._items if id(i) not in gone]

    # ------------------------------------------------------------------ release packages (API)
    def _create_package(self, req: Request, path_project: str, workspace: str) -> Response:
        body = _json_body(req)
        apply_user_id = _req_str(body, "apply_user_id")
        package_name = _req_str(body, "package_name")
        item_ids = _req_str_list(body, "pending_item_list")
        approver_ids = _req_str_list(body, "approver_ids")
        with self._lock:
            by_id = {i.pending_item_id: i for i in self._items if i.workspace_id == workspace}
            unknown = [pid for pid in item_ids if pid not in by_id]
            if unknown:
                raise _ApiError(
                    ERR_PENDING_ITEM_UNKNOWN, f"The pending items do not exist: {', '.join(unknown)}."
                )
            packaged = [pid for pid in item_ids if by_id[pid].package_flag != 0]
            if packaged:
                raise _ApiError(
                    ERR_PENDING_ITEM_PACKAGED,
                    f"The pending items are already in a release package: {', '.join(packaged)}.",
                )
            package_id = str(self._next_package_id)
            self._next_package_id += 1
            items = [by_id[pid] for pid in item_ids]
            for item in items:
                item.package_flag = 1
            self._packages[package_id] = ReleasePackage(
                package_id=package_id,
                package_name=package_name,
                workspace_id=workspace,
                apply_user_id=apply_user_id,
                apply_user_name=self._user_name(apply_user_id),
                approvers=[(uid, self._user_name(uid)) for uid in approver_ids],
                items=[copy.copy(item) for item in items],
                apply_timestamp=int(self._release_clock() * 1000),
            )
            self._counters["packages_created"] += 1
        return self._json(200, {"package_name": package_name, "release_package_id": package_id})

    def _list_packages(self, req: Request, path_project: str, workspace: str) -> Response:
        body = _json_body(req)
        key_word = _opt_str(body, "key_word")
        apply_user_name = _opt_str(body, "apply_user_name")
        deploy_user_name = _opt_str(body, "deploy_user_name")
        times: dict[str, int | None] = {}
        for name in ("apply_begin_time", "apply_end_time", "deploy_begin_time", "deploy_end_time"):
            value = body.get(name)
            if value is not None and not (_is_int(value) and 10**12 <= value < 10**13):
                raise _invalid(name, "a 13-digit epoch-millisecond integer is required")
            times[name] = value

        def str_list(name: str) -> list[str] | None:
            value = body.get(name)
            if value is None:
                return None
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _invalid(name, "a list of strings is required")
            return value

        apply_names, deploy_names = str_list("apply_user_name_filter"), str_list("deploy_user_name_filter")
        statuses = body.get("deploy_status_filter")
        if statuses is not None and (
            not isinstance(statuses, list)
            or not all(_is_int(v) and v in _release.DEPLOY_STATUSES for v in statuses)
        ):
            raise _invalid("deploy_status_filter", "a list of 1, 2, 3, 5 is required")
        direction = (_opt_str(body, "sorted_direction") or "desc").lower()
        if direction not in ("asc", "desc"):
            raise _invalid("sorted_direction", "asc or desc")
        order_column = _opt_str(body, "order_column") or "apply_timestamp"
        if order_column not in ("apply_timestamp", "deploy_timestamp"):
            raise _invalid("order_column", "apply_timestamp or deploy_timestamp")
        limit, offset = body.get("limit", 10), body.get("offset", 0)
        maximum = self.config.release_list_max_limit
        if _is_int(limit) and limit > maximum and self.config.release_list_over_limit == "cap":
            limit = maximum  # silently: the client sees short pages with a larger total
        if not _is_int(limit) or not 1 <= limit <= maximum:
            raise _invalid("limit", f"an integer 1..{maximum} is required")
        if not _is_int(offset) or offset < 0:
            raise _invalid("offset", "an integer >= 0 is required")
        with self._lock:
            selected = [
                p
                for p in self._packages.values()
                if p.workspace_id == workspace
                and not p.delete_flag
                and _release.matches_filters(
                    p,
                    key_word=key_word,
                    apply_user_name=apply_user_name,
                    deploy_user_name=deploy_user_name,
                    times=times,
                    apply_user_names=apply_names,
                    deploy_user_names=deploy_names,
                    statuses=statuses,
                )
            ]

            def sort_key(p: ReleasePackage) -> tuple[int, int]:
                value = p.apply_timestamp if order_column == "apply_timestamp" else p.deploy_timestamp
                return (-1 if value is None else value, int(p.package_id))

            selected.sort(key=sort_key, reverse=direction == "desc")
            start = offset * limit if self.config.offset_mode == "page" else offset
            page = [p.to_api(path_project) for p in selected[start : start + limit]]
        return self._json(200, {"data": page, "total": len(selected)})

    def _package_in(self, workspace: str, package_id: str, *, cancelled_ok: bool = False) -> ReleasePackage:
        package = self._packages.get(package_id)
        if package is None or package.workspace_id != workspace or (package.delete_flag and not cancelled_ok):
            raise _ApiError(ERR_PACKAGE_UNKNOWN, f"The release package {package_id} does not exist.")
        return package

    def _package_detail(self, path_project: str, workspace: str, package_id: str) -> Response:
        with self._lock:
            package = self._package_in(workspace, package_id, cancelled_ok=True)
            body = {"release_package": package.to_api(path_project), "task_details": package.task_details()}
        return self._json(200, body)

    def _deploy_packages(self, req: Request, workspace: str, user: str) -> Response:
        body = _json_body(req)
        package_ids = _package_ids(body)
        startup_mode = body.get("startup_mode", 1)
        if startup_mode is None:
            startup_mode = 1
        if not _is_int(startup_mode) or startup_mode not in (0, 1):
            raise _invalid("startup_mode", "0 or 1 is required")
        with self._lock:
            packages = [self._package_in(workspace, pid) for pid in package_ids]
            busy = [
                p.package_id
                for p in packages
                if p.deploy_status in (_release.STATUS_RELEASING, _release.STATUS_SUCCESS)
            ]
            if busy:
                raise _ApiError(
                    ERR_PACKAGE_STATE,
                    f"The release packages are being released or were released: {', '.join(busy)}.",
                )
            now = self._release_clock()
            user_id = self._user_id(user)
            details = []
            for package in packages:
                task_id = uuid.uuid4().hex
                package.request_deploy(
                    now,
                    user_id=user_id,
                    user_name=user,
                    startup_mode=startup_mode,
                    task_id=task_id,
                    settings=self._release_settings,
                )
                details.append(
                    {
                        "asy_subtask_num": len(package.items),
                        "asy_task_id": task_id,
                        "package_id": int(package.package_id),
                    }
                )
                self._counters["packages_deploy_requests"] += 1
        self._advance_packages()  # an immediate approval starts the release now
        return self._json(200, {"deploy_package_details": details})

    def _unpack_packages(self, req: Request, workspace: str) -> Response:
        body = _json_body(req)
        package_ids = _package_ids(body)
        with self._lock:
            packages = [self._package_in(workspace, pid) for pid in package_ids]
            busy = [
                p.package_id
                for p in packages
                if p.deploy_status in (_release.STATUS_RELEASING, _release.STATUS_SUCCESS)
            ]
            if busy:
                raise _ApiError(
                    ERR_PACKAGE_STATE,
                    f"The release packages are being released or were released: {', '.join(busy)}.",
                )
            for package in packages:
                package.delete_flag = 1
                ids = {i.pending_item_id for i in package.items}
                for item in self._items:
                    if item.pending_item_id in ids:
                        item.package_flag = 0
                self._counters["packages_cancelled"] += 1
        return Response(200, b"")

    # ------------------------------------------------------------------ IAM & metadata
    @staticmethod
    def _iam_error(status: int, message: str) -> Response:
        title = HTTPStatus(status).phrase
        return Emulator._json(status, {"error": {"code": status, "message": message, "title": title}})

    def _iam_tokens(self, req: Request) -> Response:
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
            return self._iam_error(
                400, "The request body is invalid (password method with project scope expected)."
            )
        if not isinstance(methods, list) or "password" not in methods:
            return self._iam_error(400, "Only the password method is supported by the emulator.")
        with self._lock:
            user = next(
                (
                    u
                    for u in self._iam_users
                    if u.name == name
                    and secrets.compare_digest(str(password), u.password)
                    and (domain.get("name") == u.domain_name or domain.get("id") == u.domain_id)
                ),
                None,
            )
        if user is None:
            return self._iam_error(401, "The username or password is wrong.")
        project_id: str | None = None
        if isinstance(project, Mapping):
            if project.get("id") in self._projects:
                project_id = str(project["id"])
            elif project.get("name") == self.config.region:
                project_id = self.config.project_id
        if project_id is None:
            return self._iam_error(400, "Invalid scope: the project does not exist.")
        with self._lock:
            token = self._issue_token(user, project_id)
            record = self._tokens[token]
        query = dict(_signing.parse_query(req.raw_query))
        token_body: dict[str, Any] = {
            "expires_at": _iso(record.expires_at),
            "issued_at": _iso(record.issued_at),
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
                "name": self.config.region,
            },
            "roles": [{"id": "0", "name": "op_service"}],
        }
        if query.get("nocatalog") != "true":
            token_body["catalog"] = []
        return self._json(201, {"token": token_body}, {"X-Subject-Token": token})._named(user.name)

    def _metadata_token(self, req: Request) -> Response:
        """``PUT /meta-data/latest/api/token`` with ``X-Metadata-Token-Ttl-Seconds``: a session token
        (text/plain), valid for that many seconds (1..21600)."""
        if self.config.metadata_sessions == "unsupported":
            return Response(404, b"Not Found", content_type="text/plain")
        ttl = req.header("x-metadata-token-ttl-seconds")
        if ttl is None or not _DIGITS_RE.match(ttl) or not 1 <= int(ttl) <= METADATA_TOKEN_MAX_TTL_S:
            body = f"X-Metadata-Token-Ttl-Seconds must be 1..{METADATA_TOKEN_MAX_TTL_S}".encode()
            return Response(400, body, content_type="text/plain")
        token = _random_secret(56)
        with self._lock:
            self._metadata_tokens[token] = time.time() + int(ttl)
            self._counters["metadata_tokens_issued"] += 1
        return Response(200, token.encode(), content_type="text/plain")

    def _securitykey(self, req: Request) -> Response:
        token = req.header("x-metadata-token")
        mode = self.config.metadata_sessions
        if token is not None and mode != "unsupported":
            with self._lock:
                expiry = self._metadata_tokens.get(token)
            if expiry is None or expiry <= time.time():
                return Response(
                    401, b"Unauthorized: invalid or expired metadata token", content_type="text/plain"
                )
        elif mode == "required":
            return Response(401, b"Unauthorized: X-Metadata-Token is required", content_type="text/plain")
        return self._json(200, {"credential": self.issue_temporary_credentials()})

    # ------------------------------------------------------------------ control surface
    def _control(self, req: Request) -> Response:
        try:
            return self._control_inner(req)
        except (ValueError, TypeError, KeyError) as exc:
            return self._json(400, {"error": str(exc)})

    def _control_inner(self, req: Request) -> Response:
        name = req.raw_path[len("/_emulator") :].strip("/")
        method = req.method
        body: Any = {}
        if req.body:
            try:
                body = json.loads(req.body.decode("utf-8"))
            except ValueError as exc:
                raise ValueError(f"invalid JSON body: {exc}") from exc
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
        query = dict(_signing.parse_query(req.raw_query, plus_as_space=True))
        ok = self._json
        if (method, name) in (("GET", "health"), ("GET", "")):
            return ok(200, {"status": "ok"})
        if (method, name) == ("GET", "info"):
            return ok(200, self.info())
        if (method, name) == ("GET", "items"):
            return ok(200, {"data": self.items(query.get("workspace"))})
        if (method, name) == ("POST", "items"):
            position = body.pop("position", "front")
            return ok(201, self.add_item(body, position=position))
        if method == "DELETE" and name.startswith("items/"):
            removed = self.remove_item(name[len("items/") :])
            return ok(200 if removed else 404, {"removed": int(removed)})
        if (method, name) == ("POST", "seed"):
            seeded = self.seed(
                int(body.get("count", 100)),
                int(body.get("seed", 0)),
                workspace=body.get("workspace"),
                replace=bool(body.get("replace", True)),
            )
            return ok(200, {"seeded": len(seeded)})
        if (method, name) == ("POST", "mark-packaged"):
            n = self.mark_packaged(body.get("pending_item_ids", ()), body.get("item_names", ()))
            return ok(200, {"matched": n})
        if (method, name) == ("POST", "release"):
            n = self.release(body.get("pending_item_ids", ()), body.get("item_names", ()))
            return ok(200, {"released": n})
        if (method, name) == ("GET", "counters"):
            return ok(200, self.counters())
        if (method, name) == ("GET", "requests"):
            return ok(200, {"requests": self.request_log()})
        if (method, name) == ("DELETE", "requests"):
            self.clear_request_log()
            return ok(200, {})
        if (method, name) == ("GET", "faults"):
            return ok(200, {"scripts": self.pending_faults()})
        if (method, name) == ("POST", "faults"):
            if "latency_s" in body:
                self.set_latency(float(body["latency_s"]))
            if "endpoint" in body:
                self.script_faults(str(body["endpoint"]), list(body.get("entries", [])))
            if "mutation" in body:
                m = dict(body["mutation"])
                self.schedule_mutation(
                    int(m.pop("after_requests")),
                    insert=int(m.pop("insert", 0)),
                    remove=int(m.pop("remove", 0)),
                    position=m.pop("position", "front"),
                    workspace=m.pop("workspace", None),
                )
            return ok(200, {"scripts": self.pending_faults()})
        if (method, name) == ("DELETE", "faults"):
            self.clear_faults()
            return ok(200, {})
        if (method, name) == ("POST", "rate-limit"):
            per_user = body.get("per_user")
            self.set_rate_limit(None if per_user is None else float(per_user))
            return ok(200, {"per_user": self._rate_limit})
        if (method, name) == ("POST", "expire-tokens"):
            return ok(200, {"expired": self.expire_tokens()})
        if (method, name) == ("POST", "temporary-credentials"):
            lifetime = body.get("lifetime_s")
            return ok(200, {"credential": self.issue_temporary_credentials(lifetime)})
        release = self._control_release(method, name, body, query)
        if release is not None:
            return release
        if (method, name) == ("POST", "reset"):
            self.reset()
            return ok(200, {})
        return ok(404, {"error": f"unknown control operation {method} /_emulator/{name}"})

    def _control_release(
        self, method: str, name: str, body: dict[str, Any], query: Mapping[str, str]
    ) -> Response | None:
        """The release-package part of the control surface (``None``: not a release operation)."""
        if (method, name) == ("GET", "packages"):
            return self._json(200, {"data": self.packages(query.get("workspace"))})
        if name.startswith("packages/"):
            package_id, _, action = name[len("packages/") :].partition("/")
            if (method, action) == ("GET", ""):
                return self._json(200, self.package(package_id))
            if (method, action) == ("POST", "approve"):
                return self._json(200, self.approve(package_id))
            if (method, action) == ("POST", "outcome"):
                return self._json(
                    200, self.set_package_outcome(package_id, body.get("outcome"), body.get("message"))
                )
        if (method, name) == ("GET", "release-settings"):
            return self._json(200, self.release_settings())
        if (method, name) == ("POST", "release-settings"):
            unknown = set(body) - {"auto_approve", "approve_delay_s", "release_duration_s", "fail_items"}
            if unknown:
                raise ValueError(f"unknown release settings: {sorted(unknown)}")
            fail_items = body.get("fail_items")
            if fail_items is not None and not isinstance(fail_items, list):
                raise ValueError("fail_items must be a list of patterns")
            return self._json(
                200,
                self.set_release_settings(
                    auto_approve=body.get("auto_approve"),
                    approve_delay_s=body.get("approve_delay_s"),
                    release_duration_s=body.get("release_duration_s"),
                    fail_items=fail_items,
                ),
            )
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], emulator: Emulator
    ) -> None:
        self.request_queue_size = emulator.config.request_queue_size
        self.emulator = emulator
        super().__init__(address, handler)


def _decode_header_value(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate sends: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server_version = "DataArtsEmulator/1.0"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr logging (the emulator keeps its own request log)."""

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        body = b""
        if length:
            try:
                body = self.rfile.read(int(length))
            except ValueError:
                body = b""
        raw_path, _, raw_query = self.path.partition("?")
        headers: dict[str, str] = {}
        names: list[str] = []
        for name, value in self.headers.items():
            names.append(name)
            headers.setdefault(name.lower(), _decode_header_value(value))
        req = Request(self.command, raw_path, raw_query, headers, names, body)
        resp = self.server.emulator.handle(req)
        if resp.drop:
            self.close_connection = True
            return
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers.items():
            if key.lower() != "content-type":
                self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_PATCH = _serve
    do_HEAD = _serve
