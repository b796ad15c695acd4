# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Thin transports: they perform the effects the protocol flows yield, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsDeadlineError,
    DataArtsError,
    DataArtsResponseError,
    DataArtsTransportError,
)
from airflow_dataarts_provider.core.protocol.http import AnswerBounds, BodyBuffer, HttpRequest


def describe(exc: BaseException) -> str:
    """A one-line description of a transport-level failure (no request data, so no secrets)."""
    return f"{type(exc).__name__}: {exc}"


def late_error(
    request: HttpRequest, bounds: AnswerBounds, by_caller: bool, *, sent: bool = True
) -> DataArtsError:
    """The error of an exchange cut at its deadline: the caller's (:class:`DataArtsDeadlineError`), or
    ``connect + read`` (a timeout :class:`DataArtsTransportError`, retried like any other)."""
    if by_caller:
        where = "" if sent else " not sent"
        return DataArtsDeadlineError(f"{request.method} {request.path}{where}: {bounds.late(True)}")
    return DataArtsTransportError(request.method, request.path, bounds.late(), timeout=True)


def too_large_error(
    request: HttpRequest, status: int, headers: Mapping[str, str], buffer: BodyBuffer
) -> DataArtsResponseError:
    """The error of an answer the drivers stopped reading (:attr:`BodyBuffer.problem` says why)."""
    problem = buffer.problem or "the answer is too large"
    return DataArtsResponseError(request.method, request.path, status, problem, headers.get("x-request-id"))
