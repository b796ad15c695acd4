# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package calls (list, detail, create, deploy, cancel) and the listing's page parser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_dataarts_provider.core.pending_items.calls import PENDING_ITEMS
from airflow_dataarts_provider.core.protocol import pages as protocol_pages
from airflow_dataarts_provider.core.protocol import values as protocol_values
from airflow_dataarts_provider.core.protocol.calls import ApiCall, ListingCall, factory_path
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.pages import Page, parse_listing_page
from airflow_dataarts_provider.core.release_packages import values as release_values

RELEASE_PACKAGES = "release-packages"


def release_packages(config: ClientConfig, filters: Mapping[str, Any]) -> ListingCall:
    """``POST .../release-packages`` (a read: repeating it is harmless), filters per
    :data:`~airflow_dataarts_provider.core.release_values.LIST_FILTERS`."""
    body = release_values.list_packages_body(filters)
    path = factory_path(config, RELEASE_PACKAGES)
    call = ApiCall("POST", path, parse_release_packages_page, body=body, idempotent=True)
    return ListingCall(RELEASE_PACKAGES, call, "package_id")


def package_detail(config: ClientConfig, package_id: str) -> ApiCall[dict[str, Any]]:
    (pid,) = protocol_values.ids("package_id", [package_id], maximum=1)
    return ApiCall("GET", factory_path(config, RELEASE_PACKAGES, pid), release_values.parse_package_detail)


def create_package(
    config: ClientConfig,
    *,
    name: str,
    pending_item_ids: list[str],
    approver_ids: list[str],
    apply_user_id: str,
) -> ApiCall[str]:
    """``POST .../pending-items/package``; never repeated blindly (see the release flows)."""
    body = {
        "apply_user_id": protocol_values.ids("apply_user_id", [apply_user_id], maximum=1)[0],
        "package_name": release_values.package_name(name),
        "pending_item_list": protocol_values.ids("pending_item_ids", pending_item_ids),
        "approver_ids": protocol_values.ids("approver_ids", approver_ids),
    }
    path = factory_path(config, PENDING_ITEMS, "package")
    return ApiCall("POST", path, release_values.parse_create_package, body=body)


def deploy(config: ClientConfig, package_ids: list[str], startup_mode: int) -> ApiCall[list[dict[str, Any]]]:
    body = {
        "package_ids": protocol_values.ids("package_ids", package_ids),
        "startup_mode": release_values.check_startup_mode(startup_mode),
    }
    path = factory_path(config, RELEASE_PACKAGES, "deploy")
    return ApiCall("POST", path, release_values.parse_deploy, body=body)


def cancel(config: ClientConfig, package_ids: list[str]) -> ApiCall[None]:
    body = {"package_ids": protocol_values.ids("package_ids", package_ids)}
    return ApiCall(
        "POST", factory_path(config, RELEASE_PACKAGES, "unpack"), protocol_pages.parse_nothing, body=body
    )


def parse_release_packages_page(response: HttpResponse, method: str, path: str) -> Page:
    """Parse a 2xx answer of ``POST /v2/{project_id}/factory/release-packages`` (the listing)."""
    return parse_listing_page(response, method, path, id_key="package_id")
