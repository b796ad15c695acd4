# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""``dataarts-emulator``: run the emulator as a process.

    dataarts-emulator --port 8080 --items 250 --seed 7 --offset-mode record --ready-file /tmp/emu.json

Prints one JSON line with the connection details (url, project_id, workspace, region, ak, sk, iam)
once listening, writes the same JSON to ``--ready-file`` if given, and stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._config import EmulatorConfig
from .server import Emulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dataarts-emulator", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: an ephemeral port)")
    p.add_argument("--items", type=int, default=100, help="number of seeded pending items (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of the item generator (default 0)")
    p.add_argument("--offset-mode", choices=("page", "record"), default="page")
    p.add_argument(
        "--instance-time-filter",
        choices=("plan", "start"),
        default="plan",
        help="which time the job-instance listings' plan-time filters apply to (undocumented)",
    )
    p.add_argument("--item-name-match", choices=("contains", "exact", "prefix"), default="contains")
    p.add_argument(
        "--rate-limit", type=float, default=10.0, help="requests/s per user, V2 APIs; 0 disables (default 10)"
    )
    p.add_argument(
        "--dlf-rate-limit",
        type=float,
        default=30.0,
        help="the same on the V1 job and script APIs (default 30)",
    )
    p.add_argument("--token-lifetime", type=float, default=86_400.0, help="IAM token lifetime in seconds")
    p.add_argument(
        "--credential-lifetime",
        type=float,
        default=3_600.0,
        help="lifetime of metadata (temporary) credentials in seconds",
    )
    p.add_argument("--latency", type=float, default=0.0, help="latency added to every request, seconds")
    p.add_argument(
        "--release-duration", type=float, default=1.0, help="seconds a package stays 'releasing' (default 1)"
    )
    p.add_argument(
        "--approve-delay", type=float, default=0.0, help="auto-approval delay after a deploy, seconds"
    )
    p.add_argument(
        "--manual-approval",
        action="store_true",
        help="no auto-approval: approve via /_emulator/packages/ID/approve",
    )
    p.add_argument(
        "--fail-item", action="append", default=[], help="item-name pattern whose release fails (repeatable)"
    )
    p.add_argument("--ready-file", default=None, help="write the connection JSON here once listening")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = EmulatorConfig(
        host=args.host,
        port=args.port,
        seed_items=args.items,
        seed=args.seed,
        offset_mode=args.offset_mode,
        instance_time_filter=args.instance_time_filter,
        item_name_match=args.item_name_match,
        rate_limit_per_user=args.rate_limit or None,
        dlf_rate_limit_per_user=args.dlf_rate_limit or None,
        token_lifetime_s=args.token_lifetime,
        temporary_credential_lifetime_s=args.credential_lifetime,
        latency_s=args.latency,
        release_duration_s=args.release_duration,
        approve_delay_s=args.approve_delay,
        auto_approve=not args.manual_approval,
        fail_items=tuple(args.fail_item),
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with Emulator(config) as emu:
        info = emu.info()
        line = json.dumps(info, ensure_ascii=False)
        if args.ready_file:
            tmp = f"{args.ready_file}.tmp{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(line + "\n")
            os.replace(tmp, args.ready_file)  # atomic: readers never see a partial file
        print(line, flush=True)
        while not stop.wait(0.2):
            pass
    print(json.dumps({"stopped": True}), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
