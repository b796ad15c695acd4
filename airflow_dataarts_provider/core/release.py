"""The release-package API (package pending items, list, detail, deploy, cancel): validation, request
builders and response parsers. Pure: no I/O.

Field names follow the official SDK's models (``huaweicloudsdkdataartsstudio`` v1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import IntEnum
from typing import Any

from airflow_dataarts_provider.core.auth import Credentials
from airflow_dataarts_provider.core.config import ClientConfig
from airflow_dataarts_provider.core.errors import DataArtsConfigError, DataArtsResponseError
from airflow_dataarts_provider.core.filters import format_time, parse_time
from airflow_dataarts_provider.core.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.pages import parse_json_object
from airflow_dataarts_provider.core.request import api_path, build_request

MAX_IDS = 100
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class DeployStatus(IntEnum):
    """``deploy_status`` of a release package."""

    PENDING_APPROVAL = 1
    SUCCESS = 2
    FAILED = 3
    RELEASING = 5


def ids(field: str, values: object, *, maximum: int = MAX_IDS) -> list[str]:
    """A validated, de-duplicated list of 1..``maximum`` ids (str or int)."""
    items = [values] if isinstance(values, (str, int)) and not isinstance(values, bool) else values
    if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)):
        raise DataArtsConfigError(field, f"wrong type {type(values).__name__}", "a list of ids")
    result: list[str] = []
    for value in items:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not _ID_RE.match(str(value)):
            raise DataArtsConfigError(field, f"{value!r} is not an id", "letters, digits, '_' and '-'")
        if str(value) not in result:
            result.append(str(value))
    if not 1 <= len(result) <= maximum:
        raise DataArtsConfigError(field, f"{len(result)} ids given", f"1 to {maximum} ids")
    return result


def package_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise DataArtsConfigError("package_name", f"{value!r} is not a package name", "1 to 128 characters")
    if any(ord(c) < 32 for c in value) or value != value.strip():
        raise DataArtsConfigError(
            "package_name", "has control characters or surrounding spaces", "printable text"
        )
    return value


def _path(config: ClientConfig, *segments: str) -> str:
    return api_path("v2", config.project_id, "factory", *segments)


def build_create_package(
    config: ClientConfig,
    credentials: Credentials,
    *,
    workspace: str,
    name: str,
    pending_item_ids: list[str],
    approver_ids: list[str],
    apply_user_id: str,
    now: datetime,
) -> HttpRequest:
    body = {
        "apply_user_id": apply_user_id,
        "package_name": name,
        "pending_item_list": pending_item_ids,
        "approver_ids": approver_ids,
    }
    path = _path(config, "pending-items", "package")
    return build_request(config, credentials, "POST", path, json_body=body, now=now, workspace=workspace)


def parse_create_package(response: HttpResponse, path: str) -> str:
    body = parse_json_object(response, "POST", path)
    package_id = body.get("release_package_id")
    if isinstance(package_id, bool) or not isinstance(package_id, (str, int)) or str(package_id) == "":
        raise DataArtsResponseError(
            "POST", path, response.status, "no 'release_package_id'", response.request_id
        )
    return str(package_id)


_LIST_TIME_FILTERS = ("apply_begin_time", "apply_end_time", "deploy_begin_time", "deploy_end_time")
_LIST_TEXT_FILTERS = ("key_word", "apply_user_name", "deploy_user_name")
LIST_FILTERS = (*_LIST_TEXT_FILTERS, *_LIST_TIME_FILTERS, "deploy_status_filter")


def list_packages_body(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The list-packages filters as the API wants them (times as 13-digit epoch-ms ints)."""
    unknown = sorted(set(filters) - set(LIST_FILTERS))
    if unknown:
        raise DataArtsConfigError("filters", f"unknown filter(s) {unknown}", ", ".join(LIST_FILTERS))
    body: dict[str, Any] = {}
    for name in _LIST_TEXT_FILTERS:
        value = filters.get(name)
        if value is not None:
            if not isinstance(value, str) or any(ord(c) < 32 for c in value):
                raise DataArtsConfigError(name, f"{value!r} is not plain text", "a string")
            body[name] = value
    for name in _LIST_TIME_FILTERS:
        if filters.get(name) is not None:
            body[name] = int(format_time(parse_time(name, filters[name]), "epoch_ms"))
    statuses = filters.get("deploy_status_filter")
    if statuses is not None:
        values = [statuses] if not isinstance(statuses, (list, tuple)) else list(statuses)
        try:
            body["deploy_status_filter"] = [int(DeployStatus(_status(v))) for v in values]
        except (ValueError, KeyError):
            raise DataArtsConfigError(
                "deploy_status_filter",
                f"{statuses!r} is not a deploy status",
                ", ".join(f"{s.value}/{s.name}" for s in DeployStatus),
            ) from None
    return body


def _status(value: object) -> int:
    if isinstance(value, str):
        return int(value) if value.isdigit() else int(DeployStatus[value.upper()])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def build_list_packages(
    config: ClientConfig,
    credentials: Credentials,
    *,
    workspace: str,
    body: Mapping[str, Any],
    limit: int,
    offset: int,
    now: datetime,
) -> HttpRequest:
    payload = {**body, "limit": limit, "offset": offset}
    path = _path(config, "release-packages")
    return build_request(config, credentials, "POST", path, json_body=payload, now=now, workspace=workspace)


def build_package_detail(
    config: ClientConfig, credentials: Credentials, *, workspace: str, package_id: str, now: datetime
) -> HttpRequest:
    path = _path(config, "release-packages", package_id)
    return build_request(config, credentials, "GET", path, now=now, workspace=workspace)


def parse_package_detail(response: HttpResponse, path: str) -> dict[str, Any]:
    body = parse_json_object(response, "GET", path)
    package, details = body.get("release_package"), body.get("task_details")
    if not isinstance(package, dict) or not isinstance(details, list):
        raise DataArtsResponseError(
            "GET", path, response.status, "expected 'release_package' and 'task_details'", response.request_id
        )
    return {"release_package": package, "task_details": details}


def check_startup_mode(value: object) -> int:
    if value not in (0, 1) or isinstance(value, bool):
        raise DataArtsConfigError("startup_mode", f"{value!r}", "0 (don't start jobs) or 1 (start jobs)")
    return int(value)  # type: ignore[call-overload]


def build_deploy(
    config: ClientConfig,
    credentials: Credentials,
    *,
    workspace: str,
    package_ids: list[str],
    startup_mode: int,
    now: datetime,
) -> HttpRequest:
    if startup_mode not in (0, 1) or isinstance(startup_mode, bool):
        raise DataArtsConfigError(
            "startup_mode", f"{startup_mode!r}", "0 (don't start jobs) or 1 (start jobs)"
        )
    body = {"package_ids": package_ids, "startup_mode": startup_mode}
    path = _path(config, "release-packages", "deploy")
    return build_request(config, credentials, "POST", path, json_body=body, now=now, workspace=workspace)


def parse_deploy(response: HttpResponse, path: str) -> list[dict[str, Any]]:
    details = parse_json_object(response, "POST", path).get("deploy_package_details", [])
    if not isinstance(details, list):
        raise DataArtsResponseError(
            "POST", path, response.status, "bad 'deploy_package_details'", response.request_id
        )
    return [d for d in details if isinstance(d, dict)]


def build_cancel(
    config: ClientConfig, credentials: Credentials, *, workspace: str, package_ids: list[str], now: datetime
) -> HttpRequest:
    path = _path(config, "release-packages", "unpack")
    return build_request(
        config,
        credentials,
        "POST",
        path,
        json_body={"package_ids": package_ids},
        now=now,
        workspace=workspace,
    )


def failed_tasks(detail: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The task details of a package whose deployment failed."""
    return [t for t in detail.get("task_details", []) if t.get("deploy_status") == DeployStatus.FAILED]
