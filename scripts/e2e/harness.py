# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Paths, processes and small helpers of every e2e deployment: the work folders, stages with wall times,
subprocesses, process groups and their listening sockets."""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


WORK = REPO / ".work" / "e2e"


LOGS = WORK / "logs"


HOME = WORK / "airflow-home"


VENV = WORK / "venv"


NODE_DIR = WORK / "node"


SCREENSHOT = WORK / "connection-form.png"


AIRFLOW_VERSION = "3.3.2"


CONSTRAINTS = REPO / "constraints" / f"airflow-{AIRFLOW_VERSION}.txt"


# psycopg2 for the sync engine, asyncpg for Airflow 3's async engine (both derived from sql_alchemy_conn).
# The Celery provider (redis-py is in the constraints) for `--executor celery`; celery 5.7.0 dropped
# `celery.backends.database.retry`, which that provider imports.
REQUIREMENTS = [
    f"apache-airflow=={AIRFLOW_VERSION}",
    "psycopg2-binary",
    "asyncpg",
    "apache-airflow-providers-celery==3.26.0",
    "celery==5.6.3",
    "kombu==5.7.0",
]


GATED_JOBS = ["dwd_orders_daily", "dws_sales_summary", "ads_finance_report"]  # release_gate's default params


DAG_ID = "release_gate"


SENSOR = "wait_for_release"


CHROMIUM = "/usr/bin/chromium"


REDIS_SERVER = "/usr/bin/redis-server"


class E2EError(Exception):
    """A failed check: the message says what and where to look."""


class Stages:
    """Runs named stages and records their wall time."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float, str]] = []
        self.t0 = time.monotonic()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f"\n== {name}", flush=True)
        start = time.monotonic()
        status = "FAILED"
        try:
            yield
            status = "ok"
        finally:
            took = time.monotonic() - start
            self.times.append((name, took, status))
            print(f"   -> {status} in {took:.1f}s", flush=True)

    def summary(self) -> None:
        print("\nStage wall times:")
        for name, took, status in self.times:
            print(f"  {took:7.1f}s  {status:6}  {name}")
        print(f"  {time.monotonic() - self.t0:7.1f}s  total")


def say(text: str) -> None:
    print(f"   {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], log: Path | None = None, **kw: Any) -> None:
    """Run a command to completion; on failure raise with the log's tail."""
    if log is None:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
        if proc.returncode != 0:
            raise E2EError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return
    with log.open("ab") as out:
        code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False, **kw).returncode
    if code != 0:
        raise E2EError(f"{' '.join(cmd[:3])} ... failed ({code}); log {log}:\n{tail(log)}")


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Processes:
    """Long-running children, each in its own process group (session); stopped by group id."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.commands: dict[str, tuple[list[str], dict[str, str]]] = {}

    def start(
        self, name: str, cmd: list[str], env: dict[str, str], cwd: Path = WORK
    ) -> subprocess.Popen[bytes]:
        log = (LOGS / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.procs.append((name, proc))
        self.commands[name] = (cmd, env)
        say(f"started {name} (pid {proc.pid}, log {LOGS / (name + '.log')})")
        return proc

    def check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise E2EError(
                    f"{name} exited with {proc.returncode}; log {LOGS / (name + '.log')}:\n"
                    f"{tail(LOGS / (name + '.log'))}"
                )

    def stop(self, name: str, timeout: float = 30, sig: int = signal.SIGTERM) -> int:
        """Signal ``name``'s process group (SIGTERM; SIGKILL for a crash) and wait until it is gone;
        returns its pid."""
        (old,) = [proc for n, proc in self.procs if n == name]
        os.killpg(old.pid, sig)
        deadline = time.monotonic() + timeout
        while group_alive(old.pid) and time.monotonic() < deadline:
            old.poll()
            time.sleep(0.2)
        if group_alive(old.pid):
            raise E2EError(f"{name} (group {old.pid}) did not stop within {timeout:.0f}s")
        old.wait(timeout=10)
        self.procs = [(n, p) for n, p in self.procs if p is not old]
        return old.pid

    def start_again(self, name: str) -> int:
        cmd, env = self.commands[name]
        return self.start(name, cmd, env).pid

    def restart(self, name: str, timeout: float = 30) -> tuple[int, int]:
        """Stop ``name`` and start it again: ``(old pid, new pid)``."""
        return self.stop(name, timeout), self.start_again(name)

    def pgids(self) -> set[int]:
        return {proc.pid for _, proc in self.procs}

    def stop_all(self) -> list[str]:
        """SIGTERM every group (in reverse start order), then SIGKILL what is left. Returns leftovers."""
        for _name, proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and any(group_alive(p.pid) for _, p in self.procs):
            for _, proc in self.procs:
                proc.poll()
            time.sleep(0.2)
        leftovers = []
        for name, proc in self.procs:
            if group_alive(proc.pid):
                leftovers.append(f"{name} (group {proc.pid}) needed SIGKILL")
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        for _, proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        time.sleep(0.3)
        still = [f"{name} (group {p.pid})" for name, p in self.procs if group_members(p.pid)]
        if still:
            raise E2EError(f"processes still running after SIGKILL: {still}")
        return leftovers


def group_members(pgid: int) -> list[int]:
    """Pids (not zombies) whose process group is pgid, read from /proc."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.split("/")[2]))
    return found


def pid_alive(pid: int) -> bool:
    """True for a running process (a zombie waiting for its parent counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def listening_sockets(pids: set[int]) -> list[tuple[int, str, int]]:
    """(pid, address, port) of every TCP listening socket held by the pids (from /proc, no tools)."""
    listen: dict[str, tuple[str, int]] = {}
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        with contextlib.suppress(OSError), open(table) as fh:
            for line in fh.readlines()[1:]:
                parts = line.split()
                if parts[3] != "0A":  # LISTEN
                    continue
                hexaddr, hexport = parts[1].split(":")
                raw = bytes.fromhex(hexaddr)
                if v6:
                    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    addr = socket.inet_ntop(socket.AF_INET6, raw)
                else:
                    addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
                listen[parts[9]] = (addr, int(hexport, 16))
    found = []
    for pid in pids:
        for fd in glob.glob(f"/proc/{pid}/fd/*"):
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in listen:
                    found.append((pid, *listen[target[8:-1]]))
    return found
