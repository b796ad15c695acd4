# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The HTTP control surface, ``/_emulator/...``: a table from (method, operation) to a handler over the
in-process control surface (:class:`~._control.EmulatorAPI`). A handler gets the emulator, the JSON body
and the query, and returns ``(status, JSON value)``; ``ValueError``/``TypeError``/``KeyError`` become 400.

``items/<id>`` and ``packages/<id>[/<action>]`` carry an id in the path: the id is passed as ``key``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import _signing
from ._common import Request, Response, json_response

if TYPE_CHECKING:
    from ._control import EmulatorAPI

Body = dict[str, Any]
Query = Mapping[str, str]
Handler = Callable[["EmulatorAPI", Body, Query, str], tuple[int, Any]]
RELEASE_SETTINGS = ("auto_approve", "approve_delay_s", "release_duration_s", "fail_items")


def _seed(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    seeded = emu.seed(
        int(body.get("count", 100)),
        int(body.get("seed", 0)),
        workspace=body.get("workspace"),
        replace=bool(body.get("replace", True)),
    )
    return 200, {"seeded": len(seeded)}


def _add_item(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    position = body.pop("position", "front")
    return 201, emu.add_item(body, position=position)


def _remove_item(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    removed = emu.remove_item(key)
    return (200 if removed else 404), {"removed": int(removed)}


def _faults(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    if "latency_s" in body:
        emu.set_latency(float(body["latency_s"]))
    if "endpoint" in body:
        emu.script_faults(str(body["endpoint"]), list(body.get("entries", [])))
    if "mutation" in body:
        m = dict(body["mutation"])
        emu.schedule_mutation(
            int(m.pop("after_requests")),
            insert=int(m.pop("insert", 0)),
            remove=int(m.pop("remove", 0)),
            position=m.pop("position", "front"),
            workspace=m.pop("workspace", None),
            expire_tokens=bool(m.pop("expire_tokens", False)),
        )
    return 200, {"scripts": emu.pending_faults()}


def _rate_limit(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    per_user, family = body.get("per_user"), str(body.get("family", "dataarts"))
    emu.set_rate_limit(None if per_user is None else float(per_user), family=family)
    return 200, {"per_user": emu.state.rate_limit, "dlf_per_user": emu.state.dlf_rate_limit}


def _release_settings(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    unknown = set(body) - set(RELEASE_SETTINGS)
    if unknown:
        raise ValueError(f"unknown release settings: {sorted(unknown)}")
    fail_items = body.get("fail_items")
    if fail_items is not None and not isinstance(fail_items, list):
        raise ValueError("fail_items must be a list of patterns")
    settings = emu.set_release_settings(
        auto_approve=body.get("auto_approve"),
        approve_delay_s=body.get("approve_delay_s"),
        release_duration_s=body.get("release_duration_s"),
        fail_items=fail_items,
    )
    return 200, settings


def _reset(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    emu.reset()
    return 200, {}


def _clear_requests(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    emu.clear_request_log()
    return 200, {}


def _clear_faults(emu: EmulatorAPI, body: Body, query: Query, key: str) -> tuple[int, Any]:
    emu.clear_faults()
    return 200, {}


OPERATIONS: dict[tuple[str, str], Handler] = {
    ("GET", ""): lambda emu, b, q, k: (200, {"status": "ok"}),
    ("GET", "health"): lambda emu, b, q, k: (200, {"status": "ok"}),
    ("GET", "info"): lambda emu, b, q, k: (200, emu.info()),
    ("POST", "reset"): _reset,
    ("GET", "items"): lambda emu, b, q, k: (200, {"data": emu.items(q.get("workspace"))}),
    ("POST", "items"): _add_item,
    ("DELETE", "items/"): _remove_item,
    ("POST", "seed"): _seed,
    ("POST", "mark-packaged"): lambda emu, b, q, k: (
        200,
        {"matched": emu.mark_packaged(b.get("pending_item_ids", ()), b.get("item_names", ()))},
    ),
    ("POST", "release"): lambda emu, b, q, k: (
        200,
        {"released": emu.release(b.get("pending_item_ids", ()), b.get("item_names", ()))},
    ),
    ("GET", "counters"): lambda emu, b, q, k: (200, emu.counters()),
    ("GET", "requests"): lambda emu, b, q, k: (200, {"requests": emu.request_log()}),
    ("DELETE", "requests"): _clear_requests,
    ("GET", "faults"): lambda emu, b, q, k: (200, {"scripts": emu.pending_faults()}),
    ("POST", "faults"): _faults,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "rate-limit"): _rate_limit,
    ("POST", "expire-tokens"): lambda emu, b, q, k: (200, {"expired": emu.expire_tokens()}),
    ("POST", "temporary-credentials"): lambda emu, b, q, k: (
        200,
        {"credential": emu.issue_temporary_credentials(b.get("lifetime_s"))},
    ),
    ("GET", "packages"): lambda emu, b, q, k: (200, {"data": emu.packages(q.get("workspace"))}),
    ("GET", "packages/"): lambda emu, b, q, k: (200, emu.package(k)),
    ("POST", "packages/approve"): lambda emu, b, q, k: (200, emu.approve(k)),
    ("POST", "packages/outcome"): lambda emu, b, q, k: (
        200,
        emu.set_package_outcome(k, b.get("outcome"), b.get("message")),
    ),
    ("GET", "release-settings"): lambda emu, b, q, k: (200, emu.release_settings()),
    ("POST", "jobs"): lambda emu, b, q, k: (201, emu.add_job(str(b.pop("name")), **b)),
    ("POST", "jobs/"): lambda emu, b, q, k: (200, emu.set_job(k, **b)),
    ("GET", "jobs/instances"): lambda emu, b, q, k: (200, {"data": emu.job_instances(k)}),
    ("POST", "jobs/schedule"): lambda emu, b, q, k: (201, emu.schedule_job(k, plan_at=b.get("plan_at"))),
    ("GET", "patch-data"): lambda emu, b, q, k: (200, {"data": emu.patch_data_runs()}),
    ("POST", "scripts"): lambda emu, b, q, k: (201, emu.add_script(str(b.pop("name")), **b)),
    ("POST", "scripts/"): lambda emu, b, q, k: (200, emu.set_script(k, **b)),
    ("GET", "scripts/instances"): lambda emu, b, q, k: (200, {"data": emu.script_instances(k)}),
    ("POST", "release-settings"): _release_settings,
}


def _operation(name: str) -> tuple[str, str]:
    """``(operation, key)``: ``items/ID`` -> ``("items/", ID)``; ``packages/ID/approve`` ->
    ``("packages/approve", ID)``; anything else names itself."""
    for prefix in ("items/", "packages/", "jobs/", "scripts/"):
        if name.startswith(prefix):
            key, _, action = name[len(prefix) :].partition("/")
            return prefix + action, unquote(key)
    return name, ""


def handle(emu: EmulatorAPI, req: Request) -> Response:
    name = req.raw_path[len("/_emulator") :].strip("/")
    operation, key = _operation(name)
    handler = OPERATIONS.get((req.method, operation))
    if handler is None:
        return json_response(404, {"error": f"unknown control operation {req.method} /_emulator/{name}"})
    try:
        body: Any = {}
        if req.body:
            try:
                body = json.loads(req.body.decode("utf-8"))
            except ValueError as exc:
                raise ValueError(f"invalid JSON body: {exc}") from exc
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
        query = dict(_signing.parse_query(req.raw_query, plus_as_space=True))
        status, value = handler(emu, body, query, key)
    except (ValueError, TypeError, KeyError) as exc:
        return json_response(400, {"error": str(exc)})
    return json_response(status, value)
