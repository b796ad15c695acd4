"""Provider metadata for Airflow's provider discovery (entry point ``apache_airflow_provider``).

Kept light: no Airflow import, so discovery and DAG parsing stay fast.
"""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.connection_form import HOOK_NAME, connection_type_info

PACKAGE_NAME = "airflow-dataarts-provider"


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": PACKAGE_NAME,
        "name": HOOK_NAME,
        "description": "Huawei Cloud DataArts Studio (DataArts Factory): list pending items, gate DAGs"
        " on their packaging and release, drive the release, and run jobs.",
        "integrations": [
            {
                "integration-name": HOOK_NAME,
                "external-doc-url": "https://support.huaweicloud.com/intl/en-us/dataartsstudio/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": HOOK_NAME,
                "python-modules": ["airflow_dataarts_provider.hooks.dataarts"],
            }
        ],
        "operators": [
            {
                "integration-name": HOOK_NAME,
                "python-modules": [
                    "airflow_dataarts_provider.operators.job",
                    "airflow_dataarts_provider.operators.pending_items",
                    "airflow_dataarts_provider.operators.release_package",
                    "airflow_dataarts_provider.operators.remote_run",
                    "airflow_dataarts_provider.operators.script",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": HOOK_NAME,
                "python-modules": [
                    "airflow_dataarts_provider.sensors.job",
                    "airflow_dataarts_provider.sensors.pending_items",
                    "airflow_dataarts_provider.sensors.release_package",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": HOOK_NAME,
                "python-modules": [
                    "airflow_dataarts_provider.triggers.events",
                    "airflow_dataarts_provider.triggers.job",
                    "airflow_dataarts_provider.triggers.pending_items",
                    "airflow_dataarts_provider.triggers.release_package",
                    "airflow_dataarts_provider.triggers.script",
                ],
            }
        ],
        "extra-links": [
            "airflow_dataarts_provider.links.dataarts.DataArtsReleaseManagementLink",
            "airflow_dataarts_provider.links.dataarts.DataArtsReleasePackageLink",
            "airflow_dataarts_provider.links.dataarts.DataArtsJobInstanceLink",
            "airflow_dataarts_provider.links.dataarts.DataArtsScriptLink",
        ],
        "connection-types": [connection_type_info()],
    }
