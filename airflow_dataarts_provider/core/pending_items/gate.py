# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release gate: which pending items a sensor watches and when it is satisfied. Pure logic.

A gate names tasks (jobs or scripts) by exact name and/or id, optionally restricted to a task type, and
waits for ``released`` (no pending item left for them) or ``packaged`` (every one of their pending items
has ``package_flag != 0``). Neither names nor ids = the whole workspace.

Query plan (:func:`choose_plan`): one ``item_name`` query per name costs at least one request per name;
one walk of the workspace costs ``ceil(total / 100)``. Names are matched exactly on the client side,
whatever the API's (undocumented) name matching does."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from airflow_dataarts_provider.core.pending_items.values import TaskType, normalize_task_type
from airflow_dataarts_provider.core.protocol.enums import PAGE_SIZE_MAX
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

WaitFor = Literal["released", "packaged"]


WAIT_FOR_VALUES: tuple[str, ...] = ("released", "packaged")


TASK_TYPE_LABELS: dict[Any, str] = {1: "job", 2: "script", 3: "resource"}


UPDATE_TYPE_LABELS: dict[Any, str] = {1: "added", 2: "modified", 3: "deleted"}


@dataclass(frozen=True)
class GateSpec:
    """What to wait for. Build with :meth:`create` (validates, names the bad field)."""

    task_names: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = ()
    task_type: TaskType | None = None
    wait_for: WaitFor = "released"

    @classmethod
    def create(
        cls,
        task_names: str | Iterable[str] | None = None,
        task_ids: str | Iterable[str] | None = None,
        task_type: object = None,
        wait_for: str = "released",
    ) -> GateSpec:
        names = task_strings("task_names", task_names)
        ids = task_strings("task_ids", task_ids)
        if wait_for not in WAIT_FOR_VALUES:
            raise DataArtsConfigError("wait_for", f"{wait_for!r} is unknown", ", ".join(WAIT_FOR_VALUES))
        kind = None if task_type is None else normalize_task_type(task_type)
        return cls(names, ids, kind, wait_for)  # type: ignore[arg-type]

    @property
    def whole_workspace(self) -> bool:
        return not self.task_names and not self.task_ids

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (trigger kwargs)."""
        return {
            "task_names": list(self.task_names),
            "task_ids": list(self.task_ids),
            "task_type": None if self.task_type is None else int(self.task_type),
            "wait_for": self.wait_for,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GateSpec:
        return cls.create(
            data.get("task_names"), data.get("task_ids"), data.get("task_type"), data["wait_for"]
        )

    def matches(self, item: Mapping[str, Any]) -> bool:
        if self.task_type is not None and item.get("task_type") != int(self.task_type):
            return False
        if self.whole_workspace:
            return True
        return item.get("item_name") in self.task_names or str(item.get("task_id")) in self.task_ids

    def blocking(self, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The matching items that still block the gate (empty = satisfied)."""
        matching = [dict(i) for i in items if self.matches(i)]
        if self.wait_for == "packaged":
            return [i for i in matching if not i.get("package_flag")]
        return matching

    def matching(self, items: Iterable[Mapping[str, Any]] | ListingIndex) -> list[dict[str, Any]]:
        """The items this gate watches, in listing order (from a listing, or an index of one)."""
        if isinstance(items, ListingIndex):
            return items.matching(self)
        return [dict(i) for i in items if self.matches(i)]


class ListingIndex:
    """A pending-items listing indexed once by name and task id, so that many gates (a trigger fleet
    sharing one snapshot) each find their items in O(matches) instead of scanning the listing.
    ``matching(spec)`` equals ``spec.matching(items)``."""

    def __init__(self, items: Sequence[Mapping[str, Any]]) -> None:
        self.items = items
        self._by_name: dict[Any, list[int]] = {}
        self._by_task_id: dict[str, list[int]] = {}
        for position, item in enumerate(items):
            self._by_name.setdefault(item.get("item_name"), []).append(position)
            self._by_task_id.setdefault(str(item.get("task_id")), []).append(position)

    def matching(self, spec: GateSpec) -> list[dict[str, Any]]:
        if spec.whole_workspace:
            return [dict(i) for i in self.items if spec.matches(i)]
        positions: set[int] = set()
        for name in spec.task_names:
            positions.update(self._by_name.get(name, ()))
        for task_id in spec.task_ids:
            positions.update(self._by_task_id.get(task_id, ()))
        return [dict(self.items[p]) for p in sorted(positions) if spec.matches(self.items[p])]


def task_strings(field: str, value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Task names or ids: one string, a list, or a list rendered as text (``"['a', 'b']"``); deduplicated."""
    if value is None:
        return ()
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        # A list template rendered without render_template_as_native_obj: "['a', 'b']". Taken as one
        # name it would match nothing, and a "released" gate would open at once.
        value = _list_literal(field, value)
    if not isinstance(value, (str, list, tuple, set, frozenset)):
        raise DataArtsConfigError(
            field, f"wrong type {type(value).__name__} ({value!r})", "a name or a list of names"
        )
    values = [value] if isinstance(value, str) else list(value)
    for v in values:
        if not isinstance(v, str) or not v or v != v.strip() or any(ord(c) < 32 for c in v):
            raise DataArtsConfigError(
                field, f"{v!r} is not a task name or id", "non-empty strings without surrounding spaces"
            )
    return tuple(dict.fromkeys(values))  # dedupe, keep order


def _list_literal(field: str, text: str) -> list[str]:
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise DataArtsConfigError(
            field, f"{text!r} looks like a list but is not one", "a list of names"
        ) from None
    if not isinstance(parsed, list):
        raise DataArtsConfigError(field, f"{text!r} is not a list", "a list of names")
    return parsed


Plan = Literal["per_name", "walk"]


def choose_plan(spec: GateSpec, workspace_total: int | None) -> Plan:
    """Fewest requests: one query per name, or one walk of the (filtered) workspace listing.

    ``workspace_total`` is the listing's size when known (from the first page of a walk).
    """
    if spec.task_ids or spec.whole_workspace:
        return "walk"  # ids cannot be queried one by one
    if workspace_total is None:
        return "per_name" if len(spec.task_names) == 1 else "walk"
    remaining_walk = max(0, math.ceil(workspace_total / PAGE_SIZE_MAX) - 1)
    return "per_name" if len(spec.task_names) < remaining_walk else "walk"


def describe_blocking(items: Sequence[Mapping[str, Any]], limit: int = 10) -> str:
    """'3 items: a (job, added), b (script, modified), ...' bounded to ``limit`` names."""
    shown = []
    for i in items[:limit]:
        packaged = ", packaged" if i.get("package_flag") else ""
        kind = TASK_TYPE_LABELS.get(i.get("task_type"), "?")
        change = UPDATE_TYPE_LABELS.get(i.get("update_type"), "?")
        shown.append(f"{i.get('item_name')} ({kind}, {change}{packaged})")
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items)} item{'s' if len(items) != 1 else ''}: {', '.join(shown)}{more}"
