"""Faults: scripted answers per endpoint (statuses, drops, broken bodies, sleeps) and scheduled
listing mutations. Parsing and applying them; the queues live in the state."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
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
from ._data import BASE_TIMESTAMP_MS, generate_items

if TYPE_CHECKING:
    from ._state import State

# repeat_row: answered normally, then the page's second row is replaced by a copy of its first (a
# listing whose rows shifted under an unstable sort: one row shown twice, another hidden, same total).
FAULT_KINDS = ("drop", "drop_after", "malformed", "truncated", "html", "repeat_row")
POST_FAULTS = ("drop_after", "repeat_row")  # applied to the processed answer


@dataclass
class Fault:
    kind: str  # status | drop | drop_after | malformed | truncated | html | repeat_row | sleep
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        if self.kind == "status":
            return f"status:{self.status}"
        if self.kind == "sleep":
            return f"sleep:{self.seconds}"
        return self.kind


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
            return Fault(text)
        if text.startswith("sleep:"):
            return Fault("sleep", seconds=check_seconds(text.split(":", 1)[1]))
        if text.isdigit():
            return Fault("status", status=_check_status(int(text)))
        raise ValueError(f"invalid fault entry: {entry!r}")
    if isinstance(entry, Mapping):
        if "action" in entry:
            action = str(entry["action"]).lower()
            if action == "sleep":
                return Fault("sleep", seconds=check_seconds(entry.get("seconds", 0)))
            if action in FAULT_KINDS:
                return Fault(action)
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


def fault_response(st: State, req: Request, fault: Fault) -> Response | None:
    if fault.kind == "drop":
        return Response(0, drop=True)
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
