# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Run the benchmarks: ``make bench`` (all), ``make bench BENCH_ARGS="--only B2 --only B3"``, ``--smoke``
(small sizes, one repetition), ``--reps N``, ``--json FILE`` (results as JSON). See benchmarks/README.md."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import setup_environment

BENCHES = {
    "B1": "benchmarks.b1_client_cost",
    "B2": "benchmarks.b2_rate_limit",
    "B3": "benchmarks.b3_concurrency",
    "B4": "benchmarks.b4_trigger_fleet",
    "B6": "benchmarks.b6_job_waits",
    "B5": "benchmarks.b5_parse_cost",
}


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "airflow": version("apache-airflow"),
        "sdk": version("huaweicloudsdkdataartsstudio"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHES), help="run only these (repeatable)"
    )
    parser.add_argument("--smoke", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default per benchmark)")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    setup_environment()
    info = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    results = []
    for bench in args.only or sorted(BENCHES):
        module = importlib.import_module(BENCHES[bench])
        started = time.perf_counter()
        result = module.run(smoke=args.smoke, reps=args.reps)
        result.print()
        print(f"  ({bench} took {time.perf_counter() - started:.0f} s)", flush=True)
        results.append(result.to_json())
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "results": results}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
