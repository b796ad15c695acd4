# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""A scripted driver: runs any flow against canned answers, with no sockets and no sleeping.

For tests of the protocol (this provider's, or a user's own flows built on it), like botocore's
Stubber: each ``Send`` takes the next scripted outcome, an :class:`HttpResponse`, a
:class:`DataArtsTransportError`, or a callable ``request -> outcome``. ``Sleep`` is recorded and advances
the fake :meth:`monotonic` clock; ``Parallel`` sub-flows run one after the other; ``Emit`` items are
collected; ``Budget`` calls are recorded and answered ``None`` (no shared budget: the flow uses its
local bucket). Running out of script raises ``AssertionError`` (it would mean an unbounded retry loop)::

    driver = ScriptedDriver([HttpResponse(503, {}, b""), HttpResponse(200, headers, body)])
    ctx = CallContext.create(config, monotonic=driver.monotonic)
    page = driver.run(perform(ctx, calls.pending_items(config).page(100, 0)))
    assert driver.sleeps == [...]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from airflow_dataarts_provider.core.protocol.effects import (
    Budget,
    Emit,
    Flow,
    Parallel,
    Send,
    Sleep,
    T,
    resume,
)
from airflow_dataarts_provider.core.protocol.errors import DataArtsTransportError
from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse

Outcome = HttpResponse | DataArtsTransportError | Callable[[HttpRequest], Any]


class ScriptedDriver:
    """Drives flows over a script of outcomes; records requests, sleeps and emitted items."""

    def __init__(self, script: Sequence[Outcome], *, max_sends: int = 10_000, start: float = 1000.0) -> None:
        self.script = list(script)
        self.requests: list[HttpRequest] = []
        self.sleeps: list[float] = []
        self.emitted: list[dict[str, Any]] = []
        self.budget_calls: list[Budget] = []
        self.max_sends = max_sends
        self.now = start  # the fake monotonic clock, advanced by the recorded sleeps

    def monotonic(self) -> float:
        return self.now

    def _send(self, request: HttpRequest) -> HttpResponse | DataArtsTransportError:
        self.requests.append(request)
        if len(self.requests) > self.max_sends:
            raise AssertionError(f"more than {self.max_sends} requests: a retry or paging storm")
        if not self.script:
            raise AssertionError(f"script exhausted at request {len(self.requests)} ({request.url})")
        outcome = self.script.pop(0)
        result = outcome(request) if callable(outcome) else outcome
        if not isinstance(result, (HttpResponse, DataArtsTransportError)):
            raise TypeError(f"a scripted outcome must be a response or a transport error, not {result!r}")
        return result

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result (the first failure of a ``Parallel`` is thrown after all ran)."""
        try:
            effect = next(flow)
            while True:
                outcome: Any = None
                if isinstance(effect, Send):
                    outcome = self._send(effect.request)
                elif isinstance(effect, Sleep):
                    if effect.seconds < 0:
                        raise AssertionError(f"negative sleep {effect.seconds}")
                    self.sleeps.append(effect.seconds)
                    self.now += effect.seconds
                elif isinstance(effect, Parallel):
                    outcome = self._parallel(effect)
                elif isinstance(effect, Budget):
                    self.budget_calls.append(effect)
                elif isinstance(effect, Emit):
                    self.emitted.extend(effect.items)
                else:  # pragma: no cover - the Effect union is closed
                    raise TypeError(f"unknown effect {effect!r}")
                effect = resume(flow, outcome)
        except StopIteration as stop:
            result: T = stop.value
            return result

    def _parallel(self, effect: Parallel) -> list[Any] | BaseException:
        results: list[Any] = []
        failure: BaseException | None = None
        for sub in effect.flows:
            try:
                results.append(self.run(sub))
            except AssertionError:
                raise
            except Exception as exc:  # the driver contract: the first failure, after all ran
                failure = failure or exc
        return failure if failure is not None else results
