# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Operators running a DataArts Factory script (SQL, Shell, Python): run it once, wait for it (in the worker
or deferred), hand its rows to the DAG, stop it when the task is killed or times out; and a check that
gates a DAG on the script's first row, in the manner of Airflow's ``SQLCheckOperator``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsUnknownOutcomeError
from airflow_dataarts_provider.core.protocol.request import name_segment
from airflow_dataarts_provider.core.protocol.values import check_int
from airflow_dataarts_provider.core.scripts import values as scripts
from airflow_dataarts_provider.core.scripts.conditions import ScriptInstanceCondition
from airflow_dataarts_provider.links.dataarts import DataArtsScriptLink, push_script_link
from airflow_dataarts_provider.operators.remote_run import DataArtsRemoteRunOperator
from airflow_dataarts_provider.version_compat import AirflowException, AirflowFailException
from airflow_dataarts_provider.waiting import Wait

if TYPE_CHECKING:  # the hook (and the protocol core) load on first use, not at DAG parse time
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
    from airflow_dataarts_provider.triggers.base import DataArtsRunTrigger

#: Where Airflow 3.3's task state store keeps the started instance across tries and crashed workers.
STATE_KEY = "dataarts_script_instance_id"
RESULT_FORMATS = ("rows", "dicts", "none")


class DataArtsRunScriptOperator(DataArtsRemoteRunOperator):
    """Run a DataArts Factory script and, by default, wait until it finishes; return its results (XCom).

    The XCom: ``{"script_name", "instance_id", "status", "message", "results": [...]}``, one entry per
    result set with ``columns``, ``rows`` (``result_format="rows"``: positional lists; ``"dicts"``: one
    dict per row; ``"none"``: no ``results`` at all), ``row_count`` (the service's count, when given),
    ``rows_returned`` (rows in the answer) and ``rows_kept`` (at most ``max_rows``). A cut is said in the
    task log, never silent. The instance id is pushed as XCom ``instance_id`` before any waiting, with a
    console link. A FAILED script fails the task with the service's message (retries apply: a retry runs
    the script again).

    **At most once.** ``execute`` is not idempotent, and nothing lists script instances: after a request
    whose answer was lost the script may be running, so it is not sent again and the task fails without
    retries, naming what to check; ``idempotent=True`` allows one resend and the task's retries, for a
    script that is safe to run twice. On Airflow 3.3 the started id is kept in the task state store: a
    retry or a crashed worker re-attaches to a running instance and returns a finished one's result
    instead of running it again. On other lines a retry starts a new instance.

    :param script_name: the script (templated; Chinese names work).
    :param script_params: ``{"name": "value"}``, substituted for ``${name}`` (templated).
    :param max_rows: rows kept per result set (default 1000, the console's own cap).
    :param result_format: ``rows`` (default), ``dicts`` or ``none``.
    :param idempotent: the script is safe to run twice (default False).
    :param bool wait_for_completion: and ``deferrable``, ``poll_interval``, ``timeout``, ``stop_on_timeout``,
        max_consecutive_failures, workspace, dataarts_conn_id: as for
        :class:`~airflow_dataarts_provider.operators.job.DataArtsRunJobOperator` (``poll_interval``
        default 10 s here).
    """

    template_fields: Sequence[str] = ("dataarts_conn_id", "workspace", "script_name", "script_params")
    operator_extra_links = (DataArtsScriptLink(),)
    ui_color = "#e6f4ea"
    lineage_kind = "script_instance"

    def __init__(
        self,
        *,
        script_name: str,
        script_params: Any = None,
        max_rows: int = 1000,
        result_format: str = "rows",
        idempotent: bool = False,
        poll_interval: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(poll_interval=poll_interval, **kwargs)
        self.script_name = script_name
        self.script_params = script_params
        self.max_rows = max_rows
        self.result_format = result_format
        self.idempotent = idempotent

    def _check_arguments(self) -> None:
        """Every argument, before any request; a bad one fails the task without retries."""
        try:
            name_segment("script_name", self.script_name)
            scripts.script_params(self.script_params)
            if self.result_format not in RESULT_FORMATS:
                raise DataArtsConfigError(
                    "result_format", f"{self.result_format!r} is unknown", ", ".join(RESULT_FORMATS)
                )
            check_int("max_rows", self.max_rows, 0, None)
        except DataArtsConfigError as exc:
            raise AirflowFailException(str(exc)) from exc

    def execute(self, context: Any) -> Any:
        self._check_arguments()
        hook = self._hook()
        instance_id, finished = self._attach_or_start(hook, context)
        self._instance_id = instance_id
        context["ti"].xcom_push(key="instance_id", value=instance_id)
        push_script_link(context, hook, self.script_name, instance_id)
        self.remember_run(hook, instance_id)
        if finished is not None:
            return self.output_of(finished)
        if not self.wait_for_completion:
            return {"script_name": self.script_name, "instance_id": instance_id, "status": "started"}
        result = self.wait_for_run(hook, self._condition(instance_id), instance_id)
        return self.output_of(result)

    def _condition(self, instance_id: str) -> ScriptInstanceCondition:
        kept = 0 if self.result_format == "none" else self.max_rows
        return ScriptInstanceCondition(self.script_name, instance_id, kept)

    def _attach_or_start(self, hook: DataArtsHook, context: Any) -> tuple[str, dict[str, Any] | None]:
        """``(instance id, its bounded result when it already finished)``: the instance of an earlier try
        or crashed worker (Airflow 3.3's task state store) when it runs or finished, else a new one."""
        store = context.get("task_state_store")
        known = store.get(STATE_KEY) if store is not None else None
        if known:
            result = hook.get_script_result(self.script_name, str(known), workspace=self.workspace)
            step = scripts.phase(result.get("status"))
            if step == "active":
                self.log.info("Re-attaching to %s instance %s (%s)", self.subject(), known, result["status"])
                return str(known), None
            if step == "succeeded":
                self.log.info("%s instance %s already finished: not running it again", self.subject(), known)
                evaluated = self._condition(str(known)).evaluate(result)
                return str(known), evaluated.value
            self.log.info(
                "%s instance %s is %s: running the script again", self.subject(), known, result["status"]
            )
        try:
            instance_id = hook.run_script(
                self.script_name,
                script_params=self.script_params,
                idempotent=self.idempotent,
                workspace=self.workspace,
            )
        except DataArtsUnknownOutcomeError as exc:
            if self.idempotent:
                raise  # the task's retries may run it again: the user said that is safe
            raise AirflowFailException(
                f"{exc}. The task is not retried (a retry would run the script a second time); set"
                " idempotent=True for a script that is safe to run twice"
            ) from exc
        if store is not None:
            store.set(STATE_KEY, instance_id)
        self.log.info("Started %s: instance %s", self.subject(), instance_id)
        return instance_id, None

    def target(self) -> str:
        return self.script_name

    def subject(self) -> str:
        return f"script {self.script_name!r}"

    def make_trigger(self, instance_id: str, wait: Wait) -> DataArtsRunTrigger:
        from airflow_dataarts_provider.triggers.script import DataArtsScriptInstanceTrigger

        return DataArtsScriptInstanceTrigger(
            script_name=self.script_name,
            instance_id=instance_id,
            max_rows=self._condition(instance_id).max_rows,
            stop_on_timeout=self.stop_on_timeout,
            **wait.trigger_kwargs(),
        )

    def stop_run(self, hook: DataArtsHook, instance_id: str) -> None:
        hook.stop_script_instance(self.script_name, instance_id, workspace=self.workspace)

    def execute_complete(self, context: Any, event: Any = None) -> Any:
        return self.output_of(self.complete_run(event, context))

    def output_of(self, result: dict[str, Any]) -> dict[str, Any]:
        """The XCom of a finished run in ``result_format``; every cut said in the task log."""
        output = {k: result.get(k) for k in ("script_name", "instance_id", "status", "message")}
        if self.result_format == "none":
            return output
        sets = []
        for number, entry in enumerate(result.get("results") or [], start=1):
            self._say_cuts(number, entry)
            rows = entry["rows"]
            if self.result_format == "dicts":
                rows = [dict(zip(entry["columns"], row, strict=False)) for row in rows]
            sets.append({**{k: v for k, v in entry.items() if k != "types"}, "rows": rows})
        return {**output, "results": sets}

    def _say_cuts(self, number: int, entry: dict[str, Any]) -> None:
        kept, returned, counted = entry["rows_kept"], entry["rows_returned"], entry.get("row_count")
        if kept < returned:
            self.log.warning(
                "Result set %d of %s: kept %d of its %d rows (max_rows=%d); %d left out",
                number,
                self.subject(),
                kept,
                returned,
                self.max_rows,
                returned - kept,
            )
        if isinstance(counted, int) and counted > returned:
            self.log.warning(
                "Result set %d of %s: the service counts %d rows but returned %d (its own cap)",
                number,
                self.subject(),
                counted,
                returned,
            )


class DataArtsScriptCheckOperator(DataArtsRunScriptOperator):
    """Run a script and fail the task unless the first row of its (first) result exists and every value
    in it is true, in the manner of Airflow's ``SQLCheckOperator``: a data-quality gate that runs where
    the data is. Values are read as SQL results often come as text: ``0``, ``0.0``, ``false``, ``f``,
    ``no``, ``n``, ``off`` and the empty string are false (any case), as are ``0``, ``False`` and null.
    Returns the first row (XCom) as a dict of column to value.

    Parameters: as :class:`DataArtsRunScriptOperator` (the result is read with ``max_rows=1``;
    ``wait_for_completion`` is always True).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(max_rows=1, result_format="rows", wait_for_completion=True)
        super().__init__(**kwargs)

    def output_of(self, result: dict[str, Any]) -> dict[str, Any]:
        output = super().output_of(result)
        row, failing = scripts.first_row_check(output.get("results") or [])
        if row is None:
            raise AirflowException(f"Check failed: {self.subject()} returned no rows")
        if failing:
            raise AirflowException(
                f"Check failed: {self.subject()} instance {output['instance_id']}: false in"
                f" {', '.join(failing)}; first row {row}"
            )
        self.log.info("Check passed: %s first row %s", self.subject(), row)
        return row
