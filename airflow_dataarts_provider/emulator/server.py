# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The emulator: the HTTP server's lifecycle and the DataArts request pipeline.

Order of checks on the DataArts API: route, scripted fault, authentication, rate limit, project,
workspace, parameters. Where each part lives:

- :mod:`._config`: the emulator's settings (accounts, workspaces, limits, offset semantics);
- :mod:`._common`: endpoint names, the error catalogue, request/response values, body validation;
- :mod:`._routes`: routing by table (which endpoint a request is, which handler answers it);
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

To add an endpoint: see :mod:`._routes` (which endpoint a request is, and which handler answers it).
"""

from __future__ import annotations

import math
import re
import threading
import time
from typing import Any

from . import (
    _control_http,
    _identity,
    _signing,
)
from ._common import (
    DATAARTS_ENDPOINTS,
    ENDPOINT_CONTROL,
    REDACTED_HEADERS,
    V1_ENDPOINTS,
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
from ._routes import DATAARTS_HANDLERS, OTHER_HANDLERS, Scope, route
from ._state import State


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
            "dlf_rate_limit_per_user": self.state.dlf_rate_limit,
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
        family = "dlf" if endpoint in V1_ENDPOINTS else "dataarts"
        retry = _identity.throttled(st, user, family)
        if retry is not None:
            with st.lock:
                st.counters["throttled"] += 1
                limit = _identity.rate_limit(st, family)
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
