# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""PatchData (supplement data) runs: the record type and its state machine. No I/O, no locking; the clock
is passed in.

A run plans one instance (type 5) per period of its job's schedule (``period_s``, aligned to the epoch)
with a plan time in ``[start, end]``, created at once but visible only from its start: ``parallel`` of
them start together, each batch when the previous one ended. With ``stop_when_fail``, the instances not
started when one fails never start. The row shows ``RUNNING`` until every started instance ended, then
``SUCCESS``; after a failure it shows the job's ``patch_failed_row`` (``SUCCESS``, ``RUNNING`` for ever,
or another word: the real service's behaviour is undocumented). A stop cancels the run (``CANCEL``, or
the job's ``patch_cancel_status`` such as the SDK's ``CANCLE``): running instances become
``manual-stop``, the others never start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._job_runs import TERMINAL, Instance, Job

#: Seconds between two batches of one run (the service is not instantaneous).
BATCH_GAP_S = 0.05


@dataclass
class PatchRun:
    name: str
    job: Job
    start_ms: int
    end_ms: int
    parallel: int
    stop_when_fail: bool
    created_at: float
    user_name: str
    instances: list[Instance] = field(default_factory=list)
    cancelled_at: float | None = None

    def plan(self, first_id: int) -> list[Instance]:
        """Create the run's instances (ids from ``first_id``), one per period in the range."""
        period_ms = int(self.job.period_s * 1000)
        first = -(-self.start_ms // period_ms) * period_ms
        step = self.job.wait_s + self.job.run_s + BATCH_GAP_S
        for index, plan_ms in enumerate(range(first, self.end_ms + 1, period_ms)):
            begins = self.created_at + (index // self.parallel) * step
            self.instances.append(
                Instance.start(first_id + index, self.job, begins, [], plan_at=plan_ms / 1000, patch_run=self)
            )
        return self.instances

    def keeps(self, instance: Instance, now: float) -> bool:
        return any(i is instance for i in self.live(now))

    def live(self, now: float) -> list[Instance]:
        """The instances that started (or will start): not those a stop or a failure cancelled."""
        cut = self.cancelled_at
        if self.stop_when_fail:
            failures = [i.started_at + i.wait_s + i.run_s for i in self.instances if i.outcome == "fail"]
            ended = [t for t in failures if t <= now]
            if ended:
                cut = min(ended) if cut is None else min(cut, *ended)
        return [i for i in self.instances if cut is None or i.started_at <= cut]

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return self.job.patch_cancel_status
        live = self.live(now)
        if any(i.started_at > now or i.status(now) not in TERMINAL for i in live):
            return "RUNNING"
        return self.job.patch_failed_row if any(i.status(now) != "success" for i in live) else "SUCCESS"

    def stop(self, now: float) -> bool:
        """Cancel a running run; False when it already ended."""
        if self.status(now) != "RUNNING":
            return False
        for instance in self.live(now):
            if instance.started_at <= now:
                instance.stop(now)
        self.cancelled_at = now
        return True

    def row(self, now: float) -> dict[str, Any]:
        return {
            "name": self.name,
            "job_list": [self.job.name],
            "status": self.status(now),
            "start_date": self.start_ms,
            "end_date": self.end_ms,
            "submitted_date": int(self.created_at * 1000),
            "parallel": self.parallel,
            "type": 0,
            "user_name": self.user_name,
        }
