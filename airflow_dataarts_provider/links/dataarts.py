# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Console links to DataArts Studio.

Each link's URL is pushed to XCom by the task as soon as it starts (under the key Airflow 3 stores
extra links under, also read on 2.11), so the link works while a sensor is still waiting and after it
failed. Console routes are not a public API: the URLs follow the console's documented entry point
(``/dataartsstudio/?region=...``) and pass the ids as parameters.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow_dataarts_provider.version_compat import BaseOperatorLink, XCom

#: Regions whose console lives on the European site.
_EU_REGIONS = frozenset({"eu-west-101"})


def _console(
    region: str, project_id: str, workspace: str | None, route: str, area: str = "release", **params: str
) -> str:
    host = "console.eu.huaweicloud.com" if region in _EU_REGIONS else "console.huaweicloud.com"
    query = {
        "region": region,
        "projectId": project_id,
        **({"workspace": workspace} if workspace else {}),
        **params,
    }
    text = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return f"https://{host}/dataartsstudio/?{text}#/dlf/{area}/{route}"


def release_management_url(region: str, project_id: str, workspace: str | None) -> str:
    """The console page listing a workspace's pending items and release packages."""
    return _console(region, project_id, workspace, "management")


def release_package_url(region: str, project_id: str, workspace: str | None, package_id: str) -> str:
    """The console page of one release package."""
    return _console(region, project_id, workspace, "package", packageId=package_id)


def job_instance_url(
    region: str, project_id: str, workspace: str | None, job_name: str, instance_id: str
) -> str:
    """The console's instance monitoring page of one job instance."""
    return _console(
        region, project_id, workspace, "instance", "monitor", jobName=job_name, instanceId=instance_id
    )


def patch_data_url(region: str, project_id: str, workspace: str | None, name: str) -> str:
    """The console's PatchData monitoring page, on one run (its instances are listed there)."""
    return _console(region, project_id, workspace, "patchData", "monitor", patchDataName=name)


def script_url(
    region: str, project_id: str, workspace: str | None, script_name: str, instance_id: str
) -> str:
    """The console's development page of a script (its run history holds the instance)."""
    return _console(
        region, project_id, workspace, "script", "develop", scriptName=script_name, instanceId=instance_id
    )


class _XComLink(BaseOperatorLink):  # type: ignore[misc]
    name = ""

    @property
    def xcom_key(self) -> str:  # the key Airflow 3 stores extra links under
        return f"_link_{type(self).__name__}"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        url = XCom.get_value(key=self.xcom_key, ti_key=ti_key)
        return url if isinstance(url, str) else ""

    def push(self, context: Any, url: str) -> None:
        context["ti"].xcom_push(key=self.xcom_key, value=url)


class DataArtsReleaseManagementLink(_XComLink):
    """ "DataArts release management": the workspace's pending items and packages."""

    name = "DataArts release management"


class DataArtsReleasePackageLink(_XComLink):
    """ "DataArts release package": the package a task created, deployed or waits for."""

    name = "DataArts release package"


class DataArtsJobInstanceLink(_XComLink):
    """ "DataArts job instance": the instance a task started or watches (its nodes' logs are there)."""

    name = "DataArts job instance"


def push_job_instance_link(context: Any, hook: Any, job_name: str, instance_id: str) -> str:
    """Push the instance's console link; returns its URL."""
    config = hook.get_config()
    url = job_instance_url(config.region, config.project_id, config.workspace, job_name, instance_id)
    DataArtsJobInstanceLink().push(context, url)
    return url


class DataArtsPatchDataLink(_XComLink):
    """ "DataArts PatchData run": the backfill a task created or re-attached to."""

    name = "DataArts PatchData run"


def push_patch_data_link(context: Any, hook: Any, name: str) -> str:
    """Push the run's console link; returns its URL."""
    config = hook.get_config()
    url = patch_data_url(config.region, config.project_id, config.workspace, name)
    DataArtsPatchDataLink().push(context, url)
    return url


class DataArtsScriptLink(_XComLink):
    """ "DataArts script": the script a task ran (its run history holds the instance)."""

    name = "DataArts script"


def push_script_link(context: Any, hook: Any, script_name: str, instance_id: str) -> None:
    config = hook.get_config()
    url = script_url(config.region, config.project_id, config.workspace, script_name, instance_id)
    DataArtsScriptLink().push(context, url)


def push_console_link(context: Any, hook: Any) -> None:
    """Push the release-management URL before any waiting, so the link is there at once."""
    config = hook.get_config()
    url = release_management_url(config.region, config.project_id, config.workspace)
    DataArtsReleaseManagementLink().push(context, url)


def push_package_link(context: Any, hook: Any, package_id: str) -> None:
    config = hook.get_config()
    url = release_package_url(config.region, config.project_id, config.workspace, package_id)
    DataArtsReleasePackageLink().push(context, url)
