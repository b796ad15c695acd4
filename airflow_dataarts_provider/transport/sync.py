"""Synchronous transport (requests, one pooled Session) and the sync flow driver."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

import requests

from airflow_dataarts_provider.core.effects import (
    Budget,
    Emit,
    Flow,
    Outcome,
    Parallel,
    Send,
    Sleep,
    T,
    resume,
)
from airflow_dataarts_provider.core.errors import DataArtsTransportError
from airflow_dataarts_provider.core.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.transport import budget, describe

#: Lanes run at once at most (``max_concurrency`` is validated to 1..16; lanes never nest).
MAX_LANES = 16


class SyncTransport:
    """Sends :class:`HttpRequest` values byte for byte over one pooled ``requests.Session``."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float],
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
    ) -> None:
        self._timeout = timeout
        self._verify = verify
        self._proxies = dict(proxies or {})
        self._session = requests.Session()
        # requests reads proxy and CA settings from the environment on every request (most of its CPU
        # per request here); they are resolved once per origin instead (_settings), same semantics.
        self._session.trust_env = False
        self._origins: dict[tuple[str, str], tuple[dict[str, str], bool | str]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def pool(self) -> ThreadPoolExecutor:
        """Threads for ``Parallel`` lanes, started once per transport (not per concurrent round)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=MAX_LANES, thread_name_prefix="dataarts-lane")
        return self._pool

    def _settings(self, url: str) -> tuple[dict[str, str], bool | str]:
        """Proxies (environment, NO_PROXY, then the connection's) and CA bundle for ``url``'s origin."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        if origin not in self._origins:
            with requests.Session() as probe:  # trust_env=True: what requests itself would use
                merged = probe.merge_environment_settings(
                    f"{parts.scheme}://{parts.netloc}/", dict(self._proxies), None, self._verify, None
                )
            verify = merged["verify"]
            self._origins[origin] = (
                dict(merged["proxies"] or {}),
                self._verify if verify is None else verify,
            )
        return self._origins[origin]

    def send(self, request: HttpRequest) -> HttpResponse:
        proxies, verify = self._settings(request.url)
        try:
            response = self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body or None,
                timeout=self._timeout,
                verify=verify,
                proxies=proxies,
                allow_redirects=False,
            )
            body = response.content
        except requests.Timeout as exc:
            raise DataArtsTransportError(request.method, request.path, describe(exc), timeout=True) from exc
        except requests.RequestException as exc:
            raise DataArtsTransportError(request.method, request.path, describe(exc)) from exc
        return HttpResponse(
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        self._session.close()


def _perform(transport: SyncTransport, effect: Send | Sleep | Parallel | Budget) -> Outcome:
    """Do the I/O of one effect (the caller resumes the flow)."""
    if isinstance(effect, Sleep):
        time.sleep(effect.seconds)
        return None
    if isinstance(effect, Budget):
        return budget.perform(effect)
    if isinstance(effect, Parallel):
        futures = [transport.pool().submit(run, flow, transport) for flow in effect.flows]
        wait(futures)
        failures = [f.exception() for f in futures if f.exception() is not None]
        return failures[0] if failures else [f.result() for f in futures]
    try:
        return transport.send(effect.request)
    except DataArtsTransportError as exc:
        return exc


def run(flow: Flow[T], transport: SyncTransport) -> T:
    """Drive a flow to completion; :class:`Emit` effects are not allowed here."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Emit):
                raise TypeError("run() cannot drive a listing flow; use iterate()")
            effect = resume(flow, _perform(transport, effect))
    except StopIteration as stop:
        result: T = stop.value
        return result


def iterate(flow: Flow[Any], transport: SyncTransport) -> Iterator[dict[str, Any]]:
    """Drive a listing flow lazily, yielding the items of each :class:`Emit` as they arrive."""
    try:
        effect = next(flow)
        while True:
            if isinstance(effect, Emit):
                yield from effect.items
                effect = flow.send(None)
            else:
                effect = resume(flow, _perform(transport, effect))
    except StopIteration:
        return
    finally:
        flow.close()
