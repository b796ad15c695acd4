# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArts Factory job runs (the V1 DLF job API): values, statuses and the response parsers. Pure.

Field spellings differ between the official SDK and the documentation (``instanceId`` / ``instancesId``,
``type`` / ``nodeType``, ``startTime`` / ``starttime``): every parser accepts each spelling and returns
one normalised, snake_case shape. Statuses (the public job-instance API documentation; docs/job-runs.md):

==================  ==========================================================================
active              ``waiting``, ``running``
succeeded           ``success``
failed              ``fail``, ``manual-stop``, ``manual``, ``skip-by-depend``, ``skip``,
                    ``running-exception`` (UNCERTAIN: the 1.7.0 provider fails on it too)
held by an operator ``pause``, ``freeze``: still waited for (until the deadline)
==================  ==========================================================================

Any other status is unknown: a check fails loudly on it, naming the known ones, and never waits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsResponseError,
)
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import Page, parse_json_object, parse_nothing
from airflow_dataarts_provider.core.protocol.times import format_time, parse_time

Phase = Literal["active", "succeeded", "failed", "held"]


STATUS_PHASES: dict[str, Phase] = {
    "waiting": "active",
    "running": "active",
    "success": "succeeded",
    "fail": "failed",
    "manual-stop": "failed",
    "manual": "failed",
    "skip-by-depend": "failed",
    "skip": "failed",
    "running-exception": "failed",
    "pause": "held",
    "freeze": "held",
}


PARAM_TYPES = ("variable", "constants")
#: ``instance_type``: 0 general, 2 manual, 5 PatchData, 6 subjob, 7 schedule once.
INSTANCE_TYPES = (0, 2, 5, 6, 7)
INSTANCE_TYPE_PATCH_DATA = 5
RETRY_LOCATIONS = ("error_node", "first_node", "specified_node")
#: What the job operator reads of each failed node's log by default (``log_tail_bytes``).
DEFAULT_TAIL_BYTES = 64 * 1024
PARAM_VERSIONS = ("original_version", "latest_version")
#: The V1 instance listing's largest page (``limit`` 1-1000).
V1_LIST_LIMIT = 1000
#: How far back the V1 instance listing reaches ("查询范围不超过7天": a range of at most 7 days).
V1_LIST_RANGE_MS = 7 * 24 * 3600 * 1000


def phase(status: object) -> Phase | None:
    """The phase of an instance status, or None for a status this provider does not know."""
    return STATUS_PHASES.get(status) if isinstance(status, str) else None


def known_statuses() -> str:
    return ", ".join(STATUS_PHASES)


def job_params(value: object) -> list[dict[str, str]]:
    """``jobParams`` from ``{"name": "value"}`` or ``[{"name", "value", "paramType"}]`` (names and values as
    text; ``paramType`` ``variable`` (default) or ``constants``)."""
    if value is None:
        return []
    entries: list[Mapping[str, Any]]
    if isinstance(value, Mapping):
        entries = [{"name": k, "value": v} for k, v in value.items()]
    elif isinstance(value, (list, tuple)) and all(isinstance(e, Mapping) for e in value):
        entries = list(value)
    else:
        raise DataArtsConfigError(
            "job_params", f"{value!r} is not a mapping or a list of parameters", '{"name": "value"}'
        )
    params = []
    for entry in entries:
        name, text, kind = entry.get("name"), entry.get("value"), entry.get("paramType", "variable")
        if not isinstance(name, str) or not name.strip() or any(ord(c) < 32 for c in name):
            raise DataArtsConfigError(
                "job_params", f"parameter name {name!r} is not a name", "non-empty text"
            )
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise DataArtsConfigError("job_params", f"the value of {name!r} is {text!r}", "text or a number")
        if kind not in PARAM_TYPES:
            raise DataArtsConfigError("job_params", f"paramType {kind!r} of {name!r}", ", ".join(PARAM_TYPES))
        params.append({"name": name, "value": str(text), "paramType": str(kind)})
    return params


def rerun_body(
    retry_location: str | None, node_name: str | None = None, job_param_version: str | None = None
) -> dict[str, str] | None:
    """The body of a rerun (``restart``): None without a ``retry_location`` (the service's default, the
    request the official SDK sends); ``node_name`` only, and then required, with ``specified_node``."""
    if retry_location is None:
        if node_name is not None or job_param_version is not None:
            raise DataArtsConfigError(
                "retry_location", "is needed with node_name or job_param_version", ", ".join(RETRY_LOCATIONS)
            )
        return None
    if retry_location not in RETRY_LOCATIONS:
        raise DataArtsConfigError(
            "retry_location", f"{retry_location!r} is unknown", ", ".join(RETRY_LOCATIONS)
        )
    body = {"retry_location": retry_location}
    if (retry_location == "specified_node") != (node_name is not None):
        raise DataArtsConfigError(
            "node_name",
            f"{node_name!r} with retry_location {retry_location!r}",
            "a node name exactly when retry_location is specified_node",
        )
    if node_name is not None:
        if not isinstance(node_name, str) or not node_name.strip() or any(ord(c) < 32 for c in node_name):
            raise DataArtsConfigError("node_name", f"{node_name!r} is not a name", "non-empty text")
        body["node_name"] = node_name
    if job_param_version is not None:
        if job_param_version not in PARAM_VERSIONS:
            raise DataArtsConfigError(
                "job_param_version", f"{job_param_version!r} is unknown", ", ".join(PARAM_VERSIONS)
            )
        body["job_param_version"] = job_param_version
    return body


def plan_time_ms(field: str, value: object) -> str:
    """A plan-time bound (datetime, ISO text, epoch) as the V1 API's epoch milliseconds."""
    moment = value if isinstance(value, datetime) else parse_time(field, value)
    return format_time(moment, "epoch_ms")


def _first(body: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if body.get(name) is not None:
            return body[name]
    return None


def _instance_id(raw: object) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or not str(raw).strip():
        return None
    return str(raw)


def parse_accepted(response: HttpResponse, method: str, path: str) -> bool:
    """A 2xx whose body carries nothing (a rerun's 204): True."""
    parse_nothing(response, method, path)
    return True


def parse_run_immediate(response: HttpResponse, method: str, path: str) -> str:
    """``{"instanceId": Long}`` (the SDK types it as text; ``instance_id`` accepted too)."""
    body = parse_json_object(response, method, path)
    instance_id = _instance_id(_first(body, "instanceId", "instance_id", "instancesId"))
    if instance_id is None:
        raise DataArtsResponseError(
            method, path, response.status, "no 'instanceId' in the answer", response.request_id
        )
    return instance_id


def _node(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": _first(raw, "nodeName", "name", "node_name"),
        "status": raw.get("status"),
        "type": _first(raw, "type", "nodeType", "node_type"),
        "log_path": _first(raw, "logPath", "log_path"),
        "start_time": _first(raw, "startTime", "starttime", "start_time"),
        "end_time": _first(raw, "endTime", "endtime", "end_time"),
        "retry_times": _first(raw, "retryTimes", "retry_times"),
    }


def instance(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One job instance in the normalised shape (``nodes`` only when the answer has them)."""
    shaped: dict[str, Any] = {
        "instance_id": _instance_id(_first(raw, "instanceId", "instancesId", "instance_id")),
        "job_name": _first(raw, "jobName", "job_name"),
        "status": raw.get("status"),
        "instance_type": _first(raw, "instanceType", "instance_type"),
        "plan_time": _first(raw, "planTime", "plan_time"),
        "start_time": _first(raw, "startTime", "starttime", "start_time"),
        "end_time": _first(raw, "endTime", "endtime", "end_time"),
        "submit_time": _first(raw, "submitTime", "submit_time"),
        "execute_time": _first(raw, "executeTime", "execute_time"),
    }
    nodes = raw.get("nodes")
    if isinstance(nodes, list):
        shaped["nodes"] = [_node(n) for n in nodes if isinstance(n, Mapping)]
    return shaped


def parse_job_instance(response: HttpResponse, method: str, path: str) -> dict[str, Any]:
    """``GET /v1/{pid}/jobs/{job}/instances/{id}``: the instance with its nodes."""
    body = parse_json_object(response, method, path)
    shaped = instance(body)
    if shaped["instance_id"] is None or not isinstance(shaped["status"], str):
        raise DataArtsResponseError(
            method, path, response.status, "expected 'instanceId' and 'status'", response.request_id
        )
    shaped.setdefault("nodes", [])
    return shaped


def parse_job_instances_page(response: HttpResponse, method: str, path: str) -> Page:
    """``GET /v1/{pid}/jobs/instances/detail``: ``{"total", "instances": [...]}``, normalised."""
    body = parse_json_object(response, method, path)
    total, rows = body.get("total"), body.get("instances")
    if rows is None and total == 0:
        rows = []
    if isinstance(total, bool) or not (total is None or (isinstance(total, int) and total >= 0)):
        raise DataArtsResponseError(
            method, path, response.status, f"'total' is {total!r}", response.request_id
        )
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise DataArtsResponseError(
            method, path, response.status, "'instances' is not a list", response.request_id
        )
    items = [instance(r) for r in rows]
    if any(i["instance_id"] is None for i in items):
        raise DataArtsResponseError(
            method, path, response.status, "an instance has no id", response.request_id
        )
    return Page(items=items, total=total, request_id=response.request_id)


def failed_nodes(shaped: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The nodes of an instance that did not succeed (``fail``, ``manual-stop``...)."""
    return [
        n for n in shaped.get("nodes", []) if n.get("status") not in ("success", "skip", "waiting", "running")
    ]


def describe_nodes(nodes: list[dict[str, Any]], limit: int = 10) -> str:
    """'load (fail, log obs://...), ...' bounded to ``limit`` nodes."""
    shown = [f"{n.get('name')} ({n.get('status')}, log {n.get('log_path') or 'none'})" for n in nodes[:limit]]
    more = f" and {len(nodes) - limit} more" if len(nodes) > limit else ""
    return ", ".join(shown) + more
