# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The emulator's routing: which endpoint a request is (:data:`ROUTES`, :func:`route`) and which handler of
its API family answers it (:data:`DATAARTS_HANDLERS` for signed DataArts requests, with their
:class:`Scope`; :data:`OTHER_HANDLERS` for endpoints that authenticate themselves). To add an endpoint: a
name in :mod:`._common`, a route here, a handler in its family's module and, for a DataArts endpoint, an
entry in :data:`DATAARTS_HANDLERS`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from . import (
    _iam,
    _job_runs_api,
    _obs,
    _patch_data_api,
    _pending_items_api,
    _release_packages_api,
    _scripts_api,
)
from ._common import (
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
    Request,
    Response,
)
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


def route(req: Request) -> tuple[str, re.Match[str] | None]:
    """The endpoint of a request (``ENDPOINT_UNKNOWN`` when no route matches)."""
    for method, pattern, endpoint in ROUTES:
        if req.method == method:
            match = pattern.match(req.raw_path)
            if match:
                return endpoint, match
    return ENDPOINT_UNKNOWN, None
