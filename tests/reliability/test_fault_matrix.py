# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Fault matrix: every fault the emulator injects x every operation that talks to DataArts.

Operations: the hook's ``list_pending_items`` (sync driver), the list operator in a real DAG run
(``dag.test()``), one sensor ``poke`` and one trigger run (async driver). Faults: latency beyond the
read timeout, 500/502/503/504, 429 with and without ``Retry-After``, a dropped connection, truncated and
malformed JSON, an HTML page, 400/401/403/404, an item inserted or removed between pages, and the IAM
token expiring mid-walk.

Each fault is *persistent* (scripted many more times than the client may try) or *transient* (once,
then normal answers). Every case asserts the exact result or the exact error class (task state and
message for the DAG run, event for the trigger), and the exact number of requests the emulator
received, which proves the retry bounds: ``max_attempts`` = 3 for retryable faults, exactly one
request for 400/401/403/404, one token refresh for a 401 with an IAM token, and
``max_retry_wait`` cutting 429 retries short.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import AIRFLOW_2, TESTS
from helpers.reliability import (
    FAST,
    connection_fields,
    expire_tokens_after_successes,
    fresh_caches,
    iam_requests,
    ids,
    make_hook,
    pending_requests,
    run_async,
    set_raw_connection,
    settled_count,
    start_emulator,
)

from airflow_dataarts_provider.core.pending_items.gate import GateSpec
from airflow_dataarts_provider.core.protocol.errors import (
    DataArtsAuthenticationError,
    DataArtsError,
    DataArtsInvalidRequestError,
    DataArtsNotFoundError,
    DataArtsPermissionError,
    DataArtsResponseError,
    DataArtsServerError,
    DataArtsThrottledError,
    DataArtsTransportError,
)
from airflow_dataarts_provider.sensors.pending_items import DataArtsPendingItemsSensor
from airflow_dataarts_provider.triggers.pending_items import DataArtsPendingItemsTrigger
from airflow_dataarts_provider.version_compat import AirflowException, AirflowFailException

N_ITEMS = 150  # two pages of 100
NORMAL_REQUESTS = 2
ATTEMPTS = FAST["max_attempts"]
PERSISTENT = 10  # scripted far beyond max_attempts: extra requests would show a retry storm
READ_TIMEOUT_S = 0.3  # above what a loaded 2-core machine takes for a normal answer
SLEEP_S = 0.8  # the scripted slow answer, well beyond the read timeout
SLOW = {"timeout": [1, READ_TIMEOUT_S]}
SLEEP = f"sleep:{SLEEP_S}"
RA_1 = {"status": 429, "headers": {"Retry-After": "1"}}
TIGHT_WAIT = {"max_retry_wait": 1.5}  # one 1 s Retry-After fits, two do not; 2-5 s never fits


@dataclass(frozen=True)
class Fault:
    id: str
    script: list[Any] = field(default_factory=list)
    error: type[DataArtsError] | None = None  # None: the exact listing is expected
    requests: int = NORMAL_REQUESTS
    extras: dict[str, Any] = field(default_factory=dict)
    auth: str = "aksk"
    mutation: dict[str, Any] | None = None
    expire_token: bool = False
    iam: int | None = None

    @property
    def permanent(self) -> bool:
        return self.error is not None and issubclass(
            self.error,
            (
                DataArtsAuthenticationError,
                DataArtsInvalidRequestError,
                DataArtsPermissionError,
                DataArtsNotFoundError,
            ),
        )


def _persistent(
    fid: str, entry: Any, error: type[DataArtsError], requests: int = ATTEMPTS, **kw: Any
) -> Fault:
    return Fault(f"{fid}-persistent", [entry] * PERSISTENT, error, requests, **kw)


def _transient(fid: str, entry: Any, **kw: Any) -> Fault:
    return Fault(f"{fid}-transient", [entry], None, NORMAL_REQUESTS + 1, **kw)


FAULTS: list[Fault] = [
    _persistent("timeout", SLEEP, DataArtsTransportError, extras=SLOW),
    _transient("timeout", SLEEP, extras=SLOW),
    *[_persistent(str(s), s, DataArtsServerError) for s in (500, 502, 503, 504)],
    _transient("503", 503),
    # Retry-After 1 s: one retry fits in max_retry_wait 1.5 s, a second would not -> 2 requests.
    _persistent("429-retry-after", RA_1, DataArtsThrottledError, 2, extras=TIGHT_WAIT),
    _transient("429-retry-after", RA_1),
    # No Retry-After: the advised 2-5 s wait exceeds max_retry_wait 1.5 s -> no retry at all.
    _persistent("429-no-retry-after", 429, DataArtsThrottledError, 1, extras=TIGHT_WAIT),
    _persistent("drop", "drop", DataArtsTransportError),
    _transient("drop", "drop"),
    *[_persistent(k, k, DataArtsResponseError) for k in ("malformed", "truncated", "html")],
    _transient("truncated", "truncated"),
    # Never retried: exactly one request.
    _persistent("400", 400, DataArtsInvalidRequestError, 1),
    _persistent("401", 401, DataArtsAuthenticationError, 1),
    _persistent("403", 403, DataArtsPermissionError, 1),
    _persistent("404", 404, DataArtsNotFoundError, 1),
    # A 401 with an IAM token: the token is dropped and fetched again once, then the 401 is final.
    _persistent("401-token", 401, DataArtsAuthenticationError, 2, auth="token", iam=2),
    # The listing changes between pages: page 2 shows a new total -> one restart (2 + 2 requests).
    Fault("item-inserted-between-pages", requests=4, mutation={"insert": 1}),
    Fault("item-removed-between-pages", requests=4, mutation={"remove": 1}),
    # The token expires after page 1: page 2 gets a 401, one new token, page 2 again.
    Fault("token-expired-mid-walk", requests=3, auth="token", expire_token=True, iam=2),
]


@dataclass
class Outcome:
    items: list[dict[str, Any]] | None = None
    error: str | None = None  # class name of the DataArtsError
    detail: str = ""
    blocking: list[dict[str, Any]] | None = None  # sensor/trigger: satisfied gate is blocking == []


@pytest.fixture(autouse=True)
def _caches() -> Any:
    yield from fresh_caches()


@pytest.fixture(scope="module")
def bag(airflow_db: None) -> Any:
    from airflow.models import DagBag

    dagbag = DagBag(str(TESTS / "dags"), include_examples=False) if AIRFLOW_2 else DagBag(str(TESTS / "dags"))
    assert not dagbag.import_errors, dagbag.import_errors
    return dagbag


# ---------------------------------------------------------------------------------------------- operations


def op_hook(**_: Any) -> Outcome:
    try:
        return Outcome(items=make_hook().list_pending_items())
    except DataArtsError as exc:
        return Outcome(error=type(exc).__name__, detail=str(exc))


def op_operator_dag(
    *, bag: Any, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, **_: Any
) -> Outcome:
    dag = bag.get_dag("dataarts_rel_list")
    capfd.readouterr()
    caplog.clear()
    dr = dag.test(run_conf={})
    ti = dr.get_task_instance("list")
    out, err = capfd.readouterr()
    # On 2.11 the task log reaches stdout only through handlers made earlier in the session (their
    # stream may be a previous test's capture): the log records themselves are the reliable source.
    err += caplog.text
    state = str(getattr(ti.state, "value", ti.state))
    if state == "success":
        return Outcome(items=ti.xcom_pull(task_ids="list"))
    assert state == "failed", state
    text = out + err
    names = [
        n
        for n in (
            "DataArtsTransportError",
            "DataArtsServerError",
            "DataArtsThrottledError",
            "DataArtsResponseError",
            "DataArtsInvalidRequestError",
            "DataArtsAuthenticationError",
            "DataArtsPermissionError",
            "DataArtsNotFoundError",
            "DataArtsPaginationError",
        )
        if n in text
    ]
    assert len(names) == 1, f"the task log should name exactly one error class, got {names}"
    return Outcome(error=names[0], detail=text)


def op_sensor_poke(**_: Any) -> Outcome:
    sensor = DataArtsPendingItemsSensor(task_id="s", wait_for="packaged", max_consecutive_failures=0)
    try:
        result = sensor.poke({})
    except (AirflowFailException, AirflowException) as exc:
        cause = exc.__cause__
        assert isinstance(cause, DataArtsError), repr(exc)
        return Outcome(error=type(cause).__name__, detail=f"{type(exc).__name__}: {exc}")
    if not result.is_done:
        assert sensor._waiter.failures == 0  # blocked by a real item, not by a failure
        return Outcome(blocking=[{}])
    return Outcome(items=result.xcom_value, blocking=[])


def op_trigger_run(**_: Any) -> Outcome:
    trigger = DataArtsPendingItemsTrigger(
        dataarts_conn_id="dataarts_default",
        gate=GateSpec.create(None, None, None, "packaged").to_json(),
        poke_interval=0.1,
        deadline=time.time(),  # exactly one check, then the deadline
        max_consecutive_failures=0,
    )

    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    events = run_async(collect())
    assert len(events) == 1, events
    event = events[0]
    json.dumps(event)  # events must be serialisable
    if event["status"] == "success":
        return Outcome(items=event.get("result", event.get("items")), blocking=[])
    if event["status"] == "timeout":
        return Outcome(blocking=event.get("waiting", event.get("blocking")))
    assert event["status"] == "error", event
    return Outcome(error=event["error"]["type"], detail=event["message"])


OPERATIONS: dict[str, Callable[..., Outcome]] = {
    "hook-list": op_hook,
    "operator-dag-run": op_operator_dag,
    "sensor-poke": op_sensor_poke,
    "trigger-run": op_trigger_run,
}


# ---------------------------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_fault_matrix(
    fault: Fault,
    operation: str,
    dataarts_emulator_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = start_emulator(dataarts_emulator_factory, N_ITEMS)
    emu.mark_packaged(pending_item_ids=ids(emu.items()))
    set_raw_connection(monkeypatch, connection_fields(emu, fault.auth, **fault.extras))
    if fault.script:
        emu.script_faults("pending-items", fault.script)
    if fault.mutation:
        emu.schedule_mutation(1, **fault.mutation)
    if fault.expire_token:
        expire_tokens_after_successes(emu, 1)
    bag = request.getfixturevalue("bag") if operation == "operator-dag-run" else None

    started = time.monotonic()
    outcome = OPERATIONS[operation](bag=bag, capfd=capfd, caplog=caplog)
    elapsed = time.monotonic() - started

    # A timed-out request is counted when the emulator finishes its (slow) answer: wait for it.
    # Every other fault is counted before its answer is written.
    quiet_s = SLEEP_S - READ_TIMEOUT_S + 0.2  # until the slow answer, counted when it ends, is in
    count = settled_count(lambda: pending_requests(emu), quiet_s=quiet_s) if SLEEP in fault.script else None
    count = pending_requests(emu) if count is None else count
    assert count == fault.requests, (outcome, emu.request_log()[-5:])
    if fault.iam is not None:
        assert iam_requests(emu) == fault.iam
    if fault.error is not None:
        assert outcome.error == fault.error.__name__, outcome
        if operation == "sensor-poke":
            expected = "AirflowFailException" if fault.permanent else "AirflowException"
            assert outcome.detail.startswith(expected + ":"), outcome.detail
            if not fault.permanent:
                assert "Giving up after 1 failed checks in a row" in outcome.detail
        if operation == "trigger-run":
            prefix = "permanent error" if fault.permanent else "Giving up after 1 failed checks in a row"
            assert outcome.detail.startswith(prefix), outcome.detail
        _assert_error_is_explained(fault, outcome.detail)
    else:
        expected_items = emu.items()
        if fault.mutation == {"insert": 1} and operation in ("sensor-poke", "trigger-run"):
            # The inserted item is not packaged: the gate is (correctly) still blocked, by exactly it.
            assert outcome.blocking, outcome
            if operation == "trigger-run":
                assert ids(outcome.blocking or []) == [expected_items[0]["pending_item_id"]]
                assert expected_items[0]["item_name"].startswith("inserted ")
        else:
            assert outcome.error is None, outcome.detail[-2000:]
            assert outcome.items is not None
            assert ids(outcome.items) == ids(expected_items)  # exact, in server order, no duplicates
            if fault.mutation:
                assert len(outcome.items) == N_ITEMS + (1 if "insert" in fault.mutation else -1)
    # Bounded in time too: nothing waits beyond the configured budgets.
    assert elapsed < 10, elapsed


def _assert_error_is_explained(fault: Fault, text: str) -> None:
    """The message says what happened (status and code, timeout, or what was wrong with the body)."""
    if fault.error is DataArtsTransportError:
        assert "failed before a complete response was received" in text
        if fault.id.startswith("timeout"):
            assert "timed out" in text.lower() or "timeout" in text.lower()
    elif fault.error is DataArtsResponseError:
        assert "Unexpected response to GET /v2/" in text
        want = {
            "malformed": "malformed JSON",
            "truncated": "malformed JSON",
            "html": "content type is 'text/html'",
        }
        assert want[fault.id.split("-")[0]] in text
    else:
        status = {
            DataArtsServerError: fault.id.split("-")[0],
            DataArtsThrottledError: "429",
            DataArtsInvalidRequestError: "400",
            DataArtsAuthenticationError: "401",
            DataArtsPermissionError: "403",
            DataArtsNotFoundError: "404",
        }[fault.error]  # type: ignore[index]
        assert f"HTTP {status}" in text
        assert "request id" in text


# ---------------------------------------------------------------------------------------------- flow level


def test_429_without_retry_after_waits_the_advised_2_to_5_seconds() -> None:
    """The transient 429-without-Retry-After case, at the flow level (real sleeps would cost 2-5 s)."""
    from helpers.reliability import flow_config, json_response

    from airflow_dataarts_provider.core.pending_items import calls
    from airflow_dataarts_provider.core.protocol.engine import CallContext
    from airflow_dataarts_provider.core.protocol.listing import list_flow
    from airflow_dataarts_provider.transport.scripted import ScriptedDriver

    page = json_response({"data": [{"pending_item_id": f"id{i}"} for i in range(3)], "total": 3})
    throttled = json_response({"error_code": "APIGW.0308", "error_msg": "throttled"}, 429)
    transport = ScriptedDriver([throttled, page])
    result = transport.run(
        list_flow(
            CallContext.create(flow_config(), monotonic=transport.monotonic),
            calls.pending_items(flow_config()),
            emit=False,
        )
    )
    assert ids(result.items) == ["id0", "id1", "id2"]
    assert len(transport.requests) == 2
    assert len(transport.sleeps) == 1 and 2.0 <= transport.sleeps[0] <= 5.0
