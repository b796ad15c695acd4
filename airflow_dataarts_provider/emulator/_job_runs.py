# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Jobs and their instances (the V1 DLF job API): the record types and the state machine. No I/O, no
locking; the clock is passed in.

An instance is ``waiting`` for its job's ``wait_s``, ``running`` for ``run_s``, then ``success`` or
``fail`` (the job's scripted ``outcome``; on ``fail`` the ``failing_node`` fails and the later nodes are
skipped). A stop while waiting or running makes it ``manual-stop`` (stopping a waiting instance is
UNCERTAIN on the real service; the emulator allows it). A restart (rerun) of a finished instance runs
it again from ``retry_location``: ``first_node`` (the default), ``error_node`` (the nodes before the one
that failed keep their success and do not run again) or ``specified_node``. The job's ``rerun_mode``
picks a reading of what the API leaves open: ``same_id`` (the instance itself runs again), ``new_row``
(a new instance with the same plan time), ``ignore_body`` (the rerun body is ignored: every node runs
again) or ``refuse_body`` (a rerun with a body is refused). Times are epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JobOutcome = Literal["success", "fail"]
RerunMode = Literal["same_id", "new_row", "ignore_body", "refuse_body"]
RERUN_MODES = ("same_id", "new_row", "ignore_body", "refuse_body")
TERMINAL = ("success", "fail", "manual-stop")
INSTANCE_TYPE_GENERAL = 0  # started by the job's DataArts schedule
INSTANCE_TYPE_MANUAL = 2
INSTANCE_TYPE_PATCH_DATA = 5


@dataclass
class Job:
    """A job of the workspace and how its runs behave (changed through the control surface)."""

    name: str
    job_id: int
    workspace_id: str
    wait_s: float = 0.0
    run_s: float = 0.5
    outcome: JobOutcome = "success"
    nodes: tuple[str, ...] = ("extract", "load")
    failing_node: str | None = None
    #: Statuses reported instead of the real ones, in order, one per instance read (``pause``, an
    #: unknown status...): to exercise a client's handling of statuses it rarely sees.
    status_script: list[str] = field(default_factory=list)
    rerun_mode: RerunMode = "same_id"
    #: Outcomes of the next runs (a start or a rerun each), in order, before ``outcome`` applies again.
    outcome_script: list[JobOutcome] = field(default_factory=list)
    #: Lines in each node's log (served by the OBS look-alike, :mod:`._obs`).
    log_lines: int = 2000
    #: The schedule's period (PatchData plans one instance per period; 0: no schedule, DLF.30111).
    period_s: float = 3600.0
    #: What a PatchData run's row shows after an instance failed, and after a stop (:mod:`._patch_data`).
    patch_failed_row: str = "SUCCESS"
    patch_cancel_status: str = "CANCEL"

    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "job_id": self.job_id,
            "workspace": self.workspace_id,
            "wait_s": self.wait_s,
            "run_s": self.run_s,
            "outcome": self.outcome,
            "nodes": list(self.nodes),
            "failing_node": self.failing_node,
            "status_script": list(self.status_script),
            "rerun_mode": self.rerun_mode,
            "outcome_script": list(self.outcome_script),
            "log_lines": self.log_lines,
            "period_s": self.period_s,
            "patch_failed_row": self.patch_failed_row,
            "patch_cancel_status": self.patch_cancel_status,
        }


@dataclass
class Instance:
    instance_id: int
    job: Job
    started_at: float  # epoch seconds of the (last) start
    params: list[dict[str, str]]
    instance_type: int = INSTANCE_TYPE_MANUAL
    stopped_at: float | None = None
    runs: int = 1
    wait_s: float = 0.0
    run_s: float = 0.5
    outcome: JobOutcome = "success"
    failing_node: str | None = None
    nodes: tuple[str, ...] = ()
    plan_at: float = 0.0  # the plan time (kept by a rerun, also by one that makes a new row)
    first_run: int = 0  # index of the first node this run runs (the earlier ones kept their success)
    #: The PatchData run that planned it (:mod:`._patch_data`): it is listed only while the run keeps it.
    patch_run: Any = None

    @classmethod
    def start(
        cls,
        instance_id: int,
        job: Job,
        now: float,
        params: list[dict[str, str]],
        *,
        plan_at: float | None = None,
        patch_run: Any = None,
        kind: int | None = None,
    ) -> Instance:
        """An instance starting at ``now`` (a PatchData instance: at its batch's time, type 5; a
        scheduled one: ``kind`` 0)."""
        if kind is None:
            kind = INSTANCE_TYPE_MANUAL if patch_run is None else INSTANCE_TYPE_PATCH_DATA
        created = cls(
            instance_id,
            job,
            now,
            params,
            kind,
            plan_at=now if plan_at is None else plan_at,
            patch_run=patch_run,
        )
        created._run(now)
        return created

    def visible(self, now: float) -> bool:
        """Listed and readable: started, and not cancelled by its PatchData run before it started."""
        return self.started_at <= now and (self.patch_run is None or self.patch_run.keeps(self, now))

    def rerun_as(self, new_id: int, now: float, first_run: int) -> Instance:
        """A rerun of this instance as a new row (same plan time and parameters, a new id)."""
        again = Instance(new_id, self.job, now, list(self.params), plan_at=self.plan_at, runs=self.runs + 1)
        again._run(now, first_run)
        return again

    def restart(self, now: float, first_run: int = 0) -> None:
        """Run again from node ``first_run`` (earlier nodes keep their success), with the job's current
        settings."""
        self.runs += 1
        self._run(now, first_run)

    def rerun_from(self, location: str, node_name: str | None) -> int:
        """The index of the first node a rerun from ``location`` runs."""
        if location == "error_node" and self.failing_node in self.nodes:
            return self.nodes.index(self.failing_node)  # type: ignore[arg-type]
        if location == "specified_node" and node_name in self.nodes:
            return self.nodes.index(node_name)  # type: ignore[arg-type]
        return 0

    def ran_nodes(self) -> tuple[str, ...]:
        """The nodes this run runs."""
        return self.nodes[self.first_run :]

    def _run(self, now: float, first_run: int = 0) -> None:
        self.started_at, self.stopped_at, self.first_run = now, None, first_run
        scripted = self.job.outcome_script.pop(0) if self.job.outcome_script else None
        self.wait_s, self.run_s, self.outcome = self.job.wait_s, self.job.run_s, scripted or self.job.outcome
        self.failing_node = self.job.failing_node or (self.job.nodes[-1] if self.job.nodes else None)
        self.nodes = self.job.nodes

    def status(self, now: float) -> str:
        if self.stopped_at is not None:
            return "manual-stop"
        elapsed = now - self.started_at
        if elapsed < self.wait_s:
            return "waiting"
        if elapsed < self.wait_s + self.run_s:
            return "running"
        return self.outcome

    def stop(self, now: float) -> bool:
        """Stop a waiting or running instance; False when it already ended."""
        if self.status(now) in TERMINAL:
            return False
        self.stopped_at = now
        return True

    def _node_statuses(self, now: float) -> list[str]:
        kept = ["success"] * self.first_run
        return kept + self._run_statuses(now, self.nodes[self.first_run :])

    def _run_statuses(self, now: float, nodes: tuple[str, ...]) -> list[str]:
        """The statuses of the nodes this run runs."""
        status = self.status(now)
        if status in ("waiting", "running"):
            first = "running" if status == "running" else "waiting"
            return [first] + ["waiting"] * (len(nodes) - 1)
        if status in ("success", "manual-stop"):
            return [status] * len(nodes)
        failing = nodes.index(self.failing_node) if self.failing_node in nodes else len(nodes) - 1
        return ["success"] * failing + ["fail"] + ["skip"] * (len(nodes) - failing - 1)

    def to_v1(self, project_id: str, now: float, status: str | None = None) -> dict[str, Any]:
        """The V1 shape (camelCase; ``instanceId`` as the documentation spells it)."""
        shown = status or self.status(now)
        start_ms, plan_ms = int(self.started_at * 1000), int(self.plan_at * 1000)
        end_ms = int((self.stopped_at or (self.started_at + self.wait_s + self.run_s)) * 1000)
        return {
            "jobName": self.job.name,
            "jobId": self.job.job_id,
            "jobInstanceName": f"{self.job.name}_{self.instance_id}",
            "instanceId": self.instance_id,
            "status": shown,
            "planTime": plan_ms,
            "submitTime": start_ms,
            "startTime": start_ms + int(self.wait_s * 1000),
            "endTime": end_ms if shown in TERMINAL else 0,
            "executeTime": max(0, end_ms - start_ms) if shown in TERMINAL else 0,
            "instanceType": self.instance_type,
            "forceSuccess": False,
            "ignoreSuccess": False,
            "version": self.runs,
            "projectId": project_id,
        }

    def nodes_v1(self, now: float) -> list[dict[str, Any]]:
        start_ms = int(self.started_at * 1000)
        return [
            {
                "nodeName": name,
                "status": status,
                "type": "DLIScript",
                "planTime": start_ms,
                "startTime": start_ms,
                "endTime": 0,
                "retryTimes": 0,
                "instanceId": self.instance_id,
                "inputRowCount": 0,
                "speed": 0,
                "logPath": f"obs://dlf-log-emulator/{self.job.name}/{self.instance_id}/{self.runs}/{name}.log",
            }
            for name, status in zip(self.nodes, self._node_statuses(now), strict=True)
        ]

    def to_v2(self, now: float) -> dict[str, Any]:
        """The V2 listing row (snake_case)."""
        v1 = self.to_v1("", now)
        return {
            "job_name": v1["jobName"],
            "job_id": v1["jobId"],
            "job_instance_name": v1["jobInstanceName"],
            "instance_id": v1["instanceId"],
            "status": v1["status"],
            "plan_time": v1["planTime"],
            "start_time": v1["startTime"],
            "end_time": v1["endTime"],
            "execute_time": v1["executeTime"],
            "submit_time": v1["submitTime"],
            "instance_type": v1["instanceType"],
            "force_success": 0,
            "ignore_success": 0,
            "version": v1["version"],
        }
