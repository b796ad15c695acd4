# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""A local fake of Huawei Cloud DataArts Factory + IAM + ECS metadata, speaking the real HTTP API.

Standard library only; shares no code with the client side of ``airflow_dataarts_provider`` and
does not import Airflow, so it can catch the client's mistakes.

    from airflow_dataarts_provider.emulator import Emulator, EmulatorConfig
    with Emulator(EmulatorConfig(offset_mode="record", seed_items=250)) as emu:
        emu.url  # "http://127.0.0.1:PORT"
"""

from __future__ import annotations

from ._common import (
    ENDPOINT_IAM_TOKENS,
    ENDPOINT_JOB_INSTANCE,
    ENDPOINT_JOB_INSTANCES,
    ENDPOINT_JOB_INSTANCES_V2,
    ENDPOINT_JOB_RESTART,
    ENDPOINT_JOB_RUN,
    ENDPOINT_JOB_STOP,
    ENDPOINT_METADATA_TOKEN,
    ENDPOINT_OBS_OBJECT,
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PACKAGE_DETAIL,
    ENDPOINT_PACKAGES_DEPLOY,
    ENDPOINT_PACKAGES_LIST,
    ENDPOINT_PACKAGES_UNPACK,
    ENDPOINT_PATCH_CREATE,
    ENDPOINT_PATCH_QUERY,
    ENDPOINT_PATCH_STOP,
    ENDPOINT_PENDING_ITEMS,
    ENDPOINT_SCRIPT_EXECUTE,
    ENDPOINT_SCRIPT_RESULT,
    ENDPOINT_SCRIPT_SHOW,
    ENDPOINT_SCRIPT_STOP,
    ENDPOINT_SCRIPTS_V2,
    ENDPOINT_SECURITYKEY,
    ERR_PACKAGE_STATE,
    ERR_PACKAGE_UNKNOWN,
    ERR_PARAM_INVALID,
    ERR_PENDING_ITEM_PACKAGED,
    ERR_PENDING_ITEM_UNKNOWN,
    ERR_WORKSPACE_MISSING,
    ERR_WORKSPACE_UNKNOWN,
)
from ._config import (
    DEFAULT_AK,
    DEFAULT_DOMAIN_ID,
    DEFAULT_DOMAIN_NAME,
    DEFAULT_PASSWORD,
    DEFAULT_PROJECT_ID,
    DEFAULT_REGION,
    DEFAULT_SK,
    DEFAULT_USER_ID,
    DEFAULT_USER_NAME,
    DEFAULT_WORKSPACE_ID,
    AkSkCredential,
    EmulatorConfig,
    IamUser,
    NameMatch,
    OffsetMode,
)
from ._pending_items import SUBMITTERS
from .connection import airflow_connection
from .server import Emulator

__all__ = [
    "DEFAULT_AK",
    "DEFAULT_DOMAIN_ID",
    "DEFAULT_DOMAIN_NAME",
    "DEFAULT_PASSWORD",
    "DEFAULT_PROJECT_ID",
    "DEFAULT_REGION",
    "DEFAULT_SK",
    "DEFAULT_USER_ID",
    "DEFAULT_USER_NAME",
    "DEFAULT_WORKSPACE_ID",
    "ENDPOINT_IAM_TOKENS",
    "ENDPOINT_JOB_INSTANCE",
    "ENDPOINT_JOB_INSTANCES",
    "ENDPOINT_JOB_INSTANCES_V2",
    "ENDPOINT_JOB_RESTART",
    "ENDPOINT_JOB_RUN",
    "ENDPOINT_JOB_STOP",
    "ENDPOINT_METADATA_TOKEN",
    "ENDPOINT_OBS_OBJECT",
    "ENDPOINT_PACKAGES_DEPLOY",
    "ENDPOINT_PACKAGES_LIST",
    "ENDPOINT_PACKAGES_UNPACK",
    "ENDPOINT_PACKAGE_CREATE",
    "ENDPOINT_PACKAGE_DETAIL",
    "ENDPOINT_PATCH_CREATE",
    "ENDPOINT_PATCH_QUERY",
    "ENDPOINT_PATCH_STOP",
    "ENDPOINT_PENDING_ITEMS",
    "ENDPOINT_SCRIPTS_V2",
    "ENDPOINT_SCRIPT_EXECUTE",
    "ENDPOINT_SCRIPT_RESULT",
    "ENDPOINT_SCRIPT_SHOW",
    "ENDPOINT_SCRIPT_STOP",
    "ENDPOINT_SECURITYKEY",
    "ERR_PACKAGE_STATE",
    "ERR_PACKAGE_UNKNOWN",
    "ERR_PARAM_INVALID",
    "ERR_PENDING_ITEM_PACKAGED",
    "ERR_PENDING_ITEM_UNKNOWN",
    "ERR_WORKSPACE_MISSING",
    "ERR_WORKSPACE_UNKNOWN",
    "SUBMITTERS",
    "AkSkCredential",
    "Emulator",
    "EmulatorConfig",
    "IamUser",
    "NameMatch",
    "OffsetMode",
    "airflow_connection",
]
