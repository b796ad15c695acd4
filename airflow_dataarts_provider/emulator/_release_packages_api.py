# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package API: package pending items, list, detail, deploy, cancel (unpack)."""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from . import _release_packages
from ._common import (
    ERR_PACKAGE_STATE,
    ERR_PACKAGE_UNKNOWN,
    ERR_PENDING_ITEM_PACKAGED,
    ERR_PENDING_ITEM_UNKNOWN,
    ApiError,
    Request,
    Response,
    invalid,
    is_int,
    json_body,
    json_response,
    opt_str,
    package_ids_of,
    req_str,
    req_str_list,
)
from ._release_packages import ReleasePackage

if TYPE_CHECKING:
    from ._state import State


def create_package(st: State, req: Request, path_project: str, workspace: str) -> Response:
    body = json_body(req)
    apply_user_id = req_str(body, "apply_user_id")
    package_name = req_str(body, "package_name")
    item_ids = req_str_list(body, "pending_item_list")
    approver_ids = req_str_list(body, "approver_ids")
    with st.lock:
        by_id = {i.pending_item_id: i for i in st.items if i.workspace_id == workspace}
        unknown = [pid for pid in item_ids if pid not in by_id]
        if unknown:
            raise ApiError(ERR_PENDING_ITEM_UNKNOWN, f"The pending items do not exist: {', '.join(unknown)}.")
        packaged = [pid for pid in item_ids if by_id[pid].package_flag != 0]
        if packaged:
            raise ApiError(
                ERR_PENDING_ITEM_PACKAGED,
                f"The pending items are already in a release package: {', '.join(packaged)}.",
            )
        package_id = str(st.next_package_id)
        st.next_package_id += 1
        items = [by_id[pid] for pid in item_ids]
        for item in items:
            item.package_flag = 1
        st.packages[package_id] = ReleasePackage(
            package_id=package_id,
            package_name=package_name,
            workspace_id=workspace,
            apply_user_id=apply_user_id,
            apply_user_name=st.user_name(apply_user_id),
            approvers=[(uid, st.user_name(uid)) for uid in approver_ids],
            items=[copy.copy(item) for item in items],
            apply_timestamp=int(st.release_clock() * 1000),
        )
        st.counters["packages_created"] += 1
    return json_response(200, {"package_name": package_name, "release_package_id": package_id})


def list_packages(st: State, req: Request, path_project: str, workspace: str) -> Response:
    body = json_body(req)
    filters = _package_filters(body)
    direction = (opt_str(body, "sorted_direction") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise invalid("sorted_direction", "asc or desc")
    order_column = opt_str(body, "order_column") or "apply_timestamp"
    if order_column not in ("apply_timestamp", "deploy_timestamp"):
        raise invalid("order_column", "apply_timestamp or deploy_timestamp")
    limit, offset = _page_arguments(st, body)

    def sort_key(p: ReleasePackage) -> tuple[int, int]:
        value = p.apply_timestamp if order_column == "apply_timestamp" else p.deploy_timestamp
        return (-1 if value is None else value, int(p.package_id))

    with st.lock:
        selected = [
            p
            for p in st.packages.values()
            if p.workspace_id == workspace
            and not p.delete_flag
            and _release_packages.matches_filters(p, **filters)
        ]
        selected.sort(key=sort_key, reverse=direction == "desc")
        start = offset * limit if st.config.offset_mode == "page" else offset
        page = [p.to_api(path_project) for p in selected[start : start + limit]]
    return json_response(200, {"data": page, "total": len(selected)})


def _package_filters(body: dict[str, Any]) -> dict[str, Any]:
    """The documented filters of the package listing, each checked, as ``matches_filters`` takes them."""
    times: dict[str, int | None] = {}
    for name in ("apply_begin_time", "apply_end_time", "deploy_begin_time", "deploy_end_time"):
        value = body.get(name)
        if value is not None and not (is_int(value) and 10**12 <= value < 10**13):
            raise invalid(name, "a 13-digit epoch-millisecond integer is required")
        times[name] = value

    def str_list(name: str) -> list[str] | None:
        value = body.get(name)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise invalid(name, "a list of strings is required")
        return value

    statuses = body.get("deploy_status_filter")
    if statuses is not None and (
        not isinstance(statuses, list)
        or not all(is_int(v) and v in _release_packages.DEPLOY_STATUSES for v in statuses)
    ):
        raise invalid("deploy_status_filter", "a list of 1, 2, 3, 5 is required")
    return {
        "key_word": opt_str(body, "key_word"),
        "apply_user_name": opt_str(body, "apply_user_name"),
        "deploy_user_name": opt_str(body, "deploy_user_name"),
        "times": times,
        "apply_user_names": str_list("apply_user_name_filter"),
        "deploy_user_names": str_list("deploy_user_name_filter"),
        "statuses": statuses,
    }


def _page_arguments(st: State, body: dict[str, Any]) -> tuple[int, int]:
    """``(limit, offset)``; an over-large limit is refused, or capped when the emulator is told to."""
    limit, offset = body.get("limit", 10), body.get("offset", 0)
    maximum = st.config.release_list_max_limit
    if is_int(limit) and limit > maximum and st.config.release_list_over_limit == "cap":
        limit = maximum  # silently: the client sees short pages with a larger total
    if not is_int(limit) or not 1 <= limit <= maximum:
        raise invalid("limit", f"an integer 1..{maximum} is required")
    if not is_int(offset) or offset < 0:
        raise invalid("offset", "an integer >= 0 is required")
    return limit, offset


def _package_in(st: State, workspace: str, package_id: str, *, cancelled_ok: bool = False) -> ReleasePackage:
    package = st.packages.get(package_id)
    if package is None or package.workspace_id != workspace or (package.delete_flag and not cancelled_ok):
        raise ApiError(ERR_PACKAGE_UNKNOWN, f"The release package {package_id} does not exist.")
    return package


def package_detail(st: State, path_project: str, workspace: str, package_id: str) -> Response:
    with st.lock:
        package = _package_in(st, workspace, package_id, cancelled_ok=True)
        body = {"release_package": package.to_api(path_project), "task_details": package.task_details()}
    return json_response(200, body)


def _idle_packages(st: State, workspace: str, package_ids: list[str]) -> list[ReleasePackage]:
    """The packages, if none is releasing or released (deploy and cancel refuse those); with the lock."""
    packages = [_package_in(st, workspace, pid) for pid in package_ids]
    busy = [
        p.package_id
        for p in packages
        if p.deploy_status in (_release_packages.STATUS_RELEASING, _release_packages.STATUS_SUCCESS)
    ]
    if busy:
        raise ApiError(
            ERR_PACKAGE_STATE, f"The release packages are being released or were released: {', '.join(busy)}."
        )
    return packages


def deploy_packages(st: State, req: Request, workspace: str, user: str) -> Response:
    body = json_body(req)
    package_ids = package_ids_of(body)
    startup_mode = body.get("startup_mode", 1)
    if startup_mode is None:
        startup_mode = 1
    if not is_int(startup_mode) or startup_mode not in (0, 1):
        raise invalid("startup_mode", "0 or 1 is required")
    with st.lock:
        packages = _idle_packages(st, workspace, package_ids)
        now = st.release_clock()
        user_id = st.user_id(user)
        details = []
        for package in packages:
            task_id = uuid.uuid4().hex
            package.request_deploy(
                now,
                user_id=user_id,
                user_name=user,
                startup_mode=startup_mode,
                task_id=task_id,
                settings=st.release_settings,
            )
            details.append(
                {
                    "asy_subtask_num": len(package.items),
                    "asy_task_id": task_id,
                    "package_id": int(package.package_id),
                }
            )
            st.counters["packages_deploy_requests"] += 1
    st.advance_packages()  # an immediate approval starts the release now
    return json_response(200, {"deploy_package_details": details})


def unpack_packages(st: State, req: Request, workspace: str) -> Response:
    body = json_body(req)
    package_ids = package_ids_of(body)
    with st.lock:
        packages = _idle_packages(st, workspace, package_ids)
        for package in packages:
            package.delete_flag = 1
            ids = {i.pending_item_id for i in package.items}
            for item in st.items:
                if item.pending_item_id in ids:
                    item.package_flag = 0
            st.counters["packages_cancelled"] += 1
    return Response(200, b"")


# ------------------------------------------------------------------ IAM & metadata
