# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Failed nodes' logs read from OBS: the hook's read_obs_log_tail against the emulator's OBS look-alike,
which checks the OBS signature with its own code; the official esdk-obs-python signer is accepted by the
same check (an oracle of both sides)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from helpers.hooks import make_hook, set_connection

from airflow_dataarts_provider.core.protocol.errors import DataArtsAPIError, DataArtsConfigError
from airflow_dataarts_provider.emulator import ENDPOINT_OBS_OBJECT, Emulator

pytestmark = pytest.mark.workflows

JOB = "daily_sales_job"


@pytest.fixture
def emu(dataarts_emulator_factory: Any) -> Emulator:
    emulator: Emulator = dataarts_emulator_factory(rate_limit_per_user=None)
    return emulator


def _failed_node(emu: Emulator, hook: Any, lines: int = 3000) -> dict[str, Any]:
    emu.set_job(JOB, run_s=0.05, outcome="fail", nodes=["extract", "transform"], failing_node="transform")
    emu.set_job(JOB, log_lines=lines)
    instance_id = hook.run_job(JOB)
    deadline = time.monotonic() + 5
    while (shaped := hook.get_job_instance(JOB, instance_id))["status"] != "fail":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (node,) = [n for n in shaped["nodes"] if n["status"] == "fail"]
    return node


def _whole(emu: Emulator, path: str) -> bytes:
    """The object, read with a request signed by the official OBS client (path style, OBS signature)."""
    from obs.auth import Authentication
    from obs.convertor import Adapter

    info = emu.info()
    bucket, _, key = path.removeprefix("obs://").partition("/")
    headers = {"Date": format_datetime(datetime.now(timezone.utc), usegmt=True)}
    signer = Authentication(info["ak"], info["sk"], True, Adapter("obs"), "127.0.0.1", False)
    headers["Authorization"] = signer.doAuth("GET", bucket, key, {}, headers)["Authorization"]
    from urllib.parse import quote

    response = requests.get(f"{emu.url}/{bucket}/{quote(key, safe='/~')}", headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    return response.content


@pytest.mark.parametrize("auth", ["aksk", "aksk_sts"])
def test_the_tail_of_a_failed_nodes_log(emu: Emulator, monkeypatch: pytest.MonkeyPatch, auth: str) -> None:
    set_connection(monkeypatch, emu, auth)
    hook = make_hook()
    node = _failed_node(emu, hook)
    whole = _whole(emu, node["log_path"])
    tail = hook.read_obs_log_tail(node["log_path"], 1000)
    assert tail.size == len(whole) > 100_000 and tail.start == len(whole) - 1000
    assert tail.text.encode() == whole[-1000:]
    assert tail.text.rstrip().endswith("ERROR transform: DLI.0001 table dw.sales does not exist")
    small = hook.read_obs_log_tail(node["log_path"], 10 * len(whole))  # more than there is: all of it
    assert (small.start, small.text.encode()) == (0, whole)


def test_unreadable_logs_and_token_credentials_are_clear_errors(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, emu)
    hook = make_hook()
    node = _failed_node(emu, hook, lines=10)
    with pytest.raises(DataArtsAPIError) as missing:
        hook.read_obs_log_tail(node["log_path"].replace("transform.log", "nothing.log"))
    assert missing.value.status == 404  # a HEAD answer has no body: OBS sends its code in a GET's XML
    set_connection(monkeypatch, emu, password="Wr0ngSecretKeyWr0ngSecretKeyWr0ngSecret1")
    with pytest.raises(DataArtsAPIError) as refused:
        make_hook().read_obs_log_tail(node["log_path"])
    assert refused.value.status == 403
    assert "Wr0ngSecretKey" not in str(refused.value)
    set_connection(monkeypatch, emu, "token")
    with pytest.raises(DataArtsConfigError, match="IAM token credentials cannot sign OBS requests"):
        make_hook().read_obs_log_tail(node["log_path"])
    emu.script_faults(ENDPOINT_OBS_OBJECT, [503])  # a transient answer is retried like any other
    set_connection(monkeypatch, emu)
    assert make_hook().read_obs_log_tail(node["log_path"], 50).text.endswith("does not exist\n")
