"""What sensors and triggers wait for, as pure conditions: one check is one flow that returns a
:class:`CheckResult`. The sensors (poke/reschedule), the trigger (deferrable) and the hook share them.

- :class:`PendingItemsCondition`: a release gate over pending items (see :mod:`.gate`);
- :class:`ReleasePackageCondition`: a release package's deployment reaching success (or failing).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow_dataarts_provider.core import release
from airflow_dataarts_provider.core.effects import Flow
from airflow_dataarts_provider.core.gate import GateSpec, describe_blocking

if TYPE_CHECKING:  # the flows load with the first check, not when a DAG file imports a sensor
    from airflow_dataarts_provider.core.flows import Client


@dataclass(frozen=True)
class CheckResult:
    """``done``: the condition holds, ``value`` is the XCom; ``waiting``: not yet, ``value`` says what is
    still awaited; ``failed``: it never will (e.g. a failed deployment), ``message`` says why."""

    state: Literal["done", "waiting", "failed"]
    message: str
    value: Any = None


class Condition(ABC):
    kind: ClassVar[str]

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, including ``kind`` (trigger kwargs)."""

    @abstractmethod
    def check(self, client: Client, workspace: str | None) -> Flow[CheckResult]:
        """One check (its requests are retried by the flow's policy)."""


@dataclass(frozen=True)
class PendingItemsCondition(Condition):
    spec: GateSpec
    kind: ClassVar[str] = "pending_items"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.spec.to_json()}

    def check(self, client: Client, workspace: str | None) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.flows import gate_flow

        items = yield from gate_flow(client, self.spec, workspace)
        return self.evaluate(items)

    def evaluate(self, listing: list[dict[str, Any]]) -> CheckResult:
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
    kind: ClassVar[str] = "release_package"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "package_id": self.package_id}

    def check(self, client: Client, workspace: str | None) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.flows import package_detail_flow

        detail = yield from package_detail_flow(client, self.package_id, workspace)
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


def _status_label(status: int) -> str:
    return release.DeployStatus(status).name.lower().replace("_", " ")


def condition_from_json(data: Mapping[str, Any]) -> Condition:
    kind = data.get("kind")
    if kind == PendingItemsCondition.kind:
        return PendingItemsCondition(GateSpec.from_json(data))
    if kind == ReleasePackageCondition.kind:
        return ReleasePackageCondition(str(data["package_id"]))
    raise ValueError(f"unknown condition kind {kind!r}")


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
