# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The scripts family's pure parts: result parsing in every spelling, the row cap that never cuts
silently, and the condition's reading of each status (unknown ones fail loudly)."""

from __future__ import annotations

import json

import pytest

from airflow_dataarts_provider.core.protocol.errors import DataArtsResponseError
from airflow_dataarts_provider.core.protocol.http import HttpResponse
from airflow_dataarts_provider.core.scripts import values as scripts
from airflow_dataarts_provider.core.scripts.conditions import ScriptInstanceCondition

DOCUMENTED = {  # the result example of the API reference (0101), shortened to three columns
    "results": [
        {
            "message": "",
            "duration": 0.5,
            "rowCount": 1,
            "rows": [[913460.0, 765.0, "8/31/2015 23:26"]],
            "schema": [{"TripID": "int"}, {"Duration": "int"}, {"StartDate": "string"}],
        }
    ],
    "status": "FINISHED",
}


def _answer(body: object) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(body).encode())


def _parse(body: object) -> dict[str, object]:
    return scripts.parse_result(_answer(body), "GET", "/v1/p/scripts/s/instances/i")


def test_the_documented_example_and_the_sdk_spelling_read_the_same() -> None:
    expected = _parse(DOCUMENTED)
    assert expected["results"] == [
        {
            "columns": ["TripID", "Duration", "StartDate"],
            "types": ["int", "int", "string"],
            "rows": [[913460.0, 765.0, "8/31/2015 23:26"]],
            "row_count": 1,
            "duration": 0.5,
            "message": None,
        }
    ]
    (entry,) = DOCUMENTED["results"]
    as_text = {**entry, "rows": json.dumps(entry["rows"]), "schema": json.dumps(entry["schema"])}
    assert _parse({"status": "FINISHED", "result": [as_text]}) == expected
    named = {
        **entry,
        "schema": [{"name": "TripID", "type": "int"}, {"name": "Duration", "type": "int"}, "StartDate"],
    }
    assert _parse({"status": "FINISHED", "results": [named]})["results"][0]["columns"] == [
        "TripID",
        "Duration",
        "StartDate",
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"results": []},
        {"status": "FINISHED", "results": {"rows": []}},
        {"status": "FINISHED", "results": [{"rows": "[1, 2", "schema": []}]},
        {"status": "FINISHED", "results": [{"rows": [[1, 2]], "schema": [{"a": "int"}]}]},
        {"status": "FINISHED", "results": [{"rows": [1], "schema": []}]},
    ],
)
def test_malformed_results_are_refused(body: object) -> None:
    with pytest.raises(DataArtsResponseError):
        _parse(body)


def test_the_cap_keeps_counts_and_the_condition_reads_each_status() -> None:
    rows = [[n] for n in range(5)]
    result = {
        "status": "FINISHED",
        "message": None,
        "results": [{"columns": ["n"], "rows": rows, "row_count": 9}],
    }
    done = ScriptInstanceCondition("s", "i-1", max_rows=2).evaluate(result)
    assert done.state == "done"
    (kept,) = done.value["results"]
    assert (kept["rows"], kept["rows_returned"], kept["rows_kept"], kept["row_count"]) == (
        [[0], [1]],
        5,
        2,
        9,
    )
    for status, state in (("LAUNCHING", "waiting"), ("RUNNING", "waiting"), ("FAILED", "failed")):
        assert ScriptInstanceCondition("s", "i-1").evaluate({**result, "status": status}).state == state
    failed = ScriptInstanceCondition("s", "i-1").evaluate(
        {"status": "FAILED", "message": "exit 2", "results": []}
    )
    assert failed.message == "script 's' instance i-1 FAILED: exit 2" and "results" not in failed.value
    unknown = ScriptInstanceCondition("s", "i-1").evaluate({**result, "status": "CANCELLED"})
    assert unknown.state == "failed" and "LAUNCHING, RUNNING, FINISHED, FAILED" in unknown.message


@pytest.mark.parametrize(
    ("value", "true"),
    [
        (1, True),
        (0, False),
        (None, False),
        (False, False),
        (2.5, True),
        ("1", True),
        ("0", False),
        ("0.0", False),
        (" FALSE ", False),
        ("off", False),
        ("", False),
        ("yes", True),
        ("-3", True),
        ("0e0", False),
        ("abc", True),
    ],
)
def test_a_check_reads_values_as_sql_answers_them(value: object, true: bool) -> None:
    assert scripts.is_true(value) is true


def test_the_first_row_check_names_the_false_columns() -> None:
    assert scripts.first_row_check([]) == (None, [])
    assert scripts.first_row_check([{"columns": ["a"], "rows": []}]) == (None, [])
    row, failing = scripts.first_row_check([{"columns": ["ok", "late"], "rows": [[1, "0"], [0, 0]]}])
    assert (row, failing) == ({"ok": 1, "late": "0"}, ["late"])
    assert scripts.first_row_check([{"columns": [], "rows": [[0, 1]]}]) == ({0: 0, 1: 1}, ["0"])
