# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-instance sensor condition: one instance (or the newest in a plan-time window) until it ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition

if TYPE_CHECKING:  # the engine (auth, signing...) loads with the hook, not at DAG parse time
    from airflow_dataarts_provider.core.protocol.engine import CallContext


@dataclass(frozen=True)
class JobInstanceCondition(Condition):
    """A job instance finishing: ``instance_id``, or else the newest instance of the job planned in
    [``min_plan_time``, ``max_plan_time``] (epoch ms; a data interval)."""

    job_name: str
    instance_id: str | None = None
    min_plan_time: int | None = None
    max_plan_time: int | None = None
    subject: ClassVar[str | None] = None

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.job_runs.flows import instance_flow, instances_flow

        instance_id = self.instance_id
        if instance_id is None:
            rows = yield from instances_flow(
                ctx, self.job_name, min_plan_time=self.min_plan_time, max_plan_time=self.max_plan_time
            )
            if not rows:
                return CheckResult(
                    "waiting", f"no instance of job {self.job_name!r} is planned in the interval yet", None
                )
            instance_id = str(
                max(rows, key=lambda r: (r.get("plan_time") or 0, int(r["instance_id"])))["instance_id"]
            )
        shaped = yield from instance_flow(ctx, self.job_name, instance_id)
        return JobInstanceCondition(self.job_name, instance_id).evaluate(shaped)

    def evaluate(self, shaped: dict[str, Any]) -> CheckResult:
        what = f"job {self.job_name!r} instance {self.instance_id}"
        status = shaped.get("status")
        step = jobs.phase(status)
        if step is None:
            return CheckResult(
                "failed",
                f"{what} has status {status!r}, which this provider does not know (known:"
                f" {jobs.known_statuses()}); not waiting on an unknown status",
                shaped,
            )
        if step == "succeeded":
            return CheckResult("done", f"{what} succeeded", shaped)
        if step == "failed":
            nodes = jobs.failed_nodes(shaped)
            named = f"; failed nodes: {jobs.describe_nodes(nodes)}" if nodes else ""
            return CheckResult("failed", f"{what} ended with status {status!r}{named}", shaped)
        held = " (held by an operator: waiting until it resumes or the deadline)" if step == "held" else ""
        return CheckResult("waiting", f"{what} is {status}{held}", {"status": status})
