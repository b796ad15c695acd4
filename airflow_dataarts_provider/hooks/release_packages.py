# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package methods of :class:`~.dataarts.DataArtsHook` (package, list, read, deploy, watch,
cancel)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the family's modules load on its first call (a job run never loads them)
    from airflow_dataarts_provider.core.release_packages.watch import WatchState, WatchStep
from airflow_dataarts_provider.hooks.base import DataArtsHookBase


class ReleasePackagesHookMixin(DataArtsHookBase):  # type: ignore[misc]
    """Release packages: created and deployed at most once."""

    def create_release_package(
        self,
        *,
        package_name: str,
        pending_item_ids: list[str],
        approver_ids: list[str],
        apply_user_id: str,
        workspace: str | None = None,
    ) -> tuple[str, bool]:
        """Package pending items: ``(release package id, created now?)``. Reuses a package with the same
        name and items instead of creating a second one (safe to retry)."""
        from airflow_dataarts_provider.core.release_packages.flows import create_package_flow

        return self._run(
            lambda ctx: create_package_flow(
                ctx,
                name=package_name,
                pending_item_ids=pending_item_ids,
                approver_ids=approver_ids,
                apply_user_id=apply_user_id,
            ),
            workspace,
        )

    def find_release_package(
        self, package_name: str, *, pending_item_ids: list[str] | None = None, workspace: str | None = None
    ) -> str | None:
        """The id of a live package with this exact name (and exactly these items, if given), or None."""
        from airflow_dataarts_provider.core.release_packages.flows import find_package_flow

        return self._run(lambda ctx: find_package_flow(ctx, package_name, pending_item_ids), workspace)

    def list_release_packages(
        self, *, workspace: str | None = None, max_items: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Release packages matching ``filters``: ``key_word``, ``apply_user_name``, ``deploy_user_name``,
        ``apply_begin_time`` .. ``deploy_end_time`` (any time form; sent as epoch ms),
        ``deploy_status_filter``."""
        from airflow_dataarts_provider.core.release_packages.flows import release_packages_flow

        result = self._run(
            lambda ctx: release_packages_flow(ctx, filters, max_items), workspace, listing="release packages"
        )
        return result.items

    def get_release_package(self, package_id: str, workspace: str | None = None) -> dict[str, Any]:
        """``{"release_package": {...}, "task_details": [...]}``."""
        from airflow_dataarts_provider.core.release_packages.flows import package_detail_flow

        return self._run(lambda ctx: package_detail_flow(ctx, package_id), workspace)

    def deploy_release_packages(
        self, package_ids: list[str], *, startup_mode: int = 1, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """Deploy packages; returns ``deploy_package_details`` (empty when every package was already
        releasing or deployed: those are never deployed again). Never retried once it may have reached
        the server (watch the outcome with :class:`DataArtsReleasePackageSensor`)."""
        from airflow_dataarts_provider.core.release_packages.flows import deploy_flow

        return self._run(
            lambda ctx: deploy_flow(ctx, package_ids=package_ids, startup_mode=startup_mode), workspace
        )

    def watch_releases(
        self, previous: WatchState | None, *, now_ms: int, workspace: str | None = None
    ) -> WatchStep:
        """One check of a release watch: the packages released successfully since ``previous`` (the
        first check, ``previous=None``, only takes stock). See
        :mod:`~airflow_dataarts_provider.core.release_packages.watch`."""
        from airflow_dataarts_provider.core.release_packages.watch import watch_flow

        return self._run(lambda ctx: watch_flow(ctx, previous, now_ms), workspace, listing="release packages")

    def cancel_release_packages(self, package_ids: list[str], *, workspace: str | None = None) -> None:
        """Cancel (unpack) packages not yet released; their items become pending again."""
        from airflow_dataarts_provider.core.release_packages.flows import cancel_flow

        self._run(lambda ctx: cancel_flow(ctx, package_ids), workspace)

    async def awatch_releases(
        self, previous: WatchState | None, *, now_ms: int, workspace: str | None = None
    ) -> WatchStep:
        """Async twin of :meth:`watch_releases`, for the release event trigger."""
        from airflow_dataarts_provider.core.release_packages.watch import watch_flow

        return await self._arun(
            lambda ctx: watch_flow(ctx, previous, now_ms), workspace, listing="release packages"
        )
