# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""What waiting means, for every sensor, operator and trigger: a :class:`Condition` is checked (one flow),
its :class:`CheckResult` or error goes to the one :class:`Waiter`, which says done, wait or fail (the
failure budget); events that triggers send are validated here. The conditions themselves live in their API
family (``<family>/conditions.py``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAPIError,
    DataArtsDeadlineError,
    DataArtsError,
)

if TYPE_CHECKING:  # the engine (auth, signing...) loads with the hook, not at DAG parse time
    from airflow_dataarts_provider.core.protocol.engine import CallContext


@dataclass(frozen=True)
class CheckResult:
    """``done``: the condition holds, ``value`` is the XCom; ``waiting``: not yet, ``value`` says what is
    still awaited; ``failed``: it never will (e.g. a failed deployment), ``message`` says why."""

    state: Literal["done", "waiting", "failed"]
    message: str
    value: Any = None


class Condition(ABC):
    #: What a check lists, for the hook's log line ("pending items"), or None when it lists nothing.
    subject: ClassVar[str | None]

    @abstractmethod
    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        """One check (its requests are retried by the engine's policy)."""


@dataclass(frozen=True)
class Step:
    """What to do after a check: ``done`` (``value`` is the XCom), ``wait`` (check again later; ``value``
    is what is awaited), ``fail``. ``error`` describes a failure as JSON (trigger events): its
    ``reason`` is ``failed`` (what was waited for failed: a job instance, a deployment) or ``error`` (the
    checks themselves failed: ``type``, ``message``, ``status``...)."""

    action: Literal["done", "wait", "fail"]
    message: str
    value: Any = None
    permanent: bool = True
    error: dict[str, Any] | None = None
    #: The error the check raised (the cause of the Airflow exception a sensor raises for it).
    exception: DataArtsError | None = field(default=None, compare=False, repr=False)

    @property
    def sentence(self) -> str:
        """The message as a log line."""
        return self.message[:1].upper() + self.message[1:]


@dataclass
class Waiter:
    """The failure budget and the meaning of a check's outcome, for every sensor and trigger.

    A permanent error (``DataArtsError.permanent``: invalid input, authentication, permission, not found)
    fails at once; transient ones (after the engine's own retries) are tolerated
    ``max_consecutive_failures`` times in a row. A result resets the count.
    """

    max_consecutive_failures: int
    failures: int = 0

    def after(self, outcome: CheckResult | DataArtsError) -> Step:
        if isinstance(outcome, DataArtsDeadlineError):
            # Not a failure of DataArts: the caller's deadline came first. Waiting goes on; the caller's
            # own deadline check (its timeout, soft_fail) decides next, as it would after any check.
            return Step("wait", f"the deadline came during a check: {outcome}")
        if isinstance(outcome, DataArtsError):
            self.failures += 1
            error = error_details(outcome)
            if outcome.permanent:
                return Step("fail", f"permanent error: {outcome}", error=error, exception=outcome)
            if self.failures > self.max_consecutive_failures:
                message = f"Giving up after {self.failures} failed checks in a row: {outcome}"
                return Step("fail", message, permanent=False, error=error, exception=outcome)
            message = f"check failed ({self.failures} in a row, transient): {outcome}"
            return Step("wait", message, error=error, exception=outcome)
        self.failures = 0
        if outcome.state == "failed":
            error = {"reason": "failed", "details": outcome.value, "permanent": True}
            return Step("fail", outcome.message, outcome.value, error=error)
        if outcome.state == "done":
            return Step("done", outcome.message, outcome.value)
        return Step("wait", outcome.message, outcome.value)


#: The bound of a check that starts after its deadline (a triggerer restart, or a worker, that outlasted
#: it): one last look, so a release that happened meanwhile still opens the gate.
LATE_CHECK_S = 10.0


def check_deadline(deadline: float, now: float) -> float:
    """When a check starting at ``now`` must end (epoch seconds): at the caller's ``deadline``, or, when
    that has passed already, :data:`LATE_CHECK_S` after ``now``."""
    return deadline if deadline > now else now + LATE_CHECK_S


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


def error_details(exc: BaseException) -> dict[str, Any]:
    """A JSON-serialisable description of an error (trigger events, logs)."""
    details: dict[str, Any] = {
        "reason": "error",
        "type": type(exc).__name__,
        "message": str(exc),
        "permanent": getattr(exc, "permanent", True),
    }
    if isinstance(exc, DataArtsAPIError):
        details.update(status=exc.status, error_code=exc.error_code, request_id=exc.request_id)
    return details
