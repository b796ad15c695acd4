# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The script API: V1 (``/v1/{project_id}/scripts/...``: execute, instance result, stop, show) and the V2
listing (``/v2/{project_id}/factory/scripts``).

Errors: unknown script 400 ``DLF.6201``, unknown instance 400 ``DLF.6205`` (documented); stopping an
ended instance 400 ``EMU.1301`` (invented: undocumented); bad parameters ``DLF.3051``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import (
    ERR_SCRIPT_INSTANCE_STATE,
    ERR_SCRIPT_INSTANCE_UNKNOWN,
    ERR_SCRIPT_UNKNOWN,
    ApiError,
    Request,
    Response,
    count_for,
    int_param,
    invalid,
    json_body,
    json_response,
)
from ._scripts import Script, ScriptInstance

if TYPE_CHECKING:
    from ._state import State

MAX_LIMIT = 100


def _script(st: State, workspace: str, name: str) -> Script:
    found = st.scripts.get(name)
    if found is None or found.workspace_id != workspace:
        raise ApiError(ERR_SCRIPT_UNKNOWN, "The script does not exist.")
    return found


def _instance(st: State, script: Script, instance_id: str) -> ScriptInstance:
    found = st.script_instances.get(instance_id)
    if found is None or found.script is not script:
        raise ApiError(ERR_SCRIPT_INSTANCE_UNKNOWN, "The script running history does not exist.")
    return found


def _params(body: dict[str, Any]) -> dict[str, str]:
    raw = body.get("params", {})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise invalid("params", "a map of text to text is required")
    return dict(raw)


def execute(st: State, req: Request, workspace: str, name: str) -> Response:
    params = _params(json_body(req))
    with st.lock:
        script = _script(st, workspace, name)
        st.next_script_instance += 1
        instance_id = f"{st.next_script_instance:04x}-emu0-{st.next_script_instance * 7919 % 65536:04x}"
        st.script_instances[instance_id] = ScriptInstance.start(
            instance_id, script, st.release_clock(), params
        )
        count_for(st.counters, "script_instances_started", script.name)
    return json_response(200, {"instanceId": instance_id})


def result(st: State, workspace: str, name: str, instance_id: str) -> Response:
    with st.lock:
        found = _instance(st, _script(st, workspace, name), instance_id)
        body = found.result(st.release_clock())
    return json_response(200, body)


def stop(st: State, workspace: str, name: str, instance_id: str) -> Response:
    with st.lock:
        script = _script(st, workspace, name)
        if not _instance(st, script, instance_id).stop(st.release_clock()):
            raise ApiError(ERR_SCRIPT_INSTANCE_STATE, f"The script instance {instance_id} is not running.")
        count_for(st.counters, "script_instances_stopped", script.name)
    return Response(204)


def show(st: State, workspace: str, name: str) -> Response:
    with st.lock:
        body = _script(st, workspace, name).definition(snake=False)
    return json_response(200, {**body, "content": "SELECT 1;"})


def list_v2(st: State, workspace: str, pairs: list[tuple[str, str]]) -> Response:
    params = dict(reversed(pairs))
    limit, offset = int_param(params, "limit", 10), int_param(params, "offset", 0)
    if limit is None or offset is None or not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", f"an integer 1..{MAX_LIMIT} is required")
    wanted = params.get("script_name") or ""
    with st.lock:
        rows = sorted(
            (s for s in st.scripts.values() if s.workspace_id == workspace and wanted in s.name),
            key=lambda s: s.name,
        )
        start = offset * limit if st.config.offset_mode == "page" else offset
        page = [s.definition(snake=True) for s in rows[start : start + limit]]
    return json_response(200, {"total": len(rows), "scripts": page})
