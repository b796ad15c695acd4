# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Provider metadata for Airflow's provider discovery (entry point ``apache_airflow_provider``).

Kept light: no Airflow import, so discovery and DAG parsing stay fast.
"""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.connection_form import HOOK_NAME, connection_type_info

PACKAGE_NAME = "airflow-dataarts-provider"
_PACKAGE = "airflow_dataarts_provider"

#: The modules of each kind, by their name inside its folder.
MODULES: dict[str, tuple[str, ...]] = {
    "hooks": ("dataarts",),
    "operators": ("job", "patch_data", "pending_items", "release_package", "remote_run", "script"),
    "sensors": ("job", "pending_items", "release_package"),
    "triggers": ("events", "job", "patch_data", "pending_items", "release_package", "script"),
}
LINKS = (
    "DataArtsReleaseManagementLink",
    "DataArtsReleasePackageLink",
    "DataArtsJobInstanceLink",
    "DataArtsPatchDataLink",
    "DataArtsScriptLink",
)


def get_provider_info() -> dict[str, Any]:
    kinds = {
        kind: [{"integration-name": HOOK_NAME, "python-modules": [f"{_PACKAGE}.{kind}.{m}" for m in names]}]
        for kind, names in MODULES.items()
    }
    return {
        "package-name": PACKAGE_NAME,
        "name": HOOK_NAME,
        "description": "Huawei Cloud DataArts Studio (DataArts Factory): list pending items, gate DAGs"
        " on their packaging and release, drive the release, run jobs (rerun, backfill) and scripts.",
        "integrations": [
            {
                "integration-name": HOOK_NAME,
                "external-doc-url": "https://support.huaweicloud.com/intl/en-us/dataartsstudio/",
                "tags": ["service"],
            }
        ],
        **kinds,
        "extra-links": [f"{_PACKAGE}.links.dataarts.{link}" for link in LINKS],
        "connection-types": [connection_type_info()],
    }
