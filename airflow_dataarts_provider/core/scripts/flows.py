# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Script runs as flows: execute at most once (nothing lists script instances, so a lost answer is never
resent unless the caller allows it), read a result, stop, show, list. Each request is one
:func:`~airflow_dataarts_provider.core.protocol.engine.perform` of a call from :mod:`.calls`."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.listing import list_flow
from airflow_dataarts_provider.core.protocol.once import send_once
from airflow_dataarts_provider.core.scripts import calls


def run_script_flow(
    ctx: CallContext, script_name: str, params: object = None, *, resends: int = 0
) -> Flow[str]:
    """Execute the script once and return the new instance's id; ``resends``: how many times a request
    whose answer was lost may be sent again (0 unless the script is safe to run twice)."""
    call = calls.execute_script(ctx.config, script_name, params)  # validates every value first
    check = f"the script's run history in the DataArts console (script {script_name!r})"
    return (yield from send_once(ctx, call, f"Running script {script_name!r}", resends=resends, check=check))


def result_flow(ctx: CallContext, script_name: str, instance_id: str) -> Flow[dict[str, Any]]:
    """The instance's status, message and results."""
    return (yield from perform(ctx, calls.script_result(ctx.config, script_name, instance_id)))


def stop_flow(ctx: CallContext, script_name: str, instance_id: str) -> Flow[None]:
    """Stop a running instance."""
    yield from perform(ctx, calls.stop_script(ctx.config, script_name, instance_id))


def script_flow(ctx: CallContext, script_name: str) -> Flow[dict[str, Any]]:
    """The script's definition: type, connection, database, queue..."""
    return (yield from perform(ctx, calls.show_script(ctx.config, script_name)))


def scripts_flow(ctx: CallContext, name_contains: str | None = None) -> Flow[list[dict[str, Any]]]:
    """Every script of the workspace (or those whose name contains ``name_contains``), completely."""
    result = yield from list_flow(ctx, calls.list_scripts(ctx.config, name_contains), emit=False)
    return result.items
