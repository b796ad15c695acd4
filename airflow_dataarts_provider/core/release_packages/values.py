# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package API (package pending items, list, detail, deploy, cancel): validation of the values
and the response parsers. Pure: no I/O. Field names follow the official SDK's models
(``huaweicloudsdkdataartsstudio`` v1)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsResponseError,
)
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import parse_json_object
from airflow_dataarts_provider.core.protocol.times import format_time, parse_time


class DeployStatus(IntEnum):
    """``deploy_status`` of a release package."""

    PENDING_APPROVAL = 1
    SUCCESS = 2
    FAILED = 3
    RELEASING = 5


def package_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise DataArtsConfigError("package_name", f"{value!r} is not a package name", "1 to 128 characters")
    if any(ord(c) < 32 for c in value) or value != value.strip():
        raise DataArtsConfigError(
            "package_name", "has control characters or surrounding spaces", "printable text"
        )
    return value


def parse_create_package(response: HttpResponse, method: str, path: str) -> str:
    body = parse_json_object(response, method, path)
    package_id = body.get("release_package_id")
    if isinstance(package_id, bool) or not isinstance(package_id, (str, int)) or str(package_id) == "":
        raise DataArtsResponseError(
            method, path, response.status, "no 'release_package_id'", response.request_id
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


def parse_package_detail(response: HttpResponse, method: str, path: str) -> dict[str, Any]:
    body = parse_json_object(response, method, path)
    package, details = body.get("release_package"), body.get("task_details")
    if not isinstance(package, dict) or not isinstance(details, list):
        raise DataArtsResponseError(
            method,
            path,
            response.status,
            "expected 'release_package' and 'task_details'",
            response.request_id,
        )
    return {"release_package": package, "task_details": details}


def check_startup_mode(value: object) -> int:
    if value not in (0, 1) or isinstance(value, bool):
        raise DataArtsConfigError("startup_mode", f"{value!r}", "0 (don't start jobs) or 1 (start jobs)")
    return int(value)  # type: ignore[call-overload]


def parse_deploy(response: HttpResponse, method: str, path: str) -> list[dict[str, Any]]:
    details = parse_json_object(response, method, path).get("deploy_package_details", [])
    if not isinstance(details, list):
        raise DataArtsResponseError(
            method, path, response.status, "bad 'deploy_package_details'", response.request_id
        )
    return [d for d in details if isinstance(d, dict)]


def failed_tasks(detail: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The task details of a package whose deployment failed."""
    return [t for t in detail.get("task_details", []) if t.get("deploy_status") == DeployStatus.FAILED]
