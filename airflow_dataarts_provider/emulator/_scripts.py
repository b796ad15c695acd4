# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Scripts and their instances (the V1 DLF script API): the record types and the state machine. No I/O,
no locking; the clock is passed in.

An instance is ``LAUNCHING`` for its script's ``launch_s``, ``RUNNING`` for ``run_s``, then ``FINISHED``
with the scripted result (``${name}`` in a text cell replaced by the run's parameter) or ``FAILED`` with
the scripted message. A stop while launching or running makes it ``stop_status`` (the real service's
status after a stop is undocumented; ``FAILED`` by default). ``rows`` generated rows are added after the
scripted ones (large results); ``row_cap`` cuts what an answer returns while ``rowCount`` counts every
row (the real service's cap is undocumented). ``spelling``: ``results`` (documented) or ``result`` (the
SDK's model); ``rows_as_text``: ``rows`` and ``schema`` sent as JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

ScriptOutcome = Literal["FINISHED", "FAILED"]
SCRIPT_TYPES = ("DWSSQL", "DLISQL", "HiveSQL", "SparkSQL", "RDSSQL", "Shell", "PYTHON", "PRESTO")
TERMINAL = ("FINISHED", "FAILED")


@dataclass
class Script:
    """A script of the workspace and how its runs behave (changed through the control surface)."""

    name: str
    workspace_id: str
    type: str = "DWSSQL"
    connection_name: str = "dws_conn"
    database: str = "dw"
    launch_s: float = 0.0
    run_s: float = 0.3
    outcome: ScriptOutcome = "FINISHED"
    message: str = "ERROR: relation does not exist"
    schema: list[list[str]] = field(default_factory=lambda: [["ok", "int"], ["day", "string"]])
    result_rows: list[list[Any]] = field(default_factory=lambda: [[1, "${bizdate}"]])
    rows: int = 0
    row_cap: int | None = None
    stop_status: str = "FAILED"
    spelling: str = "results"
    rows_as_text: bool = False

    def settings(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "workspace_id"} | {
            "workspace": self.workspace_id
        }

    def definition(self, snake: bool) -> dict[str, Any]:
        """The definition as V1 (camelCase) or V2 (snake_case) gives it."""
        names = (
            ("connection_name", "queue_name", "create_user")
            if snake
            else ("connectionName", "queueName", "owner")
        )
        return {
            "name": self.name,
            "type": self.type,
            names[0]: self.connection_name,
            "database": self.database,
            names[1]: None,
            "directory": "/emulator",
            "description": f"emulated {self.type} script",
            names[2]: "dev_alice",
            "version": 1,
        }


@dataclass
class ScriptInstance:
    instance_id: str
    script: Script
    started_at: float
    params: dict[str, str]
    stopped_at: float | None = None
    launch_s: float = 0.0
    run_s: float = 0.3
    outcome: ScriptOutcome = "FINISHED"

    @classmethod
    def start(cls, instance_id: str, script: Script, now: float, params: dict[str, str]) -> ScriptInstance:
        return cls(instance_id, script, now, params, None, script.launch_s, script.run_s, script.outcome)

    def status(self, now: float) -> str:
        if self.stopped_at is not None:
            return self.script.stop_status
        elapsed = now - self.started_at
        if elapsed < self.launch_s:
            return "LAUNCHING"
        if elapsed < self.launch_s + self.run_s:
            return "RUNNING"
        return self.outcome

    def stop(self, now: float) -> bool:
        """Stop a launching or running instance; False when it already ended."""
        if self.status(now) in TERMINAL or self.stopped_at is not None:
            return False
        self.stopped_at = now
        return True

    def _cell(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        for name, text in self.params.items():
            value = value.replace("${" + name + "}", text)
        return value

    def _rows(self) -> list[list[Any]]:
        scripted = [[self._cell(v) for v in row] for row in self.script.result_rows]
        width = len(self.script.schema)
        generated = [[n + (c if c else 0) for c in range(width)] for n in range(self.script.rows)]
        return scripted + generated

    def result(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        body: dict[str, Any] = {"status": status, self.script.spelling: []}
        if status == "FAILED":
            body["message"] = "stopped by the user" if self.stopped_at is not None else self.script.message
        if status != "FINISHED":
            return body
        rows = self._rows()
        shown = rows if self.script.row_cap is None else rows[: self.script.row_cap]
        schema: Any = [{name: kind} for name, kind in self.script.schema]
        sent_rows: Any = shown
        if self.script.rows_as_text:
            schema, sent_rows = json.dumps(schema), json.dumps(shown)
        body["message"] = ""
        body[self.script.spelling] = [
            {
                "message": "",
                "duration": self.run_s,
                "rowCount": len(rows),
                "rows": sent_rows,
                "schema": schema,
            }
        ]
        return body
