# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Which release packages were released successfully since the previous check: the state of a release
watcher and the one flow that advances it. Pure: no I/O (the flow's requests run on either driver).

The API has no change feed, so each check reads two listings and infers what finished in between:

1. the *unfinished* packages (pending approval or releasing; every package passes through them before
   it can succeed);
2. the *successful* packages whose deploy time lies within :data:`MARGIN_MS` of the previous check
   (a deploy request, first or repeated, stamps ``deploy_timestamp``).

A package is newly released when it is in (2) and not yet accounted for (``seen``), or when it was
unfinished at the previous check, has left (1) and its detail says success (a package approved long
after its deploy request keeps an old deploy time). The deploy-time filter is applied again on the
client, so a server that ignores or reads it differently costs requests, never a duplicate. The margin
also absorbs clock skew between this host and the service (up to an hour).

Success is final for a package (the service refuses to deploy a package that is releasing or released),
so "seen" needs to remember a package only while its deploy time is inside the listing's window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsInvalidRequestError,
    DataArtsNotFoundError,
)
from airflow_dataarts_provider.core.protocol.times import epoch_ms, iso_ms
from airflow_dataarts_provider.core.release_packages import calls
from airflow_dataarts_provider.core.release_packages.flows import release_packages_flow
from airflow_dataarts_provider.core.release_packages.values import DeployStatus

#: How far before the previous check the successful-packages listing reaches (clock skew, listing lag).
MARGIN_MS = 60 * 60 * 1000


STATE_VERSION = 1


@dataclass(frozen=True)
class WatchState:
    """What a watcher has accounted for, as of the check that began at ``checked_ms`` (epoch ms)."""

    checked_ms: int
    #: ids of the packages pending approval or releasing at that check.
    unfinished: frozenset[str] = frozenset()
    #: successful packages accounted for (emitted, or released before the watch began) -> deploy time in
    #: epoch ms; ``None`` when the listing gave none (kept for good: it cannot leave the window).
    seen: Mapping[str, int | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "checked_ms": self.checked_ms,
            "unfinished": sorted(self.unfinished),
            "seen": dict(sorted(self.seen.items())),
        }

    @classmethod
    def from_json(cls, value: object) -> WatchState:
        """The state :meth:`to_json` wrote; ``ValueError`` naming what is wrong otherwise."""
        if not isinstance(value, Mapping) or value.get("version") != STATE_VERSION:
            raise ValueError(f"not a release-watch state of version {STATE_VERSION}: {value!r:.200}")
        checked, unfinished, seen = value.get("checked_ms"), value.get("unfinished"), value.get("seen")
        if not isinstance(checked, int) or isinstance(checked, bool):
            raise ValueError(f"checked_ms: {checked!r} is not epoch milliseconds")
        if not isinstance(unfinished, list) or not all(isinstance(i, str) for i in unfinished):
            raise ValueError(f"unfinished: {unfinished!r:.200} is not a list of package ids")
        if not isinstance(seen, Mapping) or not all(
            isinstance(k, str) and (v is None or (isinstance(v, int) and not isinstance(v, bool)))
            for k, v in seen.items()
        ):
            raise ValueError(f"seen: {seen!r:.200} is not a map of package ids to epoch milliseconds")
        return cls(checked, frozenset(unfinished), dict(seen))


@dataclass(frozen=True)
class WatchStep:
    """One check: from ``previous`` (``None``: the first check, which only takes stock) to ``state``."""

    previous: WatchState | None
    state: WatchState
    #: details (``release_package``, ``task_details``) of the packages released in between, oldest first.
    released: tuple[dict[str, Any], ...] = ()
    #: packages whose detail the service refused (404 or 400): ``(package id, error)``, never retried.
    unreadable: tuple[tuple[str, str], ...] = ()

    def covers(self, state: WatchState) -> bool:
        """Whether this step's releases include every one after ``state`` (up to this step's check):
        true when it started from ``state`` or from an earlier one. Releases ``state`` had already
        seen must still be dropped (:meth:`released_after`)."""
        return (
            self.previous is not None and self.previous.checked_ms <= state.checked_ms < self.state.checked_ms
        )

    def released_after(self, state: WatchState) -> list[dict[str, Any]]:
        return [d for d in self.released if package_id(d) not in state.seen]


def package_id(detail: Mapping[str, Any]) -> str:
    return str(detail["release_package"]["package_id"])


def _deploy_ms(package: Mapping[str, Any]) -> int | None:
    return epoch_ms(package.get("deploy_timestamp"))


def watch_flow(ctx: CallContext, previous: WatchState | None, now_ms: int) -> Flow[WatchStep]:
    """Check once (two listings, plus one detail per package released since ``previous``)."""
    since = (previous.checked_ms if previous is not None else now_ms) - MARGIN_MS
    pending = [DeployStatus.PENDING_APPROVAL, DeployStatus.RELEASING]
    unfinished_listing = yield from release_packages_flow(ctx, {"deploy_status_filter": pending})
    succeeded_listing = yield from release_packages_flow(
        ctx, {"deploy_status_filter": [DeployStatus.SUCCESS], "deploy_begin_time": since}
    )
    recent: dict[str, int | None] = {}
    for package in succeeded_listing.items:
        deployed = _deploy_ms(package)
        if package.get("deploy_status") == DeployStatus.SUCCESS and (deployed is None or deployed >= since):
            recent[str(package["package_id"])] = deployed
    unfinished = {str(p["package_id"]) for p in unfinished_listing.items} - set(recent)
    if previous is None:
        return WatchStep(None, WatchState(now_ms, frozenset(unfinished), recent))
    candidates = [pid for pid in recent if pid not in previous.seen]
    # Unfinished at the previous check, gone from both listings now: released (with an old deploy time),
    # failed or cancelled; the detail tells.
    candidates += sorted(previous.unfinished - unfinished - set(recent))
    released: list[dict[str, Any]] = []
    unreadable: list[tuple[str, str]] = []
    for pid in candidates:
        try:
            detail = yield from perform(ctx, calls.package_detail(ctx.config, pid))
        except (DataArtsNotFoundError, DataArtsInvalidRequestError) as exc:
            # Deleted, or an id the service no longer knows: reported, and not asked for again (one
            # package must not stop the watch).
            unreadable.append((pid, str(exc)))
            continue
        package = detail["release_package"]
        if package.get("deploy_status") == DeployStatus.SUCCESS and not package.get("delete_flag"):
            released.append(detail)
            recent.setdefault(pid, _deploy_ms(package))
        elif pid in recent:
            del recent[pid]  # listed as successful, its detail disagrees: look again next time
    released.sort(key=lambda d: (_deploy_ms(d["release_package"]) or 0, package_id(d)))
    horizon = now_ms - MARGIN_MS  # the next check's window starts here
    seen = {pid: t for pid, t in {**previous.seen, **recent}.items() if t is None or t >= horizon}
    state = WatchState(now_ms, frozenset(unfinished), seen)
    return WatchStep(previous, state, tuple(released), tuple(unreadable))


def contains_any(detail: Mapping[str, Any], names: tuple[str, ...] | list[str]) -> bool:
    """Whether a released package holds a job or script with one of these exact names."""
    return any(item.get("item_name") in names for item in detail.get("task_details", []))


def event_payload(detail: Mapping[str, Any], workspace: str) -> dict[str, Any]:
    """The JSON payload of one release event: the package, when and by whom it was deployed, and its
    released items (``task_details`` as the service gave them)."""
    package = detail["release_package"]
    deployed = _deploy_ms(package)
    items = [dict(item) for item in detail.get("task_details", []) if isinstance(item, Mapping)]
    return {
        "package_id": str(package["package_id"]),
        "package_name": package.get("package_name"),
        "workspace": workspace,
        "deploy_timestamp": deployed,
        "deploy_time": iso_ms(deployed),
        "deploy_user_name": package.get("deploy_user_name"),
        "apply_user_name": package.get("apply_user_name"),
        "item_names": [item.get("item_name") for item in items],
        "items": items,
    }
