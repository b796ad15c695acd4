# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Times as the DataArts APIs take them (pure): parsing any time form (datetime, ISO-8601, epoch seconds or
milliseconds) into aware UTC, and formatting it for a query (``time_format``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

DEFAULT_TIME_FORMAT = "epoch_ms"


TIME_FORMATS_ALLOWED = "'epoch_ms' (default), 'epoch_s', 'iso8601', or 'strftime:<pattern>'"


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


_MIN_EPOCH_MS = 10**11


_MAX_EPOCH_MS = 10**14


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


_TIME_ALLOWED = (
    "aware datetime (naive = UTC), epoch milliseconds as int or digit string (13 digits),"
    " or ISO-8601 string such as '2024-01-01T00:00:00Z'"
)


def epoch_ms(value: object) -> int | None:
    """A time field of an answer (epoch milliseconds) as an int; None for anything else, 0 included
    (the services answer ``0`` for "not yet", e.g. the end of a running instance)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def iso_ms(ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 in UTC with milliseconds (event payloads); None stays None."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


def has_control_chars(value: str) -> bool:
    return bool(_CONTROL_RE.search(value))


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
