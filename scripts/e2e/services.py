# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The services a deployment runs on: Debian prerequisites, the venv and node environments, its own
PostgreSQL cluster, the emulator, Airflow's environment and health, the loopback check."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .harness import (
    CHROMIUM,
    CONSTRAINTS,
    GATED_JOBS,
    LOGS,
    NODE_DIR,
    REDIS_SERVER,
    REPO,
    REQUIREMENTS,
    VENV,
    WORK,
    E2EError,
    Processes,
    free_port,
    pid_alive,
    run,
    say,
)


def pg_bindir() -> Path | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(dirs[-1]).parent if dirs else None


def prerequisites(browser: bool = True, redis: bool = False) -> None:
    missing = []
    if pg_bindir() is None:
        missing.append("postgresql")
    if browser and not os.access(CHROMIUM, os.X_OK):
        missing.append("chromium")
    if browser and shutil.which("npm") is None:
        missing.append("npm")
    if redis and not os.access(REDIS_SERVER, os.X_OK):
        missing.append("redis-server")
    if missing:
        if os.geteuid() != 0:
            raise E2EError(
                f"missing Debian packages {missing}: run `sudo apt-get install -y {' '.join(missing)}`"
            )
        say(f"apt-get install {' '.join(missing)}")
        log = LOGS / "apt.log"
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], log, env=env)
        run(["apt-get", "install", "-y", "-qq", *missing], log, env=env)
    say(f"PostgreSQL binaries: {pg_bindir()}" + (f"; Chromium: {CHROMIUM}" if browser else ""))


def find_uv() -> list[str]:
    for candidate in (
        os.environ.get("UV"),
        REPO / ".tools/bin/uv",
        REPO / ".venv/bin/uv",
        shutil.which("uv"),
    ):
        if candidate and os.access(str(candidate), os.X_OK):
            return [str(candidate)]
    tools = WORK / "uv-tools"
    if not (tools / "bin" / "uv").exists():
        run([sys.executable, "-m", "venv", str(tools)])
        run([str(tools / "bin" / "pip"), "install", "--quiet", "uv"])
    return [str(tools / "bin" / "uv")]


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()


def environments(node: bool = True) -> None:
    """The venv (and, for the UI stage, playwright-core with npm)."""
    stamp = VENV / ".e2e-stamp"
    want = digest(
        (REPO / "pyproject.toml").read_bytes(), CONSTRAINTS.read_bytes(), repr(REQUIREMENTS).encode()
    )
    if stamp.exists() and stamp.read_text() == want and (VENV / "bin" / "airflow").exists():
        say(f"reusing {VENV}")
    else:
        uv = find_uv()
        log = LOGS / "venv.log"
        env = {**os.environ, "UV_COMPILE_BYTECODE": "1", "UV_LINK_MODE": "copy"}
        env.pop("VIRTUAL_ENV", None)
        run([*uv, "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(VENV)], log, env=env)
        # psycopg2-binary is not in the project's lock: the constraints pin everything else.
        run(
            [
                *uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(VENV / "bin" / "python"),
                "-c",
                str(CONSTRAINTS),
                *REQUIREMENTS,
                "-e",
                str(REPO),
            ],
            log,
            env=env,
        )
        stamp.write_text(want)
        say(f"installed {', '.join(REQUIREMENTS)} and the provider (editable) into {VENV}")
    if not node:
        return
    pkg = REPO / "scripts" / "e2e" / "package.json"
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    node_stamp = NODE_DIR / ".e2e-stamp"
    if (
        node_stamp.exists()
        and node_stamp.read_text() == digest(pkg.read_bytes())
        and (NODE_DIR / "node_modules" / "playwright-core").exists()
    ):
        say(f"reusing {NODE_DIR}")
    else:
        shutil.copy(pkg, NODE_DIR / "package.json")
        run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], LOGS / "npm.log", cwd=NODE_DIR)
        node_stamp.write_text(digest(pkg.read_bytes()))
        say(f"installed playwright-core into {NODE_DIR}")


class Postgres:
    def __init__(self) -> None:
        self.port = free_port()
        self.bindir = pg_bindir()
        self.started = False
        self.as_postgres = os.geteuid() == 0  # initdb and postgres refuse to run as root
        # Where the server's user can reach (not the checkout: it may sit in a 0700 home directory).
        self.root = Path(tempfile.mkdtemp(prefix="dataarts-e2e-pg-"))
        self.data = self.root / "data"
        self.sockdir = self.root / "socket"
        self.log = self.root / "postgresql.log"

    def bin(self, name: str) -> Path:
        if self.bindir is None:
            raise E2EError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
        return self.bindir / name

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)

    def start(self) -> None:
        assert self.bindir is not None
        for path in (self.data, self.sockdir):
            path.mkdir(parents=True)
        self.log.touch()
        if self.as_postgres:
            for path in (self.root, self.data, self.sockdir, self.log):
                shutil.chown(path, "postgres", "postgres")
        run(
            self._cmd(
                str(self.bin("initdb")),
                "-D",
                str(self.data),
                "--auth=trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ),
            LOGS / "initdb.log",
            cwd=self.root,  # the server's user may not be able to enter the current directory
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.sockdir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.started = True
        run(
            self._cmd(
                str(self.bin("pg_ctl")),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ),
            LOGS / "pg_ctl.log",
            cwd=self.root,
        )
        self.psql("postgres", "CREATE DATABASE airflow")
        say(f"PostgreSQL {self.bindir.parent.name} on 127.0.0.1:{self.port}, data {self.data}, db airflow")

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().split()[0])
        return None

    def psql(self, db: str, sql: str) -> list[list[str]]:
        proc = subprocess.run(
            [
                str(self.bin("psql")),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-X",
                "-q",
                "-A",
                "-t",
                "-F",
                "\t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if proc.returncode != 0:
            raise E2EError(f"psql failed: {proc.stderr.strip()}")
        return [line.split("\t") for line in proc.stdout.splitlines() if line]

    def stop(self) -> None:
        try:
            self._stop_server()
        finally:
            with contextlib.suppress(OSError):
                shutil.copyfile(self.log, LOGS / "postgresql.log")
            shutil.rmtree(self.root, ignore_errors=True)

    def _stop_server(self) -> None:
        if not self.started or not (self.data / "postmaster.pid").exists():
            return
        pid = self.postmaster_pid()
        subprocess.run(
            self._cmd(str(self.bin("pg_ctl")), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            cwd=self.root,
        )
        if pid and pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            raise E2EError(f"PostgreSQL (pid {pid}) did not stop with pg_ctl; killed")
        say("PostgreSQL stopped")


def start_emulator(procs: Processes, items: int = 30, *extra: str) -> dict[str, Any]:
    """The emulator with ``items`` seeded pending items and the gated jobs (``extra``: CLI options)."""
    ready = WORK / "emulator.json"
    proc = procs.start(
        "emulator",
        [
            str(VENV / "bin" / "python"),
            "-m",
            "airflow_dataarts_provider.emulator",
            "--items",
            str(items),
            "--seed",
            "2026",
            "--ready-file",
            str(ready),
            # A release takes 6 s (default 1): Airflow 3.3.2 marks a deferred task failed when its trigger
            # fires before the scheduler has handled the deferral's executor event and the task is queued
            # again ("finished with state success, but the task instance's state attribute is queued");
            # a loaded 2-core CI machine hit that with release_pipeline's 2 s check interval.
            "--release-duration",
            "6",
            *extra,
        ],
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise E2EError(f"the emulator did not start; log {LOGS / 'emulator.log'}")
        time.sleep(0.05)
    info: dict[str, Any] = json.loads(ready.read_text())
    for n, name in enumerate(GATED_JOBS):
        emulator_call(
            info["url"],
            "items",
            {"item_name": name, "task_type": 1, "update_type": 1 + n % 3, "submit_user_name": "dev_alice"},
        )
    say(f"emulator at {info['url']}, {items} seeded items + {len(GATED_JOBS)} gated jobs")
    return info


def emulator_call(url: str, name: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/_emulator/{name}",
        data=data,
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        return json.loads(response.read())
