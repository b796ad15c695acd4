"""What sensors and triggers wait for, and the one decision machinery they share. Pure.

A *condition* is checked by one flow that returns a :class:`CheckResult`:

- :class:`PendingItemsCondition`: a release gate over pending items (see :mod:`.gate`);
- :class:`ReleasePackageCondition`: a release package's deployment reaching success (or failing);
- :class:`JobInstanceCondition`: a job instance finishing (see :mod:`.jobs` for the statuses).

:class:`Waiter` turns each check's outcome (a result, or the error the check raised) into a
:class:`Step`: done, keep waiting, or fail (permanent or not). The sensors' poke, the triggers' loop and
the deploy operator's wait are thin drivers of it: the failure budget exists once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow_dataarts_provider.core import jobs, release
from airflow_dataarts_provider.core.effects import Flow
from airflow_dataarts_provider.core.errors import DataArtsDeadlineError, DataArtsError
from airflow_dataarts_provider.core.gate import GateSpec, ListingIndex, describe_blocking, error_details

if TYPE_CHECKING:  # the flows load with the first check, not when a DAG file imports a sensor
    from airflow_dataarts_provider.core.engine import CallContext


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
class PendingItemsCondition(Condition):
    spec: GateSpec
    subject: ClassVar[str | None] = "pending items"

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.listing import gate_flow

        items = yield from gate_flow(ctx, self.spec)
        return self.evaluate(items)

    def evaluate(self, listing: list[dict[str, Any]] | ListingIndex) -> CheckResult:
        """The result over a listing (the gate's own query, or a whole-workspace snapshot shared by
        many triggers: matching is exact, so a wider listing gives the same answer)."""
        items = self.spec.matching(listing)
        blocking = self.spec.blocking(items)
        if blocking:
            return CheckResult("waiting", f"still waiting for {describe_blocking(blocking)}", blocking)
        message = f"gate satisfied ({self.spec.wait_for}); {len(items)} matching item(s)"
        return CheckResult("done", message, items)


@dataclass(frozen=True)
class ReleasePackageCondition(Condition):
    package_id: str
    subject: ClassVar[str | None] = None

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.release_flows import package_detail_flow

        detail = yield from package_detail_flow(ctx, self.package_id)
        package = detail["release_package"]
        status = package.get("deploy_status")
        if package.get("delete_flag"):
            return CheckResult(
                "failed",
                f"release package {self.package_id} was cancelled (delete_flag={package['delete_flag']!r});"
                " it will never deploy",
                {"deploy_status": status, "delete_flag": package["delete_flag"]},
            )
        if status not in set(release.DeployStatus):
            known = ", ".join(f"{s.value} {_status_label(s.value)}" for s in release.DeployStatus)
            return CheckResult(
                "failed",
                f"release package {self.package_id} has deploy_status {status!r}, which this provider"
                f" does not know (known: {known}); not waiting on an unknown status",
                {"deploy_status": status},
            )
        label = _status_label(status)
        if status == release.DeployStatus.SUCCESS:
            return CheckResult("done", f"release package {self.package_id} deployed", detail)
        if status == release.DeployStatus.FAILED:
            failing = release.failed_tasks(detail) or detail["task_details"]
            names = ", ".join(str(t.get("item_name")) for t in failing[:20])
            return CheckResult(
                "failed",
                f"release package {self.package_id} failed to deploy; failing tasks: {names}",
                failing,
            )
        return CheckResult(
            "waiting", f"release package {self.package_id} is {label}", {"deploy_status": status}
        )


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
        from airflow_dataarts_provider.core.job_flows import instance_flow, instances_flow

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


def _status_label(status: int) -> str:
    return release.DeployStatus(status).name.lower().replace("_", " ")


@dataclass(frozen=True)
class Step:
    """What to do after a check: ``done`` (``value`` is the XCom), ``wait`` (check again later; ``value``
    is what is awaited), ``fail``. ``error`` describes a failure as JSON (trigger events)."""

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
            return Step(
                "fail", outcome.message, outcome.value, error={"details": outcome.value, "permanent": True}
            )
        if outcome.state == "done":
            return Step("done", outcome.message, outcome.value)
        return Step("wait", outcome.message, outcome.value)


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
