# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The official SDK's client and signer pointed at an emulator (an oracle independent of this package)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkdataartsstudio.v1 import DataArtsStudioClient

from airflow_dataarts_provider.emulator import (
    DEFAULT_AK,
    DEFAULT_PROJECT_ID,
    DEFAULT_SK,
    DEFAULT_WORKSPACE_ID,
    Emulator,
)

PENDING_PATH = f"/v2/{DEFAULT_PROJECT_ID}/factory/pending-items"


def sdk_client(
    emu: Emulator,
    ak: str = DEFAULT_AK,
    sk: str = DEFAULT_SK,
    security_token: str | None = None,
    project_id: str = DEFAULT_PROJECT_ID,
) -> Any:
    """The official SDK client pointed at the emulator."""
    creds = BasicCredentials(ak, sk, project_id)
    if security_token:
        creds = creds.with_security_token(security_token)
    config = HttpConfig.get_default_config()
    config.timeout = (5, 5)
    return (
        DataArtsStudioClient.new_builder()
        .with_credentials(creds)
        .with_endpoints([emu.url])
        .with_http_config(config)
        .build()
    )


def signed_get(
    emu: Emulator,
    query: list[tuple[str, Any]] | None = None,
    *,
    path: str = PENDING_PATH,
    headers: dict[str, str] | None = None,
    ak: str = DEFAULT_AK,
    sk: str = DEFAULT_SK,
    security_token: str | None = None,
    date: datetime | None = None,
    timeout: float = 5,
) -> requests.Response:
    """Sign with the official SDK Signer (optionally with a forced date) and send with requests."""
    host = emu.url.removeprefix("http://")
    header_params = {"Content-Type": "application/json", "workspace": DEFAULT_WORKSPACE_ID}
    if headers is not None:
        header_params = dict(headers)
    if security_token:
        header_params["X-Security-Token"] = security_token
    if date is not None:
        header_params["X-Sdk-Date"] = date.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    req = SdkRequest(
        method="GET",
        schema="http",
        host=host,
        resource_path=path,
        query_params=list(query or []),
        header_params=header_params,
        body="",
    )
    signed = Signer(BasicCredentials(ak, sk)).sign(req)
    return requests.get(f"{emu.url}{signed.uri}", headers=dict(signed.header_params), timeout=timeout)


def metadata_credential(emu: Emulator) -> dict[str, Any]:
    """The metadata service's ``credential``, asked for with a session token (as the SDK does)."""
    token = requests.put(
        f"{emu.url}/meta-data/latest/api/token", headers={"X-Metadata-Token-Ttl-Seconds": "600"}, timeout=5
    ).text
    response = requests.get(
        f"{emu.url}/openstack/latest/securitykey", headers={"X-Metadata-Token": token}, timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()["credential"]  # type: ignore[no-any-return]
