"""Hook for Huawei Cloud DataArts Studio (DataArts Factory)."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.version_compat import BaseHook


class DataArtsHook(BaseHook):  # type: ignore[misc]
    """Talks to DataArts Factory with the credentials of an Airflow connection.

    :param dataarts_conn_id: id of a ``huaweicloud_dataarts`` connection.
    :param workspace: workspace id overriding the connection's default workspace.
    """

    conn_name_attr = "dataarts_conn_id"
    default_conn_name = connection_form.DEFAULT_CONN_ID
    conn_type = connection_form.CONN_TYPE
    hook_name = connection_form.HOOK_NAME

    def __init__(
        self, dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID, *, workspace: str | None = None
    ) -> None:
        super().__init__()
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Connection form fields for Airflow 2.11-3.1 (3.2+ reads provider info instead)."""
        return connection_form.legacy_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Standard-field behaviour for Airflow 2.11-3.1 (3.2+ reads provider info instead)."""
        return connection_form.legacy_ui_field_behaviour()
