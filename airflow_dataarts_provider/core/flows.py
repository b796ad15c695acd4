"""The client's protocol logic, written once as flows (see :mod:`~airflow_dataarts_provider.core.effects`).

A flow authenticates (static AK/SK, cached IAM token or agency credentials), waits for the shared
client-side rate limiter, builds and signs a fresh request for every attempt, parses the answer, and
retries per :class:`~airflow_dataarts_provider.core.retry.RetryPolicy` (tenacity). The sync and the async
drivers in :mod:`airflow_dataarts_provider.transport` perform the effects; nothing here does I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from airflow_dataarts_provider.core import auth
from airflow_dataarts_provider.core.config import ClientConfig
from airflow_dataarts_provider.core.effects import Emit, Flow, Send, Sleep
from airflow_dataarts_provider.core.enums import AuthType
from airflow_dataarts_provider.core.errors import DataArtsAPIError, parse_api_error
from airflow_dataarts_provider.core.filters import build_filter_query
from airflow_dataarts_provider.core.gate import GateSpec, choose_plan
from airflow_dataarts_provider.core.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.pages import Page, parse_pending_items_page
from airflow_dataarts_provider.core.pagination import OffsetSemantics, PendingItemsWalk
from airflow_dataarts_provider.core.ratelimit import TokenBucket, limiter_for
from airflow_dataarts_provider.core.request import (
    build_pending_items_request,
    canonical_request_of,
    resolve_workspace,
)
from airflow_dataarts_provider.core.retry import RetryEvent, RetryPolicy

R = TypeVar("R")
PAGE_SIZE = 100  # the API maximum: the fewest requests

# What ``offset_mode="auto"`` learned, per (endpoint, project): later walks in this process skip the probe.
_LEARNED_OFFSET_SEMANTICS: dict[tuple[str, str], OffsetSemantics] = {}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class CallStats:
    """What one hook call cost: for the log line and for tests."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    items: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Client:
    """Immutable per-hook settings plus the per-call statistics object; build one per hook call."""

    config: ClientConfig
    stats: CallStats = field(default_factory=CallStats)
    on_retry: Callable[[RetryEvent], None] | None = None
    on_response: Callable[[HttpRequest, HttpResponse], None] | None = None
    #: Called with every secret of freshly fetched credentials (tokens, temporary keys), e.g. to mask them.
    on_secret: Callable[[str], None] | None = None
    clock: Callable[[], datetime] = _utcnow
    monotonic: Callable[[], float] = time.monotonic

    @property
    def policy(self) -> RetryPolicy:
        c = self.config
        return RetryPolicy(
            max_attempts=c.max_attempts,
            max_total_wait=c.max_retry_wait,
            backoff_initial=c.backoff_initial,
            backoff_max=c.backoff_max,
        )

    @property
    def limiter(self) -> TokenBucket:
        identity = self.config.ak or self.config.username or str(self.config.auth_type)
        return limiter_for((self.config.endpoint, identity), self.config.max_requests_per_second)

    def _record_retry(self, event: RetryEvent) -> None:
        self.stats.retries += 1
        if self.on_retry is not None:
            self.on_retry(event)


def credentials_flow(client: Client) -> Flow[auth.Credentials]:
    """Static AK/SK, or cached (else freshly fetched) IAM token / agency credentials."""
    config = client.config
    if config.auth_type is AuthType.AKSK:
        return auth.static_credentials(config)
    key = auth.cache_key(config)
    cached = auth.CREDENTIAL_CACHE.get(key, client.clock())
    if cached is not None:
        return cached
    if config.auth_type is AuthType.TOKEN:
        build: Callable[[], HttpRequest] = lambda: auth.build_iam_token_request(config, client.clock())  # noqa: E731
        parse: Callable[[HttpResponse], auth.Credentials] = auth.parse_iam_token_response
    else:
        build = lambda: auth.build_metadata_request(config)  # noqa: E731
        parse = auth.parse_metadata_response
    # Repeating a token or metadata request is harmless: new tokens don't revoke old ones.
    credentials = yield from _attempts(client, "POST", lambda _creds, _now: build(), parse, anonymous=True)
    if client.on_secret is not None:
        for secret in credentials.secrets():
            client.on_secret(secret)
    auth.CREDENTIAL_CACHE.put(key, credentials)
    return credentials


def _is_stale_credential_error(error: DataArtsAPIError) -> bool:
    return error.status == 401


def _attempts(
    client: Client,
    method: str,
    build: Callable[[auth.Credentials | None, datetime], HttpRequest],
    parse: Callable[[HttpResponse], R],
    *,
    anonymous: bool = False,
) -> Flow[R]:
    """One API call: retried per policy; a fresh date, signature and rate-limit slot per attempt.

    A 401 is never retried with the same credentials. With cached credentials (token, agency) the
    cache entry is dropped and the call is made once more with fresh ones; a second 401 is final.
    """
    pending_sleep: list[float] = []
    refreshed = False
    for attempt in client.policy.retrying(
        method,
        idempotent=True if anonymous else None,
        sleep=pending_sleep.append,
        on_retry=client._record_retry,
        clock=client.monotonic,
    ):
        with attempt:
            if pending_sleep:
                yield Sleep(pending_sleep.pop())
            while True:
                credentials = None if anonymous else (yield from credentials_flow(client))
                wait = client.limiter.reserve(client.monotonic())
                if wait > 0:
                    yield Sleep(wait)
                request = build(credentials, client.clock())
                client.stats.requests += 1
                response = yield Send(request)
                assert response is not None
                if client.on_response is not None:
                    client.on_response(request, response)
                if response.status < 400:
                    return parse(response)
                error = parse_api_error(
                    response,
                    request.method,
                    request.path,
                    our_canonical_request=canonical_request_of(request),
                )
                if error.status == 429:
                    client.limiter.penalize(
                        client.monotonic(), 2.0 if error.retry_after is None else error.retry_after
                    )
                if (
                    _is_stale_credential_error(error)
                    and not refreshed
                    and credentials is not None
                    and client.config.auth_type is not AuthType.AKSK
                    and auth.CREDENTIAL_CACHE.invalidate(auth.cache_key(client.config), credentials)
                ):
                    refreshed = True
                    continue
                raise error
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover


def call_flow(
    client: Client,
    method: str,
    build: Callable[[auth.Credentials, datetime], HttpRequest],
    parse: Callable[[HttpResponse], R],
) -> Flow[R]:
    """An authenticated API call (any endpoint): ``build(credentials, now)`` makes the request."""

    def _build(credentials: auth.Credentials | None, now: datetime) -> HttpRequest:
        assert credentials is not None
        return build(credentials, now)

    return (yield from _attempts(client, method, _build, parse))


def _page_flow(
    client: Client, query: list[tuple[str, str]], workspace: str | None, limit: int, offset: int
) -> Flow[Page]:
    """One page of the pending-items listing (retried, authenticated, rate limited)."""
    config = client.config

    def build(credentials: auth.Credentials, now: datetime) -> HttpRequest:
        return build_pending_items_request(
            config,
            credentials=credentials,
            filters_query=query,
            limit=limit,
            offset=offset,
            workspace=workspace,
            now=now,
        )

    def parse(response: HttpResponse) -> Page:
        return parse_pending_items_page(response, "GET", _pending_items_path(config))

    page = yield from call_flow(client, "GET", build, parse)
    client.stats.pages += 1
    return page


def _new_walk(client: Client, max_items: int | None = None) -> PendingItemsWalk:
    config = client.config
    return PendingItemsWalk(
        page_size=PAGE_SIZE,
        offset_mode=config.offset_mode.value,
        known_mode=_LEARNED_OFFSET_SEMANTICS.get((config.endpoint, config.project_id)),
        max_items=max_items,
    )


def _walk_flow(
    client: Client,
    walk: PendingItemsWalk,
    query: list[tuple[str, str]],
    workspace: str | None,
    *,
    emit: bool,
    max_pages: int | None = None,
) -> Flow[None]:
    """Feed ``walk`` until it is done (or ``max_pages`` more pages were read)."""
    fed = 0
    while (max_pages is None or fed < max_pages) and (page_request := walk.next_offset()) is not None:
        page = yield from _page_flow(client, query, workspace, page_request.limit, page_request.offset)
        fed += 1
        fresh = walk.feed(page)
        if emit and fresh:
            yield Emit(fresh)
    if walk.done:
        if walk.learned_mode is not None:
            _LEARNED_OFFSET_SEMANTICS[(client.config.endpoint, client.config.project_id)] = walk.learned_mode
        client.stats.items += walk.items


def pending_items_flow(
    client: Client,
    *,
    filters_query: Iterable[tuple[str, str]],
    workspace: str | None,
    max_items: int | None = None,
    emit: bool = True,
) -> Flow[PendingItems]:
    """Walk ``GET /v2/{project_id}/factory/pending-items`` with the largest page size.

    With ``emit``, new items are emitted page by page (lazy iteration). Returns the snapshot of the final
    consistent pass (see :class:`~airflow_dataarts_provider.core.pagination.PendingItemsWalk`), the
    server's ``total`` and whether ``max_items`` cut the listing.
    """
    workspace = resolve_workspace(client.config, workspace)  # before any request
    walk = _new_walk(client, max_items)
    yield from _walk_flow(client, walk, list(filters_query), workspace, emit=emit)
    items = walk.snapshot
    truncated = walk.stop_reason == "max_items" and (walk.total is None or walk.total > len(items))
    return PendingItems(items, walk.total, truncated)


@dataclass(frozen=True)
class PendingItems:
    items: list[dict[str, Any]]
    total: int | None
    truncated: bool


def gate_flow(client: Client, spec: GateSpec, workspace: str | None) -> Flow[list[dict[str, Any]]]:
    """The pending items that match ``spec``, with the cheaper query plan (see :mod:`.gate`)."""
    time_format = client.config.time_format
    workspace = resolve_workspace(client.config, workspace)  # before any request

    def query(**filters: Any) -> list[tuple[str, str]]:
        return build_filter_query({"task_type": spec.task_type, **filters}, time_format=time_format)

    def per_name() -> Flow[list[dict[str, Any]]]:
        found: list[dict[str, Any]] = []
        for name in spec.task_names:
            walk = _new_walk(client)
            yield from _walk_flow(client, walk, query(item_name=name), workspace, emit=False)
            found += walk.snapshot
        return spec.matching(found)

    if choose_plan(spec, None) == "per_name":
        return (yield from per_name())
    walk = _new_walk(client)
    yield from _walk_flow(client, walk, query(), workspace, emit=False, max_pages=1)
    if not walk.done:
        if choose_plan(spec, walk.total) == "per_name":
            return (yield from per_name())
        yield from _walk_flow(client, walk, query(), workspace, emit=False)
    return spec.matching(walk.snapshot)


def _pending_items_path(config: ClientConfig) -> str:
    return f"/v2/{config.project_id}/factory/pending-items"
