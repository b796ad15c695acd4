# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pending-items API: ``GET /v2/{project_id}/factory/pending-items`` (filters, paging by page
number or record offset, per the configuration)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ._common import DIGITS_RE, Response, json_bytes, param_error
from ._faults import after_success
from ._pending_items import PendingItem

if TYPE_CHECKING:
    from ._state import State


def list_items(st: State, path_project: str, workspace: str, pairs: list[tuple[str, str]]) -> Response:
    params: dict[str, str] = {}
    for key, value in pairs:
        params.setdefault(key, value)

    def int_param(name: str, default: int | None) -> int | Literal[False] | None:
        if name not in params:
            return default
        raw = params[name]
        return int(raw) if DIGITS_RE.match(raw) else False

    limit = int_param("limit", 10)
    offset = int_param("offset", 0)
    if limit is False or limit is None or not 1 <= limit <= 100:
        return param_error()
    if offset is False or offset is None:
        return param_error()
    update_type = int_param("update_type", None) if params.get("update_type") != "" else None
    task_type = int_param("task_type", None) if params.get("task_type") != "" else None
    start_time = int_param("start_time", None) if params.get("start_time") != "" else None
    end_time = int_param("end_time", None) if params.get("end_time") != "" else None
    if False in (update_type, task_type, start_time, end_time):
        return param_error()
    submit_user = params.get("submit_user_name") or None
    item_name = params.get("item_name") or None
    match_mode = st.config.item_name_match

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

    with st.lock:
        selected = [i for i in st.items if keep(i)]
        start = offset * limit if st.config.offset_mode == "page" else offset
        # Only the page is converted to API shape: converting every match cost ~150 ms per request
        # at 10,000 items, which made the emulator, not the client, the bottleneck in benchmarks.
        page = [i.to_api(path_project) for i in selected[start : start + limit]]
        after_success(st, workspace)
    return Response(200, json_bytes({"data": page, "total": len(selected)}))
