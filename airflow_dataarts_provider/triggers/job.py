# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Trigger that waits, in the triggerer, until a DataArts job instance finishes."""

from __future__ import annotations

import math
import time
from typing import Any

from airflow_dataarts_provider.core.job_runs import values as jobs
from airflow_dataarts_provider.core.job_runs.conditions import JobInstanceCondition
from airflow_dataarts_provider.core.job_runs.feed import reaches
from airflow_dataarts_provider.core.protocol.errors import DataArtsError
from airflow_dataarts_provider.core.protocol.times import epoch_ms
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger
from airflow_dataarts_provider.triggers.job_feed import job_feed
from airflow_dataarts_provider.triggers.shared import shared_config


class DataArtsJobInstanceTrigger(DataArtsRunTrigger):
    """Polls a job instance (or the newest instance of a job planned in a window) until it finishes.

    Success events carry the instance (status, nodes with log paths) as ``result``; a failed instance
    gives an ``error`` event naming the failed nodes. With ``stop_on_timeout``, the instance is stopped
    before the ``timeout`` event is sent; a user's kill stops it too (``on_kill``, on the Airflow lines
    whose triggerer calls it). See :class:`~airflow_dataarts_provider.triggers.base.DataArtsConditionTrigger`.

    Waits for a known instance share the workspace's job feed (:mod:`.job_feed`): one listing per
    interval for every wait of the connection and workspace in the triggerer, checks on the interval's
    grid (epoch multiples of ``poke_interval``), and the instance's own detail read only when the feed
    shows it ended (or does not show it). ``plan_since``: a lower bound of the instance's plan time
    (epoch ms), when the deferring task knows one; else the first check reads the detail.
    """

    def __init__(
        self,
        *,
        job_name: str,
        instance_id: str | None = None,
        min_plan_time: int | None = None,
        max_plan_time: int | None = None,
        stop_on_timeout: bool = False,
        plan_since: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan_since = plan_since
        self.job_name = job_name
        self.instance_id = None if instance_id is None else str(instance_id)
        self.min_plan_time = min_plan_time
        self.max_plan_time = max_plan_time
        self.stop_on_timeout = bool(stop_on_timeout)

    def condition(self) -> Condition:
        return JobInstanceCondition(self.job_name, self.instance_id, self.min_plan_time, self.max_plan_time)

    def condition_kwargs(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "instance_id": self.instance_id,
            "min_plan_time": self.min_plan_time,
            "max_plan_time": self.max_plan_time,
            "stop_on_timeout": self.stop_on_timeout,
            "plan_since": self.plan_since,
        }

    def next_check(self, started: float) -> float:
        """The next point of the interval's grid: every wait of the feed checks together, so one listing
        answers them all and each notices an end within one interval."""
        if self.instance_id is None or self.poke_interval <= 0:
            return super().next_check(started)
        return (math.floor(started / self.poke_interval) + 1) * self.poke_interval

    async def check(self, hook: DataArtsHook, condition: Condition) -> CheckResult:
        """From the shared feed while it shows the instance live; its detail (nodes, log paths) once the
        feed shows it ended, does not show it, or cannot be read."""
        assert isinstance(condition, JobInstanceCondition)
        if self.instance_id is None:
            return await super().check(hook, condition)
        if self.plan_since is not None and reaches(self.plan_since, int(time.time() * 1000)):
            row = await self._feed_row(hook)
            if row is not None and jobs.phase(row.get("status")) in ("active", "held"):
                return condition.evaluate(row)
        shaped = await hook.aget_job_instance(self.job_name, self.instance_id, workspace=self.workspace)
        if self.plan_since is None:
            self.plan_since = epoch_ms(shaped.get("plan_time")) or int(time.time() * 1000)
        return condition.evaluate(shaped)

    async def _feed_row(self, hook: DataArtsHook) -> dict[str, Any] | None:
        assert self.plan_since is not None and self.instance_id is not None
        try:
            config = await shared_config(hook, self.poke_interval)
            hook.adopt_config(config)  # for the detail read that follows an end
            feed = job_feed(self.dataarts_conn_id, config, self.workspace)
            me = (self.job_name, self.instance_id)
            tick = math.floor(time.time() / self.poke_interval)  # the grid point this check belongs to
            snapshot = await feed.snapshot(
                hook, me, self.plan_since, self.poke_interval, self.workspace, tick
            )
        except DataArtsError as exc:
            self.log.warning("The workspace's job feed failed, reading the instance itself: %s", exc)
            return None
        return snapshot.row(self.instance_id)  # the feed reaches back to plan_since: check() made sure

    def run_name(self) -> str | None:
        return None if self.instance_id is None else f"job {self.job_name!r} instance {self.instance_id}"

    async def stop_run(self, hook: DataArtsHook) -> None:
        assert self.instance_id is not None  # run_name() is None without one: never called then
        await hook.astop_job_instance(self.job_name, self.instance_id, workspace=self.workspace)
