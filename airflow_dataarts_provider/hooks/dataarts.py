# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Hook for Huawei Cloud DataArts Studio (DataArts Factory): :class:`DataArtsHook`.

Airflow glue only, one module per part: :mod:`.base` (the connection, its secrets, logging, the drivers)
and one mixin per API family, as in the core (:mod:`.pending_items`, :mod:`.release_packages`,
:mod:`.job_runs`, :mod:`.patch_data`, :mod:`.scripts`; each loads its family's flows on first use). The
protocol (signing, auth, paging, retries, errors) lives in :mod:`airflow_dataarts_provider.core`, the I/O
in :mod:`airflow_dataarts_provider.transport`."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.pending_items.values import TaskType, UpdateType
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.listing import Listing
from airflow_dataarts_provider.core.protocol.redaction import redact
from airflow_dataarts_provider.core.protocol.regions import pattern_note
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition
from airflow_dataarts_provider.hooks.job_runs import JobRunsHookMixin
from airflow_dataarts_provider.hooks.patch_data import PatchDataHookMixin
from airflow_dataarts_provider.hooks.pending_items import PendingItemsHookMixin
from airflow_dataarts_provider.hooks.release_packages import ReleasePackagesHookMixin
from airflow_dataarts_provider.hooks.scripts import ScriptsHookMixin

__all__ = ["DataArtsHook", "Listing", "TaskType", "UpdateType"]


class DataArtsHook(  # type: ignore[misc]
    PendingItemsHookMixin, ReleasePackagesHookMixin, JobRunsHookMixin, PatchDataHookMixin, ScriptsHookMixin
):
    """Talks to DataArts Factory with the credentials of an Airflow connection.

    The connection is read lazily, on the first call (never in ``__init__``), and validated before any
    request is sent.

    :param dataarts_conn_id: id of a ``huaweicloud_dataarts`` connection.
    :param workspace: workspace id overriding the connection's default workspace.
    """

    conn_name_attr = "dataarts_conn_id"
    default_conn_name = connection_form.DEFAULT_CONN_ID
    conn_type = connection_form.CONN_TYPE
    hook_name = connection_form.HOOK_NAME

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Connection form fields for Airflow 2.11-3.1 (3.2+ reads provider info instead)."""
        return connection_form.legacy_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Standard-field behaviour for Airflow 2.11-3.1 (3.2+ reads provider info instead)."""
        return connection_form.legacy_ui_field_behaviour()

    def check_condition(
        self, condition: Condition, workspace: str | None = None, *, deadline: float | None = None
    ) -> CheckResult:
        """One check of what a sensor waits for (see :mod:`airflow_dataarts_provider.core.protocol.waiting`);
        ``deadline`` (epoch seconds): the waiting task's own, kept even while a request is in flight."""
        return self._run(condition.check, workspace, listing=condition.subject, deadline=deadline)

    async def acheck_condition(self, condition: Condition, workspace: str | None = None) -> CheckResult:
        """Async twin of :meth:`check_condition`, for triggers."""
        return await self._arun(condition.check, workspace, listing=condition.subject)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap read (``limit=1``). Never raises; the message carries no secret."""
        from airflow_dataarts_provider.core.pending_items.flows import probe_flow

        try:
            config = self.get_config()
            page = self._run(probe_flow)
        except DataArtsError as exc:
            return False, redact(str(exc), self._secrets)
        except Exception as exc:  # the Test button must never see a traceback
            return False, redact(f"{type(exc).__name__}: {exc}", self._secrets)
        total = "unknown" if page.total is None else page.total
        used = {"dataarts": config.endpoint, **({"iam": config.iam_endpoint} if config.iam_endpoint else {})}
        return True, (
            f"Connected to DataArts Studio at {config.endpoint} (project {config.project_id}, "
            f"workspace {config.workspace}): {total} pending items." + pattern_note(config.region, used)
        )
