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

from airflow_dataarts_provider.core import auth, release
from airflow_dataarts_provider.core.config import ClientConfig
from airflow_dataarts_provider.core.effects import Emit, Flow, Parallel, Send, Sleep
from airflow_dataarts_provider.core.enums import AuthType
from airflow_dataarts_provider.core.errors import (
    DataArtsAPIError,
    DataArtsInvalidRequestError,
    DataArtsResponseError,
    DataArtsServerError,
    DataArtsTransportError,
    parse_api_error,
)
from airflow_dataarts_provider.core.filters import build_filter_query
from airflow_dataarts_provider.core.gate import GateSpec, choose_plan
from airflow_dataarts_provider.core.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.pages import Page, parse_listing_page, parse_pending_items_page
from airflow_dataarts_provider.core.pagination import OffsetSemantics, PageRequest, PendingItemsWalk
from airflow_dataarts_provider.core.ratelimit import TokenBucket, limiter_for
from airflow_dataarts_provider.core.request import (
    build_pending_items_request,
    canonical_request_of,
    resolve_workspace,
)
from airflow_dataarts_provider.core.retry import RetryEvent, RetryPolicy

R = TypeVar("R")
PAGE_SIZE = 100  # the API maximum: the fewest requests
RATE_MARGIN = 0.95  # share of max_requests_per_second the client actually uses

# What ``offset_mode="auto"`` learned, per (endpoint, project, listing): later walks skip the probe.
_LEARNED_OFFSET_SEMANTICS: dict[tuple[str, str, str], OffsetSemantics] = {}
#: The release-package listing's maximum page size is undocumented: tried in this order, and the size
#: that worked (or the cap the server applied) is remembered per (endpoint, project) in the process.
RELEASE_PAGE_SIZES = (100, 50, 10)
_LEARNED_RELEASE_PAGE_SIZE: dict[tuple[str, str], int] = {}


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
        rate = self.config.max_requests_per_second
        # 5% under the limit: the gateway counts in a sliding 1 s window, and a request delayed in
        # flight (a new connection, a busy network) would otherwise make the 11th of 10/s land inside it.
        return limiter_for((self.config.endpoint, identity), None if rate is None else rate * RATE_MARGIN)

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
    cache = auth.CREDENTIAL_CACHE
    fetch_timeout = sum(config.timeout) * config.max_attempts + config.max_retry_wait
    waited = 0.0
    while True:
        cached = cache.get(key, client.clock())
        if cached is not None:
            return cached
        if waited and (refused := cache.recent_failure(key, client.monotonic(), fetch_timeout)):
            raise refused  # the fetch we waited for was refused: don't try the same login again
        if cache.begin_fetch(key, client.monotonic(), stale_after=fetch_timeout) or waited > fetch_timeout:
            break
        yield Sleep(0.02)  # another flow of this process is fetching: use its result
        waited += 0.02
    failure: BaseException | None = None
    try:
        if config.auth_type is AuthType.TOKEN:
            # Repeating a token request is harmless: new tokens don't revoke old ones.
            credentials: auth.Credentials = yield from _attempts(
                client,
                "POST",
                lambda _c, _n: auth.build_iam_token_request(config, client.clock()),
                auth.parse_iam_token_response,
                anonymous=True,
            )
        else:
            credentials = yield from _agency_credentials_flow(client)
        if client.on_secret is not None:
            for secret in credentials.secrets():
                client.on_secret(secret)
        cache.put(key, credentials)
    except DataArtsAPIError as exc:
        failure = exc if 400 <= exc.status < 500 and exc.status != 429 else None
        raise
    finally:
        cache.end_fetch(key, failure, client.monotonic())
    return credentials


def _metadata_session_flow(client: Client, *, renew: bool) -> Flow[str | None]:
    """The metadata service's session token (cached per process), or None for a service without the
    token API (its PUT answered 404 or 405; remembered). ``renew``: a fresh one, after a 401."""
    config, sessions = client.config, auth.METADATA_SESSIONS
    url = auth.metadata_token_url(config)
    if not renew:
        if sessions.without_tokens(url):
            return None
        cached = sessions.get(url, client.monotonic())
        if cached is not None:
            return cached
    try:
        token = yield from _attempts(
            client,
            "PUT",
            lambda _c, _n: auth.build_metadata_token_request(config),
            auth.parse_metadata_token_response,
            anonymous=True,
        )
    except DataArtsAPIError as exc:
        if exc.status in (404, 405) and not renew:  # an older metadata service: a bare GET works
            sessions.mark_without_tokens(url)
            return None
        raise
    if client.on_secret is not None:
        client.on_secret(token)
    sessions.put(url, token, client.monotonic())
    return token


def _agency_credentials_flow(client: Client) -> Flow[auth.AkSkCredentials]:
    """Temporary AK/SK from the metadata service, as the SDK's MetadataAccessor gets them: a session
    token first, sent as X-Metadata-Token; on a 401 one new token and one more try."""
    config = client.config
    token = yield from _metadata_session_flow(client, renew=False)
    for last in (False, True):
        try:
            return (
                yield from _attempts(
                    client,
                    "GET",
                    lambda _c, _n, t=token: auth.build_metadata_request(config, t),  # type: ignore[misc]
                    auth.parse_metadata_response,
                    anonymous=True,
                )
            )
        except DataArtsAPIError as exc:
            if exc.status != 401 or last or token is None:
                raise  # a token-less service refusing us: the agency is not configured
            auth.METADATA_SESSIONS.invalidate(auth.metadata_token_url(config), token)
            token = yield from _metadata_session_flow(client, renew=True)
    raise AssertionError("unreachable")  # pragma: no cover


def _is_stale_credential_error(error: DataArtsAPIError) -> bool:
    return error.status == 401


def _attempts(
    client: Client,
    method: str,
    build: Callable[[auth.Credentials | None, datetime], HttpRequest],
    parse: Callable[[HttpResponse], R],
    *,
    anonymous: bool = False,
    idempotent: bool | None = None,
) -> Flow[R]:
    """One API call: retried per policy; a fresh date, signature and rate-limit slot per attempt.

    A 401 is never retried with the same credentials. With cached credentials (token, agency) the
    cache entry is dropped and the call is made once more with fresh ones; a second 401 is final.
    """
    pending_sleep: list[float] = []
    refreshed = False
    for attempt in client.policy.retrying(
        method,
        idempotent=True if anonymous else idempotent,
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
                    sdk_date=request.headers.get("X-Sdk-Date"),
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
                ):
                    # Drop them (unless another flow already did or refreshed them) and try once more
                    # with the cache's current, or freshly fetched, credentials: never the same ones.
                    auth.CREDENTIAL_CACHE.invalidate(auth.cache_key(client.config), credentials)
                    refreshed = True
                    continue
                raise error
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover


def call_flow(
    client: Client,
    method: str,
    build: Callable[[auth.Credentials, datetime], HttpRequest],
    parse: Callable[[HttpResponse], R],
    *,
    idempotent: bool | None = None,
) -> Flow[R]:
    """An authenticated API call (any endpoint): ``build(credentials, now)`` makes the request.
    ``idempotent`` (default: by method) decides whether 5xx and network faults are retried."""

    def _build(credentials: auth.Credentials | None, now: datetime) -> HttpRequest:
        assert credentials is not None
        return build(credentials, now)

    return (yield from _attempts(client, method, _build, parse, idempotent=idempotent))


#: ``fetch(limit, offset)``: one page of a listing (retried, authenticated, rate limited).
PageFetcher = Callable[[int, int], Flow[Page]]
PENDING_ITEMS = "pending-items"
RELEASE_PACKAGES = "release-packages"


def _pending_items_pages(client: Client, query: list[tuple[str, str]], workspace: str) -> PageFetcher:
    config = client.config

    def fetch(limit: int, offset: int) -> Flow[Page]:
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
            return parse_pending_items_page(response, "GET", _path(config, PENDING_ITEMS))

        return (yield from call_flow(client, "GET", build, parse))

    return fetch


def _release_packages_pages(client: Client, body: dict[str, Any], workspace: str) -> PageFetcher:
    config = client.config

    def fetch(limit: int, offset: int) -> Flow[Page]:
        def build(credentials: auth.Credentials, now: datetime) -> HttpRequest:
            return release.build_list_packages(
                config, credentials, workspace=workspace, body=body, limit=limit, offset=offset, now=now
            )

        def parse(response: HttpResponse) -> Page:
            return parse_listing_page(response, "POST", _path(config, RELEASE_PACKAGES), id_key="package_id")

        # Listing is a read: repeating it is harmless although it is a POST.
        return (yield from call_flow(client, "POST", build, parse, idempotent=True))

    return fetch


def _new_walk(
    client: Client,
    listing: str,
    max_items: int | None = None,
    id_key: str = "pending_item_id",
    page_size: int = PAGE_SIZE,
) -> PendingItemsWalk:
    config = client.config
    return PendingItemsWalk(
        page_size=page_size,
        offset_mode=config.offset_mode.value,
        known_mode=_LEARNED_OFFSET_SEMANTICS.get((config.endpoint, config.project_id, listing)),
        max_items=max_items,
        id_key=id_key,
    )


def _walk_flow(
    client: Client,
    walk: PendingItemsWalk,
    fetch: PageFetcher,
    listing: str,
    *,
    emit: bool,
    max_pages: int | None = None,
) -> Flow[None]:
    """Feed ``walk`` until it is done (or ``max_pages`` more pages were read).

    Once the walk can predict its next requests (offset semantics and ``total`` known), they are
    fetched by ``max_concurrency`` lanes at once; the shared rate limiter still spaces the requests.
    Pages are fed in order; if the walk changes course (the listing changed), the rest are dropped.
    """
    fed = 0
    rounds = 0  # concurrent rounds in the current pass
    restarts = walk.restarts
    while max_pages is None or fed < max_pages:
        width = client.config.max_concurrency
        if walk.restarts != restarts:
            rounds, restarts = 0, walk.restarts
        # One page per lane in a pass's first concurrent round, then up to four: the plan trusts the
        # server's ``total``, so a server that lies about it costs at most one round before it is noticed.
        ahead = width * (1 if rounds == 0 else 4)
        planned = walk.upcoming(ahead if max_pages is None else min(ahead, max_pages - fed))
        if len(planned) > 1:
            rounds += 1
        if not planned:
            break
        if len(planned) == 1 or width == 1:
            planned = planned[:1]
            pages = [(yield from fetch(planned[0].limit, planned[0].offset))]
        else:
            # ``width`` lanes, each fetching its share in order: no lane waits for another's slow page.
            lanes = [planned[i::width] for i in range(min(width, len(planned)))]
            by_lane = yield Parallel([_lane_flow(fetch, lane) for lane in lanes])
            pages = [by_lane[i % len(lanes)][i // len(lanes)] for i in range(len(planned))]
        for request, page in zip(planned, pages, strict=True):
            if walk.next_offset() != request:
                break  # a restart or the end: later pages belong to another plan
            client.stats.pages += 1
            fed += 1
            fresh = walk.feed(page)
            if emit and fresh:
                yield Emit(fresh)
    if walk.done:
        if walk.learned_mode is not None:
            key = (client.config.endpoint, client.config.project_id, listing)
            _LEARNED_OFFSET_SEMANTICS[key] = walk.learned_mode
        client.stats.items += walk.items


def _lane_flow(fetch: PageFetcher, requests: list[PageRequest]) -> Flow[list[Page]]:
    pages = []
    for request in requests:
        pages.append((yield from fetch(request.limit, request.offset)))
    return pages


@dataclass(frozen=True)
class PendingItems:
    items: list[dict[str, Any]]
    total: int | None
    truncated: bool


def _listing_result(walk: PendingItemsWalk) -> PendingItems:
    items = walk.snapshot
    truncated = walk.stop_reason == "max_items" and (walk.total is None or walk.total > len(items))
    return PendingItems(items, walk.total, truncated)


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
    ws = resolve_workspace(client.config, workspace)  # before any request
    walk = _new_walk(client, PENDING_ITEMS, max_items)
    fetch = _pending_items_pages(client, list(filters_query), ws)
    yield from _walk_flow(client, walk, fetch, PENDING_ITEMS, emit=emit)
    return _listing_result(walk)


def gate_flow(client: Client, spec: GateSpec, workspace: str | None) -> Flow[list[dict[str, Any]]]:
    """The pending items that match ``spec``, with the cheaper query plan (see :mod:`.gate`)."""
    time_format = client.config.time_format
    ws = resolve_workspace(client.config, workspace)  # before any request

    def pages(**filters: Any) -> PageFetcher:
        # The task type is matched on the client only (spec.matching): the server's task_type format
        # is undocumented, and a filter it misread could answer "nothing pending" and open the gate.
        query = build_filter_query(filters, time_format=time_format)
        return _pending_items_pages(client, query, ws)

    def per_name() -> Flow[list[dict[str, Any]]]:
        found: list[dict[str, Any]] = []
        for name in spec.task_names:
            walk = _new_walk(client, PENDING_ITEMS)
            yield from _walk_flow(client, walk, pages(item_name=name), PENDING_ITEMS, emit=False)
            found += walk.snapshot
        return spec.matching(found)

    if choose_plan(spec, None) == "per_name":
        return (yield from per_name())
    walk = _new_walk(client, PENDING_ITEMS)
    everything = pages()
    yield from _walk_flow(client, walk, everything, PENDING_ITEMS, emit=False, max_pages=1)
    if not walk.done:
        if choose_plan(spec, walk.total) == "per_name":
            return (yield from per_name())
        yield from _walk_flow(client, walk, everything, PENDING_ITEMS, emit=False)
    return spec.matching(walk.snapshot)


# ---------------------------------------------------------------------------------- release packages


def release_packages_flow(
    client: Client, *, filters: dict[str, Any], workspace: str | None, max_items: int | None = None
) -> Flow[PendingItems]:
    """Every release package matching ``filters`` (see :data:`.release.LIST_FILTERS`), paged."""
    body = release.list_packages_body(filters)
    ws = resolve_workspace(client.config, workspace)
    key = (client.config.endpoint, client.config.project_id)
    fetch = _release_packages_pages(client, body, ws)
    while True:
        size = _LEARNED_RELEASE_PAGE_SIZE.get(key, RELEASE_PAGE_SIZES[0])
        walk = _new_walk(client, RELEASE_PACKAGES, max_items, id_key="package_id", page_size=size)
        try:
            yield from _walk_flow(client, walk, _detect_capped_pages(fetch), RELEASE_PACKAGES, emit=False)
        except DataArtsInvalidRequestError:
            smaller = [s for s in RELEASE_PAGE_SIZES if s < size]
            if walk.pages or not smaller:
                raise  # not the page size (a later page failed), or even the smallest was refused
            _LEARNED_RELEASE_PAGE_SIZE[key] = smaller[0]
        except _CappedPage as capped:
            _LEARNED_RELEASE_PAGE_SIZE[key] = capped.size
        else:
            return _listing_result(walk)


class _CappedPage(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _detect_capped_pages(fetch: PageFetcher) -> PageFetcher:
    """A first page with fewer rows than asked for while ``total`` says there are more: the server caps
    the page size (silently) at that many rows."""

    def capped(limit: int, offset: int) -> Flow[Page]:
        page = yield from fetch(limit, offset)
        rows = len(page.items)
        if offset == 0 and page.total is not None and 0 < rows < min(limit, page.total):
            raise _CappedPage(rows)
        return page

    return capped


def package_detail_flow(client: Client, package_id: str, workspace: str | None) -> Flow[dict[str, Any]]:
    """``{"release_package": {...}, "task_details": [...]}`` of one package."""
    (pid,) = release.ids("package_id", [package_id], maximum=1)
    ws = resolve_workspace(client.config, workspace)
    config = client.config

    def build(credentials: auth.Credentials, now: datetime) -> HttpRequest:
        return release.build_package_detail(config, credentials, workspace=ws, package_id=pid, now=now)

    path = _path(config, RELEASE_PACKAGES, pid)
    return (yield from call_flow(client, "GET", build, lambda r: release.parse_package_detail(r, path)))


def find_package_flow(
    client: Client, workspace: str | None, name: str, item_ids: list[str] | None = None
) -> Flow[str | None]:
    """The id of a live (not failed, not cancelled) package with exactly this name and, when
    ``item_ids`` is given, exactly these pending items; None if there is none."""
    name = release.package_name(name)
    ws = resolve_workspace(client.config, workspace)
    listing = yield from release_packages_flow(client, filters={"key_word": name}, workspace=ws)
    for package in listing.items:
        if (
            package.get("package_name") != name
            or package.get("deploy_status") == release.DeployStatus.FAILED
            or package.get("delete_flag")
        ):
            continue
        if item_ids is None:
            return str(package["package_id"])
        detail = yield from package_detail_flow(client, str(package["package_id"]), ws)
        if sorted(str(t.get("pending_item_id")) for t in detail["task_details"]) == sorted(item_ids):
            return str(package["package_id"])
    return None


def create_package_flow(
    client: Client,
    *,
    workspace: str | None,
    name: str,
    pending_item_ids: list[str],
    approver_ids: list[str],
    apply_user_id: str,
) -> Flow[tuple[str, bool]]:
    """Package pending items, at most once: ``(release package id, created now?)``.

    A package with the same name and items is reused (a retried task never creates a second one). The
    POST itself is never retried blindly: after a failure that may have reached the server (dropped
    connection, timeout, 5xx, unreadable answer) the server's state is checked again first.
    """
    name = release.package_name(name)
    item_ids = release.ids("pending_item_ids", pending_item_ids)
    approvers = release.ids("approver_ids", approver_ids)
    (apply_user,) = release.ids("apply_user_id", [apply_user_id], maximum=1)
    ws = resolve_workspace(client.config, workspace)
    config = client.config
    path = _path(config, PENDING_ITEMS, "package")

    def build(credentials: auth.Credentials, now: datetime) -> HttpRequest:
        return release.build_create_package(
            config,
            credentials,
            workspace=ws,
            name=name,
            pending_item_ids=item_ids,
            approver_ids=approvers,
            apply_user_id=apply_user,
            now=now,
        )

    for attempt in range(1, client.config.max_attempts + 1):
        existing = yield from find_package_flow(client, ws, name, item_ids)
        if existing is not None:
            return existing, False
        try:
            created = yield from call_flow(
                client, "POST", build, lambda r: release.parse_create_package(r, path)
            )
        except (DataArtsTransportError, DataArtsServerError, DataArtsResponseError):
            if attempt == client.config.max_attempts:
                raise
            client.stats.retries += 1  # the loop re-checks the server before any new POST
            continue
        return created, True
    raise AssertionError("unreachable")  # pragma: no cover


def deploy_flow(
    client: Client, *, workspace: str | None, package_ids: list[str], startup_mode: int
) -> Flow[list[dict[str, Any]]]:
    """Deploy packages (``POST .../release-packages/deploy``), at most once: packages already releasing
    or deployed are left out (their state is read first), so a retried task never deploys twice. The
    POST is not retried once it may have reached the server; the package sensor shows the outcome."""
    pids = release.ids("package_ids", package_ids)
    release.check_startup_mode(startup_mode)  # before any request
    ws = resolve_workspace(client.config, workspace)
    config = client.config
    path = _path(config, RELEASE_PACKAGES, "deploy")
    pending = []
    for pid in pids:
        detail = yield from package_detail_flow(client, pid, ws)
        if detail["release_package"].get("deploy_status") not in _DEPLOYED_OR_DEPLOYING:
            pending.append(pid)
    if not pending:
        return []

    def build(credentials: auth.Credentials, now: datetime) -> HttpRequest:
        return release.build_deploy(
            config, credentials, workspace=ws, package_ids=pending, startup_mode=startup_mode, now=now
        )

    return (yield from call_flow(client, "POST", build, lambda r: release.parse_deploy(r, path)))


_DEPLOYED_OR_DEPLOYING = (release.DeployStatus.RELEASING, release.DeployStatus.SUCCESS)


def probe_flow(client: Client, workspace: str | None = None) -> Flow[Page]:
    """The cheapest authenticated read (one pending-items page of one item), e.g. for a connection test."""
    ws = resolve_workspace(client.config, workspace)
    return (yield from _pending_items_pages(client, [], ws)(1, 0))


def cancel_flow(client: Client, *, workspace: str | None, package_ids: list[str]) -> Flow[None]:
    """Cancel (unpack) packages not yet released: their items become pending again."""
    pids = release.ids("package_ids", package_ids)
    ws = resolve_workspace(client.config, workspace)
    config = client.config

    def build(credentials: auth.Credentials, now: datetime) -> HttpRequest:
        return release.build_cancel(config, credentials, workspace=ws, package_ids=pids, now=now)

    yield from call_flow(client, "POST", build, lambda _r: None)


def _path(config: ClientConfig, *segments: str) -> str:
    return "/".join(("", "v2", config.project_id, "factory", *segments))
