# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The PatchData condition: a run until it ends; its value is the run and the instances it produced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.patch_data import values as patch
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition

if TYPE_CHECKING:  # the engine (auth, signing...) loads with the hook, not at DAG parse time
    from airflow_dataarts_provider.core.protocol.engine import CallContext

#: Failed instances read in detail (their failed nodes named) when a run fails, at most.
MAX_DETAILED = 5
_INSTANCE_FIELDS = ("instance_id", "status", "plan_time", "start_time", "end_time")


@dataclass(frozen=True)
class PatchDataCondition(Condition):
    """PatchData run ``name`` of ``job_name`` ending. Done: the run ended and none of its instances
    failed. Failed: it was stopped, an instance failed and the run ended (or, with ``stop_when_fail``,
    no instance is still active), or its status is unknown."""

    job_name: str
    name: str
    stop_when_fail: bool = True
    subject: ClassVar[str | None] = None

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.job_runs.flows import instance_flow
        from airflow_dataarts_provider.core.patch_data.flows import find_flow, run_instances_flow

        row = yield from find_flow(ctx, self.name)
        if row is None:
            return CheckResult("failed", f"{self._what()} is not listed any more (deleted?)", None)
        instances = yield from run_instances_flow(ctx, self.job_name, row)
        result = self.evaluate(row, instances)
        failed = [i for i in instances if jobs.phase(i.get("status")) == "failed"]
        if result.state != "failed" or not failed:
            return result
        detailed = []
        for shown in failed[:MAX_DETAILED]:
            detailed.append((yield from instance_flow(ctx, self.job_name, str(shown["instance_id"]))))
        named = "; ".join(
            f"instance {d['instance_id']} (plan time {_when(d.get('plan_time'))}): failed nodes"
            f" {jobs.describe_nodes(jobs.failed_nodes(d), limit=3) or 'not named'}"
            for d in detailed
        )
        more = f" and {len(failed) - len(detailed)} more" if len(failed) > len(detailed) else ""
        value = {**result.value, "failed_instances": [_failed(d) for d in detailed]}
        return CheckResult("failed", f"{result.message}: {named}{more}", value)

    def evaluate(self, row: dict[str, Any], instances: list[dict[str, Any]]) -> CheckResult:
        status = row.get("status")
        step = patch.run_phase(status)
        value = {
            "name": self.name,
            "job_name": self.job_name,
            **{k: row.get(k) for k in ("status", "start_date", "end_date", "job_list")},
            "instances": [{k: i.get(k) for k in _INSTANCE_FIELDS} for i in instances],
        }
        if step is None:
            return CheckResult(
                "failed",
                f"{self._what()} has status {status!r}, which this provider does not know (known:"
                f" {patch.known_run_statuses()}; how a failed run shows is undocumented); not waiting on"
                " an unknown status",
                value,
            )
        phases = [jobs.phase(i.get("status")) for i in instances]
        failed = phases.count("failed")
        live = sum(p in ("active", "held") for p in phases)
        unknown = [i.get("status") for i, p in zip(instances, phases, strict=True) if p is None]
        if unknown:
            return CheckResult(
                "failed",
                f"{self._what()}: an instance has status {unknown[0]!r}, which this provider does not"
                f" know (known: {jobs.known_statuses()})",
                value,
            )
        if step == "stopped":
            return CheckResult("failed", f"{self._what()} was stopped ({status})", value)
        if failed and (step == "succeeded" or (self.stop_when_fail and not live)):
            what = f"{self._what()}: {failed} of {len(instances)} instances failed"
            return CheckResult("failed", what, value)
        if step == "succeeded" and not live:
            return CheckResult("done", f"{self._what()} succeeded: {len(instances)} instances", value)
        ended = len(instances) - live
        return CheckResult(
            "waiting",
            f"{self._what()} is {status}: {ended} of {len(instances)} instances ended so far",
            {"status": status, "instances": len(instances), "ended": ended},
        )

    def _what(self) -> str:
        return f"PatchData run {self.name!r} of job {self.job_name!r}"


def _when(ms: object) -> str:
    if isinstance(ms, int) and not isinstance(ms, bool):
        return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat()
    return repr(ms)


def _failed(shaped: dict[str, Any]) -> dict[str, Any]:
    nodes = [{k: n.get(k) for k in ("name", "status", "log_path")} for n in jobs.failed_nodes(shaped)]
    return {**{k: shaped.get(k) for k in _INSTANCE_FIELDS}, "failed_nodes": nodes}
