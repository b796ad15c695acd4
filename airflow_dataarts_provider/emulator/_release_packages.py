# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Release packages: the record type and the state machine (no I/O, no locking, clock passed in).

States (``deploy_status``): 1 pending approval -> 5 releasing -> 2 success | 3 failed.
A package is created in state 1. ``deploy`` records the deploy request; the release starts once the
package is both deployed and approved (automatically at ``deploy time + approve_delay_s`` when
auto-approval is on, or by :meth:`ReleasePackage.approve`), lasts ``release_duration_s`` and ends in
success or failure. Transitions are evaluated lazily by :meth:`ReleasePackage.advance` with the time
of each event (not the time of the evaluation), so the result does not depend on how often it runs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._pending_items import PendingItem

STATUS_PENDING_APPROVAL = 1
STATUS_SUCCESS = 2
STATUS_FAILED = 3
STATUS_RELEASING = 5
DEPLOY_STATUSES = (STATUS_PENDING_APPROVAL, STATUS_SUCCESS, STATUS_FAILED, STATUS_RELEASING)

Outcome = Literal["success", "failed"]

PACKAGE_FIELDS = (
    "apply_timestamp",
    "apply_user_id",
    "apply_user_name",
    "delete_flag",
    "deploy_status",
    "deploy_timestamp",
    "deploy_user_id",
    "deploy_user_name",
    "package_approvers",
    "package_id",
    "package_name",
    "project_id",
    "workspace_id",
)

DEFAULT_FAILURE_MESSAGE = "Emulated release failure of {item_name}."
ROLLED_BACK_MESSAGE = "Not released: another item of the package failed, the release was rolled back."


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


@dataclass
class ReleaseSettings:
    """Timings and outcome rules of the release workflow (all changeable at run time)."""

    auto_approve: bool = True
    approve_delay_s: float = 0.0
    release_duration_s: float = 1.0
    fail_items: tuple[str, ...] = ()  # fnmatch patterns (case-sensitive) on item_name

    def validate(self) -> None:
        if self.approve_delay_s < 0 or self.release_duration_s < 0:
            raise ValueError("approve_delay_s and release_duration_s must be >= 0")
        if isinstance(self.fail_items, str) or not all(isinstance(p, str) for p in self.fail_items):
            raise ValueError("fail_items must be a list of item-name patterns")

    def as_dict(self) -> dict[str, Any]:
        return {
            "auto_approve": self.auto_approve,
            "approve_delay_s": self.approve_delay_s,
            "release_duration_s": self.release_duration_s,
            "fail_items": list(self.fail_items),
        }

    def item_fails(self, item_name: str) -> bool:
        return any(fnmatch.fnmatchcase(item_name, pattern) for pattern in self.fail_items)


@dataclass
class ReleasePackage:
    """One release package; ``items`` are snapshots of the pending items taken at creation."""

    package_id: str
    package_name: str
    workspace_id: str
    apply_user_id: str
    apply_user_name: str
    approvers: list[tuple[str, str]]
    items: list[PendingItem]
    apply_timestamp: int
    deploy_status: int = STATUS_PENDING_APPROVAL
    delete_flag: int = 0
    deploy_timestamp: int | None = None
    deploy_user_id: str | None = None
    deploy_user_name: str | None = None
    startup_mode: int = 1
    asy_task_id: str | None = None
    deploy_requested_at: float | None = None
    approved_at: float | None = None
    release_started_at: float | None = None
    finished_at: float | None = None
    outcome: Outcome | None = None  # forced outcome; None: decided by ReleaseSettings.fail_items
    failure_message: str | None = None
    failed_items: dict[str, str] = field(default_factory=dict)  # pending_item_id -> error message

    # ------------------------------------------------------------------ transitions
    def approve(self, now: float) -> None:
        if self.delete_flag:
            raise ValueError(f"release package {self.package_id} was cancelled")
        if self.deploy_status != STATUS_PENDING_APPROVAL:
            raise ValueError(f"release package {self.package_id} is not pending approval")
        if self.approved_at is None or self.approved_at > now:
            self.approved_at = now

    def request_deploy(
        self,
        now: float,
        *,
        user_id: str,
        user_name: str,
        startup_mode: int,
        task_id: str,
        settings: ReleaseSettings,
    ) -> None:
        """Record a deploy request (state 1 or 3 only: the caller checks)."""
        self.deploy_requested_at = now
        self.deploy_timestamp = _ms(now)
        self.deploy_user_id, self.deploy_user_name = user_id, user_name
        self.startup_mode = startup_mode
        self.asy_task_id = task_id
        if self.deploy_status == STATUS_FAILED:  # a re-release: approval was already given
            self.deploy_status = STATUS_RELEASING
            self.release_started_at = now
            self.finished_at = None
            self.failed_items = {}
            return
        if settings.auto_approve:
            auto_at = now + settings.approve_delay_s
            if self.approved_at is None or self.approved_at > auto_at:
                self.approved_at = auto_at

    def advance(self, now: float, settings: ReleaseSettings) -> Literal["success", "failed"] | None:
        """Apply due transitions; returns the outcome when the release finished during this call."""
        if self.delete_flag:
            return None
        if (
            self.deploy_status == STATUS_PENDING_APPROVAL
            and self.deploy_requested_at is not None
            and self.approved_at is not None
        ):
            start = max(self.deploy_requested_at, self.approved_at)
            if start <= now:
                self.deploy_status = STATUS_RELEASING
                self.release_started_at = start
        if self.deploy_status == STATUS_RELEASING and self.release_started_at is not None:
            end = self.release_started_at + settings.release_duration_s
            if end <= now:
                self.finished_at = end
                return self._finish(settings)
        return None

    def _finish(self, settings: ReleaseSettings) -> Literal["success", "failed"]:
        failing: dict[str, str] = {}
        if self.outcome == "failed":
            message = self.failure_message or "Emulated release failure of the package."
            failing = {i.pending_item_id: message for i in self.items}
        elif self.outcome is None:
            for item in self.items:
                if settings.item_fails(item.item_name):
                    failing[item.pending_item_id] = (self.failure_message or DEFAULT_FAILURE_MESSAGE).format(
                        item_name=item.item_name
                    )
        if failing:
            self.failed_items = {
                i.pending_item_id: failing.get(i.pending_item_id, ROLLED_BACK_MESSAGE) for i in self.items
            }
            self.deploy_status = STATUS_FAILED
            return "failed"
        self.failed_items = {}
        self.deploy_status = STATUS_SUCCESS
        return "success"

    # ------------------------------------------------------------------ views
    def to_api(self, project_id: str) -> dict[str, Any]:
        """The package as ``data[]`` of the list and ``release_package`` of the detail return it."""
        data = {
            "apply_timestamp": self.apply_timestamp,
            "apply_user_id": self.apply_user_id,
            "apply_user_name": self.apply_user_name,
            "delete_flag": self.delete_flag,
            "deploy_status": self.deploy_status,
            "deploy_timestamp": self.deploy_timestamp,
            "deploy_user_id": self.deploy_user_id,
            "deploy_user_name": self.deploy_user_name,
            "package_approvers": [{"user_id": uid, "user_name": name} for uid, name in self.approvers],
            "package_id": self.package_id,
            "package_name": self.package_name,
            "project_id": f"{project_id}-workspace-{self.workspace_id}",
            "workspace_id": self.workspace_id,
        }
        return {name: data[name] for name in PACKAGE_FIELDS}

    def task_details(self) -> list[dict[str, Any]]:
        """``task_details[]`` of the detail. ``error_msg`` (failed items only) is an emulator extension."""
        details = []
        for item in self.items:
            status = self.deploy_status
            entry: dict[str, Any] = {
                "deploy_status": status,
                "deployed_version": item.pending_version
                if status == STATUS_SUCCESS
                else item.deployed_version,
                "item_name": item.item_name,
                "pending_item_id": item.pending_item_id,
                "pending_version": item.pending_version,
                "script_id": item.task_id if item.task_type == 2 else None,
                "task_id": item.task_id,
                "start_job_status": (
                    2 if status == STATUS_SUCCESS and self.startup_mode == 1 and item.task_type == 1 else None
                ),
                "submit_timestamp": item.submit_timestamp,
                "submit_user_id": item.submit_user_id,
                "submit_user_name": item.submit_user_name,
                "task_type": item.task_type,
                "update_type": item.update_type,
            }
            if status == STATUS_FAILED and item.pending_item_id in self.failed_items:
                entry["error_msg"] = self.failed_items[item.pending_item_id]
            details.append(entry)
        return details

    def control_view(self, project_id: str) -> dict[str, Any]:
        """Everything the control surface shows: the API shape plus the internal state."""
        return {
            **self.to_api(project_id),
            "pending_item_ids": [i.pending_item_id for i in self.items],
            "item_names": [i.item_name for i in self.items],
            "approved": self.approved_at is not None,
            "approved_at": self.approved_at,
            "deploy_requested": self.deploy_requested_at is not None,
            "deploy_requested_at": self.deploy_requested_at,
            "release_started_at": self.release_started_at,
            "finished_at": self.finished_at,
            "startup_mode": self.startup_mode,
            "asy_task_id": self.asy_task_id,
            "outcome": self.outcome,
            "failed_items": dict(self.failed_items),
            "task_details": self.task_details(),
        }


def matches_filters(
    package: ReleasePackage,
    *,
    key_word: str | None,
    apply_user_name: str | None,
    deploy_user_name: str | None,
    times: Mapping[str, int | None],
    apply_user_names: Iterable[str] | None,
    deploy_user_names: Iterable[str] | None,
    statuses: Iterable[int] | None,
) -> bool:
    """The list filters (``key_word``: substring of ``package_name``; user names: exact)."""
    if key_word and key_word not in package.package_name:
        return False
    if apply_user_name and package.apply_user_name != apply_user_name:
        return False
    if deploy_user_name and package.deploy_user_name != deploy_user_name:
        return False
    if apply_user_names is not None and package.apply_user_name not in set(apply_user_names):
        return False
    if deploy_user_names is not None and package.deploy_user_name not in set(deploy_user_names):
        return False
    if statuses is not None and package.deploy_status not in set(statuses):
        return False
    bounds = (
        ("apply_begin_time", "apply_end_time", package.apply_timestamp),
        ("deploy_begin_time", "deploy_end_time", package.deploy_timestamp),
    )
    for begin_key, end_key, value in bounds:
        begin, end = times.get(begin_key), times.get(end_key)
        if begin is None and end is None:
            continue
        if value is None:
            return False
        if begin is not None and value < begin:
            return False
        if end is not None and value > end:
            return False
    return True
