# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Effects: how the pure protocol flows ask their driver for I/O.

A *flow* is a generator that yields effects and receives their results:

- :class:`Send` -> the driver sends the request and sends back the :class:`HttpResponse`, or throws a
  :class:`~airflow_dataarts_provider.core.protocol.errors.DataArtsTransportError` into the flow;
- :class:`Sleep` -> the driver waits (``time.sleep`` or ``asyncio.sleep``) and sends back ``None``;
- :class:`Parallel` -> the driver runs sub-flows concurrently (threads or tasks) and sends back their
  results in order, or throws the first failure into the flow;
- :class:`Budget` -> the driver books a slot in (or pushes back) the shared rate budget and sends back the
  seconds to wait, or ``None`` when that backend cannot be used now (the flow then uses its local bucket);
- :class:`Emit` -> (listing flows only) the driver hands the items to its consumer and sends back ``None``.

Retries, authentication, rate limiting and paging are written once, as flows; the sync (requests) and
async (httpx) drivers in :mod:`airflow_dataarts_provider.transport` only perform the effects."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

if TYPE_CHECKING:  # annotations only: a DAG file importing a condition does not load HTTP or budgets
    from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse
    from airflow_dataarts_provider.core.protocol.ratelimit import BudgetCall


@dataclass(frozen=True)
class Send:
    request: HttpRequest
    #: The caller's absolute deadline (``time.monotonic()`` seconds): the driver ends the exchange then,
    #: if that is before the request's own ``connect + read`` bound.
    deadline: float | None = None


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Parallel:
    """Run these sub-flows concurrently; the driver sends back the list of their results in order, or
    throws the first failure into the flow (after every sub-flow has finished)."""

    flows: list[Generator[Any, Any, Any]]


@dataclass(frozen=True)
class Budget:
    """Run ``call`` on the shared budget at ``backend`` (a Redis URL, which may hold a password)."""

    backend: str = field(repr=False)
    call: BudgetCall


@dataclass(frozen=True)
class Emit:
    items: list[dict[str, Any]]


Effect = Send | Sleep | Parallel | Budget | Emit


T = TypeVar("T")


# A flow yields effects, receives HttpResponse (for Send) or None, and returns T.
Flow = Generator[Effect, Any, T]


Outcome: TypeAlias = "HttpResponse | list[Any] | float | BaseException | None"


def resume(flow: Flow[Any], outcome: Outcome) -> Effect:
    """Resume ``flow`` with the outcome of its last effect and return its next effect.

    Drivers call this inside their own ``except StopIteration`` (a ``StopIteration`` must never leave a
    coroutine: Python turns it into ``RuntimeError``).
    """
    if isinstance(outcome, BaseException):
        return flow.throw(outcome)
    return flow.send(outcome)  # type: ignore[arg-type]
