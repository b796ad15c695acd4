# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The script methods of :class:`~.dataarts.DataArtsHook` (run at most once, read a result, stop, show,
list)."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.hooks.base import DataArtsHookBase


class ScriptsHookMixin(DataArtsHookBase):  # type: ignore[misc]
    """Scripts (the V1 DLF script API; the V2 listing)."""

    def run_script(
        self,
        script_name: str,
        *,
        script_params: Any = None,
        idempotent: bool = False,
        workspace: str | None = None,
    ) -> str:
        """Execute ``script_name`` once and return the new instance's id; ``script_params``:
        ``{"name": "value"}`` (substituted for ``${name}`` in the script). A request whose answer was lost
        is not sent again (nothing lists script instances): the error says the script may be running;
        ``idempotent=True`` allows one resend for a script that is safe to run twice
        (:func:`~airflow_dataarts_provider.core.scripts.flows.run_script_flow`)."""
        from airflow_dataarts_provider.core.scripts import flows

        resends = 1 if idempotent else 0
        return self._run(
            lambda ctx: flows.run_script_flow(ctx, script_name, script_params, resends=resends), workspace
        )

    def get_script_result(
        self, script_name: str, instance_id: str, *, workspace: str | None = None
    ) -> dict[str, Any]:
        """``status`` (LAUNCHING, RUNNING, FINISHED, FAILED), ``message`` and ``results``: one entry per
        result set with ``columns``, ``types``, positional ``rows``, ``row_count``, ``duration``,
        ``message`` (parsed from the raw answer, whichever spelling the service uses)."""
        from airflow_dataarts_provider.core.scripts import flows

        return self._run(lambda ctx: flows.result_flow(ctx, script_name, instance_id), workspace)

    def stop_script_instance(
        self, script_name: str, instance_id: str, *, workspace: str | None = None
    ) -> None:
        """Stop a running script instance."""
        from airflow_dataarts_provider.core.scripts import flows

        self._run(lambda ctx: flows.stop_flow(ctx, script_name, instance_id), workspace)

    def get_script(self, script_name: str, *, workspace: str | None = None) -> dict[str, Any]:
        """The script's definition: ``name``, ``type``, ``connection_name``, ``database``, ``queue_name``,
        ``configuration``, ``directory``, ``description``, ``owner``, ``version``, ``modify_time``."""
        from airflow_dataarts_provider.core.scripts import flows

        return self._run(lambda ctx: flows.script_flow(ctx, script_name), workspace)

    def list_scripts(
        self, *, name_contains: str | None = None, workspace: str | None = None
    ) -> list[dict[str, Any]]:
        """Every script of the workspace (or those whose name contains ``name_contains``), paged completely
        (each in :meth:`get_script`'s shape, without what the listing does not carry)."""
        from airflow_dataarts_provider.core.scripts import flows

        return self._run(lambda ctx: flows.scripts_flow(ctx, name_contains), workspace, listing="scripts")

    async def astop_script_instance(
        self, script_name: str, instance_id: str, *, workspace: str | None = None
    ) -> None:
        """Async twin of :meth:`stop_script_instance` (a trigger's cleanup)."""
        from airflow_dataarts_provider.core.scripts import flows

        await self._arun(lambda ctx: flows.stop_flow(ctx, script_name, instance_id), workspace)
