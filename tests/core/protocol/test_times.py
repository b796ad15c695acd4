# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Reading the answers' epoch-millisecond fields and writing them as event payload times (both event
triggers use these: the release watch and the job-event cursor)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_dataarts_provider.core.protocol.times import epoch_ms, iso_ms


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_760_000_000_123, 1_760_000_000_123),
        (0, None),  # the services' "not yet" (the end of a running instance)
        (-5, None),
        (True, None),
        ("1760000000123", None),  # text is not a time field's shape
        (1.76e12, None),
        (None, None),
    ],
)
def test_epoch_ms_reads_only_positive_integers(value: object, expected: int | None) -> None:
    assert epoch_ms(value) == expected


def test_iso_ms_is_utc_with_milliseconds() -> None:
    moment = datetime(2026, 12, 2, 14, 17, 8, 304000, tzinfo=timezone.utc)
    assert iso_ms(int(moment.timestamp() * 1000)) == "2026-12-02T14:17:08.304+00:00"
    assert iso_ms(None) is None
