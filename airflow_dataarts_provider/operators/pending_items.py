# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Operator returning DataArts Factory pending items as XCom."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.pending_items.gate import (
    TASK_TYPE_LABELS,
    UPDATE_TYPE_LABELS,
    describe_blocking,
)
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.links.dataarts import DataArtsReleaseManagementLink, push_console_link
from airflow_dataarts_provider.version_compat import BaseOperator

#: The fields of a pending item, as documented by the API.
ITEM_FIELDS: tuple[str, ...] = (
    "pending_item_id",
    "item_name",
    "task_id",
    "task_type",
    "update_type",
    "package_flag",
    "pending_version",
    "deployed_version",
    "submit_timestamp",
    "submit_user_id",
    "submit_user_name",
    "project_id",
)


def _optional_int(field: str, value: Any) -> int | None:
    """``max_items`` may arrive as a rendered template string."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DataArtsConfigError(field, f"{value!r} is not an integer", "an integer >= 0, or None")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DataArtsConfigError(field, f"{value!r} is not an integer", "an integer >= 0, or None") from None
    if number < 0 or str(number) != str(value).strip():
        raise DataArtsConfigError(
            field, f"{value!r} is not a non-negative integer", "an integer >= 0, or None"
        )
    return number


def _fields(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else list(value)
    unknown = [n for n in names if n not in ITEM_FIELDS]
    if unknown or not names:
        raise DataArtsConfigError("fields", f"unknown field(s) {unknown or names}", ", ".join(ITEM_FIELDS))
    return tuple(dict.fromkeys(names))


class DataArtsListPendingItemsOperator(BaseOperator):  # type: ignore[misc]
    """List the pending items of a DataArts Factory workspace (items submitted but not yet released).

    Returns the items (JSON-serialisable dicts) as the XCom return value and pushes the total count under
    the XCom key ``total``.

    :param dataarts_conn_id: a ``huaweicloud_dataarts`` connection.
    :param workspace: workspace id (default: the connection's).
    :param submit_user_name: only items submitted by this user.
    :param item_name: only items with this name (the API's matching; see the docs).
    :param update_type: 1/"ADD", 2/"MODIFY", 3/"DELETE" or ``UpdateType`` members.
    :param task_type: 1/"JOB", 2/"SCRIPT" or ``TaskType`` members (stored and templated as
        ``filter_task_type``: ``task_type`` is Airflow's own operator attribute).
    :param start_time: items submitted at or after this time (datetime, epoch ms, ISO-8601 string;
        templated, e.g. ``"{{ data_interval_start }}"``).
    :param end_time: items submitted at or before this time (same forms).
    :param max_items: return at most this many items (the log says when it cut).
    :param fields: keep only these item fields, to keep XCom small.
    """

    template_fields: Sequence[str] = (
        "dataarts_conn_id",
        "workspace",
        "submit_user_name",
        "item_name",
        "update_type",
        "filter_task_type",
        "start_time",
        "end_time",
        "max_items",
        "fields",
    )
    operator_extra_links = (DataArtsReleaseManagementLink(),)
    ui_color = "#e0f0ff"

    def __init__(
        self,
        *,
        dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID,
        workspace: str | None = None,
        submit_user_name: str | None = None,
        item_name: str | None = None,
        update_type: Any = None,
        task_type: Any = None,
        start_time: Any = None,
        end_time: Any = None,
        max_items: int | str | None = None,
        fields: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dataarts_conn_id = dataarts_conn_id
        self.workspace = workspace
        self.submit_user_name = submit_user_name
        self.item_name = item_name
        self.update_type = update_type
        # ``task_type`` is BaseOperator's (read-only) class name: the filter is kept as ``filter_task_type``.
        self.filter_task_type = task_type
        self.start_time = start_time
        self.end_time = end_time
        self.max_items = max_items
        self.fields = fields

    def execute(self, context: Any) -> list[dict[str, Any]]:
        max_items = _optional_int("max_items", self.max_items)
        fields = _fields(self.fields)
        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        filters = {
            "submit_user_name": self.submit_user_name or None,
            "item_name": self.item_name or None,
            "update_type": self.update_type if self.update_type not in ("", None) else None,
            "task_type": self.filter_task_type if self.filter_task_type not in ("", None) else None,
            "start_time": self.start_time or None,
            "end_time": self.end_time or None,
        }
        push_console_link(context, hook)
        result = hook.fetch_pending_items(
            max_items=max_items, **{k: v for k, v in filters.items() if v is not None}
        )
        items = result.items
        total = result.total if result.total is not None else len(items)
        if result.truncated:
            self.log.warning("max_items=%d: returning %d of %d pending items", max_items, len(items), total)
        context["ti"].xcom_push(key="total", value=total)
        by_type = Counter(TASK_TYPE_LABELS.get(i.get("task_type"), "other") for i in items)
        by_change = Counter(UPDATE_TYPE_LABELS.get(i.get("update_type"), "other") for i in items)
        self.log.info(
            "%d pending items (total %d) by type %s, by change %s. First %s",
            len(items),
            total,
            dict(by_type),
            dict(by_change),
            describe_blocking(items, limit=5),
        )
        if fields is None:
            return items
        return [{name: item[name] for name in fields if name in item} for item in items]
