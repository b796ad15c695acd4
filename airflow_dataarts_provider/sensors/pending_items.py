"""Sensor gating a DAG on DataArts Factory pending items being packaged or released."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.core.errors import DataArtsError
from airflow_dataarts_provider.core.gate import GateSpec, describe_blocking, is_permanent
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.links.dataarts import DataArtsReleaseManagementLink, push_console_link
from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger, validate_event
from airflow_dataarts_provider.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)


class DataArtsPendingItemsSensor(BaseSensorOperator):  # type: ignore[misc]
    """Wait until the pending items of the given tasks are released (or packaged).

    :param task_names: exact job/script names to watch (templated).
    :param task_ids: job/script ids to watch (templated). Neither names nor ids: the whole workspace.
    :param task_type: restrict to 1/"JOB" or 2/"SCRIPT" (stored as ``filter_task_type``).
    :param wait_for: ``"released"`` (default: no pending item left) or ``"packaged"`` (every matching
        pending item is in a release package).
    :param workspace: workspace id (default: the connection's).
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``). The sensor checks
        once before deferring; ``timeout`` stays an absolute deadline and ``soft_fail`` keeps its meaning.
    :param max_consecutive_failures: transient failures (after the hook's own retries) tolerated in a row
        before failing. Authentication, permission and invalid-request errors fail at once.

    Returns (XCom) the last snapshot of the matching pending items.
    """

    template_fields: Sequence[str] = (
        "dataarts_conn_id",
        "workspace",
        "task_names",
        "task_ids",
        "filter_task_type",
        "wait_for",
    )
    operator_extra_links = (DataArtsReleaseManagementLink(),)
    ui_color = "#d9f2e6"

    def __init__(
        self,
        *,
        dataarts_conn_id: str = connection_form.DEFAULT_CONN_ID,
        task_names: str | Sequence[str] | None = None,
        task_ids: str | Sequence[str] | None = None,
        task_type: Any = None,
        wait_for: str = "released",
        workspace: str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_consecutive_failures: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dataarts_conn_id = dataarts_conn_id
        self.task_names = task_names
        self.task_ids = task_ids
        self.filter_task_type = task_type  # ``task_type`` is BaseOperator's own (read-only) attribute
        self.wait_for = wait_for
        self.workspace = workspace
        self.deferrable = deferrable
        self.max_consecutive_failures = max_consecutive_failures
        self._failures = 0

    def _spec(self) -> GateSpec:
        try:
            return GateSpec.create(self.task_names, self.task_ids, self.filter_task_type, self.wait_for)
        except DataArtsError as exc:
            raise AirflowFailException(str(exc)) from exc

    def _hook(self) -> DataArtsHook:
        return DataArtsHook(self.dataarts_conn_id, workspace=self.workspace)

    def poke(self, context: Any) -> PokeReturnValue:
        spec = self._spec()
        try:
            items = self._hook().gate_items(spec, self.workspace)
        except DataArtsError as exc:
            if is_permanent(exc):
                raise AirflowFailException(str(exc)) from exc
            self._failures += 1
            if self._failures > self.max_consecutive_failures:
                raise AirflowException(
                    f"Giving up after {self._failures} failed checks in a row: {exc}"
                ) from exc
            self.log.warning("Check failed (%d in a row, transient): %s", self._failures, exc)
            return PokeReturnValue(is_done=False)
        self._failures = 0
        blocking = spec.blocking(items)
        if blocking:
            self.log.info(
                "Waiting for %s to be %s: %s", _subject(spec), spec.wait_for, describe_blocking(blocking)
            )
            return PokeReturnValue(is_done=False)
        self.log.info("%s: %s. Matching pending items: %d", _subject(spec), spec.wait_for, len(items))
        return PokeReturnValue(is_done=True, xcom_value=items)

    def execute(self, context: Any) -> Any:
        self._spec()  # bad input fails before anything is sent
        push_console_link(context, self._hook())
        if not self.deferrable:
            return super().execute(context)
        first = self.poke(context)
        if first.is_done:
            return first.xcom_value
        deadline = _started(context) + self.timeout
        remaining = deadline - time.time()
        if remaining <= 0:
            self._timed_out("deadline reached before deferring")
        self.defer(
            trigger=DataArtsPendingItemsTrigger(
                dataarts_conn_id=self.dataarts_conn_id,
                gate=self._spec().to_json(),
                workspace=self.workspace,
                poke_interval=self.poke_interval,
                deadline=deadline,
                max_consecutive_failures=self.max_consecutive_failures,
                initial_delay=self.poke_interval,
            ),
            method_name="execute_complete",
            # The trigger reports its own timeout at the deadline; this is the backstop.
            timeout=timedelta(seconds=remaining + max(60.0, self.poke_interval)),
        )
        return None  # pragma: no cover - defer() raises

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        try:
            event = validate_event(event)
        except ValueError as exc:
            raise AirflowException(str(exc)) from exc
        if event["status"] == "success":
            self.log.info("%s", event.get("message"))
            return event.get("items", [])
        if event["status"] == "timeout":
            self._timed_out(str(event.get("message")))
        error = event.get("error") or {}
        raise AirflowFailException(f"DataArts pending-items check failed: {event.get('message')} ({error})")

    def _timed_out(self, message: str) -> None:
        if self.soft_fail:
            raise AirflowSkipException(f"Sensor timed out (soft_fail): {message}")
        raise AirflowSensorTimeout(f"Sensor timed out: {message}")


def _subject(spec: GateSpec) -> str:
    if spec.whole_workspace:
        return "the whole workspace"
    parts = [*spec.task_names, *(f"id {i}" for i in spec.task_ids)]
    shown = ", ".join(parts[:10]) + (f" and {len(parts) - 10} more" if len(parts) > 10 else "")
    return f"tasks {shown}"


def _started(context: Any) -> float:
    """When this sensor first started (the timeout counts from there), as epoch seconds."""
    start = getattr(context.get("ti"), "start_date", None)
    if isinstance(start, datetime):
        return (start if start.tzinfo else start.replace(tzinfo=timezone.utc)).timestamp()
    return time.time()
