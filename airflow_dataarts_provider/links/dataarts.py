"""Console links to DataArts Studio."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow_dataarts_provider.version_compat import BaseOperatorLink, XCom

#: Regions whose console lives on the European site.
_EU_REGIONS = frozenset({"eu-west-101"})


def release_management_url(region: str, project_id: str, workspace: str | None) -> str:
    """The DataArts Studio console page listing a workspace's pending items and release packages.

    Console routes are not a public API; this follows the console's documented entry point
    (``/dataartsstudio/?region=...``) and passes the workspace and project as parameters.
    """
    host = "console.eu.huaweicloud.com" if region in _EU_REGIONS else "console.huaweicloud.com"
    params = f"region={quote(region, safe='')}&projectId={quote(project_id, safe='')}"
    if workspace:
        params += f"&workspace={quote(workspace, safe='')}"
    return f"https://{host}/dataartsstudio/?{params}#/dlf/release/management"


class DataArtsReleaseManagementLink(BaseOperatorLink):  # type: ignore[misc]
    """ "DataArts release management": pushed by the task as soon as it starts, so the link works while a
    sensor is still waiting and after it failed."""

    name = "DataArts release management"

    @property
    def xcom_key(self) -> str:  # the key Airflow 3 stores extra links under; used on 2.11 too
        return "_link_DataArtsReleaseManagementLink"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        url = XCom.get_value(key=self.xcom_key, ti_key=ti_key)
        return url if isinstance(url, str) else ""


def push_console_link(context: Any, hook: Any) -> None:
    """Push the console URL under the link's XCom key before any waiting, so the link is there at once."""
    config = hook.get_config()
    url = release_management_url(config.region, config.project_id, config.workspace)
    context["ti"].xcom_push(key=DataArtsReleaseManagementLink().xcom_key, value=url)
