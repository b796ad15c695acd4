# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The PatchData calls (V2 factory ``supplement-data``): create a run, list runs (by name), stop a run."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.patch_data import values as patch
from airflow_dataarts_provider.core.protocol import pages as protocol_pages
from airflow_dataarts_provider.core.protocol.calls import ApiCall, ListingCall, factory_path
from airflow_dataarts_provider.core.protocol.config import ClientConfig


def create_run(config: ClientConfig, body: dict[str, Any]) -> ApiCall[bool]:
    """``POST /v2/{pid}/factory/supplement-data`` (``body``: :func:`~.values.create_body`). The answer
    carries nothing but a request id; not idempotent (a run is found again by its name, see the flows)."""
    path = factory_path(config, "supplement-data")
    return ApiCall("POST", path, jobs.parse_accepted, body=body, idempotent=False)


def runs(config: ClientConfig, name: str | None = None) -> ListingCall:
    """``GET /v2/{pid}/factory/supplement-data?name=`` (newest first), paged by ``page`` (0-based, a page
    index as documented) and ``size``."""
    query = () if name is None else (("name", patch.run_name(name)),)
    call = ApiCall("GET", factory_path(config, "supplement-data"), patch.parse_runs_page, query)
    return ListingCall("patch-data-runs", call, "name", names=("size", "page"), semantics="page")


def stop_run(config: ClientConfig, name: str) -> ApiCall[None]:
    """``POST .../supplement-data/{name}/stop`` (running runs only; unknown name ``DLF.0113``)."""
    path = factory_path(config, "supplement-data", patch.run_name(name), "stop")
    return ApiCall("POST", path, protocol_pages.parse_nothing)
