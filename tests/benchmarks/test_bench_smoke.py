# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Smoke runs of benchmarks/ (small sizes) so they never rot. Counts only: never a time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import (
    b1_client_cost,
    b2_rate_limit,
    b3_concurrency,
    b4_trigger_fleet,
    b5_parse_cost,
    b6_job_waits,
)
from benchmarks.common import clear_process_caches, pages_for


@pytest.fixture(autouse=True)
def _restore_environment():
    """The benchmark scripts set AIRFLOW_CONN_* (and AIRFLOW_HOME) in os.environ, as a user would: put
    the environment back so later tests do not see a connection to a stopped emulator."""
    saved = dict(os.environ)
    clear_process_caches()
    yield
    clear_process_caches()
    os.environ.clear()
    os.environ.update(saved)


def test_b1_hook_and_sdk_list_every_item_with_one_request_per_page() -> None:
    counts = b1_client_cost.run(smoke=True, reps=1).counts
    n = counts["items"]
    assert counts["hook_items"] == [n] and counts["sdk_items"] == [n]
    assert counts["hook_requests"] == [pages_for(n)]
    assert counts["sdk_requests"] == [pages_for(n)]


def test_b2_hook_completes_under_the_limit_where_the_sdk_loop_fails() -> None:
    counts = b2_rate_limit.run(smoke=True, reps=1).counts
    n, needed = counts["items"], counts["requests_needed"]
    for run in counts["hook"]:
        assert run["items"] == n
        assert run["requests"] == needed  # 5% under the server's limit: no 429, no extra request
        assert run["429"] == 0
    sdk = counts["sdk"]
    assert sdk["429"] >= 1 and sdk["outcome"].startswith("failed")
    assert sdk["requests"] <= needed


def test_b3_every_variant_lists_the_same_items_with_the_same_requests() -> None:
    counts = b3_concurrency.run(smoke=True, reps=1).counts
    for runs in counts["runs"].values():
        for run in runs:
            assert run == {"requests": counts["requests_needed"], "items": counts["items"], "same_items": 1}


def test_b4_fleet_requests_do_not_grow_with_triggers_and_connections_never_mix() -> None:
    counts = b4_trigger_fleet.run(smoke=True, reps=1).counts
    pages = counts["workspace_pages"]
    one, fleet = counts["runs"][0], counts["runs"][-1]
    assert fleet["n"] > 1
    for run in counts["runs"]:
        assert run["statuses"] == {"timeout": run["n"]}
        assert run["own_item_reported"] == run["n"]  # each trigger evaluated its own gate
    # at most one listing more than a single trigger made (poll windows are timing dependent)
    assert fleet["requests"] <= one["requests"] + pages
    isolation = counts["isolation"]
    assert set(isolation["a"]) == {"timeout"} and set(isolation["b"]) == {"timeout"}
    assert set(isolation["bad"]) == {"error"}
    assert isolation["by_user"].get("emulator-user", 0) >= 1
    assert isolation["by_user"].get(b4_trigger_fleet.OTHER_USER, 0) >= 1


def test_b5_parse_cost_measures_fresh_processes() -> None:
    counts = b5_parse_cost.run(smoke=True, reps=1).counts
    assert counts == {"runs": 1, "modules": 4}


def test_b6_job_waits_share_one_listing_per_interval_and_read_each_instance_once() -> None:
    runs = b6_job_waits.run(smoke=True).counts["runs"]
    assert runs[-1]["n"] > 1
    for run in runs:
        assert run["succeeded"] == run["n"]
        assert run["details_per_wait"] == 1.0  # each wait read its own instance once, at its end
        assert run["noticed_by_feed"] == run["n"]  # every end was seen in the shared listing first
        # one listing per interval of the run, whatever N (the intervals the run lasted, plus the first)
        assert run["listings"] <= run["wall"] / b6_job_waits.POKE + 2
