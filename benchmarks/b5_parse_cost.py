# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""B5 DAG-parse cost: what importing the provider's operator and sensor modules adds over a bare
``airflow.sdk`` import (Airflow 2: ``airflow.models.baseoperator`` and ``airflow.sensors.base``), and what
importing ``get_provider_info`` costs over a bare interpreter. Fresh subprocesses, bytecode compiled
first (``python -m compileall``: PYTHONDONTWRITEBYTECODE may be set), median of >= 7 runs.
Goals: modules <= 20 ms over the baseline; get_provider_info <= 5 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.common import ROOT, Goal, Result, median

MODULES = (
    "airflow_dataarts_provider.operators.pending_items",
    "airflow_dataarts_provider.sensors.pending_items",
    "airflow_dataarts_provider.operators.release_package",
    "airflow_dataarts_provider.sensors.release_package",
)

_DAG_SCRIPT = """
import json, time
t0 = time.perf_counter()
try:
    import airflow.sdk
except ImportError:
    import airflow.models.baseoperator, airflow.sensors.base
t1 = time.perf_counter()
{imports}
t2 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1]))
"""

_INFO_SCRIPT = """
import json, time
t0 = time.perf_counter()
from airflow_dataarts_provider.get_provider_info import get_provider_info
get_provider_info()
t1 = time.perf_counter()
print(json.dumps([t1 - t0]))
"""


def _measure(script: str, runs: int) -> list[list[float]]:
    env = dict(os.environ)
    out = []
    for i in range(runs + 1):
        proc = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT
        )
        if i:  # the first run (airflow.cfg creation, cold file cache) is not counted
            out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def run(*, smoke: bool = False, reps: int | None = None) -> Result:
    runs = reps or (3 if smoke else 9)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "airflow_dataarts_provider")],
        check=True,
        capture_output=True,
    )
    result = Result("B5", "DAG-parse cost (fresh subprocesses, bytecode compiled)")
    imports = "\n".join(f"import {m}" for m in MODULES)
    dag = _measure(_DAG_SCRIPT.format(imports=imports), runs)
    info = _measure(_INFO_SCRIPT, runs)
    base_ms = 1000 * median([r[0] for r in dag])
    mods_ms = 1000 * median([r[1] for r in dag])
    info_ms = 1000 * median([r[0] for r in info])
    result.rows.append({"import": "airflow.sdk (baseline)", "median_ms": base_ms, "vs_baseline": 1.0})
    result.rows.append(
        {
            "import": "+ operators and sensors (4 modules)",
            "median_ms": mods_ms,
            "vs_baseline": mods_ms / base_ms,
        }
    )
    result.rows.append(
        {"import": "get_provider_info (bare python)", "median_ms": info_ms, "vs_baseline": info_ms / base_ms}
    )
    result.goals.append(Goal("operators+sensors over airflow.sdk", mods_ms, 20, " ms"))
    result.goals.append(Goal("get_provider_info", info_ms, 5, " ms"))
    result.counts = {"runs": len(dag), "modules": len(MODULES)}
    result.notes.append(f"median of {len(dag)} fresh processes each (after 1 discarded warm-up)")
    return result
