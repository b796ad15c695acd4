"""Non-idempotent calls (start a job, create a release package) at most once: :func:`at_most_once` sends the
call, and after a failure that may have reached the service it looks for what the call did instead of
sending it again blindly. The API families give it their look (``<family>/flows.py``)."""

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
