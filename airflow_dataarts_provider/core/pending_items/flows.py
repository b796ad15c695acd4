# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Pending-items flows: the release gate's listing (the cheapest plan: the whole workspace, or one filtered
listing per name) and the connection test's probe."""

from __future__ import annotations

from typing import Any

from airflow_dataarts_provider.core.pending_items import calls
from airflow_dataarts_provider.core.pending_items.gate import GateSpec, choose_plan
from airflow_dataarts_provider.core.pending_items.values import build_filter_query
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform
from airflow_dataarts_provider.core.protocol.listing import new_walk, walk_flow
from airflow_dataarts_provider.core.protocol.pages import Page


def gate_flow(ctx: CallContext, spec: GateSpec) -> Flow[list[dict[str, Any]]]:
    """The pending items that match ``spec``, with the cheaper query plan (see :mod:`.gate`).

    The task type is matched on the client only (``spec.matching``): the server's task_type format is
    undocumented, and a filter it misread could answer "nothing pending" and open the gate.
    """
    if choose_plan(spec, None) == "per_name":
        return (yield from _per_name_flow(ctx, spec))
    everything = calls.pending_items(ctx.config)
    walk = new_walk(ctx, everything)
    yield from walk_flow(ctx, walk, everything, emit=False, max_pages=1)
    if not walk.done:
        if choose_plan(spec, walk.total) == "per_name":
            return (yield from _per_name_flow(ctx, spec))
        yield from walk_flow(ctx, walk, everything, emit=False)
    return spec.matching(walk.snapshot)


def _per_name_flow(ctx: CallContext, spec: GateSpec) -> Flow[list[dict[str, Any]]]:
    found: list[dict[str, Any]] = []
    for name in spec.task_names:
        query = build_filter_query({"item_name": name}, time_format=ctx.config.time_format)
        listing = calls.pending_items(ctx.config, query)
        walk = new_walk(ctx, listing)
        yield from walk_flow(ctx, walk, listing, emit=False)
        found += walk.snapshot
    return spec.matching(found)


def probe_flow(ctx: CallContext) -> Flow[Page]:
    """The cheapest authenticated read (one pending-items page of one item), e.g. for a connection test."""
    return (yield from perform(ctx, calls.pending_items(ctx.config).page(1, 0)))
