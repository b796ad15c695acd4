# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The script-instance condition: one instance until it ends; its value is the bounded result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.waiting import CheckResult, Condition
from airflow_dataarts_provider.core.scripts import values as scripts

if TYPE_CHECKING:  # the engine (auth, signing...) loads with the hook, not at DAG parse time
    from airflow_dataarts_provider.core.protocol.engine import CallContext


@dataclass(frozen=True)
class ScriptInstanceCondition(Condition):
    """Script ``script_name``'s instance ``instance_id`` finishing; when it does, the value is its result
    with at most ``max_rows`` rows per result set (:func:`~.values.bounded`)."""

    script_name: str
    instance_id: str
    max_rows: int = 1000
    subject: ClassVar[str | None] = None

    def check(self, ctx: CallContext) -> Flow[CheckResult]:
        from airflow_dataarts_provider.core.scripts.flows import result_flow

        result = yield from result_flow(ctx, self.script_name, self.instance_id)
        return self.evaluate(result)

    def evaluate(self, result: dict[str, Any]) -> CheckResult:
        what = f"script {self.script_name!r} instance {self.instance_id}"
        status = result.get("status")
        step = scripts.phase(status)
        shaped = {"script_name": self.script_name, "instance_id": self.instance_id, **result}
        brief = {k: v for k, v in shaped.items() if k != "results"}
        if step is None:
            return CheckResult(
                "failed",
                f"{what} has status {status!r}, which this provider does not know (known:"
                f" {scripts.known_statuses()}; the status of a stopped script is undocumented); not"
                " waiting on an unknown status",
                brief,
            )
        if step == "succeeded":
            return CheckResult("done", f"{what} finished", scripts.bounded(shaped, self.max_rows))
        if step == "failed":
            reason = scripts.failure_message(result)
            said = f": {reason}" if reason else " (the service gave no message)"
            return CheckResult("failed", f"{what} FAILED{said}", brief)
        return CheckResult("waiting", f"{what} is {status}", {"status": status})
