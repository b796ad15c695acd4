# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The control surface of the scripts family (a part of :class:`~._control.EmulatorAPI`): add a script,
script how its next runs behave, read its instances."""

from __future__ import annotations

from typing import Any

from ._faults import check_seconds
from ._scripts import SCRIPT_TYPES, Script
from ._state import State

_SETTINGS = frozenset(Script.__dataclass_fields__) - {"name", "workspace_id"}


class ScriptsControl:
    state: State

    def add_script(self, name: str, *, workspace: str | None = None, **settings: Any) -> dict[str, Any]:
        """Add a script (``settings`` as :meth:`set_script`); returns its settings."""
        with self.state.lock:
            ws = self.state.ws(workspace)
            if name in self.state.scripts:
                raise ValueError(f"script {name!r} exists")
            self.state.scripts[name] = Script(name, ws)
        return self.set_script(name, **settings)

    def set_script(self, name: str, **settings: Any) -> dict[str, Any]:
        """How the script's next runs behave: ``launch_s``, ``run_s``, ``outcome`` (``FINISHED`` or
        ``FAILED``), ``message``, ``schema`` (``[[name, type], ...]``), ``result_rows`` (``${param}``
        substituted), ``rows`` (generated rows added), ``row_cap``, ``stop_status``, ``spelling``
        (``results`` or ``result``), ``rows_as_text``; also ``type``, ``connection_name``, ``database``."""
        unknown = set(settings) - _SETTINGS
        if unknown:
            raise ValueError(f"unknown script settings {sorted(unknown)}; known: {sorted(_SETTINGS)}")
        if settings.get("outcome", "FINISHED") not in ("FINISHED", "FAILED"):
            raise ValueError("outcome must be 'FINISHED' or 'FAILED'")
        if settings.get("type", "DWSSQL") not in SCRIPT_TYPES:
            raise ValueError(f"type must be one of {SCRIPT_TYPES}")
        if settings.get("spelling", "results") not in ("results", "result"):
            raise ValueError("spelling must be 'results' or 'result'")
        for key in ("launch_s", "run_s"):
            if key in settings:
                settings[key] = check_seconds(settings[key])
        with self.state.lock:
            script = self._script(name)
            for key, value in settings.items():
                setattr(script, key, value)
            return script.settings()

    def script_instances(self, name: str) -> list[dict[str, Any]]:
        """Every instance of the script (oldest first): id, status, params."""
        with self.state.lock:
            script = self._script(name)
            now = self.state.release_clock()
            return [
                {"instance_id": i.instance_id, "status": i.status(now), "params": dict(i.params)}
                for i in self.state.script_instances.values()
                if i.script is script
            ]

    def _script(self, name: str) -> Script:
        found = self.state.scripts.get(name)
        if found is None:
            raise ValueError(f"unknown script {name!r}")
        return found
