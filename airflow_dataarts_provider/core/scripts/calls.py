# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The script calls: execute, read an instance's result, stop (V1 DLF); show one script (V1); list the
workspace's scripts (V2 factory listing)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from airflow_dataarts_provider.core.protocol import pages as protocol_pages
from airflow_dataarts_provider.core.protocol.calls import ApiCall, ListingCall, factory_path
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.request import api_path, name_segment
from airflow_dataarts_provider.core.scripts import values as scripts


def _script_path(config: ClientConfig, script_name: str, *segments: str) -> str:
    return api_path("v1", config.project_id, "scripts", name_segment("script_name", script_name), *segments)


def execute_script(config: ClientConfig, script_name: str, params: object = None) -> ApiCall[str]:
    """``POST /v1/{pid}/scripts/{script}/execute``: starts one instance, returns its id. Not idempotent
    and not listed anywhere afterwards (see the script flows). The body is always sent (one reading of
    the API marks it required), ``{"params": {}}`` when there are none."""
    return ApiCall(
        "POST",
        _script_path(config, script_name, "execute"),
        scripts.parse_execute,
        body={"params": scripts.script_params(params)},
        service="dlf",
    )


def script_result(config: ClientConfig, script_name: str, instance_id: str) -> ApiCall[dict[str, Any]]:
    """``GET /v1/{pid}/scripts/{script}/instances/{id}``: status, message and results."""
    iid = scripts.instance_id(instance_id)
    path = _script_path(config, script_name, "instances", iid)
    return ApiCall("GET", path, scripts.parse_result, service="dlf")


def stop_script(config: ClientConfig, script_name: str, instance_id: str) -> ApiCall[None]:
    """``POST .../instances/{id}/stop`` (204)."""
    iid = scripts.instance_id(instance_id)
    path = _script_path(config, script_name, "instances", iid, "stop")
    return ApiCall("POST", path, protocol_pages.parse_nothing, service="dlf")


def show_script(config: ClientConfig, script_name: str) -> ApiCall[dict[str, Any]]:
    """``GET /v1/{pid}/scripts/{script}``: the latest saved definition."""
    return ApiCall("GET", _script_path(config, script_name), scripts.parse_script, service="dlf")


def list_scripts(config: ClientConfig, name_contains: str | None = None) -> ListingCall:
    """``GET /v2/{pid}/factory/scripts`` (``script_name``: a name filter), paged by the listing walk."""
    query: tuple[tuple[str, str], ...] = ()
    if name_contains is not None:
        query = (("script_name", unquote(name_segment("name_contains", name_contains))),)
    call = ApiCall("GET", factory_path(config, "scripts"), scripts.parse_scripts_page, query)
    return ListingCall("scripts", call, "name")
