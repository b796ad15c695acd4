# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Operators for the release workflow: package pending items, deploy release packages."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.pending_items.gate import GateSpec, describe_blocking
from airflow_dataarts_provider.core.protocol import values as protocol_values
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.release_packages import values as release_values
from airflow_dataarts_provider.core.release_packages.conditions import ReleasePackageCondition
from airflow_dataarts_provider.links.dataarts import (
    DataArtsReleaseManagementLink,
    DataArtsReleasePackageLink,
    push_console_link,
    push_package_link,
)
from airflow_dataarts_provider.version_compat import (
    AirflowFailException,
    AirflowSkipException,
    BaseOperator,
    conf,
)
from airflow_dataarts_provider.waiting import Wait, event_result, timed_out, wait_in_worker

if TYPE_CHECKING:  # the hook (and the protocol core) load on first use, not at DAG parse time
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

IF_NOTHING_PENDING = ("skip", "fail")


def default_package_name(context: Any) -> str:
    """``<dag_id>__<run_id>`` reduced to safe characters: the same for every try of a task, so a retry
    finds the package its earlier try created."""
    text = f"{context['dag'].dag_id}__{context['run_id']}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:128]


def _pending_ids(value: Any) -> list[str] | None:
    """Explicit pending item ids: ids, or item dicts (the list operator's XCom)."""
    if value is None or value == []:
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    return protocol_values.ids(
        "pending_item_ids", [v["pending_item_id"] if isinstance(v, dict) else v for v in values]
    )


class DataArtsCreateReleasePackageOperator(BaseOperator):  # type: ignore[misc]
    """Package pending items into a release package; returns the release package id.

    Select the items by ``task_names`` / ``task_ids`` / ``task_type`` (exact matching, like the sensor),
    or pass ``pending_item_ids`` (ids or the list operator's item dicts). Items already packaged are left
    out. A retry of the task never creates a second package: a live package with the same name is
    reused (the default name is derived from the DAG run, so it is the same for every try).

    :param package_name: templated; default ``<dag_id>__<run_id>``.
    :param approver_ids: user ids of the approvers (required by the API).
    :param apply_user_id: the applicant's user id; default: the items' submitter when they have exactly
        one, else a clear error.
    :param if_nothing_pending: ``"skip"`` (default: the task is skipped) or ``"fail"``.
    """

    template_fields: Sequence[str] = (
        "dataarts_conn_id",
        "workspace",
        "task_names",
        "task_ids",
        "filter_task_type",
        "pending_item_ids",
        "package_name",
        "approver_ids",
        "apply_user_id",
    )
    operator_extra_links = (DataArtsReleaseManagementLink(), DataArtsReleasePackageLink())
    ui_color = "#fff0d9"

    def __init__(
        self,
        *,
        approver_ids: str | Sequence[str],
        task_names: str | Sequence[str] | None = None,
        task_ids: str | Sequence[str] | None = None,
        task_type: Any = None,
        pending_item_ids: Any = None,
        package_name: str | None = None,
        apply_user_id: str | None = None,
        if_nothing_pending: str = "skip",
        workspace: str | None = None,
        dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if if_nothing_pending not in IF_NOTHING_PENDING:
            raise DataArtsConfigError("if_nothing_pending", f"{if_nothing_pending!r}", "skip, fail")
        self.approver_ids = approver_ids
        self.task_names = task_names
        self.task_ids = task_ids
        self.filter_task_type = task_type  # ``task_type`` is BaseOperator's own (read-only) attribute
        self.pending_item_ids = pending_item_ids
        self.package_name = package_name
        self.apply_user_id = apply_user_id
        self.if_nothing_pending = if_nothing_pending
        self.workspace = workspace
        self.dataarts_conn_id = dataarts_conn_id

    def _select(self, hook: DataArtsHook) -> list[dict[str, Any]]:
        explicit = _pending_ids(self.pending_item_ids)
        if explicit is not None:
            wanted = set(explicit)
            return [
                i for i in hook.iter_pending_items(workspace=self.workspace) if i["pending_item_id"] in wanted
            ]
        spec = GateSpec.create(self.task_names, self.task_ids, self.filter_task_type)
        return hook.gate_items(spec, self.workspace)

    def execute(self, context: Any) -> str:
        approvers = protocol_values.ids("approver_ids", self.approver_ids)
        name = release_values.package_name(self.package_name or default_package_name(context))
        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        push_console_link(context, hook)
        items = [i for i in self._select(hook) if not i.get("package_flag")]
        if not items:
            existing = hook.find_release_package(name, workspace=self.workspace)
            if existing is not None:  # an earlier try packaged them
                self.log.info("Reusing release package %s (%r) created by an earlier try", existing, name)
                push_package_link(context, hook, existing)
                return existing
            message = "No unpackaged pending item matches the selection"
            if self.if_nothing_pending == "skip":
                raise AirflowSkipException(message)
            raise AirflowFailException(message)
        apply_user = self.apply_user_id or _single_submitter(items)
        package_id, created = hook.create_release_package(
            package_name=name,
            pending_item_ids=[i["pending_item_id"] for i in items],
            approver_ids=approvers,
            apply_user_id=apply_user,
            workspace=self.workspace,
        )
        push_package_link(context, hook, package_id)
        self.log.info(
            "%s release package %s (%r) with %s",
            "Created" if created else "Reused",
            package_id,
            name,
            describe_blocking(items),
        )
        return package_id


def _single_submitter(items: list[dict[str, Any]]) -> str:
    submitters = sorted({str(i.get("submit_user_id")) for i in items})
    if len(submitters) != 1:
        raise AirflowFailException(
            f"apply_user_id is required: the selected items have {len(submitters)} submitters "
            f"({', '.join(submitters[:10])})"
        )
    return submitters[0]


class DataArtsDeployReleasePackageOperator(BaseOperator):  # type: ignore[misc]
    """Deploy release packages; with ``wait_for_completion``, wait until the (single) package is deployed,
    in the worker (every ``poke_interval`` seconds) or, with ``deferrable``, in the triggerer (the
    release-package trigger). Either way the wait decides as the release-package sensor does.

    A package that is already releasing or deployed is not deployed again (a retried task is safe).

    :param package_ids: one id or a list (templated, e.g. the create operator's XCom).
    :param startup_mode: 1 (default) starts the released jobs, 0 does not.
    :param wait_for_completion: wait for the deployment's outcome (one package only).
    :param poke_interval: seconds between checks while waiting (default 60).
    :param timeout: seconds to wait for the outcome, from the deployment (default 7 days, as sensors).
    :param max_consecutive_failures: transient check failures tolerated in a row (default 3).
    :param soft_fail: skip the task instead of failing it when the wait times out.
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``).
    """

    template_fields: Sequence[str] = ("dataarts_conn_id", "workspace", "package_ids", "startup_mode")
    operator_extra_links = (DataArtsReleasePackageLink(),)
    ui_color = "#fff0d9"

    def __init__(
        self,
        *,
        package_ids: str | Sequence[str],
        startup_mode: int = 1,
        wait_for_completion: bool = False,
        poke_interval: float = 60.0,
        timeout: float = 7 * 24 * 3600.0,
        max_consecutive_failures: int = 3,
        soft_fail: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        workspace: str | None = None,
        dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.package_ids = package_ids
        self.startup_mode = startup_mode
        self.wait_for_completion = wait_for_completion
        self.poke_interval = float(poke_interval)
        self.timeout = float(timeout)
        self.max_consecutive_failures = max_consecutive_failures
        self.soft_fail = soft_fail
        self.deferrable = deferrable
        self.workspace = workspace
        self.dataarts_conn_id = dataarts_conn_id

    def execute(self, context: Any) -> Any:
        from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

        ids = protocol_values.ids("package_ids", self.package_ids)
        if self.wait_for_completion and len(ids) != 1:
            raise AirflowFailException("wait_for_completion needs exactly one package id")
        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        details = hook.deploy_release_packages(
            ids, startup_mode=int(self.startup_mode), workspace=self.workspace
        )
        deployed = {str(d.get("package_id")) for d in details}
        self.log.info(
            "Deployed release packages %s (already releasing or deployed, not deployed again: %s): %s",
            sorted(deployed),
            sorted(set(ids) - deployed) or "none",
            details,
        )
        push_package_link(context, hook, ids[0])
        if not self.wait_for_completion:
            return details
        wait = Wait(
            self.dataarts_conn_id,
            self.workspace,
            self.poke_interval,
            time.time() + self.timeout,
            self.max_consecutive_failures,
        )
        return self._wait(hook, ReleasePackageCondition(ids[0]), wait)

    def _wait(self, hook: DataArtsHook, condition: ReleasePackageCondition, wait: Wait) -> Any:
        def trigger() -> Any:
            from airflow_dataarts_provider.triggers.release_package import DataArtsReleasePackageTrigger

            return DataArtsReleasePackageTrigger(package_id=condition.package_id, **wait.trigger_kwargs())

        return wait_in_worker(
            self,
            hook,
            condition,
            wait,
            trigger=trigger if self.deferrable else None,
            on_deadline=lambda step: timed_out(
                f"deadline reached; {step.message}",
                soft_fail=self.soft_fail,
                waiting_for=f"release package {condition.package_id}",
            ),
        )

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        return event_result(event, self.log, soft_fail=self.soft_fail, waiting_for="the release package")
