"""Jobs and their instances (the V1 DLF job API): the record types and the state machine. No I/O, no
locking; the clock is passed in.

An instance is ``waiting`` for its job's ``wait_s``, ``running`` for ``run_s``, then ``success`` or
``fail`` (the job's scripted ``outcome``; on ``fail`` the ``failing_node`` fails and the later nodes are
skipped). A stop while waiting or running makes it ``manual-stop`` (stopping a waiting instance is
UNCERTAIN on the real service; the emulator allows it). A restart of a finished instance runs it again
with the same id. Times are epoch milliseconds, as the API gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JobOutcome = Literal["success", "fail"]
TERMINAL = ("success", "fail", "manual-stop")
INSTANCE_TYPE_MANUAL = 2


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

    @classmethod
    def start(cls, instance_id: int, job: Job, now: float, params: list[dict[str, str]]) -> Instance:
        created = cls(instance_id, job, now, params)
        created._run(now)
        return created

    def restart(self, now: float) -> None:
        """Run again, with the job's current settings."""
        self.runs += 1
        self._run(now)

    def _run(self, now: float) -> None:
        self.started_at, self.stopped_at = now, None
        self.wait_s, self.run_s, self.outcome = self.job.wait_s, self.job.run_s, self.job.outcome
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
        status = self.status(now)
        if status in ("waiting", "running"):
            first = "running" if status == "running" else "waiting"
            return [first] + ["waiting"] * (len(self.nodes) - 1)
        if status == "success":
            return ["success"] * len(self.nodes)
        if status == "manual-stop":
            return ["manual-stop"] * len(self.nodes)
        failing = (
            self.nodes.index(self.failing_node) if self.failing_node in self.nodes else len(self.nodes) - 1
        )
        return ["success"] * failing + ["fail"] + ["skip"] * (len(self.nodes) - failing - 1)

    def to_v1(self, project_id: str, now: float, status: str | None = None) -> dict[str, Any]:
        """The V1 shape (camelCase; ``instanceId`` as the documentation spells it)."""
        shown = status or self.status(now)
        start_ms = int(self.started_at * 1000)
        end_ms = int((self.stopped_at or (self.started_at + self.wait_s + self.run_s)) * 1000)
        return {
            "jobName": self.job.name,
            "jobId": self.job.job_id,
            "jobInstanceName": f"{self.job.name}_{self.instance_id}",
            "instanceId": self.instance_id,
            "status": shown,
            "planTime": start_ms,
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
