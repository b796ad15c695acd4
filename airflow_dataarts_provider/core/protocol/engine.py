# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The request engine: one attempt loop (:func:`perform`) and authentication, as flows.

A flow is a generator of effects (:mod:`.effects`); the sync and the async drivers in
:mod:`airflow_dataarts_provider.transport` perform them, nothing here does I/O. For every attempt the loop
gets credentials (static AK/SK, or the cached IAM token or agency key), waits for the shared rate limiter,
builds and signs a fresh request, sends it and reads the answer. After a failure it asks the pure
:class:`~.retry.RetryPolicy` what to do; the error itself says whether it is retryable. A 401 with cached
credentials drops them and is tried once more with fresh ones (never with the same ones). Fetching
credentials has its own attempt loop, and a failure there is final for the call (no nested retries)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Generic, TypeVar

from airflow_dataarts_provider.core.protocol import auth
from airflow_dataarts_provider.core.protocol.calls import ApiCall
from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.effects import Budget, Flow, Send, Sleep
from airflow_dataarts_provider.core.protocol.enums import AuthType
from airflow_dataarts_provider.core.protocol.error_bodies import parse_api_error
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAPIError,
    DataArtsAuthenticationError,
    DataArtsDeadlineError,
    DataArtsError,
    DataArtsPermissionError,
    DataArtsResponseError,
)
from airflow_dataarts_provider.core.protocol.http import HttpRequest, HttpResponse
from airflow_dataarts_provider.core.protocol.ratelimit import BudgetCall, RateLane
from airflow_dataarts_provider.core.protocol.redaction import scrub
from airflow_dataarts_provider.core.protocol.request import (
    canonical_request_of,
    request_for,
    resolve_workspace,
)
from airflow_dataarts_provider.core.protocol.retry import RetryEvent, RetryPolicy
from airflow_dataarts_provider.core.protocol.state import STATE

R = TypeVar("R")


#: Seconds a refused IAM login (or agency fetch) is not tried again by this process's later calls.
REFUSED_LOGIN_HOLD_S = 30.0


#: Polling step while another flow of this process fetches the same credentials.
CREDENTIAL_WAIT_STEP = 0.02


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
class CallContext:
    """What one hook call runs with: the validated config and workspace (decided here, once), the
    callbacks (logging, secret masking), the clocks, and the call's statistics. One per hook call."""

    config: ClientConfig
    workspace: str
    stats: CallStats = field(default_factory=CallStats)
    on_retry: Callable[[RetryEvent], None] | None = None
    on_response: Callable[[HttpRequest, HttpResponse], None] | None = None
    #: Called with every secret of freshly fetched credentials (tokens, temporary keys), e.g. to mask them.
    on_secret: Callable[[str], None] | None = None
    clock: Callable[[], datetime] = _utcnow
    monotonic: Callable[[], float] = time.monotonic
    #: None: the connection's retry settings (tests pass one without jitter).
    retry_policy: RetryPolicy | None = None
    #: The caller's absolute deadline on the ``monotonic`` clock (None: none): no wait of the call ends
    #: after it, and a request in flight is cut at it (:class:`~.errors.DataArtsDeadlineError`).
    deadline: float | None = None
    #: The Redis URL of the rate budget shared by every process on this identity (the hook resolves the
    #: connection's ``rate_limit_backend``); None: this process's bucket only.
    budget_backend: str | None = field(default=None, repr=False)
    policy: RetryPolicy = field(init=False)
    #: Every secret this call knows (the connection's, and the credentials it used): removed by value from
    #: any error text that leaves :func:`perform`.
    secrets: set[str] = field(init=False, repr=False)
    #: Set when a request of this call was refused for its credentials (401/403): no other request of the
    #: call (a concurrent lane of a listing) is sent after that, each would be one more refused signature.
    refused: DataArtsAPIError | None = field(default=None, init=False, repr=False)
    #: The rate budget of each API family (``dataarts``: V2, ``dlf``: V1) for this identity.
    lanes: dict[str, RateLane] = field(init=False)

    def __post_init__(self) -> None:
        c = self.config
        self.policy = self.retry_policy or RetryPolicy(
            max_attempts=c.max_attempts,
            max_total_wait=c.max_retry_wait,
            backoff_initial=c.backoff_initial,
            backoff_max=c.backoff_max,
        )
        self.secrets = set(c.secrets())
        identity = c.ak or c.username or str(c.auth_type)
        self.lanes = {
            "dataarts": RateLane.of(
                STATE.limiters, "dataarts", c.endpoint, identity, c.max_requests_per_second
            ),
            "dlf": RateLane.of(
                STATE.limiters, "dlf", c.dlf_endpoint, identity, c.dlf_max_requests_per_second
            ),
        }
        if all(lane.rate is None for lane in self.lanes.values()):
            self.budget_backend = None  # the limiters are off: nothing to share

    @classmethod
    def create(cls, config: ClientConfig, workspace: str | None = None, **options: object) -> CallContext:
        """The context of one call in ``workspace`` (else the connection's), validated before any request."""
        return cls(config, resolve_workspace(config, workspace), **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AnonymousCall(Generic[R]):
    """A request that carries its own authentication (IAM password body, metadata service): sent as
    built, and repeatable (a new token does not revoke old ones; the metadata service only reads)."""

    request: HttpRequest
    parse: Callable[[HttpResponse], R]
    idempotent: bool = True

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def path(self) -> str:
        return self.request.path

    def read(self, response: HttpResponse) -> R:
        return self.parse(response)


def perform(ctx: CallContext, call: ApiCall[R] | AnonymousCall[R]) -> Flow[R]:
    """Send ``call`` until it succeeds or the policy gives up; return what its parser read.

    Each attempt has a fresh date, signature and rate-limit slot. The time budget counts from the first
    attempt (rate-limit waits, attempts and sleeps included). Every error that leaves is scrubbed of the
    call's secrets; a refusal of the credentials (401, 403) stops every other request of the call.
    """
    try:
        return (yield from _attempts(ctx, call))
    except (DataArtsAuthenticationError, DataArtsPermissionError) as exc:
        if ctx.refused is None and not isinstance(call, AnonymousCall):
            ctx.refused = exc
        scrub(exc, ctx.secrets)
        raise
    except DataArtsError as exc:
        scrub(exc, ctx.secrets)
        raise


def _attempts(ctx: CallContext, call: ApiCall[R] | AnonymousCall[R]) -> Flow[R]:
    """The attempt loop of :func:`perform`."""
    started = ctx.monotonic()
    attempt = 0
    refreshed = False
    while True:
        attempt += 1
        credentials = None if isinstance(call, AnonymousCall) else (yield from credentials_flow(ctx))
        lane = None if isinstance(call, AnonymousCall) else ctx.lanes[call.service]
        wait = 0.0 if lane is None else (yield from _reserve(ctx, lane))
        if wait > 0:
            yield from sleep_within(ctx, wait, "for a rate-limit slot")
        if isinstance(call, AnonymousCall):
            request = call.request
        else:
            assert credentials is not None
            request = request_for(ctx.config, credentials, call, workspace=ctx.workspace, now=ctx.clock())
        if credentials is not None:
            ctx.secrets.update(credentials.secrets())
        if ctx.refused is not None:  # another lane's request was refused while this one waited
            raise ctx.refused
        ctx.stats.requests += 1
        try:
            response = yield Send(request, ctx.deadline)
            assert response is not None
            if ctx.on_response is not None:
                ctx.on_response(request, response)
            if 200 <= response.status < 300:  # a 3xx is never success (nor followed): an error
                return _read(call, request, response)
            error = _api_error(request, response)
            if error.status == 429:
                seconds = 2.0 if error.retry_after is None else error.retry_after
                if lane is not None:
                    yield from _throttled(ctx, lane, seconds)
            raise error
        except DataArtsAuthenticationError:
            if refreshed or credentials is None or ctx.config.auth_type is AuthType.AKSK:
                raise
            # Drop them (unless another flow already did or refreshed them) and try once more with the
            # cache's current, or freshly fetched, credentials: never the same ones. Not an attempt.
            STATE.credentials.invalidate(auth.cache_key(ctx.config), credentials)
            refreshed = True
            attempt -= 1
        except DataArtsError as error:
            delay = ctx.policy.next_wait(
                error, attempt, ctx.monotonic() - started, method=call.method, idempotent=call.idempotent
            )
            if delay is None:
                raise
            if ctx.deadline is not None and ctx.monotonic() + delay > ctx.deadline:
                raise  # the next attempt would start after the caller's deadline
            ctx.stats.retries += 1
            if ctx.on_retry is not None:
                ctx.on_retry(RetryEvent(attempt, error, delay, ctx.monotonic() - started))
            yield Sleep(delay)


def sleep_within(ctx: CallContext, seconds: float, why: str) -> Flow[None]:
    """Sleep ``seconds``, unless that would pass the caller's deadline: then raise at once."""
    if ctx.deadline is not None and ctx.monotonic() + seconds > ctx.deadline:
        raise DataArtsDeadlineError(
            f"the caller's deadline comes before the end of a {seconds:.1f}s wait {why}"
        )
    yield Sleep(seconds)


def _read(call: ApiCall[R] | AnonymousCall[R], request: HttpRequest, response: HttpResponse) -> R:
    """The parser's value; a parser that trips over a body it did not foresee (a wrong type deep in it)
    raises :class:`DataArtsResponseError` like any other unreadable answer, never a bare exception."""
    try:
        return call.read(response)
    except DataArtsError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise DataArtsResponseError(
            request.method, request.path, response.status, f"unreadable answer ({exc})", response.request_id
        ) from None


def _api_error(request: HttpRequest, response: HttpResponse) -> DataArtsAPIError:
    return parse_api_error(
        response,
        request.method,
        request.path,
        our_canonical_request=canonical_request_of(request),
        sdk_date=request.headers.get("X-Sdk-Date"),
    )


def _reserve(ctx: CallContext, lane: RateLane) -> Flow[float]:
    """Seconds to wait for this attempt's slot in its API family's budget: the shared one when there is
    one and it answers, else this process's bucket. (IAM, the metadata service and OBS are other
    services: their requests take no DataArts slot.) A family without a limit books nothing."""
    if ctx.budget_backend is not None and lane.rate is not None:
        wait = yield Budget(ctx.budget_backend, BudgetCall(lane.key, lane.rate))
        if wait is not None:
            return float(wait)
    return lane.limiter.reserve(ctx.monotonic())


def _throttled(ctx: CallContext, lane: RateLane, seconds: float) -> Flow[None]:
    """The server answered 429: push this process's bucket and the shared budget back, by at most the
    call's ``max_retry_wait`` (the server's ``Retry-After`` is already capped at
    :data:`~.errors.RETRY_AFTER_CAP`): one answer cannot pause every call of a process, or of a
    deployment, longer than a call may wait in all."""
    seconds = min(seconds, ctx.policy.max_total_wait)
    lane.limiter.penalize(ctx.monotonic(), seconds)
    if ctx.budget_backend is not None and lane.rate is not None and seconds > 0:
        yield Budget(ctx.budget_backend, BudgetCall(lane.key, lane.rate, penalty=seconds))


def credentials_flow(ctx: CallContext) -> Flow[auth.Credentials]:
    """Static AK/SK, or cached (else freshly fetched) IAM token / agency credentials. Concurrent flows of
    one process share one fetch; a login the IAM refused is not tried again by the flows that waited."""
    config = ctx.config
    if config.auth_type is AuthType.AKSK:
        return auth.static_credentials(config)
    key = auth.cache_key(config)
    cache = STATE.credentials
    fetch_timeout = sum(config.timeout) * config.max_attempts + config.max_retry_wait
    waited = 0.0
    while True:
        cached = cache.get(key, ctx.clock())
        if cached is not None:
            return cached
        # A login the IAM just refused is not tried again: not by the flows that waited for that fetch,
        # nor, for REFUSED_LOGIN_HOLD_S, by one that arrives just after it (IAM locks users out after
        # failed logins; the password is part of the key, so a corrected one is tried at once).
        hold = fetch_timeout if waited else REFUSED_LOGIN_HOLD_S
        if refused := cache.recent_failure(key, ctx.monotonic(), hold):
            raise refused
        if cache.begin_fetch(key, ctx.monotonic(), stale_after=fetch_timeout) or waited > fetch_timeout:
            break
        yield Sleep(CREDENTIAL_WAIT_STEP)  # another flow of this process is fetching: use its result
        waited += CREDENTIAL_WAIT_STEP
    failure: BaseException | None = None
    try:
        if config.auth_type is AuthType.TOKEN:
            call = AnonymousCall(
                auth.build_iam_token_request(config, ctx.clock()), auth.parse_iam_token_response
            )
            credentials: auth.Credentials = yield from perform(ctx, call)
        else:
            credentials = yield from _agency_credentials_flow(ctx)
        if ctx.on_secret is not None:
            for secret in credentials.secrets():
                ctx.on_secret(secret)
        cache.put(key, credentials)
    except DataArtsError as exc:
        failure = exc if exc.permanent else None
        raise
    finally:
        cache.end_fetch(key, failure, ctx.monotonic())
    return credentials


def _metadata_session_flow(ctx: CallContext, *, renew: bool) -> Flow[str | None]:
    """The metadata service's session token (cached per process), or None for a service without the
    token API (its PUT answered 404 or 405; remembered). ``renew``: a fresh one, after a 401."""
    config, sessions = ctx.config, STATE.metadata_sessions
    url = auth.metadata_token_url(config)
    if not renew:
        if sessions.without_tokens(url):
            return None
        cached = sessions.get(url, ctx.monotonic())
        if cached is not None:
            return cached
    call = AnonymousCall(auth.build_metadata_token_request(config), auth.parse_metadata_token_response)
    try:
        token = yield from perform(ctx, call)
    except DataArtsAPIError as exc:
        if exc.status in (404, 405) and not renew:  # an older metadata service: a bare GET works
            sessions.mark_without_tokens(url)
            return None
        raise
    if ctx.on_secret is not None:
        ctx.on_secret(token)
    sessions.put(url, token, ctx.monotonic())
    return token


def _agency_credentials_flow(ctx: CallContext) -> Flow[auth.AkSkCredentials]:
    """Temporary AK/SK from the metadata service, as the SDK's MetadataAccessor gets them: a session
    token first, sent as X-Metadata-Token; on a 401 one new token and one more try."""
    config = ctx.config
    token = yield from _metadata_session_flow(ctx, renew=False)
    try:
        return (yield from perform(ctx, _securitykey_call(config, token)))
    except DataArtsAuthenticationError:
        if token is None:
            raise  # a token-less service refusing us: the agency is not configured
    STATE.metadata_sessions.invalidate(auth.metadata_token_url(config), token)
    token = yield from _metadata_session_flow(ctx, renew=True)
    return (yield from perform(ctx, _securitykey_call(config, token)))


def _securitykey_call(config: ClientConfig, token: str | None) -> AnonymousCall[auth.AkSkCredentials]:
    return AnonymousCall(auth.build_metadata_request(config, token), auth.parse_metadata_response)
