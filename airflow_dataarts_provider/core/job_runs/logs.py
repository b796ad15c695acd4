# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""A failed node's log, read from OBS: the last ``max_bytes`` of the object its ``logPath`` names, with the
connection's AK/SK (permanent, temporary or the agency's). A ``HEAD`` gives the size, then a ranged
``GET`` reads the tail; a server that ignores the range (200, the whole object) is cut here."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_dataarts_provider.core.job_runs.values import DEFAULT_TAIL_BYTES
from airflow_dataarts_provider.core.protocol import obs
from airflow_dataarts_provider.core.protocol.auth import AkSkCredentials
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import (
    AnonymousCall,
    CallContext,
    credentials_flow,
    perform,
)
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError, DataArtsResponseError
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.protocol.values import check_int


@dataclass(frozen=True)
class LogTail:
    """The end of a node's log: ``text`` holds bytes ``start`` to ``size - 1`` of the object."""

    log_path: str
    size: int
    start: int
    text: str


def _size(response: HttpResponse) -> int:
    declared = (response.header("content-length") or "").strip()
    if not declared.isdigit() or len(declared) > 18:
        raise DataArtsResponseError(
            "HEAD", "(OBS object)", response.status, f"Content-Length is {declared!r}"
        )
    return int(declared)


def _answer(response: HttpResponse) -> HttpResponse:
    return response


def log_tail_flow(ctx: CallContext, log_path: str, max_bytes: int = DEFAULT_TAIL_BYTES) -> Flow[LogTail]:
    """The last ``max_bytes`` (1..``max_response_bytes``) of the log at ``log_path`` (``obs://...``)."""
    target = obs.log_object(log_path)
    limit = check_int("max_bytes", max_bytes, 1, ctx.config.max_response_bytes)
    credentials = yield from credentials_flow(ctx)
    if not isinstance(credentials, AkSkCredentials):
        raise DataArtsConfigError(
            "auth_type",
            "IAM token credentials cannot sign OBS requests",
            "aksk (permanent or temporary) or agency",
        )

    def request(method: str, byte_range: tuple[int, int] | None = None) -> AnonymousCall[HttpResponse]:
        signed = obs.signed_request(
            method,
            ctx.config.obs_endpoint,
            target,
            ak=credentials.ak,
            sk=credentials.sk,
            security_token=credentials.security_token,
            now=ctx.clock(),
            byte_range=byte_range,
        )
        return AnonymousCall(signed, _answer)

    size = _size((yield from perform(ctx, request("HEAD"))))
    if size == 0:
        return LogTail(log_path, 0, 0, "")
    start = max(0, size - limit)
    answer = yield from perform(ctx, request("GET", (start, size - 1)))
    body = answer.body
    if answer.status == 200:  # the range was ignored: the whole object came back
        start, body = max(0, len(body) - limit), body[-limit:]
    return LogTail(log_path, size, start, body.decode("utf-8", "replace"))
