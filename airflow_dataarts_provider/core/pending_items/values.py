# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Values of the pending-items API: task and update types, and the listing's filters validated into query
pairs before any request (``build_filter_query``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import IntEnum
from typing import Any, TypeVar

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.times import (
    DEFAULT_TIME_FORMAT,
    format_time,
    has_control_chars,
    parse_time,
    validate_time_format,
)


class TaskType(IntEnum):
    """``task_type`` of a pending item / release-package detail."""

    JOB = 1
    SCRIPT = 2
    RESOURCE = 3  # only seen in release-package details


class UpdateType(IntEnum):
    """``update_type`` of a pending item."""

    ADD = 1
    MODIFY = 2
    DELETE = 3


FILTER_NAMES: tuple[str, ...] = (
    "submit_user_name",
    "item_name",
    "task_type",
    "update_type",
    "start_time",
    "end_time",
)


PENDING_TASK_TYPES: tuple[TaskType, ...] = (TaskType.JOB, TaskType.SCRIPT)


E = TypeVar("E", bound=IntEnum)


def _allowed_enum(members: tuple[E, ...]) -> str:
    return ", ".join(f"{m.name} ({int(m)})" for m in members)


def normalize_enum(field: str, value: object, enum_cls: type[E], allowed: tuple[E, ...] | None = None) -> E:
    """An enum member from a member, its int value or its name (case-insensitive)."""
    members: tuple[E, ...] = allowed if allowed is not None else tuple(enum_cls)
    allowed_text = _allowed_enum(members) + " or their names (case-insensitive)"
    member: E | None = None
    if isinstance(value, bool):
        raise DataArtsConfigError(field, f"a boolean ({value!r}) is not a {enum_cls.__name__}", allowed_text)
    if isinstance(value, enum_cls):
        member = value
    elif isinstance(value, int):
        try:
            member = enum_cls(value)
        except ValueError:
            member = None
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit() and text.isascii():
            try:
                member = enum_cls(int(text))
            except ValueError:
                member = None
        else:
            member = enum_cls.__members__.get(text.upper())
    else:
        raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", allowed_text)
    if member is None or member not in members:
        raise DataArtsConfigError(field, f"unknown value {value!r}", allowed_text)
    return member


def normalize_task_type(value: object, allowed: tuple[TaskType, ...] = PENDING_TASK_TYPES) -> TaskType:
    return normalize_enum("task_type", value, TaskType, allowed)


def normalize_update_type(value: object) -> UpdateType:
    return normalize_enum("update_type", value, UpdateType)


def _check_text(field: str, value: object) -> str:
    allowed = "a non-empty string without control characters"
    if not isinstance(value, str):
        raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", allowed)
    if not value.strip():
        raise DataArtsConfigError(field, "is empty (omit the filter instead)", allowed)
    if has_control_chars(value):
        raise DataArtsConfigError(field, f"{value!r} contains control characters", allowed)
    return value


def build_filter_query(
    filters: Mapping[str, Any] | None, *, time_format: str = DEFAULT_TIME_FORMAT
) -> list[tuple[str, str]]:
    """Validate ``filters`` and return the query pairs, in :data:`FILTER_NAMES` order."""
    fmt = validate_time_format(time_format)
    if not filters:
        return []
    if not isinstance(filters, Mapping):
        raise DataArtsConfigError(
            "filters", f"wrong type {type(filters).__name__}", "a mapping of filter names"
        )
    unknown = sorted(str(k) for k in filters if k not in FILTER_NAMES)
    if unknown:
        hint = " ('workspace' is a separate argument)" if "workspace" in unknown else ""
        raise DataArtsConfigError("filters", f"unknown filter(s) {unknown}{hint}", ", ".join(FILTER_NAMES))
    pairs: list[tuple[str, str]] = []
    start: datetime | None = None
    end: datetime | None = None
    for name in FILTER_NAMES:
        value = filters.get(name)
        if value is None:
            continue
        if name in ("submit_user_name", "item_name"):
            pairs.append((name, _check_text(name, value)))
        elif name == "task_type":
            pairs.append((name, str(int(normalize_task_type(value)))))
        elif name == "update_type":
            pairs.append((name, str(int(normalize_update_type(value)))))
        elif name == "start_time":
            start = parse_time(name, value)
            pairs.append((name, format_time(start, fmt)))
        else:
            end = parse_time(name, value)
            pairs.append((name, format_time(end, fmt, round_up=True)))
    if start is not None and end is not None and start > end:
        raise DataArtsConfigError(
            "start_time",
            f"start_time ({start.isoformat()}) is after end_time ({end.isoformat()})",
            "start_time <= end_time",
        )
    return pairs
