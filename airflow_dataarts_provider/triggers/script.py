# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger that waits, in the triggerer, until a DataArts script instance finishes."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.core.scripts.conditions import ScriptInstanceCondition
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger


class DataArtsScriptInstanceTrigger(DataArtsRunTrigger):
    """Polls a script instance until it finishes.

    The success event carries the result (at most ``max_rows`` rows per result set, the cut counted); a
    FAILED instance gives an ``error`` event with the service's message. With ``stop_on_timeout`` the
    instance is stopped before the ``timeout`` event, and on a user's kill
    (:class:`~airflow_dataarts_provider.triggers.base.DataArtsRunTrigger`).
    """

    def __init__(
        self,
        *,
        script_name: str,
        instance_id: str,
        max_rows: int = 1000,
        stop_on_timeout: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.script_name = script_name
        self.instance_id = str(instance_id)
        self.max_rows = int(max_rows)
        self.stop_on_timeout = bool(stop_on_timeout)

    def condition(self) -> Condition:
        return ScriptInstanceCondition(self.script_name, self.instance_id, self.max_rows)

    def condition_kwargs(self) -> dict[str, Any]:
        return {
            "script_name": self.script_name,
            "instance_id": self.instance_id,
            "max_rows": self.max_rows,
            "stop_on_timeout": self.stop_on_timeout,
        }

    def run_name(self) -> str:
        return f"script {self.script_name!r} instance {self.instance_id}"

    async def stop_run(self, hook: DataArtsHook) -> None:
        await hook.astop_script_instance(self.script_name, self.instance_id, workspace=self.workspace)
