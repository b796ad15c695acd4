"""Normalisation and validation of the pending-items filters.

Accepted filters (``workspace`` is a header, handled by request building, not here):

* ``submit_user_name``, ``item_name``: non-empty strings without control characters (never truncated).
* ``task_type``: :class:`TaskType` member, its int value, or its name in any case (``"JOB"``, ``"script"``).
  Pending items only know JOB (1) and SCRIPT (2).
* ``update_type``: :class:`UpdateType` member, int value, or name (``"add"``, ``"MODIFY"``, ``"delete"``).
* ``start_time``, ``end_time``: ``datetime`` (aware; naive means UTC; pendulum works too), an int of epoch
  **milliseconds**, a string of digits (epoch ms), or an ISO-8601 string (``2024-01-01T00:00:00Z``,
  ``2024-01-01T08:00:00+08:00``, ``2024-01-01``; no offset means UTC). Epoch values must lie between
  1973-03-03 (``10**11`` ms) and 5138 (``10**14`` ms): smaller values are almost surely epoch *seconds*
  and are refused rather than guessed.

Time output format (``time_format``):

* ``"epoch_ms"`` (default): 13-digit epoch milliseconds, what every sibling DataArts API uses;
* ``"epoch_s"``: epoch seconds;
* ``"iso8601"``: UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ``;
* ``"strftime:<pattern>"``: ``datetime.strftime(pattern)`` of the UTC time,
  e.g. ``"strftime:%Y-%m-%d %H:%M:%S"``.

When the chosen format is coarser than the input, ``start_time`` is rounded down and ``end_time`` up so
the window never shrinks. ``None`` values mean "no filter". Output: ``(key, value)`` pairs in the order
of :data:`FILTER_NAMES`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import Any, TypeVar

from airflow_dataarts_provider.core.enums import TaskType, UpdateType
from airflow_dataarts_provider.core.errors import DataArtsConfigError

FILTER_NAMES: tuple[str, ...] = (
    "submit_user_name",
    "item_name",
    "task_type",
    "update_type",
    "start_time",
    "end_time",
)
DEFAULT_TIME_FORMAT = "epoch_ms"
TIME_FORMATS_ALLOWED = "'epoch_ms' (default), 'epoch_s', 'iso8601', or 'strftime:<pattern>'"
PENDING_TASK_TYPES: tuple[TaskType, ...] = (TaskType.JOB, TaskType.SCRIPT)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MIN_EPOCH_MS = 10**11
_MAX_EPOCH_MS = 10**14
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TIME_ALLOWED = (
    "aware datetime (naive = UTC), epoch milliseconds as int or digit string (13 digits),"
    " or ISO-8601 string such as '2024-01-01T00:00:00Z'"
)

E = TypeVar("E", bound=IntEnum)


def has_control_chars(value: str) -> bool:
    return bool(_CONTROL_RE.search(value))


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


def validate_time_format(time_format: object) -> str:
    """Return ``time_format`` if valid, else raise :class:`DataArtsConfigError`."""
    if not isinstance(time_format, str):
        raise DataArtsConfigError(
            "time_format", f"wrong type {type(time_format).__name__}", TIME_FORMATS_ALLOWED
        )
    if time_format in ("epoch_ms", "epoch_s", "iso8601"):
        return time_format
    if time_format.startswith("strftime:"):
        pattern = time_format[len("strftime:") :]
        if not pattern or "%" not in pattern or has_control_chars(pattern):
            raise DataArtsConfigError(
                "time_format",
                f"{time_format!r} has an empty or invalid strftime pattern",
                TIME_FORMATS_ALLOWED,
            )
        return time_format
    raise DataArtsConfigError("time_format", f"unknown format {time_format!r}", TIME_FORMATS_ALLOWED)


def _from_epoch_ms(field: str, ms: int, original: object) -> datetime:
    if not _MIN_EPOCH_MS <= ms < _MAX_EPOCH_MS:
        hint = " (it looks like epoch seconds: multiply by 1000)" if 10**8 <= ms < 10**11 else ""
        raise DataArtsConfigError(field, f"epoch milliseconds {original!r} out of range{hint}", _TIME_ALLOWED)
    return _EPOCH + timedelta(milliseconds=ms)


def to_utc(moment: datetime) -> datetime:
    """A plain stdlib UTC ``datetime`` (naive means UTC; pendulum subclasses are converted)."""
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        moment = moment.astimezone(timezone.utc)
    return datetime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=timezone.utc,
    )


def parse_time(field: str, value: object) -> datetime:
    """An aware UTC ``datetime`` from any accepted time input."""
    if isinstance(value, bool):
        raise DataArtsConfigError(field, f"a boolean ({value!r}) is not a time", _TIME_ALLOWED)
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, int):
        return _from_epoch_ms(field, value, value)
    if isinstance(value, str):
        text = value.strip()
        if not text or has_control_chars(value):
            raise DataArtsConfigError(field, f"{value!r} is empty or has control characters", _TIME_ALLOWED)
        if text.isdigit() and text.isascii():
            return _from_epoch_ms(field, int(text), value)
        iso = text[:-1] + "+00:00" if text[-1] in "zZ" else text
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            raise DataArtsConfigError(field, f"cannot parse {value!r} as a time", _TIME_ALLOWED) from None
        return parse_time(field, parsed)
    raise DataArtsConfigError(field, f"wrong type {type(value).__name__} ({value!r})", _TIME_ALLOWED)


def _strftime_unit(pattern: str) -> int:
    """Finest time unit (in microseconds) a strftime pattern shows."""
    for directive, unit in (("%f", 1), ("%S", 1_000_000), ("%s", 1_000_000), ("%M", 60_000_000)):
        if directive in pattern:
            return unit
    return 3_600_000_000 if "%H" in pattern or "%I" in pattern else 86_400_000_000


def format_time(moment: datetime, time_format: str = DEFAULT_TIME_FORMAT, *, round_up: bool = False) -> str:
    """Format an aware datetime in ``time_format`` (rounding up instead of down when ``round_up``)."""
    fmt = validate_time_format(time_format)
    utc = to_utc(moment)
    micros = (utc - _EPOCH) // timedelta(microseconds=1)
    if fmt == "epoch_ms":
        return str(-((-micros) // 1000) if round_up else micros // 1000)
    if fmt == "epoch_s":
        return str(-((-micros) // 1_000_000) if round_up else micros // 1_000_000)
    unit = 1000 if fmt == "iso8601" else _strftime_unit(fmt[len("strftime:") :])
    if round_up and micros % unit:
        utc = utc + timedelta(microseconds=unit - micros % unit)
    if fmt == "iso8601":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime(fmt[len("strftime:") :])


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


def is_finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
