# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release workflow as flows: list packages (the page size the service accepts is learned), read one,
find one by name, package pending items at most once, deploy at most once, cancel."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.enums import PAGE_SIZE_MAX
from airflow_dataarts_provider.core.protocol.errors import DataArtsInvalidRequestError
from airflow_dataarts_provider.core.protocol.listing import CappedPage, Listing, _result, new_walk, walk_flow
from airflow_dataarts_provider.core.protocol.once import at_most_once
from airflow_dataarts_provider.core.protocol.state import STATE
from airflow_dataarts_provider.core.release_packages import calls
from airflow_dataarts_provider.core.release_packages import values as release

#: The release-package listing's maximum page size is undocumented: tried in this order, and the size
#: that worked (or the cap the server applied) is remembered per (endpoint, project) in the process state.
RELEASE_PAGE_SIZES = (PAGE_SIZE_MAX, 50, 10)


def release_packages_flow(
    ctx: CallContext, filters: dict[str, Any], max_items: int | None = None
) -> Flow[Listing]:
    """Every release package matching ``filters``, paged with the largest page size the server takes."""
    listing = calls.release_packages(ctx.config, filters)
    key = (ctx.config.endpoint, ctx.config.project_id, listing.kind)
    while True:
        size = STATE.page_sizes.get(key, RELEASE_PAGE_SIZES[0])
        walk = new_walk(ctx, listing, max_items, page_size=size)
        try:
            yield from walk_flow(ctx, walk, listing, emit=False, detect_cap=True)
        except DataArtsInvalidRequestError:
            smaller = [s for s in RELEASE_PAGE_SIZES if s < size]
            if walk.pages or not smaller:
                raise  # not the page size (a later page failed), or even the smallest was refused
            STATE.page_sizes[key] = smaller[0]
        except CappedPage as capped:
            STATE.page_sizes[key] = capped.size
        else:
            return _result(walk)


_DEPLOYED_OR_DEPLOYING = (release.DeployStatus.RELEASING, release.DeployStatus.SUCCESS)


def package_detail_flow(ctx: CallContext, package_id: str) -> Flow[dict[str, Any]]:
    """``{"release_package": {...}, "task_details": [...]}`` of one package."""
    return (yield from perform(ctx, calls.package_detail(ctx.config, package_id)))


def find_package_flow(ctx: CallContext, name: str, item_ids: list[str] | None = None) -> Flow[str | None]:
    """The id of a live (not failed, not cancelled) package with exactly this name and, when
    ``item_ids`` is given, exactly these pending items; None if there is none."""
    name = release.package_name(name)
    listing = yield from release_packages_flow(ctx, {"key_word": name})
    for package in listing.items:
        if (
            package.get("package_name") != name
            or package.get("deploy_status") == release.DeployStatus.FAILED
            or package.get("delete_flag")
        ):
            continue
        if item_ids is None:
            return str(package["package_id"])
        detail = yield from package_detail_flow(ctx, str(package["package_id"]))
        if sorted(str(t.get("pending_item_id")) for t in detail["task_details"]) == sorted(item_ids):
            return str(package["package_id"])
    return None


def create_package_flow(
    ctx: CallContext, *, name: str, pending_item_ids: list[str], approver_ids: list[str], apply_user_id: str
) -> Flow[tuple[str, bool]]:
    """Package pending items, at most once: ``(release package id, created now?)``.

    A package with the same name and items is reused (a retried task never creates a second one). The
    POST itself is never repeated blindly: after a failure that may have reached the server (dropped
    connection, timeout, 5xx, unreadable answer) the package is looked for and adopted; see
    :func:`~airflow_dataarts_provider.core.protocol.once.at_most_once` for when it is sent again.
    """
    call = calls.create_package(
        ctx.config,
        name=name,
        pending_item_ids=pending_item_ids,
        approver_ids=approver_ids,
        apply_user_id=apply_user_id,
    )  # validates every value before any request
    item_ids, name = call.body["pending_item_list"], call.body["package_name"]
    existing = yield from find_package_flow(ctx, name, item_ids)
    if existing is not None:
        return existing, False  # an earlier try made it
    package_id, _ = yield from at_most_once(
        ctx, call, lambda: find_package_flow(ctx, name, item_ids), f"Creating release package {name!r}"
    )
    return package_id, True  # made by this call (its answer may have been lost)


def deploy_flow(ctx: CallContext, *, package_ids: list[str], startup_mode: int) -> Flow[list[dict[str, Any]]]:
    """Deploy packages (``POST .../release-packages/deploy``), at most once: packages already releasing
    or deployed are left out (their state is read first), so a retried task never deploys twice. The
    POST is not retried once it may have reached the server; the package sensor shows the outcome."""
    call = calls.deploy(ctx.config, package_ids, startup_mode)  # validates before any request
    pending = []
    for pid in call.body["package_ids"]:
        detail = yield from package_detail_flow(ctx, pid)
        if detail["release_package"].get("deploy_status") not in _DEPLOYED_OR_DEPLOYING:
            pending.append(pid)
    if not pending:
        return []
    return (yield from perform(ctx, calls.deploy(ctx.config, pending, startup_mode)))


def cancel_flow(ctx: CallContext, package_ids: list[str]) -> Flow[None]:
    """Cancel (unpack) packages not yet released: their items become pending again."""
    yield from perform(ctx, calls.cancel(ctx.config, package_ids))
