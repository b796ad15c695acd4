# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Hostile answers (issue 23): every promise of docs/reliability.md under a server that redirects, sends
huge, endless or trickling bodies, absurd ``Retry-After`` values, deeply nested JSON or echoes our secrets,
and under a careless operator's input. Real loopback HTTP to the emulator's fault modes; each test names
the promise it proves and failed on the code before the fix (the note of issue 23 lists them)."""

from __future__ import annotations

import json
import time
import tracemalloc
from typing import Any

import pytest
from conftest import task_output
from helpers.reliability import (
    connection_fields,
    fresh_caches,
    make_hook,
    pending_requests,
    run_async,
    set_connection,
    set_raw_connection,
    start_emulator,
    total_requests,
)

from airflow_dataarts_provider.core.pending_items.conditions import PendingItemsCondition
from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.core.protocol.error_bodies import RETRY_AFTER_CAP, parse_retry_after
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsConfigError,
    DataArtsDeadlineError,
    DataArtsError,
    DataArtsRedirectError,
    DataArtsResponseError,
    DataArtsServerError,
    DataArtsThrottledError,
    DataArtsTransportError,
    DataArtsUnknownOutcomeError,
)
from airflow_dataarts_provider.core.protocol.state import STATE
from airflow_dataarts_provider.emulator import (
    ENDPOINT_IAM_TOKENS,
    ENDPOINT_JOB_INSTANCE,
    ENDPOINT_JOB_RUN,
    ENDPOINT_METADATA_TOKEN,
    ENDPOINT_PACKAGE_CREATE,
    ENDPOINT_PENDING_ITEMS,
    Emulator,
)
from airflow_dataarts_provider.hooks.dataarts import DataArtsHook
from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger

JOB = "hostile_job"
GATE = GateSpec.create(["anything"], None, None, "released").to_json()


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    yield from fresh_caches()


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Emulator:
    emulator = start_emulator(dataarts_emulator_factory, 30)
    emulator.add_job(JOB, run_s=0.0)  # finished before the client looks again
    return emulator


def _starts(emu: Emulator) -> int:
    return int(emu.counters()["job_instances_started"].get(JOB, 0))


# ------------------------------------------------------------------------------- 1. start at most once


@pytest.mark.parametrize("fault", ["status_after:500", "status_after:503", "drop_after"])
def test_a_start_whose_answer_is_lost_runs_the_job_once_even_if_it_already_finished(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """The service started the instance, then the answer was lost; the instance finished before the
    client looked again. It is adopted (not started two to five times)."""
    set_connection(monkeypatch, emu, max_attempts=5)
    emu.script_faults(ENDPOINT_JOB_RUN, [fault] * 5)
    instance_id = make_hook().run_job(JOB)
    assert _starts(emu) == 1
    assert [str(r["instanceId"]) for r in emu.job_instances(JOB)] == [instance_id]
    assert emu.job_instances(JOB)[0]["status"] == "success"


def test_a_start_with_no_answer_and_nothing_listed_yet_is_not_sent_again(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service is still working on the start when the client gives up waiting (read timeout): the
    listing shows nothing yet, and the start is not resent; the error says so, and a later try adopts."""
    set_connection(monkeypatch, emu, max_attempts=5, timeout=[1, 0.5])
    emu.script_faults(ENDPOINT_JOB_RUN, ["sleep:2"])  # answered (and processed) after the client left
    with pytest.raises(DataArtsUnknownOutcomeError, match="not sent again"):
        make_hook().run_job(JOB)
    time.sleep(2.2)
    assert _starts(emu) == 1  # the one the service processed late; never a second


def test_a_start_refused_by_a_gateway_is_sent_again_after_a_look(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu, max_attempts=3)
    emu.script_faults(ENDPOINT_JOB_RUN, [502])  # answered before processing: nothing started
    instance_id = make_hook().run_job(JOB)
    assert _starts(emu) == 1
    assert [str(r["instanceId"]) for r in emu.job_instances(JOB)] == [instance_id]


def test_a_package_whose_create_answer_is_lost_is_created_once(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu, max_attempts=5)
    item_ids = [str(i["pending_item_id"]) for i in emu.items()[:2]]
    emu.script_faults(ENDPOINT_PACKAGE_CREATE, ["status_after:500"] * 5)
    package_id, created = make_hook().create_release_package(
        package_name="rel-lost", pending_item_ids=item_ids, approver_ids=["u1"], apply_user_id="u1"
    )
    assert created is True
    assert [p["package_id"] for p in emu.packages()] == [package_id]
    assert emu.counters()["packages_created"] == 1


# ------------------------------------------------------------------------- 2. bounded waits from server


@pytest.mark.parametrize(
    "value",
    ["86400", "100000000", "1e308", "1e999", "99999999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"],
)
def test_retry_after_is_capped_and_never_overflows(value: str) -> None:
    seconds = parse_retry_after(value, date_header="Wed, 02 Dec 2026 00:00:00 GMT")
    assert seconds is not None and 0 <= seconds <= RETRY_AFTER_CAP


def test_a_huge_retry_after_neither_freezes_the_process_nor_the_next_calls(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 with ``Retry-After: 100000000``: the call gives up (its retry budget is 3 s), and the
    process's rate bucket is pushed back by at most that budget, not by three years."""
    set_connection(monkeypatch, emu, max_attempts=3, max_retry_wait=3, max_requests_per_second=10)
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [{"status": 429, "headers": {"Retry-After": "100000000"}}])
    started = time.monotonic()
    with pytest.raises(DataArtsThrottledError):
        make_hook().list_pending_items()
    assert time.monotonic() - started < 1.5  # raised at once: waiting would exceed max_retry_wait
    config = make_hook().get_config()
    bucket = STATE.limiters.get((config.endpoint, config.ak or ""), 10 * 0.95)
    assert bucket.reserve(time.monotonic()) <= 3.0
    assert len(make_hook().list_pending_items()) == 30  # the next call works after the capped pause


# ---------------------------------------------------------------------------------- 3. success is 2xx


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_with_a_listing_body_is_an_error_not_an_empty_listing(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    set_connection(monkeypatch, emu)
    emu.script_faults(
        ENDPOINT_PENDING_ITEMS,
        [{"status": status, "headers": {"Location": "http://127.0.0.2/"}, "body": {"data": [], "total": 0}}],
    )
    with pytest.raises(DataArtsRedirectError, match=r"redirected to http://127\.0\.0\.2/") as caught:
        make_hook().list_pending_items()
    assert caught.value.permanent and not caught.value.retryable
    assert pending_requests(emu) == 1  # permanent: not retried, not followed


def test_a_metadata_token_answered_by_a_redirect_is_not_a_session_token(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu, "agency")
    emu.script_faults(ENDPOINT_METADATA_TOKEN, [{"status": 302, "body": "not-a-token"}])
    with pytest.raises(DataArtsRedirectError):
        make_hook().list_pending_items()


def test_an_iam_login_answered_by_a_redirect_fails_and_sends_the_password_nowhere(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu, "token")
    emu.script_faults(ENDPOINT_IAM_TOKENS, [{"status": 307, "headers": {"Location": "http://127.0.0.2/"}}])
    with pytest.raises(DataArtsRedirectError):
        make_hook().list_pending_items()
    assert pending_requests(emu) == 0


# ------------------------------------------------------------------------------- 5. bounded answers


def _first_event(trigger: DataArtsPendingItemsTrigger, limit_s: float = 30.0) -> Any:
    async def first() -> Any:
        async for event in trigger.run():
            return event.payload
        return None

    return run_async(first(), limit_s)


@pytest.mark.parametrize("fault", ["huge:268435456", "endless"])
def test_huge_and_endless_bodies_end_in_an_error_with_bounded_memory(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    set_connection(monkeypatch, emu, max_attempts=1, max_response_bytes=1_048_576)
    tracemalloc.start()
    try:
        emu.script_faults(ENDPOINT_PENDING_ITEMS, [fault])
        with pytest.raises(DataArtsResponseError, match="1048576 bytes read at most"):
            make_hook().list_pending_items()
        emu.script_faults(ENDPOINT_PENDING_ITEMS, [fault])
        with pytest.raises(DataArtsResponseError, match="1048576 bytes read at most"):
            run_async(make_hook().alist_pending_items())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # 256 MiB (or endless) offered; the old code held it all (or died)


def test_a_declared_length_over_the_limit_is_not_read(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, emu, max_attempts=1, max_response_bytes=65536)
    padded = {"status": 200, "body": {"data": [], "total": 0, "pad": "x" * 100_000}}
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [padded])
    with pytest.raises(DataArtsResponseError, match="declares 1000"):
        make_hook().list_pending_items()
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [padded])
    with pytest.raises(DataArtsResponseError, match="declares 1000"):
        run_async(make_hook().alist_pending_items())


@pytest.mark.parametrize("fault", ["trickle:0.2", "trickle_headers:0.2"])
def test_a_trickling_server_cannot_hold_a_call_past_connect_plus_read(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    set_connection(monkeypatch, emu, max_attempts=1, timeout=[1, 1])
    for run in (
        lambda: make_hook().list_pending_items(),
        lambda: run_async(make_hook().alist_pending_items()),
    ):
        emu.script_faults(ENDPOINT_PENDING_ITEMS, [fault])
        started = time.monotonic()
        with pytest.raises(DataArtsTransportError, match=r"within 2 s") as caught:
            run()
        assert caught.value.timeout
        assert time.monotonic() - started < 3.0  # one byte every 0.2 s would take minutes


def test_a_trigger_keeps_its_deadline_while_a_check_is_in_flight(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadline 2 s away, a server trickling its answer: the timeout event comes at the deadline,
    not when the request gives up (10 s later before the fix)."""
    set_connection(monkeypatch, emu, max_attempts=1, timeout=[10, 10])
    emu.script_faults(ENDPOINT_PENDING_ITEMS, ["trickle:0.5"])
    deadline = time.time() + 2
    trigger = DataArtsPendingItemsTrigger(
        dataarts_conn_id="dataarts_default", gate=GATE, poke_interval=1, deadline=deadline
    )

    payload = _first_event(trigger)
    assert payload["status"] == "timeout"
    assert time.time() - deadline < 1.0
    assert "still ran" in payload["message"]


# ----------------------------------------------------------------------------- 6. whole-value validation


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.get_release_package("pkg1\n"), "package_id"),
        (lambda h: h.get_job_instance(JOB, "42\n"), "instance_id"),
        (lambda h: h.stop_job_instance(JOB, "42\n"), "instance_id"),
        (
            lambda h: h.create_release_package(
                package_name="p", pending_item_ids=["item\n"], approver_ids=["u"], apply_user_id="u"
            ),
            "pending_item_ids",
        ),
    ],
)
def test_a_trailing_newline_in_an_id_is_refused_before_any_request(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, call: Any, field: str
) -> None:
    set_connection(monkeypatch, emu)
    with pytest.raises(DataArtsConfigError, match=field):
        call(make_hook())
    assert total_requests(emu) == 0


def test_a_trailing_newline_in_the_secret_key_is_a_configuration_error(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = connection_fields(emu)
    set_raw_connection(monkeypatch, {**fields, "password": fields["password"] + "\n"})
    with pytest.raises(DataArtsConfigError, match="password") as caught:
        make_hook().list_pending_items()
    assert fields["password"] not in str(caught.value)
    assert total_requests(emu) == 0  # not one failed signature towards the five-failure lock


# ----------------------------------------------------------------------------------- 4. and 10. secrets

PROXY_PASSWORD = "Pr0xy-S3cret-canary"


@pytest.mark.parametrize(
    "proxies",
    [
        f"http://user:{PROXY_PASSWORD}@proxy.example:3128",  # a plain string instead of a mapping
        {"https": f"http://user:{PROXY_PASSWORD}@proxy.example:99999"},  # a bad port
        {"https": f"http://user:{PROXY_PASSWORD}@proxy.example:31x8"},
        {"https": f"ftp://user:{PROXY_PASSWORD}@proxy.example:3128"},
        {"https": f"http://user:{PROXY_PASSWORD}@[::1"},
    ],
)
def test_a_mistyped_proxy_never_echoes_its_password(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, proxies: Any
) -> None:
    fields = connection_fields(emu, proxies=proxies)
    set_raw_connection(monkeypatch, fields)
    hook = make_hook()
    with pytest.raises(DataArtsConfigError, match="proxies") as caught:
        hook.get_config()
    assert PROXY_PASSWORD not in str(caught.value)
    ok, message = hook.test_connection()
    assert not ok and PROXY_PASSWORD not in message


def test_the_iam_token_cache_is_keyed_by_the_password(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one process (a shared triggerer), a connection whose password IAM refuses is not served the
    token another connection of the same user got."""
    good = connection_fields(emu, "token")
    set_raw_connection(monkeypatch, good, "good_conn")
    set_raw_connection(monkeypatch, {**good, "password": "Wrong-Password-1"}, "bad_conn")
    assert len(DataArtsHook("good_conn").list_pending_items()) == 30
    with pytest.raises(DataArtsError) as caught:
        DataArtsHook("bad_conn").list_pending_items()
    assert getattr(caught.value, "status", None) == 401
    assert len(DataArtsHook("good_conn").list_pending_items()) == 30  # and the refusal is not shared back


@pytest.mark.parametrize("auth", ["aksk_sts", "token"])
def test_an_echoing_server_never_gets_a_secret_into_errors_or_the_test_button(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, auth: str
) -> None:
    """The server repeats our headers as JSON, as key=value and in the gateway's ``name:value|`` form,
    and the request body: every secret is removed by value before the text reaches anyone."""
    fields = set_connection(monkeypatch, emu, auth, max_attempts=1)
    hook = make_hook()
    hook.list_pending_items()  # fetches the token (token auth) so its value is known
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [{"action": "echo", "status": 400}])
    with pytest.raises(DataArtsError) as caught:
        hook.list_pending_items()
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [{"action": "echo", "status": 400}])
    ok, message = hook.test_connection()
    assert not ok and "echo headers" in message
    issued = list(emu.state.tokens) if auth == "token" else []
    canaries = [fields["password"], *issued]
    extra = json.loads(fields["extra"]) if isinstance(fields["extra"], str) else fields["extra"]
    if extra.get("security_token"):
        canaries.append(extra["security_token"])
    text = f"{caught.value}\n{caught.value!r}\n{vars(caught.value)}\n{message}"
    assert "echo headers" in text
    for canary in canaries:
        assert canary not in text


def test_an_echoing_iam_never_gets_the_password_into_the_error(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = set_connection(monkeypatch, emu, "token", max_attempts=1)
    emu.script_faults(ENDPOINT_IAM_TOKENS, [{"action": "echo", "status": 400}])
    with pytest.raises(DataArtsError) as caught:
        make_hook().list_pending_items()
    text = f"{caught.value}\n{caught.value!r}\n{vars(caught.value)}"
    assert "echo headers" in text and '"password"' in text  # the body was echoed into the message
    assert fields["password"] not in text  # but not the password itself


# ----------------------------------------------------------------------------------- 8. nested JSON


@pytest.mark.parametrize(("status", "error"), [(200, DataArtsResponseError), (503, DataArtsServerError)])
def test_deeply_nested_json_is_a_response_error_with_its_usual_retry_class(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, status: int, error: type[DataArtsError]
) -> None:
    set_connection(monkeypatch, emu, max_attempts=3)
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [{"action": "nested", "depth": 100000, "status": status}] * 2)
    assert len(make_hook().list_pending_items()) == 30  # retried (a read), the third answer is good
    assert pending_requests(emu) == 3
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [{"action": "nested", "depth": 100000, "status": status}] * 3)
    with pytest.raises(error):
        make_hook().list_pending_items()


def test_a_trigger_reports_nested_json_as_an_error_event(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu, max_attempts=1)
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [{"action": "nested", "depth": 100000, "status": 200}] * 20)
    trigger = DataArtsPendingItemsTrigger(
        dataarts_conn_id="dataarts_default",
        gate=GATE,
        poke_interval=0.05,
        deadline=time.time() + 30,
        max_consecutive_failures=2,
    )

    payload = _first_event(trigger)
    assert payload["status"] == "error"
    assert payload["error"]["type"] == "DataArtsResponseError"


# ------------------------------------------------------------------------ 9. one refused signature a call


def test_a_401_in_a_concurrent_walk_stops_every_lane(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 items in pages of 100 over 8 lanes, spaced by the client's 10/s rate limit; the key is revoked
    after 10 pages. The lanes still waiting for their slot when the first 401 arrives send nothing more
    (before: every lane sent its own request, 8 refused signatures in one call)."""
    emu.seed(5000)
    set_connection(monkeypatch, emu, max_concurrency=8, offset_mode="page", max_requests_per_second=10)
    revoked = {
        "status": 401,
        "body": {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication"},
    }
    emu.script_faults(ENDPOINT_PENDING_ITEMS, [200] * 10 + [revoked] * 50)
    with pytest.raises(DataArtsError) as caught:
        make_hook().list_pending_items()
    assert getattr(caught.value, "status", None) == 401
    refused = emu.counters()["by_endpoint_status"][ENDPOINT_PENDING_ITEMS].get("401", 0)
    assert refused <= 2  # the first, and at most one more already on the wire
    assert pending_requests(emu) <= 12


# ------------------------------------------------------------- 5. worker-side waits keep their deadline


def test_a_worker_side_job_wait_keeps_its_deadline_while_a_read_is_in_flight(
    run_dag: Any, emu: Emulator, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """``DataArtsRunJobOperator`` waiting in the worker with ``timeout=1.5``; every read of the instance
    trickles a byte every 0.5 s and the connection allows ``[10, 10]`` per request. The read is cut at the
    task's deadline, the instance is stopped and the task fails on time (before: the first read alone
    held the task for minutes, a byte every half second)."""
    emu.set_job(JOB, run_s=60)
    emu.script_faults(ENDPOINT_JOB_INSTANCE, ["trickle:0.5"] * 20)
    started = time.monotonic()
    dr = run_dag("dataarts_job_run_worker_short", emu, {"job_name": JOB}, timeout=[10, 10], max_attempts=1)
    took = time.monotonic() - started
    assert str(getattr(dr.state, "value", dr.state)) == "failed"
    assert took < 30  # deadline 1.5 s after the start, plus a DAG run's overhead (9.6 s measured here)
    assert "Timed out waiting for job" in task_output(capfd, caplog)
    assert [r["status"] for r in emu.job_instances(JOB)] == ["manual-stop"]


def test_a_hook_check_with_a_deadline_ends_at_it_in_the_sync_driver(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu, max_attempts=3, timeout=[10, 10])
    emu.script_faults(ENDPOINT_PENDING_ITEMS, ["trickle:0.5"] * 3)
    condition = PendingItemsCondition(GateSpec.from_json(GATE))
    started = time.monotonic()
    with pytest.raises(DataArtsDeadlineError):
        make_hook().check_condition(condition, deadline=time.time() + 1.5)
    assert time.monotonic() - started < 2.5  # not 20 s per attempt, nor a retry after the deadline
    assert pending_requests(emu) == 1
