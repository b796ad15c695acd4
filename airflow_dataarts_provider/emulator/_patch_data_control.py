# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The control surface of the PatchData family (a part of :class:`~._control.EmulatorAPI`): how a job's
PatchData runs behave, and the runs as the API shows them."""

from __future__ import annotations

from typing import Any

from ._faults import check_seconds
from ._job_runs import Job
from ._state import State


class PatchDataControl:
    state: State

    def set_patch_data(
        self,
        job: Job,
        *,
        period_s: float | None = None,
        patch_failed_row: str | None = None,
        patch_cancel_status: str | None = None,
    ) -> None:
        """``period_s``: the job's schedule period (one PatchData instance per period; 0: no schedule,
        creating a run gives ``DLF.30111``); ``patch_failed_row``: what a run's row shows after an
        instance failed (``SUCCESS``, ``RUNNING``, or any other word); ``patch_cancel_status``: what it
        shows after a stop (``CANCEL`` or ``CANCLE``). Called by ``set_job``, under the state lock."""
        if period_s is not None:
            job.period_s = check_seconds(period_s)
        for attr, value in (
            ("patch_failed_row", patch_failed_row),
            ("patch_cancel_status", patch_cancel_status),
        ):
            if value is not None:
                if not isinstance(value, str) or not value:
                    raise ValueError(f"{attr} must be a word")
                setattr(job, attr, value)

    def patch_data_runs(self) -> list[dict[str, Any]]:
        """Every PatchData run (newest first) as the API lists it, plus its instances' ids."""
        with self.state.lock:
            now = self.state.release_clock()
            runs = sorted(self.state.patch_runs.values(), key=lambda r: r.created_at, reverse=True)
            return [{**r.row(now), "instance_ids": [i.instance_id for i in r.live(now)]} for r in runs]
