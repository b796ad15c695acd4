# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The emulator's in-process control surface: seed and inspect items and packages, manage accounts
and tokens, script faults, read counters and the request log. Thread-safe; JSON-compatible values.
The HTTP control surface (:mod:`._control_http`) maps onto these methods."""

from __future__ import annotations

import copy
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._common import FAULT_ENDPOINTS, Position, now_ms
from ._config import AkSkCredential, EmulatorConfig, IamUser
from ._faults import Mutation, check_seconds, parse_fault
from ._job_runs_control import JobRunsControl
from ._pending_items import generate_items, item_from_mapping
from ._release_packages import ReleaseSettings
from ._scripts_control import ScriptsControl
from ._state import State


class EmulatorAPI(ScriptsControl, JobRunsControl):
    """State operations of :class:`~.server.Emulator` (which adds the HTTP server)."""

    config: EmulatorConfig
    state: State

    def info(self) -> dict[str, Any]:
        """Connection details of the default account (the server's: it knows the URL)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the initial state of the configuration (items, packages, release settings, tokens,
        faults, counters, log)."""
        self.state = State(self.config)

    # ------------------------------------------------------------------ items

    def seed(
        self, count: int, seed: int = 0, *, workspace: str | None = None, replace: bool = True
    ) -> list[dict[str, Any]]:
        """Generate ``count`` deterministic items (replacing the workspace's items by default)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        with self.state.lock:
            ws = self.state.ws(workspace)
            generated = generate_items(count, seed, ws)
            if replace:
                self.state.items = [i for i in self.state.items if i.workspace_id != ws]
            self.state.items.extend(generated)
            return [i.to_api(self.config.project_id) for i in generated]

    def items(self, workspace: str | None = None) -> list[dict[str, Any]]:
        """The items of a workspace in API order (what an unfiltered listing pages through)."""
        return self.state.items_api(workspace)

    def add_item(self, item: Mapping[str, Any], *, position: Position = "front") -> dict[str, Any]:
        """Add one item (``item_name`` required, other fields defaulted); returns it in API shape."""
        with self.state.lock:
            new = item_from_mapping(item, self.state.workspaces[0], self.state.rng, now_ms())
            self.state.ws(new.workspace_id)
            if any(i.pending_item_id == new.pending_item_id for i in self.state.items):
                raise ValueError(f"duplicate pending_item_id {new.pending_item_id}")
            if position == "front":
                self.state.items.insert(0, new)
            else:
                self.state.items.append(new)
            return new.to_api(self.config.project_id)

    def remove_item(self, pending_item_id: str) -> bool:
        with self.state.lock:
            before = len(self.state.items)
            self.state.items = [i for i in self.state.items if i.pending_item_id != pending_item_id]
            return len(self.state.items) != before

    def mark_packaged(self, pending_item_ids: Iterable[str] = (), item_names: Iterable[str] = ()) -> int:
        """Set ``package_flag=1`` on the selected items; returns how many matched."""
        ids, names = set(pending_item_ids), set(item_names)
        with self.state.lock:
            matched = [i for i in self.state.items if self.state.selected(i, ids, names)]
            for item in matched:
                item.package_flag = 1
            return len(matched)

    def release(self, pending_item_ids: Iterable[str] = (), item_names: Iterable[str] = ()) -> int:
        """Remove the selected items (they were released); returns how many were removed."""
        ids, names = set(pending_item_ids), set(item_names)
        with self.state.lock:
            before = len(self.state.items)
            self.state.items = [i for i in self.state.items if not self.state.selected(i, ids, names)]
            return before - len(self.state.items)

    # ------------------------------------------------------------------ release packages

    def packages(
        self, workspace: str | None = None, *, include_cancelled: bool = True
    ) -> list[dict[str, Any]]:
        """Every package (oldest first) with its internal state (``approved``, ``pending_item_ids``,
        ``task_details``...); ``workspace=None`` means all workspaces."""
        self.state.advance_packages()
        with self.state.lock:
            return [
                p.control_view(self.config.project_id)
                for p in self.state.packages.values()
                if (workspace is None or p.workspace_id == workspace)
                and (include_cancelled or not p.delete_flag)
            ]

    def package(self, package_id: str) -> dict[str, Any]:
        """One package with its internal state (``ValueError`` when unknown)."""
        self.state.advance_packages()
        with self.state.lock:
            return self.state.get_package(package_id).control_view(self.config.project_id)

    def approve(self, package_id: str) -> dict[str, Any]:
        """Approve a package pending approval (as the console's review center would). If it was already
        deployed, its release starts now."""
        self.state.advance_packages()
        with self.state.lock:
            self.state.get_package(package_id).approve(self.state.release_clock())
        return self.package(package_id)

    def set_package_outcome(
        self, package_id: str, outcome: str | None, message: str | None = None
    ) -> dict[str, Any]:
        """Force the outcome of a package's (next) release: ``"success"``, ``"failed"`` (every item fails
        with ``message``) or ``None`` (decided by ``fail_items``)."""
        if outcome not in (None, "success", "failed"):
            raise ValueError("outcome must be 'success', 'failed' or None")
        with self.state.lock:
            package = self.state.get_package(package_id)
            package.outcome = outcome  # type: ignore[assignment]
            package.failure_message = message
        return self.package(package_id)

    def set_fail_items(self, patterns: Iterable[str]) -> None:
        """Item-name patterns (``fnmatch``, case-sensitive) whose release fails (checked at release end)."""
        if isinstance(patterns, str):
            raise ValueError("fail_items must be a list of patterns, not a string")
        self.set_release_settings(fail_items=list(patterns))

    def set_release_settings(
        self,
        *,
        auto_approve: bool | None = None,
        approve_delay_s: float | None = None,
        release_duration_s: float | None = None,
        fail_items: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Change the release timings/rules (``None`` keeps a value); returns the settings.

        New timings apply to transitions not yet due (a running release uses the current duration)."""
        self.state.advance_packages()
        with self.state.lock:
            current = self.state.release_settings
            new = ReleaseSettings(
                auto_approve=current.auto_approve if auto_approve is None else bool(auto_approve),
                approve_delay_s=current.approve_delay_s
                if approve_delay_s is None
                else float(approve_delay_s),
                release_duration_s=(
                    current.release_duration_s if release_duration_s is None else float(release_duration_s)
                ),
                fail_items=current.fail_items if fail_items is None else tuple(fail_items),
            )
            new.validate()
            self.state.release_settings = new
            return new.as_dict()

    def release_settings(self) -> dict[str, Any]:
        with self.state.lock:
            return self.state.release_settings.as_dict()

    # ------------------------------------------------------------------ accounts

    def add_credentials(self, credential: AkSkCredential) -> None:
        with self.state.lock:
            self.state.credentials[credential.ak] = credential

    def add_iam_user(self, user: IamUser) -> None:
        with self.state.lock:
            self.state.iam_users.append(user)

    def add_workspace(self, workspace_id: str) -> None:
        with self.state.lock:
            if workspace_id not in self.state.workspaces:
                self.state.workspaces.append(workspace_id)

    def issue_token(self, user: IamUser | None = None, project_id: str | None = None) -> str:
        """Issue an IAM token directly (as ``POST /v3/auth/tokens`` would)."""
        with self.state.lock:
            return self.state.issue_token(
                user or self.state.iam_users[0], project_id or self.config.project_id
            )

    def issue_temporary_credentials(self, lifetime_s: float | None = None) -> dict[str, str]:
        """Issue temporary AK/SK/security token (the metadata endpoint's ``credential`` object)."""
        return self.state.issue_temporary_credentials(lifetime_s)

    def expire_tokens(self) -> int:
        """Expire every issued IAM token and temporary credential now (not the metadata session tokens:
        :meth:`expire_metadata_tokens`); returns how many."""
        return self.state.expire_tokens()

    def expire_metadata_tokens(self) -> int:
        """Expire every metadata-service session token now (the client must fetch a new one)."""
        with self.state.lock:
            for token in self.state.metadata_tokens:
                self.state.metadata_tokens[token] = time.time() - 1
            return len(self.state.metadata_tokens)

    # ------------------------------------------------------------------ faults & limits
    def script_faults(self, endpoint: str, entries: Sequence[Any]) -> None:
        """Queue responses for the next requests to ``endpoint`` (one entry per request).

        Entries: an HTTP status (``503``; ``200`` means "answer normally"), a mapping
        ``{"status": 429, "body": {...} | "text", "headers": {"Retry-After": "2"}}``, or one of
        ``"drop"``, ``"malformed"``, ``"truncated"``, ``"html"``, ``"sleep:<seconds>"``.
        """
        if endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"endpoint must be one of {FAULT_ENDPOINTS}")
        parsed = [parse_fault(e) for e in entries]
        with self.state.lock:
            self.state.faults.setdefault(endpoint, deque()).extend(parsed)

    def pending_faults(self) -> dict[str, list[str]]:
        with self.state.lock:
            return {k: [f.describe() for f in v] for k, v in self.state.faults.items() if v}

    def set_latency(self, seconds: float) -> None:
        """Latency added to every request (control surface excluded)."""
        with self.state.lock:
            self.state.latency = check_seconds(seconds)

    def schedule_mutation(
        self,
        after_requests: int,
        *,
        insert: int = 0,
        remove: int = 0,
        position: Position = "front",
        workspace: str | None = None,
        expire_tokens: bool = False,
    ) -> None:
        """After the Nth successful (200) pending-items response from now, insert/remove items.

        ``insert`` new items are added at ``position``; then ``remove`` items are removed from
        ``position`` of the workspace's list; with ``expire_tokens``, every IAM token and temporary key
        expires. The change is visible to the next request.
        """
        if after_requests < 1 or insert < 0 or remove < 0:
            raise ValueError("after_requests must be >= 1, insert/remove >= 0")
        if position not in ("front", "back"):
            raise ValueError("position must be 'front' or 'back'")
        with self.state.lock:
            ws = self.state.ws(workspace)
            mutation = Mutation(
                after_requests, insert, remove, position, ws, expire_tokens=bool(expire_tokens)
            )
            self.state.mutations.append(mutation)

    def clear_faults(self) -> None:
        """Drop scripted faults, scheduled mutations and latency."""
        with self.state.lock:
            self.state.faults.clear()
            self.state.mutations.clear()
            self.state.latency = 0.0

    def set_rate_limit(self, per_user: float | None, *, family: str = "dataarts") -> None:
        """Requests per second per user on an API family, ``dataarts`` (V2) or ``dlf`` (V1 jobs and
        scripts); ``None``/``0`` disables."""
        with self.state.lock:
            if per_user is not None and per_user < 0:
                raise ValueError("rate limit must be >= 0")
            if family not in ("dataarts", "dlf"):
                raise ValueError("family must be 'dataarts' or 'dlf'")
            setattr(self.state, "dlf_rate_limit" if family == "dlf" else "rate_limit", per_user or None)
            self.state.rate_windows.clear()

    # ------------------------------------------------------------------ observation
    def counters(self) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.state.counters)

    def request_log(self) -> list[dict[str, Any]]:
        """Received requests (oldest first); secret header values are redacted."""
        with self.state.lock:
            return copy.deepcopy(list(self.state.log))

    def clear_request_log(self) -> None:
        with self.state.lock:
            self.state.log.clear()
