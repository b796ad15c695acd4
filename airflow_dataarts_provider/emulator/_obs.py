# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""An OBS look-alike serving the node logs the job instances name (``obs://dlf-log-emulator/<job>/<instance>/
<run>/<node>.log``), path style: ``GET``/``HEAD /dlf-log-emulator/<key>``. Its own OBS signature check
(``Authorization: OBS <AK>:<Base64(HMAC-SHA1(SK, string to sign))>``, the AK/SK pairs and temporary
credentials of the emulator's accounts, ``x-obs-security-token`` for the latter), a 15-minute ``Date``
window, ``Range: bytes=<first>-<last>`` (206 with ``Content-Range``; a range it cannot read is ignored:
200 with the whole object, as OBS documents), and OBS's XML errors (``NoSuchKey``, ``AccessDenied``,
``SignatureDoesNotMatch``, ``RequestTimeTooSkewed``). Shares no code with the client's signer.

A log is generated from the instance: ``log_lines`` lines of the job (default 2,000, about 90 KB); the
failing node's log ends with its error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from ._common import Request, Response

if TYPE_CHECKING:
    from ._job_runs import Instance
    from ._state import State

BUCKET = "dlf-log-emulator"
_KEY_RE = re.compile(r"([^/]+)/(\d+)/(\d+)/([^/]+)\.log")
_RANGE_RE = re.compile(r"bytes=(\d+)-(\d+)")


def _error(status: int, code: str, message: str, resource: str) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
        f"<Resource>{resource}</Resource><RequestId>EMU{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
    return Response(status, body.encode(), content_type="application/xml")


def _sk_of(st: State, req: Request) -> str | Response:
    """The SK the request claims (permanent or temporary with its token), or the error answer."""
    found = re.fullmatch(r"OBS ([^:\s]+):(\S+)", req.header("authorization") or "")
    if found is None:
        return _error(403, "AccessDenied", "Anonymous access is not allowed", req.raw_path)
    ak = found.group(1)
    with st.lock:
        permanent, temporary = st.credentials.get(ak), st.temp_credentials.get(ak)
    token = req.header("x-obs-security-token")
    if permanent is not None and not token:
        return permanent.sk
    if temporary is not None and token and secrets.compare_digest(token, temporary.security_token):
        return temporary.sk
    return _error(403, "InvalidAccessKeyId", "The access key does not exist or its token does not match", "")


def _expected(req: Request, sk: str) -> str:
    obs = sorted((k.lower(), v.strip()) for k, v in req.headers.items() if k.lower().startswith("x-obs-"))
    date = "" if any(k == "x-obs-date" for k, _ in obs) else (req.header("date") or "")
    text = (
        f"{req.method}\n{req.header('content-md5') or ''}\n{req.header('content-type') or ''}\n{date}\n"
        + "".join(f"{k}:{v}\n" for k, v in obs)
        + req.raw_path
    )
    return base64.b64encode(hmac.new(sk.encode(), text.encode(), hashlib.sha1).digest()).decode()


def _skewed(req: Request, window_s: float) -> bool:
    raw = req.header("x-obs-date") or req.header("date") or ""
    try:
        sent = parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return True
    return abs(time.time() - sent) > window_s


def log_text(instance: Instance, node: str, lines: int) -> bytes:
    """The generated log of ``node`` in ``instance``'s current run."""
    body = "".join(
        f"2026-12-01 03:{n // 60 % 60:02d}:{n % 60:02d} INFO {node} step {n:06d}: rows processed\n"
        for n in range(lines)
    )
    if node == instance.failing_node and instance.outcome == "fail":
        body += f"2026-12-01 04:00:00 ERROR {node}: DLI.0001 table dw.sales does not exist\n"
    return body.encode()


def obs_object(st: State, req: Request) -> Response:
    if req.method not in ("GET", "HEAD"):
        return _error(405, "MethodNotAllowed", "The method is not allowed", req.raw_path)
    sk = _sk_of(st, req)
    if isinstance(sk, Response):
        return sk
    if _skewed(req, st.config.max_clock_skew_s):
        return _error(
            403, "RequestTimeTooSkewed", "The request time is too far from the server's", req.raw_path
        )
    sent = (req.header("authorization") or "").rpartition(":")[2]
    if not hmac.compare_digest(_expected(req, sk), sent):
        return _error(
            403, "SignatureDoesNotMatch", "The signature we calculated does not match", req.raw_path
        )
    key = unquote(req.raw_path[len(f"/{BUCKET}/") :])
    found = _KEY_RE.fullmatch(key)
    with st.lock:
        instance = st.instances.get(int(found.group(2))) if found else None
        if instance is None or found is None or found.group(4) not in instance.nodes:
            return _error(404, "NoSuchKey", "The resource you requested does not exist", req.raw_path)
        whole = log_text(instance, found.group(4), instance.job.log_lines)
        st.counters["obs_reads"] = st.counters.get("obs_reads", 0) + 1
    return _ranged(req, whole)


def _ranged(req: Request, whole: bytes) -> Response:
    headers = {"Accept-Ranges": "bytes", "x-obs-request-id": secrets.token_hex(8)}
    wanted = _RANGE_RE.fullmatch((req.header("range") or "").strip())
    first, last = (int(wanted.group(1)), int(wanted.group(2))) if wanted else (0, -1)
    if wanted is None or first > last or first >= len(whole):  # no range, or one it cannot read: all
        body, status = whole, 200
    else:
        last = min(last, len(whole) - 1)
        body, status = whole[first : last + 1], 206
        headers["Content-Range"] = f"bytes {first}-{last}/{len(whole)}"
    return Response(status, body, headers, content_type="text/plain")  # a HEAD's body is not sent
