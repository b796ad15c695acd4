# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Non-idempotent calls at most once. :func:`at_most_once` (start a job, create a release package) sends the
call, and after a failure that may have reached the service it looks for what the call did instead of
sending it again blindly; the API families give it their look (``<family>/flows.py``). :func:`send_once`
(execute a script) is for calls whose effect nothing lists afterwards: no look, no resend unless the
caller allows one. :func:`look_until_seen` waits for what an accepted call did to show."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from airflow_dataarts_provider.core.protocol.calls import ApiCall
from airflow_dataarts_provider.core.protocol.effects import Flow
from airflow_dataarts_provider.core.protocol.engine import CallContext, perform, sleep_within
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsError,
    DataArtsTransportError,
    DataArtsUnknownOutcomeError,
)
from airflow_dataarts_provider.core.protocol.redaction import scrub

R = TypeVar("R")


def at_most_once(
    ctx: CallContext, call: ApiCall[R], look: Callable[[], Flow[R | None]], what: str
) -> Flow[tuple[R, bool]]:
    """Send a non-idempotent ``call`` at most once in effect: ``(value, True)`` from its answer, or
    ``(value, False)`` when ``look()`` found what a call whose answer was lost had done.

    After a failure that may have reached the service, the flow waits one back-off and looks. Found:
    adopted. Not found after an HTTP answer (5xx, unreadable body: the service is done with the request):
    sent again while attempts remain. Not found after **no** answer (timeout, dropped connection: the
    service may still be working on it): never sent again, :class:`DataArtsUnknownOutcomeError`. A
    refused call (4xx; 429 until :func:`perform` gave up) is raised at once: nothing happened."""
    for attempt in range(1, ctx.config.max_attempts + 1):
        try:
            return (yield from perform(ctx, call)), True
        except DataArtsError as exc:
            if not exc.retryable or exc.unprocessed:
                raise
            failure = exc
        yield from sleep_within(ctx, ctx.policy.backoff_seconds(attempt), "before looking again")
        found = yield from look()
        if found is not None:
            return found, False
        if isinstance(failure, DataArtsTransportError):
            raise scrub(
                DataArtsUnknownOutcomeError(
                    f"{what}: no answer ({failure}), and nothing it did is listed yet. It may still"
                    " happen, so it is not sent again; a later try looks again and adopts it"
                ),
                ctx.secrets,
            ) from failure
        if attempt == ctx.config.max_attempts:
            raise failure
        ctx.stats.retries += 1  # the service answered and provably did nothing: send it again
    raise AssertionError("unreachable")  # pragma: no cover


def send_once(ctx: CallContext, call: ApiCall[R], what: str, *, resends: int, check: str) -> Flow[R]:
    """Send a non-idempotent ``call`` whose effect cannot be looked up afterwards. After a failure that
    may have reached the service (no answer, or an answer after it processed the request), it is sent
    again only while ``resends`` remain (the caller's consent: safe to repeat); then
    :class:`DataArtsUnknownOutcomeError` says it may have happened and what to ``check``. A refused call
    (4xx) or one that never left (connection refused) is raised as it is: nothing happened."""
    for attempt in range(1, resends + 2):
        try:
            return (yield from perform(ctx, call))
        except DataArtsError as exc:
            if not exc.retryable or exc.unprocessed:
                raise
            if attempt > resends:
                allowed = f" (after {resends} resend{'s' * (resends > 1)})" if resends else ""
                raise scrub(
                    DataArtsUnknownOutcomeError(
                        f"{what}: no clear answer{allowed} ({exc}). It may have started anyway and nothing"
                        f" lists what it started, so it is not sent again; check {check}"
                    ),
                    ctx.secrets,
                ) from exc
        ctx.stats.retries += 1
        yield from sleep_within(ctx, ctx.policy.backoff_seconds(attempt), "before sending again")
    raise AssertionError("unreachable")  # pragma: no cover


#: How many times, one back-off apart, what an accepted call did is looked for before giving up.
LOOKS = 6


def look_until_seen(ctx: CallContext, look: Callable[[], Flow[R | None]], what: str) -> Flow[R]:
    """After a call the service accepted (a rerun, a PatchData run), the first non-None ``look()``, up
    to :data:`LOOKS` looks one back-off apart (the service may show it a moment later); else an error."""
    for attempt in range(1, LOOKS + 1):
        found = yield from look()
        if found is not None:
            return found
        if attempt < LOOKS:
            yield from sleep_within(ctx, ctx.policy.backoff_seconds(attempt), "before looking again")
    raise DataArtsError(f"{what}: the service accepted it, but it does not show after {LOOKS} looks")
