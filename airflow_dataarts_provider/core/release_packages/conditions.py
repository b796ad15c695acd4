# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package sensor condition: a package until its deployment ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition
from airflow_dataarts_provider.core.release_packages import values as release

if TYPE_CHECKING:  # the engine (auth, signing...) loads with the hook, not at DAG parse time
    from airflow_dataarts_provider.core.protocol.engine import CallContext


@dataclass(frozen=True)
class ReleasePackageCondition(Condition):
    package_id: str
    subject: ClassVar[str | None] = None

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.release_packages.flows import package_detail_flow

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


def _status_label(status: int) -> str:
    return release.DeployStatus(status).name.lower().replace("_", " ")
