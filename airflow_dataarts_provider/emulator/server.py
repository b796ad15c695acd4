"""The emulator: the HTTP server's lifecycle, routing by table, and the DataArts request pipeline.

Order of checks on the DataArts API: route, scripted fault, authentication, rate limit, project,
workspace, parameters. Where each part lives:

- :mod:`._config`: the emulator's settings (accounts, workspaces, limits, offset semantics);
- :mod:`._common`: endpoint names, the error catalogue, request/response values, body validation;
- :mod:`._state`: everything the emulator knows, under one lock;
- :mod:`._signing`: its own SDK-HMAC-SHA256 verifier (shares no code with the client's signer);
- :mod:`._identity`: authentication, lockout, rate limit, project/workspace scope;
- :mod:`._faults`: scripted faults and listing mutations;
- one pair per API family, records and state machine (no I/O) beside the handlers:
  :mod:`._pending_items` / :mod:`._pending_items_api`, :mod:`._release_packages` /
  :mod:`._release_packages_api`, :mod:`._job_runs` / :mod:`._job_runs_api`, :mod:`._patch_data` /
  :mod:`._patch_data_api` (its control part: :mod:`._patch_data_control`), :mod:`._scripts` /
  :mod:`._scripts_api` (its control part: :mod:`._scripts_control`);
- :mod:`._iam`: IAM tokens and the metadata service; :mod:`._obs`: the OBS look-alike serving node logs;
- :mod:`._control` (in-process, :class:`EmulatorAPI`) and :mod:`._control_http` (``/_emulator/...``): the
  control surface;
- :mod:`._http`: the socket side; :mod:`.cli`, :mod:`.connection`, :mod:`.pytest_plugin`: the ways in.

To add an endpoint: a name in :mod:`._common`, a route in :data:`ROUTES`, a handler in its family's module
and, for a DataArts endpoint, an entry in :data:`DATAARTS_HANDLERS`.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import (
    _control_http,
    _iam,
    _identity,
    _job_runs_api,
    _obs,
    _patch_data_api,
    _pending_items_api,
    _release_packages_api,
    _scripts_api,
    _signing,
)
from ._common import (
    DATAARTS_ENDPOINTS,
    ENDPOINT_CONTROL,
    ENDPOINT_IAM_TOKENS,
    ENDPOINT_JOB_INSTANCE,
    ENDPOINT_JOB_INSTANCES,
    ENDPOINT_JOB_INSTANCES_V2,
    ENDPOINT_JOB_RESTART,
    ENDPOINT_JOB_RUN,
    ENDPOINT_JOB_STOP,
    ENDPOINT_METADATA_TOKEN,
    ENDPOINT_OBS_OBJECT,
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGE_DETAIL,
    ENDPOINT_PACKAGES_DEPLOY,
    ENDPOINT_PACKAGES_LIST,
    ENDPOINT_PACKAGES_UNPACK,
    ENDPOINT_PATCH_CREATE,
    ENDPOINT_PATCH_QUERY,
    ENDPOINT_PATCH_STOP,
    ENDPOINT_PENDING_ITEMS,
    ENDPOINT_SCRIPT_EXECUTE,
    ENDPOINT_SCRIPT_RESULT,
    ENDPOINT_SCRIPT_SHOW,
    ENDPOINT_SCRIPT_STOP,
    ENDPOINT_SCRIPTS_V2,
    ENDPOINT_SECURITYKEY,
    ENDPOINT_UNKNOWN,
    METADATA_TOKEN_PATH,
    REDACTED_HEADERS,
    ApiError,
    Request,
    Response,
    dlf_error,
    gateway_error,
    iso,
    throttle_body,
)
from ._config import EmulatorConfig
from ._control import EmulatorAPI
from ._faults import POST_FAULTS, after_processing, fault_response
from ._http import Handler, Server
from ._state import State

_FACTORY = r"^/v2/([^/]+)/factory"
_V1_JOBS = r"^/v1/([^/]+)/jobs"
_V1_SCRIPTS = r"^/v1/([^/]+)/scripts"
#: (method, path pattern, endpoint): the first match wins; group 1 is the project id of DataArts paths.
ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(_FACTORY + r"/pending-items/?$"), ENDPOINT_PENDING_ITEMS),
    ("GET", re.compile(r"^/openstack/latest/securitykey/?$"), ENDPOINT_SECURITYKEY),
    ("GET", re.compile(_FACTORY + r"/release-packages/([^/]+)/?$"), ENDPOINT_PACKAGE_DETAIL),
    ("PUT", re.compile("^" + re.escape(METADATA_TOKEN_PATH) + "/?$"), ENDPOINT_METADATA_TOKEN),
    ("POST", re.compile(r"^/v3/auth/tokens/?$"), ENDPOINT_IAM_TOKENS),
    ("POST", re.compile(_FACTORY + r"/pending-items/package/?$"), ENDPOINT_PACKAGE_CREATE),
    ("POST", re.compile(_FACTORY + r"/release-packages/?$"), ENDPOINT_PACKAGES_LIST),
    ("POST", re.compile(_FACTORY + r"/release-packages/deploy/?$"), ENDPOINT_PACKAGES_DEPLOY),
    ("POST", re.compile(_FACTORY + r"/release-packages/unpack/?$"), ENDPOINT_PACKAGES_UNPACK),
    ("GET", re.compile(_FACTORY + r"/jobs/([^/]+)/instances/detail/?$"), ENDPOINT_JOB_INSTANCES_V2),
    ("GET", re.compile(_V1_JOBS + r"/instances/detail/?$"), ENDPOINT_JOB_INSTANCES),
    ("GET", re.compile(_V1_JOBS + r"/([^/]+)/instances/([^/]+)/?$"), ENDPOINT_JOB_INSTANCE),
    ("POST", re.compile(_V1_JOBS + r"/([^/]+)/run-immediate/?$"), ENDPOINT_JOB_RUN),
    ("POST", re.compile(_V1_JOBS + r"/([^/]+)/instances/([^/]+)/stop/?$"), ENDPOINT_JOB_STOP),
    ("POST", re.compile(_V1_JOBS + r"/([^/]+)/instances/([^/]+)/restart/?$"), ENDPOINT_JOB_RESTART),
    ("GET", re.compile(_FACTORY + r"/scripts/?$"), ENDPOINT_SCRIPTS_V2),
    ("POST", re.compile(_FACTORY + r"/supplement-data/?$"), ENDPOINT_PATCH_CREATE),
    ("GET", re.compile(_FACTORY + r"/supplement-data/?$"), ENDPOINT_PATCH_QUERY),
    ("POST", re.compile(_FACTORY + r"/supplement-data/([^/]+)/stop/?$"), ENDPOINT_PATCH_STOP),
    ("GET", re.compile(r"^/" + _obs.BUCKET + r"/.+$"), ENDPOINT_OBS_OBJECT),
    ("HEAD", re.compile(r"^/" + _obs.BUCKET + r"/.+$"), ENDPOINT_OBS_OBJECT),
    ("POST", re.compile(_V1_SCRIPTS + r"/([^/]+)/execute/?$"), ENDPOINT_SCRIPT_EXECUTE),
    ("GET", re.compile(_V1_SCRIPTS + r"/([^/]+)/instances/([^/]+)/?$"), ENDPOINT_SCRIPT_RESULT),
    ("POST", re.compile(_V1_SCRIPTS + r"/([^/]+)/instances/([^/]+)/stop/?$"), ENDPOINT_SCRIPT_STOP),
    ("GET", re.compile(_V1_SCRIPTS + r"/([^/]+)/?$"), ENDPOINT_SCRIPT_SHOW),
)


@dataclass(frozen=True)
class Scope:
    """An authenticated DataArts request: path project, workspace, user, query pairs, route match."""

    project: str
    workspace: str
    user: str
    pairs: list[tuple[str, str]]
    match: re.Match[str]

    def segment(self, group: int) -> str:
        """A path segment of the route, percent-decoded (job names may be Chinese)."""
        return unquote(self.match.group(group))


DataArtsHandler = Callable[[State, Request, Scope], Response]
DATAARTS_HANDLERS: dict[str, DataArtsHandler] = {
    ENDPOINT_PENDING_ITEMS: lambda st, req, s: _pending_items_api.list_items(
        st, s.project, s.workspace, s.pairs
    ),
    ENDPOINT_PACKAGE_CREATE: lambda st, req, s: _release_packages_api.create_package(
        st, req, s.project, s.workspace
    ),
    ENDPOINT_PACKAGES_LIST: lambda st, req, s: _release_packages_api.list_packages(
        st, req, s.project, s.workspace
    ),
    ENDPOINT_PACKAGE_DETAIL: lambda st, req, s: _release_packages_api.package_detail(
        st, s.project, s.workspace, s.match.group(2)
    ),
    ENDPOINT_PACKAGES_DEPLOY: lambda st, req, s: _release_packages_api.deploy_packages(
        st, req, s.workspace, s.user
    ),
    ENDPOINT_PACKAGES_UNPACK: lambda st, req, s: _release_packages_api.unpack_packages(st, req, s.workspace),
    ENDPOINT_JOB_RUN: lambda st, req, s: _job_runs_api.run_immediate(st, req, s.workspace, s.segment(2)),
    ENDPOINT_JOB_INSTANCE: lambda st, req, s: _job_runs_api.instance_detail(
        st, s.project, s.workspace, s.segment(2), s.segment(3)
    ),
    ENDPOINT_JOB_INSTANCES: lambda st, req, s: _job_runs_api.instances_v1(
        st, s.project, s.workspace, s.pairs
    ),
    ENDPOINT_JOB_INSTANCES_V2: lambda st, req, s: _job_runs_api.instances_v2(
        st, s.workspace, s.segment(2), s.pairs
    ),
    ENDPOINT_JOB_STOP: lambda st, req, s: _job_runs_api.stop(st, s.workspace, s.segment(2), s.segment(3)),
    ENDPOINT_JOB_RESTART: lambda st, req, s: _job_runs_api.restart(
        st, req, s.workspace, s.segment(2), s.segment(3)
    ),
    ENDPOINT_SCRIPTS_V2: lambda st, req, s: _scripts_api.list_v2(st, s.workspace, s.pairs),
    ENDPOINT_PATCH_CREATE: lambda st, req, s: _patch_data_api.create(st, req, s.workspace, s.user),
    ENDPOINT_PATCH_QUERY: lambda st, req, s: _patch_data_api.query(st, s.workspace, s.pairs),
    ENDPOINT_PATCH_STOP: lambda st, req, s: _patch_data_api.stop(st, s.workspace, s.segment(2)),
    ENDPOINT_SCRIPT_EXECUTE: lambda st, req, s: _scripts_api.execute(st, req, s.workspace, s.segment(2)),
    ENDPOINT_SCRIPT_RESULT: lambda st, req, s: _scripts_api.result(
        st, s.workspace, s.segment(2), s.segment(3)
    ),
    ENDPOINT_SCRIPT_STOP: lambda st, req, s: _scripts_api.stop(st, s.workspace, s.segment(2), s.segment(3)),
    ENDPOINT_SCRIPT_SHOW: lambda st, req, s: _scripts_api.show(st, s.workspace, s.segment(2)),
}
#: Endpoints that authenticate themselves (IAM passwords, the metadata service's own tokens).
OTHER_HANDLERS: dict[str, Callable[[State, Request], Response]] = {
    ENDPOINT_IAM_TOKENS: _iam.iam_tokens,
    ENDPOINT_SECURITYKEY: _iam.securitykey,
    ENDPOINT_METADATA_TOKEN: _iam.metadata_token,
    ENDPOINT_OBS_OBJECT: _obs.obs_object,
}


class Emulator(EmulatorAPI):
    """A local fake of DataArts Factory (pending items, release packages) + IAM tokens + ECS metadata.

    Use as a context manager (or ``start()``/``stop()``); ``url`` is ``http://127.0.0.1:PORT``.
    All public methods are thread-safe and return JSON-compatible data.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.config.validate()
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.state = State(self.config)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = Server((self.config.host, self.config.port), Handler, self)
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
        url = self.url if self._server is not None else None
        return {
            "url": url,
            "project_id": self.config.project_id,
            "workspace": self.workspace,
            "region": self.config.region,
            "ak": cred.ak if cred else None,
            "sk": cred.sk if cred else None,
            "iam": {
                "url": url,
                "domain_name": user.domain_name if user else None,
                "user_name": user.name if user else None,
                "password": user.password if user else None,
            },
            "offset_mode": self.config.offset_mode,
            "rate_limit_per_user": self.state.rate_limit,
        }

    # ================================================================== dispatch
    def handle(self, req: Request) -> Response:
        """Answer one request (used by the HTTP handler; no I/O on the socket here)."""
        resp = self._dispatch(req)
        resp.headers["X-Request-Id"] = req.request_id
        self._record(req, resp)
        return resp

    def stopping(self, seconds: float) -> bool:
        """Wait up to ``seconds`` (less when the emulator stops); True when it is stopping."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _dispatch(self, req: Request) -> Response:
        if req.raw_path.startswith("/_emulator/") or req.raw_path == "/_emulator":
            control = _control_http.handle(self, req)
            control.endpoint = ENDPOINT_CONTROL
            return control
        endpoint, match = route(req)
        st = self.state
        with st.lock:
            latency = st.latency
            queue = st.faults.get(endpoint)
            fault = queue.popleft() if queue else None
            if fault is not None:
                st.counters["faults_injected"] += 1
        self._sleep(latency)
        resp: Response | None = None
        if fault is not None:
            if fault.kind == "sleep":
                self._sleep(fault.seconds)
            elif fault.kind not in POST_FAULTS:
                resp = fault_response(st, req, fault, self.stopping)
        if resp is None:
            if endpoint in DATAARTS_ENDPOINTS and match is not None:
                resp = self._dataarts(req, endpoint, match)
            elif endpoint in OTHER_HANDLERS:
                resp = OTHER_HANDLERS[endpoint](st, req)
            else:
                resp = gateway_error(
                    req,
                    404,
                    "APIGW.0101",
                    "The API does not exist or has not been published in the environment",
                )
        if fault is not None:
            if fault.kind in POST_FAULTS:
                resp = after_processing(resp, fault, self.stopping)
            resp.fault = fault.describe()
        resp.endpoint = endpoint
        return resp

    def _dataarts(self, req: Request, endpoint: str, match: re.Match[str]) -> Response:
        """The DataArts API: authentication, rate limit, project, workspace, then the endpoint."""
        st = self.state
        path_project = match.group(1)
        pairs = _signing.parse_query(req.raw_query, plus_as_space=self.config.query_plus_as_space)
        auth = _identity.authenticate(st, req, pairs)
        if isinstance(auth, Response):
            return auth
        user, token_project = auth
        retry = _identity.throttled(st, user)
        if retry is not None:
            with st.lock:
                st.counters["throttled"] += 1
                limit = st.rate_limit
            resp = throttle_body(req, limit)
            resp.headers["Retry-After"] = str(max(1, math.ceil(retry)))
            return resp.named(user)
        scope = _identity.check_scope(st, req, path_project, token_project)
        if isinstance(scope, Response):
            return scope.named(user)
        st.advance_packages()
        try:
            resp = DATAARTS_HANDLERS[endpoint](st, req, Scope(path_project, scope, user, pairs, match))
        except ApiError as exc:
            resp = dlf_error(exc.code, exc.message)
        return resp.named(user)

    def _record(self, req: Request, resp: Response) -> None:
        status = None if resp.drop else resp.status
        entry = {
            "request_id": req.request_id,
            "time": iso(time.time()),
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
        st = self.state
        with st.lock:
            st.log.append(entry)
            if resp.endpoint == ENDPOINT_CONTROL:
                return
            c = st.counters
            c["requests_total"] += 1
            c["by_endpoint"][resp.endpoint] = c["by_endpoint"].get(resp.endpoint, 0) + 1
            c["by_status"][status_key] = c["by_status"].get(status_key, 0) + 1
            per = c["by_endpoint_status"].setdefault(resp.endpoint, {})
            per[status_key] = per.get(status_key, 0) + 1
            if resp.user is not None:
                c["by_user"][resp.user] = c["by_user"].get(resp.user, 0) + 1
                seconds = c["by_user_second"].setdefault(resp.user, {})
                second = str(int(time.time()))
                seconds[second] = seconds.get(second, 0) + 1


def route(req: Request) -> tuple[str, re.Match[str] | None]:
    """The endpoint of a request (``ENDPOINT_UNKNOWN`` when no route matches)."""
    for method, pattern, endpoint in ROUTES:
        if req.method == method:
            match = pattern.match(req.raw_path)
            if match:
                return endpoint, match
    return ENDPOINT_UNKNOWN, None
