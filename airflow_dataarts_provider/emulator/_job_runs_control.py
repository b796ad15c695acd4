# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The control surface of the job-run family (a part of :class:`~._control.EmulatorAPI`): add and
script jobs, let DataArts' own schedule start their instances, read the instances as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._config import EmulatorConfig
from ._faults import check_seconds
from ._job_runs import INSTANCE_TYPE_GENERAL, RERUN_MODES, Job
from ._patch_data_control import PatchDataControl
from ._state import FIRST_JOB_ID


class JobRunsControl(PatchDataControl):
    config: EmulatorConfig

    def add_job(self, name: str, *, workspace: str | None = None, **settings: Any) -> dict[str, Any]:
        """Add a job (``settings`` as :meth:`set_job`); returns its settings."""
        with self.state.lock:
            ws = self.state.ws(workspace)
            if name in self.state.jobs:
                raise ValueError(f"job {name!r} exists")
            self.state.jobs[name] = Job(name, FIRST_JOB_ID + len(self.state.jobs) + 1, ws)
        return self.set_job(name, **settings)

    def set_job(
        self,
        name: str,
        *,
        wait_s: float | None = None,
        run_s: float | None = None,
        outcome: str | None = None,
        nodes: Sequence[str] | None = None,
        failing_node: str | None = None,
        status_script: Sequence[str] | None = None,
        rerun_mode: str | None = None,
        outcome_script: Sequence[str] | None = None,
        log_lines: int | None = None,
        **patch_data: Any,
    ) -> dict[str, Any]:
        """How the job's next runs behave: ``wait_s`` waiting then ``run_s`` running, then ``outcome``
        (``success`` or ``fail``: ``failing_node`` fails); ``status_script``: statuses reported instead
        of the real ones, one per instance read; ``rerun_mode``: ``same_id``, ``new_row``,
        ``ignore_body`` or ``refuse_body`` (what a rerun does, see :mod:`._job_runs`);
        ``outcome_script``: the outcomes of the next runs, one per start or rerun; ``log_lines``: lines
        in each node's log (the OBS look-alike); ``patch_data``: how its PatchData runs behave
        (:meth:`~._patch_data_control.PatchDataControl.set_patch_data`)."""
        with self.state.lock:
            job = self._job(name)
            self.set_patch_data(job, **patch_data)
            if outcome is not None and outcome not in ("success", "fail"):
                raise ValueError("outcome must be 'success' or 'fail'")
            if nodes is not None and (isinstance(nodes, str) or not nodes):
                raise ValueError("nodes must be a non-empty list of names")
            for attr, value in (("wait_s", wait_s), ("run_s", run_s)):
                if value is not None:
                    setattr(job, attr, check_seconds(value))
            job.outcome = job.outcome if outcome is None else outcome  # type: ignore[assignment]
            job.nodes = job.nodes if nodes is None else tuple(nodes)
            job.failing_node = failing_node if failing_node is not None else job.failing_node
            job.status_script = job.status_script if status_script is None else list(status_script)
            if outcome_script is not None:
                if any(o not in ("success", "fail") for o in outcome_script):
                    raise ValueError("outcome_script entries must be 'success' or 'fail'")
                job.outcome_script = list(outcome_script)  # type: ignore[arg-type]
            if log_lines is not None:
                if isinstance(log_lines, bool) or not isinstance(log_lines, int) or log_lines < 0:
                    raise ValueError("log_lines must be an integer >= 0")
                job.log_lines = log_lines
            if rerun_mode is not None:
                if rerun_mode not in RERUN_MODES:
                    raise ValueError(f"rerun_mode must be one of {RERUN_MODES}")
                job.rerun_mode = rerun_mode  # type: ignore[assignment]
            return job.settings()

    def job_instances(self, name: str) -> list[dict[str, Any]]:
        """Every instance of the job (newest first), as the V1 API shows it, plus ``runs`` and ``params``."""
        with self.state.lock:
            job = self._job(name)
            now = self.state.release_clock()
            rows = [i for i in self.state.instances.values() if i.job is job]
            return [
                {**i.to_v1(self.config.project_id, now), "runs": i.runs, "params": list(i.params)}
                for i in sorted(rows, key=lambda i: i.instance_id, reverse=True)
            ]

    def _job(self, name: str) -> Job:
        job = self.state.jobs.get(name)
        if job is None:
            raise ValueError(f"unknown job {name!r}")
        return job

    def schedule_job(self, name: str, *, plan_at: float | None = None) -> dict[str, Any]:
        """Start one instance of the job as its DataArts schedule would (instance type 0, planned at
        ``plan_at``, epoch seconds, default now), with the job's current settings; returns its row."""
        with self.state.lock:
            started = self.state.start_instance(
                self._job(name), [], plan_at=plan_at, kind=INSTANCE_TYPE_GENERAL
            )
            return started.to_v1(self.config.project_id, self.state.release_clock())
