# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger that waits, in the triggerer, until a DataArts PatchData run ends."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.patch_data.conditions import PatchDataCondition
from airflow_dataarts_provider.core.protocol.waiting import Condition
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger


class DataArtsPatchDataTrigger(DataArtsRunTrigger):
    """Polls a PatchData run and the instances it produced until it ends.

    The success event carries the run and its instances; a stopped run or a failed instance gives an
    ``error`` event naming the failed instances and nodes. With ``stop_on_timeout`` the run is stopped
    before the ``timeout`` event, and on a user's kill
    (:class:`~airflow_dataarts_provider.triggers.base.DataArtsRunTrigger`).
    """

    def __init__(
        self,
        *,
        job_name: str,
        name: str,
        stop_when_fail: bool = True,
        stop_on_timeout: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.name = name
        self.stop_when_fail = bool(stop_when_fail)
        self.stop_on_timeout = bool(stop_on_timeout)

    def condition(self) -> Condition:
        return PatchDataCondition(self.job_name, self.name, self.stop_when_fail)

    def condition_kwargs(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "name": self.name,
            "stop_when_fail": self.stop_when_fail,
            "stop_on_timeout": self.stop_on_timeout,
        }

    def run_name(self) -> str:
        return f"PatchData run {self.name!r} of job {self.job_name!r}"

    async def stop_run(self, hook: DataArtsHook) -> None:
        await hook.astop_patch_data_run(self.name, workspace=self.workspace)
