# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Faults: scripted answers per endpoint (statuses, drops, broken bodies, sleeps) and scheduled
listing mutations. Parsing and applying them; the queues live in the state."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ._common import (
    JSON_CT,
    Position,
    Request,
    Response,
    gateway_error,
    json_bytes,
    json_response,
    throttle_body,
)
from ._pending_items import BASE_TIMESTAMP_MS, generate_items

if TYPE_CHECKING:
    from ._state import State

# repeat_row: answered normally, then the page's second row is replaced by a copy of its first (a
# listing whose rows shifted under an unstable sort: one row shown twice, another hidden, same total).
FAULT_KINDS = ("drop", "drop_after", "malformed", "truncated", "html", "repeat_row", "endless", "echo")
#: Applied to the processed answer (the request changed the state first).
POST_FAULTS = ("drop_after", "repeat_row", "status_after", "trickle", "trickle_headers")
#: Kinds that take a number after a colon (``huge:1000000``, ``trickle:0.5``, ``nested:5000``,
#: ``status_after:500``): bytes, seconds between bytes, nesting depth, status.
NUMBERED_KINDS = ("huge", "trickle", "trickle_headers", "nested", "status_after")
#: Hostile streams stop by themselves after this long (or when the emulator stops, or the client leaves).
STREAM_LIMIT_S = 120.0


@dataclass
class Fault:
    kind: str  # status | sleep | one of FAULT_KINDS | one of NUMBERED_KINDS
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    #: huge: bytes; nested: depth.
    size: int = 0

    def describe(self) -> str:
        if self.kind == "status":
            return f"status:{self.status}"
        if self.kind == "sleep":
            return f"sleep:{self.seconds}"
        if self.kind in ("trickle", "trickle_headers"):
            return f"{self.kind}:{self.seconds}"
        if self.kind in ("huge", "nested"):
            return f"{self.kind}:{self.size}"
        if self.kind == "status_after":
            return f"status_after:{self.status}"
        return self.kind


def _numbered(kind: str, value: Any, status: Any = None) -> Fault:
    if kind in ("trickle", "trickle_headers"):
        return Fault(kind, seconds=check_seconds(value))
    if kind == "status_after":
        return Fault(kind, status=_check_status(int(value)))
    size = int(value)
    if size < 1:
        raise ValueError(f"{kind} needs a positive number")
    return Fault(kind, size=size, status=_check_status(int(status)) if status is not None else 200)


@dataclass
class Mutation:
    after_requests: int
    insert: int
    remove: int
    position: Position
    workspace: str
    seen: int = 0
    #: Also expire every IAM token and temporary key (a token expiring in the middle of a walk).
    expire_tokens: bool = False


def repeat_first_row(resp: Response) -> Response:
    if resp.status != 200:
        return resp
    body = json.loads(resp.body)
    rows = body.get("data")
    if isinstance(rows, list) and len(rows) >= 2:
        rows[1] = rows[0]
        resp.body = json_bytes(body)
    return resp


def parse_fault(entry: Any) -> Fault:
    if isinstance(entry, bool):
        raise ValueError(f"invalid fault entry: {entry!r}")
    if isinstance(entry, int):
        return Fault("status", status=_check_status(entry))
    if isinstance(entry, str):
        text = entry.strip().lower()
        if text in FAULT_KINDS:
            return Fault(text, status=400 if text == "echo" else 200)
        if text.startswith("sleep:"):
            return Fault("sleep", seconds=check_seconds(text.split(":", 1)[1]))
        kind, _, number = text.partition(":")
        if kind in NUMBERED_KINDS and number:
            return _numbered(kind, number)
        if text.isdigit():
            return Fault("status", status=_check_status(int(text)))
        raise ValueError(f"invalid fault entry: {entry!r}")
    if isinstance(entry, Mapping):
        if "action" in entry:
            action = str(entry["action"]).lower()
            if action == "sleep":
                return Fault("sleep", seconds=check_seconds(entry.get("seconds", 0)))
            if action in FAULT_KINDS:
                return Fault(action, status=_check_status(int(entry.get("status", 400))))
            if action in NUMBERED_KINDS:
                value = entry.get("seconds", entry.get("bytes", entry.get("depth", entry.get("status"))))
                return _numbered(action, value, entry.get("status") if action == "nested" else None)
            raise ValueError(f"invalid fault action: {action!r}")
        if "status" in entry:
            headers = entry.get("headers") or {}
            if not isinstance(headers, Mapping):
                raise ValueError("fault headers must be a mapping")
            return Fault(
                "status",
                status=_check_status(int(entry["status"])),
                body=entry.get("body"),
                headers={str(k): str(v) for k, v in headers.items()},
            )
    raise ValueError(f"invalid fault entry: {entry!r}")


def _check_status(status: int) -> int:
    if not 100 <= status <= 599:
        raise ValueError(f"invalid HTTP status {status}")
    return status


def check_seconds(value: Any) -> float:
    seconds = float(value)
    if seconds < 0 or math.isnan(seconds):
        raise ValueError("sleep seconds must be >= 0")
    return seconds


def _bounded(chunks: Iterator[bytes], stopping: Callable[[float], bool]) -> Iterator[bytes]:
    """``chunks`` until :data:`STREAM_LIMIT_S` passed or the emulator stops (``stopping(0)``)."""
    started = time.monotonic()
    for chunk in chunks:
        if stopping(0) or time.monotonic() - started > STREAM_LIMIT_S:
            return
        yield chunk


def _huge(size: int) -> Iterator[bytes]:
    """A JSON object of ``size`` bytes (valid if read whole: an empty listing with padding)."""
    head, tail = b'{"data": [], "total": 0, "pad": "', b'"}'
    yield head
    left = max(0, size - len(head) - len(tail))
    while left > 0:
        step = min(left, 65536)
        yield b"x" * step
        left -= step
    yield tail


def _endless() -> Iterator[bytes]:
    yield b'{"data": ['
    row = b'{"pending_item_id": "endless", "item_name": "endless"},' * 1000
    while True:
        yield row


def _trickle(body: bytes, seconds: float, stopping: Callable[[float], bool]) -> Iterator[bytes]:
    for index in range(len(body)):
        if stopping(seconds):
            return
        yield body[index : index + 1]


def _echo(req: Request, status: int) -> Response:
    """An error whose message repeats the request: its headers as JSON, as ``key=value`` and as the
    gateway's ``name:value|`` form, and its body (an IAM password, too). What a careless server does."""
    headers = {name: req.headers.get(name.lower(), "") for name in req.header_names}
    as_pairs = "&".join(f"{k}={v}" for k, v in headers.items())
    as_gateway = "|".join(f"{k.lower()}:{v}" for k, v in headers.items())
    text = req.body.decode("utf-8", "replace")
    message = (
        f"echo headers={json.dumps(headers)} query={req.raw_query} pairs={as_pairs}"
        f" canonical={as_gateway} body={text}"
    )
    return json_response(status, {"error_code": "EMU.ECHO", "error_msg": message, "request_body": text})


def fault_response(
    st: State, req: Request, fault: Fault, stopping: Callable[[float], bool]
) -> Response | None:
    """The answer a fault gives instead of the endpoint's (None: the endpoint answers).
    ``stopping(seconds)`` waits up to that long and says whether the emulator is stopping."""
    if fault.kind == "drop":
        return Response(0, drop=True)
    if fault.kind == "huge":
        return Response(200, stream=_bounded(_huge(fault.size), stopping))
    if fault.kind == "endless":
        return Response(200, stream=_bounded(_endless(), stopping))
    if fault.kind == "nested":
        depth = fault.size
        return Response(fault.status, b"[" * depth + b"]" * depth, content_type=JSON_CT)
    if fault.kind == "echo":
        return _echo(req, fault.status)
    if fault.kind == "malformed":
        return Response(200, b'{"data": [{"pending_item_id": "x",, }', content_type=JSON_CT)
    if fault.kind == "truncated":
        full = json_bytes({"data": st.items_api(None)[:5], "total": 5})
        return Response(200, full[: max(1, len(full) // 2)], content_type=JSON_CT)
    if fault.kind == "html":
        html = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return Response(200, html, content_type="text/html")
    # explicit status
    if fault.status == 200 and fault.body is None:
        return None  # answer normally
    if fault.body is not None:
        if isinstance(fault.body, str):
            resp = Response(fault.status, fault.body.encode("utf-8"), dict(fault.headers))
            resp.content_type = fault.headers.get("Content-Type", "text/plain")
            return resp
        return json_response(fault.status, fault.body, fault.headers)
    if fault.status == 429:
        with st.lock:
            limit = st.rate_limit
        return throttle_body(req, limit).with_headers(fault.headers)
    phrase = HTTPStatus(fault.status).phrase if fault.status in HTTPStatus._value2member_map_ else "Error"
    return gateway_error(
        req, fault.status, f"EMU.{fault.status}", f"{phrase} (scripted fault)", fault.headers
    )


# ------------------------------------------------------------------ authentication


def after_success(st: State, workspace: str) -> None:
    remaining: list[Mutation] = []
    for mutation in st.mutations:
        if mutation.workspace == workspace:
            mutation.seen += 1
        if mutation.seen < mutation.after_requests:
            remaining.append(mutation)
            continue
        apply_mutation(st, mutation)
    st.mutations = remaining


def apply_mutation(st: State, mutation: Mutation) -> None:
    ws = mutation.workspace
    if mutation.expire_tokens:
        st.expire_tokens()
    if mutation.insert:
        newest = max((i.submit_timestamp for i in st.items), default=BASE_TIMESTAMP_MS)
        new = generate_items(
            mutation.insert,
            st.rng.randrange(2**32),
            ws,
            base_timestamp_ms=newest + 60_000,
            name_prefix="inserted ",
        )
        if mutation.position == "front":
            st.items = new + st.items
        else:
            st.items.extend(new)
    if mutation.remove:
        in_ws = [i for i in st.items if i.workspace_id == ws]
        victims = in_ws[: mutation.remove] if mutation.position == "front" else in_ws[-mutation.remove :]
        gone = {id(i) for i in victims}
        st.items = [i for i in st.items if id(i) not in gone]


# ------------------------------------------------------------------ release packages (API)


def after_processing(resp: Response, fault: Fault, stopping: Callable[[float], bool]) -> Response:
    """Apply a post-processing fault to the endpoint's answer (its state change already happened)."""
    if fault.kind == "drop_after":  # processed, then the connection is closed
        resp.processed_status = resp.status
        resp.drop = True
    elif fault.kind == "status_after":  # processed, then a gateway error instead of the answer
        resp.processed_status = resp.status
        resp.status = fault.status
        resp.body = json_bytes({"error_code": f"EMU.{fault.status}", "error_msg": "after processing"})
    elif fault.kind == "repeat_row":
        resp = repeat_first_row(resp)
    elif fault.kind == "trickle":
        resp.stream = _bounded(_trickle(resp.body, fault.seconds, stopping), stopping)
    elif fault.kind == "trickle_headers":
        resp.header_delay = fault.seconds
    return resp
