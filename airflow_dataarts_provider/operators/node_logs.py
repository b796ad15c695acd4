# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The end of failed nodes' logs in the task log (the job and PatchData operators): each node's log is
an OBS object, read with the connection's credentials
(:meth:`~airflow_dataarts_provider.hooks.job_runs.JobRunsHookMixin.read_obs_log_tail`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.protocol.errors import DataArtsError

if TYPE_CHECKING:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

#: Failed nodes whose logs are written to the task log, at most (over all the instances of one failure).
MAX_LOGGED_NODES = 5


def log_failed_nodes(
    task: Any, hook: DataArtsHook, job_name: str, instance_ids: list[str], tail_bytes: int
) -> None:
    """Write the end of each failed node's log of the instances (at most :data:`MAX_LOGGED_NODES` nodes
    in all), read from OBS, to ``task``'s log, each clearly delimited. Never raises: an unreadable
    instance or log is a warning."""
    budget = MAX_LOGGED_NODES if tail_bytes > 0 else 0
    for instance_id in instance_ids:
        if budget <= 0:
            return
        try:
            shaped = hook.get_job_instance(job_name, instance_id, workspace=task.workspace)
        except DataArtsError as exc:
            task.log.warning(
                "Could not read job %r instance %s to show its logs: %s", job_name, instance_id, exc
            )
            continue
        for node in [n for n in jobs.failed_nodes(shaped) if n.get("log_path")][:budget]:
            budget -= 1
            name, path = node.get("name"), str(node.get("log_path"))
            try:
                tail = hook.read_obs_log_tail(path, tail_bytes)
            except DataArtsError as exc:
                task.log.warning("Could not read the log of node %r (%s): %s", name, path, exc)
                continue
            shown = "all" if tail.start == 0 else f"the last {tail.size - tail.start} of {tail.size} bytes"
            task.log.info(
                "----- DataArts node %r (%s) of instance %s: %s of %s -----\n%s\n"
                "----- end of node %r's log -----",
                name,
                node.get("status"),
                instance_id,
                shown,
                path,
                tail.text.rstrip("\n"),
                name,
            )
