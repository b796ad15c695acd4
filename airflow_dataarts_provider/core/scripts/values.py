# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArts Factory scripts: values, statuses and the response parsers. Pure.

The service's answers are parsed from the raw JSON, whatever the spelling (``../shared/reference``, the
scripts sheet): the result array is ``results`` (documented) or ``result`` (the SDK's model); ``rows`` and
``schema`` are JSON arrays, or JSON text (the SDK types them as strings); a column is a one-key map
``{"name": "type"}``, a ``{"name", "type"}`` object or a bare name; definitions are camelCase (V1) or
snake_case (V2). Statuses:

==========  ===========================================
active      ``LAUNCHING``, ``RUNNING``
succeeded   ``FINISHED``
failed      ``FAILED``
==========  ===========================================

Any other status (the status after a stop is undocumented) is unknown: a check fails loudly on it, naming
the known ones, and never waits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsResponseError
from airflow_dataarts_provider.core.protocol.http import HttpResponse, loads_json
from airflow_dataarts_provider.core.protocol.pages import Page, parse_json_object, parse_listing_page

Phase = Literal["active", "succeeded", "failed"]

STATUS_PHASES: dict[str, Phase] = {
    "LAUNCHING": "active",
    "RUNNING": "active",
    "FINISHED": "succeeded",
    "FAILED": "failed",
}

#: Script instance ids are text (``a1ad-448a-9d56-4154193d49c5``), not the job instances' numbers.
_INSTANCE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def phase(status: object) -> Phase | None:
    """The phase of a script instance status, or None for a status this provider does not know."""
    return STATUS_PHASES.get(status) if isinstance(status, str) else None


def known_statuses() -> str:
    return ", ".join(STATUS_PHASES)


def instance_id(value: object) -> str:
    """A script instance id as given back by ``execute`` (letters, digits, ``-`` and ``_``)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _INSTANCE_ID_RE.fullmatch(text):
        raise DataArtsConfigError(
            "instance_id", f"{value!r} is not a script instance id", "1-128 letters, digits, '-' and '_'"
        )
    return text


def script_params(value: object) -> dict[str, str]:
    """``params`` of ``execute`` (a map of text) from ``{"name": value}``: names are non-empty text without
    control characters, values text or numbers (sent as text)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataArtsConfigError("script_params", f"{value!r} is not a mapping", '{"name": "value"}')
    params: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not name.strip() or any(ord(c) < 32 for c in name):
            raise DataArtsConfigError("script_params", f"parameter name {name!r} is not a name", "text")
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise DataArtsConfigError(
                "script_params", f"the value of {name!r} is {text!r}", "text or a number"
            )
        params[name] = str(text)
    return params


def _first(body: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if body.get(name) is not None:
            return body[name]
    return None


def _fail(response: HttpResponse, method: str, path: str, problem: str) -> DataArtsResponseError:
    return DataArtsResponseError(method, path, response.status, problem, response.request_id)


def parse_execute(response: HttpResponse, method: str, path: str) -> str:
    """``{"instanceId": "..."}`` (``instance_id`` accepted too)."""
    body = parse_json_object(response, method, path)
    raw = _first(body, "instanceId", "instance_id")
    try:
        return instance_id(raw)
    except DataArtsConfigError:
        raise _fail(response, method, path, f"'instanceId' is {raw!r}") from None


def _array(raw: object, what: str) -> list[Any]:
    """A JSON array, or JSON text holding one (the SDK's string-typed fields)."""
    if isinstance(raw, str):
        try:
            raw = loads_json(raw)
        except ValueError:
            raise ValueError(f"{what} is text that is not JSON") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"{what} is not an array")
    return raw


def _column(raw: object, where: str) -> tuple[str, str | None]:
    if isinstance(raw, str):
        return raw, None
    if isinstance(raw, Mapping) and isinstance(raw.get("name"), str):
        kind = raw.get("type")
        return raw["name"], kind if isinstance(kind, str) else None
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((name, kind),) = raw.items()
        return str(name), kind if isinstance(kind, str) else None
    raise ValueError(f"{where} is not a column ({raw!r:.80})")


def _count(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None


def result_set(raw: object, where: str) -> dict[str, Any]:
    """One entry of ``results``: ``columns``, ``types``, positional ``rows``, ``row_count`` (the service's,
    when it gives one), ``duration`` and ``message``."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} is not an object")
    columns = [_column(c, f"{where}.schema[{n}]") for n, c in enumerate(_array(raw.get("schema"), where))]
    rows = _array(raw.get("rows"), f"{where}.rows")
    for n, row in enumerate(rows):
        if not isinstance(row, list):
            raise ValueError(f"{where}.rows[{n}] is not an array")
        if columns and len(row) != len(columns):
            raise ValueError(f"{where}.rows[{n}] has {len(row)} values for {len(columns)} columns")
    message = raw.get("message")
    return {
        "columns": [name for name, _ in columns],
        "types": [kind for _, kind in columns],
        "rows": rows,
        "row_count": _count(_first(raw, "rowCount", "row_count")),
        "duration": _first(raw, "duration"),
        "message": None if message in (None, "") else str(message),
    }


def parse_result(response: HttpResponse, method: str, path: str) -> dict[str, Any]:
    """``GET .../scripts/{script}/instances/{id}``: ``status``, ``message`` and ``results`` (a list of
    :func:`result_set`)."""
    body = parse_json_object(response, method, path)
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise _fail(response, method, path, f"'status' is {status!r}")
    try:
        raw_results = _array(_first(body, "results", "result"), "'results'")
        results = [result_set(r, f"results[{n}]") for n, r in enumerate(raw_results)]
    except ValueError as exc:
        raise _fail(response, method, path, str(exc)) from None
    message = body.get("message")
    return {
        "status": status,
        "message": None if message in (None, "") else str(message),
        "results": results,
    }


def script(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A script definition in one snake_case shape (V1 camelCase and V2 snake_case accepted)."""
    return {
        "name": raw.get("name"),
        "type": raw.get("type"),
        "connection_name": _first(raw, "connectionName", "connection_name"),
        "database": raw.get("database"),
        "queue_name": _first(raw, "queueName", "queue_name"),
        "configuration": raw.get("configuration"),
        "directory": raw.get("directory"),
        "description": raw.get("description"),
        "owner": _first(raw, "owner", "createUser", "create_user"),
        "version": raw.get("version"),
        "modify_time": _first(raw, "modifyTime", "modify_time"),
    }


def parse_script(response: HttpResponse, method: str, path: str) -> dict[str, Any]:
    """``GET /v1/{pid}/scripts/{script}``: the definition (``content`` is left out: it may be 4 MB)."""
    body = parse_json_object(response, method, path)
    shaped = script(body)
    if not isinstance(shaped["name"], str) or not isinstance(shaped["type"], str):
        raise _fail(response, method, path, "expected 'name' and 'type'")
    return shaped


def parse_scripts_page(response: HttpResponse, method: str, path: str) -> Page:
    """``GET /v2/{pid}/factory/scripts``: ``{"total", "scripts": [...]}``, each normalised."""
    page = parse_listing_page(response, method, path, id_key="name", data_key="scripts")
    return Page(items=[script(s) for s in page.items], total=page.total, request_id=page.request_id)


def bounded(result: Mapping[str, Any], max_rows: int) -> dict[str, Any]:
    """``result`` with at most ``max_rows`` rows per result set; each set says how many rows the answer
    held (``rows_returned``) and how many are kept (``rows_kept``), so a cut is never silent."""
    sets = []
    for entry in result.get("results", []):
        rows = entry["rows"]
        sets.append(
            {
                **entry,
                "rows": rows[:max_rows],
                "rows_returned": len(rows),
                "rows_kept": min(len(rows), max_rows),
            }
        )
    return {**result, "results": sets}


def failure_message(result: Mapping[str, Any]) -> str | None:
    """The service's reason for a failed run: the top-level message, else the result sets' messages."""
    if result.get("message"):
        return str(result["message"])
    found = [str(r["message"]) for r in result.get("results", []) if r.get("message")]
    return "; ".join(found[:5]) or None


#: Text a check reads as false (any case), as SQL engines and the SDK often answer values as text.
FALSE_TEXT = frozenset({"", "0", "0.0", "false", "f", "no", "n", "off", "null", "none"})


def is_true(value: object) -> bool:
    """A check's reading of one value: null, 0, False and :data:`FALSE_TEXT` are false; other text is
    true unless it is a number equal to 0."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in FALSE_TEXT:
            return False
        try:
            return float(text) != 0
        except ValueError:
            return True
    return bool(value)


def first_row_check(sets: list[dict[str, Any]]) -> tuple[dict[Any, Any] | None, list[str]]:
    """``(first row as column -> value, the columns whose value is false)`` of the first result set, as
    ``SQLCheckOperator`` reads a query (None: no row). Columns without a schema are numbered."""
    if not sets or not sets[0]["rows"]:
        return None, []
    first = sets[0]["rows"][0]
    names = sets[0]["columns"] or range(len(first))
    row = dict(zip(names, first, strict=False))
    return row, [str(name) for name, value in row.items() if not is_true(value)]
