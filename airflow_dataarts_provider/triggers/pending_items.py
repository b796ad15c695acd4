"""Trigger that waits, in the triggerer, until a release gate over pending items is satisfied."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_dataarts_provider.core.errors import DataArtsError
from airflow_dataarts_provider.core.gate import GateSpec, describe_blocking, error_details, is_permanent
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

#: Every event carries exactly one of these statuses.
EVENT_STATUSES = ("success", "timeout", "error")


def validate_event(event: Any) -> dict[str, Any]:
    """The event as a dict, or ``ValueError`` for anything that is not a well-formed event."""
    if not isinstance(event, Mapping) or event.get("status") not in EVENT_STATUSES:
        status = event.get("status") if isinstance(event, Mapping) else type(event).__name__
        raise ValueError(
            f"Unexpected trigger event (status {status!r}; expected one of {EVENT_STATUSES}): {event!r}"
        )
    return dict(event)


class DataArtsPendingItemsTrigger(BaseTrigger):  # type: ignore[misc]
    """Polls the pending items of a workspace until the gate is satisfied or ``deadline`` passes.

    Yields exactly one event: ``{"status": "success", "items": [...]}``, ``{"status": "timeout",
    "blocking": [...]}`` or ``{"status": "error", "error": {...}}``, each with a ``message``.

    :param deadline: absolute deadline, seconds since the epoch (survives triggerer restarts).
    :param max_consecutive_failures: transient failures tolerated in a row before giving up.
    :param initial_delay: seconds to wait before the first check (the sensor checked just before deferring).
    """

    def __init__(
        self,
        *,
        dataarts_conn_id: str,
        gate: Mapping[str, Any],
        workspace: str | None = None,
        poke_interval: float = 60.0,
        deadline: float,
        max_consecutive_failures: int = 3,
        initial_delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.dataarts_conn_id = dataarts_conn_id
        self.gate = dict(gate)
        self.workspace = workspace
        self.poke_interval = float(poke_interval)
        self.deadline = float(deadline)
        self.max_consecutive_failures = int(max_consecutive_failures)
        self.initial_delay = float(initial_delay)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "dataarts_conn_id": self.dataarts_conn_id,
                "gate": self.gate,
                "workspace": self.workspace,
                "poke_interval": self.poke_interval,
                "deadline": self.deadline,
                "max_consecutive_failures": self.max_consecutive_failures,
                "initial_delay": self.initial_delay,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        spec = GateSpec.from_json(self.gate)
        hook = DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)
        failures = 0
        blocking: list[dict[str, Any]] = []
        # The sensor has just checked before deferring: don't spend a request repeating it at once.
        await asyncio.sleep(max(0.0, min(self.initial_delay, self.deadline - time.time())))
        while True:
            try:
                items = await hook.agate_items(spec, self.workspace)
            except DataArtsError as exc:
                failures += 1
                if is_permanent(exc) or failures > self.max_consecutive_failures:
                    reason = "permanent error" if is_permanent(exc) else f"{failures} failed checks in a row"
                    yield TriggerEvent(
                        {"status": "error", "message": f"{reason}: {exc}", "error": error_details(exc)}
                    )
                    return
                self.log.warning("Check %d failed (transient, will retry): %s", failures, exc)
            else:
                failures = 0
                blocking = spec.blocking(items)
                if not blocking:
                    message = f"gate satisfied ({spec.wait_for}); {len(items)} matching item(s)"
                    yield TriggerEvent({"status": "success", "message": message, "items": items})
                    return
                self.log.info("Still waiting for %s", describe_blocking(blocking))
            remaining = self.deadline - time.time()
            if remaining <= 0:
                message = "deadline reached" + (
                    f"; still waiting for {describe_blocking(blocking)}" if blocking else ""
                )
                yield TriggerEvent({"status": "timeout", "message": message, "blocking": blocking})
                return
            await asyncio.sleep(min(self.poke_interval, remaining))
