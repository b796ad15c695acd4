"""`make e2e`: a real deployment of the provider, end to end (see docs/e2e.md).

Stages (each prints its wall time):
  1. prerequisites: PostgreSQL and Chromium from the Debian packages (apt-get, only when missing);
  2. environments: a separate venv at .work/e2e/venv (uv: apache-airflow 3.3.2, this provider,
     psycopg2-binary, asyncpg; constraints/airflow-3.3.2.txt) and playwright-core (npm) at .work/e2e/node;
  3. PostgreSQL: its own cluster on 127.0.0.1 and a free non-default port, database `airflow`; data, socket
     and server log in a private temp directory owned by the server's user (the checkout may lie in a
     directory that user cannot enter, e.g. a 0700 home), removed at cleanup (its log copied to the logs);
  4. the DataArts emulator (subprocess) seeded with the jobs `release_gate` gates on; `airflow db migrate`;
  5. Airflow as separate processes: api-server, scheduler (LocalExecutor), dag-processor, triggerer; every
     listening socket of them is checked to be on loopback;
  6. `release_gate` unpaused and triggered through the REST API (JWT from /auth/token); the deferred
     sensor's trigger is shown to run in the triggerer (metadata DB: task_instance.trigger_id ->
     trigger.triggerer_id -> job of type TriggererJob; the trigger's requests to the emulator; its log file
     written by that job); the emulator then releases the jobs; the run must succeed within a bounded wait;
  6b. job runs (scripts/e2e.py) and 6c. release events: an asset watcher in the triggerer schedules
     one `release_events` run per matching release, none for others, also across a triggerer
     restart (scripts/e2e_events.py);
  7. the UI in headless Chromium: the "Add Connection" form with our connection type (screenshot
     .work/e2e/connection-form.png), filled to point at the emulator, saved, and tested with the Test button;
  8. cleanup (always): every process group started here is stopped, PostgreSQL is stopped, nothing is left
     running.

`--executor celery` (`make e2e E2E_EXECUTOR=celery`): CeleryExecutor on Redis, two workers, two
triggerers and a fleet of 330 sensors on one account (scripts/e2e_celery.py, its own stages).

Exits non-zero on any failure, always cleaning up. The venv and node folders are reused while their inputs
(pyproject.toml, the constraints file, scripts/e2e/package.json) are unchanged; delete .work/e2e to start
afresh.
Option: --timeout SECONDS, the bound on the DAG run after the release (default 240). Run with `make e2e`
(E2E_ARGS="--timeout 120") or `python scripts/e2e.py` from any Python >= 3.10.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import glob
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from airflow_dataarts_provider.emulator import airflow_connection

REPO = Path(__file__).resolve().parents[1]
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


# --------------------------------------------------------------------------- processes


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


# --------------------------------------------------------------------------- stage 1-2: prerequisites


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


# --------------------------------------------------------------------------- stage 3: PostgreSQL


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


# --------------------------------------------------------------------------- stage 4: emulator


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


# --------------------------------------------------------------------------- stage 5: Airflow


def airflow_env(pg: Postgres, info: dict[str, Any], api_port: int, password: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k != "VIRTUAL_ENV"}
    env["PATH"] = f"{VENV / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    (HOME / "passwords.json").write_text(json.dumps({"admin": password}))
    base = f"http://127.0.0.1:{api_port}"
    env.update(
        AIRFLOW_HOME=str(HOME),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "example_dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__FERNET_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(HOME / "passwords.json"),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{base}/execution/",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"postgresql+psycopg2://postgres@127.0.0.1:{pg.port}/airflow",
        AIRFLOW__API__BASE_URL=base,
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(api_port),
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        # The log servers bind every interface (no host option): the scheduler and the triggerer run with
        # --skip-serve-logs (LocalExecutor: the api-server reads the log files directly). Ports set anyway.
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST="127.0.0.1",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="5",  # an unpaused DAG's watcher starts soon
        DATAARTS_RELEASE_EVENTS_POLL_S="5",  # the release_events example's check interval
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        AIRFLOW_CONN_DATAARTS_DEFAULT=json.dumps(airflow_connection(info)),
    )
    return env


def http(method: str, url: str, token: str | None = None, body: Any = None, timeout: float = 30) -> Any:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # loopback only
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise E2EError(f"{method} {url} -> HTTP {exc.code}: {exc.read()[:500]!r}") from exc
    return json.loads(raw) if raw else None


def wait_healthy(base: str, procs: Processes, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        procs.check_alive()
        with contextlib.suppress(OSError, E2EError, ValueError):
            last = http("GET", f"{base}/api/v2/monitor/health", timeout=5)
            parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
            if isinstance(last, dict) and all((last.get(p) or {}).get("status") == "healthy" for p in parts):
                return dict(last)
        time.sleep(1)
    raise E2EError(f"Airflow not healthy after {timeout:.0f}s: {last}")


def check_loopback(procs: Processes, pg: Postgres) -> None:
    pids = {pid for pgid in procs.pgids() for pid in group_members(pgid)}
    if pg.postmaster_pid():
        pids.add(pg.postmaster_pid())  # type: ignore[arg-type]
    sockets = listening_sockets(pids)
    bad = [s for s in sockets if not (s[1].startswith("127.") or s[1] == "::1")]
    if bad:
        raise E2EError(f"listening on a non-loopback address: {bad}")
    say("listening sockets (all loopback): " + ", ".join(sorted({f"{a}:{p}" for _, a, p in sockets})))


# --------------------------------------------------------------------------- stage 6: the DAG run


class Deployment:
    """What the stages share: the services and how to reach them."""

    def __init__(self, pg: Postgres, info: dict[str, Any], procs: Processes, base: str, token: str) -> None:
        self.pg, self.info, self.procs, self.base, self.token = pg, info, procs, base, token

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return http(method, f"{self.base}/api/v2/{path}", self.token, body)


def unpause(d: Deployment, dag_id: str) -> None:
    """Wait for the DAG to be parsed, then unpause it."""
    deadline = time.monotonic() + 90
    while True:  # the dag-processor must have parsed example_dags first
        d.procs.check_alive()
        try:
            d.api("GET", f"dags/{dag_id}")
            break
        except E2EError:
            if time.monotonic() > deadline:
                raise E2EError(f"{dag_id} not parsed within 90s; see {LOGS / 'dag-processor.log'}") from None
            time.sleep(1)
    d.api("PATCH", f"dags/{dag_id}?update_mask=is_paused", {"is_paused": False})


def trigger_run(d: Deployment, dag_id: str = DAG_ID) -> str:
    """Unpause the DAG and trigger a run through the REST API; returns the run id."""
    unpause(d, dag_id)
    run_id = f"e2e__{dag_id}__{time.time_ns()}"
    d.api("POST", f"dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": None})
    say(f"unpaused {dag_id} and triggered run {run_id} through the REST API")
    return run_id


def wait_deferred_in_triggerer(d: Deployment, run_id: str, t0: float) -> tuple[str, str]:
    """Wait until the sensor is deferred and its trigger runs in a TriggererJob: (trigger id, job id)."""
    sql = (
        "SELECT ti.state, ti.trigger_id, t.classpath, t.triggerer_id, j.job_type, j.state, j.hostname "
        "FROM task_instance ti LEFT JOIN trigger t ON t.id = ti.trigger_id "
        "LEFT JOIN job j ON j.id = t.triggerer_id "
        f"WHERE ti.dag_id = '{DAG_ID}' AND ti.run_id = '{run_id}' AND ti.task_id = '{SENSOR}'"
    )
    row: list[str] = []
    while True:
        d.procs.check_alive()
        rows = d.pg.psql("airflow", sql)
        row = rows[0] if rows else []
        if row and row[0] == "deferred" and row[4] == "TriggererJob" and row[5] == "running":
            break
        if row and row[0] in ("success", "failed", "up_for_retry", "upstream_failed"):
            raise E2EError(f"{SENSOR} reached {row[0]} before it was deferred in the triggerer: {row}")
        if time.monotonic() - t0 > 120:
            raise E2EError(f"{SENSOR} not deferred to a running triggerer within 120s: {row}")
        time.sleep(0.5)
    _, trigger_id, classpath, triggerer_id, job_type, _, host = row
    say(
        f"[{time.monotonic() - t0:5.1f}s] {SENSOR} deferred: task_instance.trigger_id={trigger_id} "
        f"({classpath}); trigger.triggerer_id={triggerer_id} = job {job_type} on {host}"
    )
    # Only the triggerer process started here creates TriggererJob rows in this fresh database.
    jobs = d.pg.psql("airflow", "SELECT id FROM job WHERE job_type = 'TriggererJob'")
    if [r[0] for r in jobs] != [triggerer_id]:
        raise E2EError(f"expected exactly one TriggererJob ({triggerer_id}), found {jobs}")
    # ...and the trigger is running there: it keeps polling the emulator while the task stays deferred.
    url = d.info["url"]
    before = emulator_call(url, "counters")["by_endpoint"].get("pending-items", 0)
    while emulator_call(url, "counters")["by_endpoint"].get("pending-items", 0) <= before:
        if time.monotonic() - t0 > 150:
            raise E2EError("the trigger made no request to the emulator while deferred")
        time.sleep(0.5)
    still = d.pg.psql("airflow", sql)[0]
    if still[0] != "deferred":
        raise E2EError(f"{SENSOR} left the deferred state before the release: {still}")
    say(
        f"[{time.monotonic() - t0:5.1f}s] the trigger polled the emulator while the task stayed deferred "
        f"(pending-items requests: {before} -> more)"
    )
    return trigger_id, triggerer_id


def check_trigger_log(run_id: str, trigger_id: str, triggerer_id: str) -> None:
    """The triggerer writes the trigger's log next to the task's, named after its job id: read it back."""
    task_logs = HOME / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}" / f"task_id={SENSOR}"
    trigger_logs = sorted(task_logs.glob(f"attempt=*.log.trigger.{triggerer_id}.log"))
    if not trigger_logs:
        raise E2EError(f"no trigger log of triggerer job {triggerer_id} in {task_logs}")
    events = []
    for line in trigger_logs[0].read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            events.append(json.loads(line).get("event", ""))
    if not any(f"(ID {trigger_id}) starting" in e for e in events) or "Trigger fired event" not in events:
        raise E2EError(
            f"the trigger log {trigger_logs[0]} does not show trigger {trigger_id} starting and firing"
        )
    say(f"trigger log written by triggerer job {triggerer_id}: {trigger_logs[0].relative_to(HOME)}")
    for event in events[:6]:
        say(f"  | {event[:150]}")


def run_release_gate(d: Deployment, timeout: float) -> None:
    run_id = trigger_run(d)
    t0 = time.monotonic()
    trigger_id, triggerer_id = wait_deferred_in_triggerer(d, run_id, t0)
    packaged = emulator_call(d.info["url"], "mark-packaged", {"item_names": GATED_JOBS})["matched"]
    released = emulator_call(d.info["url"], "release", {"item_names": GATED_JOBS})["released"]
    say(f"[{time.monotonic() - t0:5.1f}s] emulator: {packaged} items packaged, {released} released")
    end = time.monotonic() + timeout
    run_state = None
    while time.monotonic() < end:
        d.procs.check_alive()
        run_state = d.api("GET", f"dags/{DAG_ID}/dagRuns/{run_id}")["state"]
        if run_state in ("success", "failed"):
            break
        time.sleep(1)
    tis = d.api("GET", f"dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")["task_instances"]
    states = {ti["task_id"]: ti["state"] for ti in tis}
    say(f"[{time.monotonic() - t0:5.1f}s] DAG run {run_state}; tasks: {states}")
    if run_state != "success" or len(states) != 3 or set(states.values()) != {"success"}:
        raise E2EError(
            f"DAG run did not succeed within {timeout:.0f}s: {run_state} {states}; logs in {HOME}/logs"
        )
    check_trigger_log(run_id, trigger_id, triggerer_id)


# --------------------------------------------------------------------------- stage 6b: job runs

PIPELINE = "release_pipeline"
RUN_TASK = "run_released_job"
PIPELINE_JOB = GATED_JOBS[0]  # release_pipeline runs the first of its (default) jobs


def wait_task_state(d: Deployment, run_id: str, task_id: str, wanted: set[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        d.procs.check_alive()
        state = d.api("GET", f"dags/{PIPELINE}/dagRuns/{run_id}/taskInstances/{task_id}")["state"]
        if state in wanted:
            return str(state)
        if state in ("failed", "upstream_failed") and "failed" not in wanted:
            raise E2EError(f"{task_id} of {run_id} {state}; logs in {HOME}/logs")
        time.sleep(0.5)
    raise E2EError(f"{task_id} of {run_id} still {state} after {timeout:.0f}s (wanted {sorted(wanted)})")


def job_instances(d: Deployment) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = emulator_call(d.info["url"], f"jobs/{PIPELINE_JOB}/instances")["data"]
    return rows


def pipeline_run(d: Deployment, run_s: float) -> str:
    """Fresh pending items for release_pipeline's jobs, the job scripted to run ``run_s``, a run
    triggered; returns its id once the job's task is deferred in the triggerer."""
    url = d.info["url"]
    for name in GATED_JOBS:
        emulator_call(url, "items", {"item_name": name, "task_type": 1, "submit_user_name": "dev_alice"})
    try:
        emulator_call(url, "jobs", {"name": PIPELINE_JOB, "run_s": run_s})
    except urllib.error.HTTPError:  # it exists (released before): script its next runs
        emulator_call(url, f"jobs/{PIPELINE_JOB}", {"run_s": run_s})
    run_id = trigger_run(d, PIPELINE)
    wait_task_state(d, run_id, RUN_TASK, {"deferred"}, 180)
    # The task checked once before deferring; wait for the trigger's own first check (its triggerer has
    # picked it up): a kill before that cannot reach any trigger's on_kill.
    checks = emulator_call(url, "counters")["by_endpoint"].get("job-instance", 0)
    deadline = time.monotonic() + 60
    while emulator_call(url, "counters")["by_endpoint"].get("job-instance", 0) <= checks:
        if time.monotonic() > deadline:
            raise E2EError(f"the trigger of {RUN_TASK} did not check the instance within 60s")
        time.sleep(0.3)
    (instance, *_) = job_instances(d)
    say(
        f"{RUN_TASK} deferred; emulator: job {PIPELINE_JOB} instance {instance['instanceId']}"
        f" {instance['status']}"
    )
    return run_id


def run_jobs(d: Deployment) -> None:
    """A triggerer restart while the job's task is deferred: the new triggerer resumes the wait, one
    instance in all. Then a user marks a deferred job task failed: the triggerer's on_kill stops it."""
    t0 = time.monotonic()
    run_id = pipeline_run(d, run_s=20)
    old, new = d.procs.restart("triggerer")
    say(f"[{time.monotonic() - t0:5.1f}s] triggerer restarted mid-wait (pid {old} -> {new})")
    wait_task_state(d, run_id, RUN_TASK, {"success"}, 180)
    rows = job_instances(d)
    if [r["status"] for r in rows] != ["success"]:
        raise E2EError(f"expected one successful instance of {PIPELINE_JOB}, found {rows}")
    say(f"[{time.monotonic() - t0:5.1f}s] {RUN_TASK} succeeded after the restart; instances started: 1")

    run_id = pipeline_run(d, run_s=600)
    d.api("PATCH", f"dags/{PIPELINE}/dagRuns/{run_id}/taskInstances/{RUN_TASK}", {"new_state": "failed"})
    say(f"[{time.monotonic() - t0:5.1f}s] {RUN_TASK} of {run_id} marked failed through the REST API")
    deadline = time.monotonic() + 60
    while (rows := job_instances(d)) and rows[0]["status"] != "manual-stop" and time.monotonic() < deadline:
        time.sleep(0.5)
    counters = emulator_call(d.info["url"], "counters")
    started = counters["job_instances_started"].get(PIPELINE_JOB, 0)
    stopped = counters["job_instances_stopped"].get(PIPELINE_JOB, 0)
    if rows[0]["status"] != "manual-stop" or (started, stopped) != (2, 1):
        raise E2EError(
            f"the killed task's instance was not stopped: {rows[0]}, started {started}, stopped {stopped}"
        )
    say(
        f"[{time.monotonic() - t0:5.1f}s] the trigger's on_kill stopped instance {rows[0]['instanceId']};"
        f" emulator counted {started} started (one per run) and {stopped} stopped"
    )


# --------------------------------------------------------------------------- stage 7: the UI


def connection_form(base: str, token: str, info: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "E2E_NODE_DIR": str(NODE_DIR),
        "E2E_BASE": base,
        "E2E_TOKEN": token,
        "E2E_CHROMIUM": CHROMIUM,
        "E2E_PROFILE": str(WORK / "chromium-profile"),
        "E2E_SCREENSHOT": str(SCREENSHOT),
        "E2E_SCREENSHOT_STANDARD": str(WORK / "connection-form-standard.png"),
        "E2E_SHOTS": str(LOGS),
        "E2E_CONN": json.dumps(
            {
                "host": info["url"],
                "login": info["ak"],
                "password": info["sk"],
                "region": info["region"],
                "project_id": info["project_id"],
                "workspace": info["workspace"],
            }
        ),
    }
    out = LOGS / "connection-form.log"
    try:
        run(["node", str(REPO / "scripts" / "e2e" / "connection_form.js")], out, env=env, timeout=180)
    except subprocess.TimeoutExpired as exc:
        raise E2EError(f"the browser script timed out; log {out}") from exc
    for line in out.read_text(errors="replace").splitlines():
        say(line)


# --------------------------------------------------------------------------- main


def clean_work() -> None:
    leftovers = (LOGS, HOME, WORK / "chromium-profile", WORK / "emulator.json")
    for path in (*leftovers, SCREENSHOT, WORK / "connection-form-standard.png"):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    LOGS.mkdir(parents=True)
    HOME.mkdir(parents=True)


def deploy(stages: Stages, procs: Processes, pg: Postgres, timeout: float) -> None:
    with stages.stage("1. prerequisites (Debian packages: postgresql, chromium)"):
        prerequisites()
        pg.bindir = pg_bindir()
    with stages.stage("2. environments (.work/e2e/venv with uv; playwright-core with npm)"):
        environments()
    with stages.stage("3. PostgreSQL (own cluster on loopback)"):
        pg.start()
    with stages.stage("4. emulator + airflow db migrate"):
        info = start_emulator(procs)
        api_port, password = free_port(), secrets.token_urlsafe(16)
        env = airflow_env(pg, info, api_port, password)
        airflow = str(VENV / "bin" / "airflow")
        run([airflow, "db", "migrate"], LOGS / "db-migrate.log", env=env, cwd=WORK, timeout=300)
    base = f"http://127.0.0.1:{api_port}"
    with stages.stage("5. Airflow services (api-server, scheduler, dag-processor, triggerer)"):
        procs.start(
            "api-server", [airflow, "api-server", "-H", "127.0.0.1", "-p", str(api_port), "-w", "1"], env
        )
        procs.start("scheduler", [airflow, "scheduler", "--skip-serve-logs"], env)
        procs.start("dag-processor", [airflow, "dag-processor"], env)
        procs.start("triggerer", [airflow, "triggerer", "--skip-serve-logs"], env)
        health = wait_healthy(base, procs)
        say(
            "health: " + ", ".join(f"{k}={v.get('status')}" for k, v in health.items() if isinstance(v, dict))
        )
        check_loopback(procs, pg)
        login = {"username": "admin", "password": password}
        token = http("POST", f"{base}/auth/token", body=login)["access_token"]
        say("JWT from POST /auth/token (simple auth manager, user admin)")
    deployment = Deployment(pg, info, procs, base, token)
    with stages.stage("6. release_gate through the REST API, deferred in the triggerer"):
        run_release_gate(deployment, timeout)
    with stages.stage("6b. job runs: a triggerer restart mid-wait, a user's kill of a deferred task"):
        run_jobs(deployment)
    with stages.stage("6c. release events: an asset watcher schedules one run per matching release"):
        from e2e_events import run_release_events

        run_release_events(deployment)
    with stages.stage("7. connection form in headless Chromium (screenshot, Test button)"):
        connection_form(base, token, info)
        check_loopback(procs, pg)


def cleanup(stages: Stages, procs: Processes, pg: Postgres, number: str = "8") -> list[str]:
    problems = []
    with stages.stage(f"{number}. cleanup (stop every process group, PostgreSQL)"):
        try:
            for note in procs.stop_all():
                say(note)
            say(f"stopped {len(procs.procs)} process groups: " + ", ".join(n for n, _ in procs.procs))
        except E2EError as exc:
            problems.append(str(exc))
        try:
            pg.stop()
        except E2EError as exc:
            problems.append(str(exc))
        for problem in problems:
            say(f"cleanup problem: {problem}")
    return problems


def main() -> int:
    sys.modules.setdefault("e2e", sys.modules[__name__])  # e2e_events uses this module's helpers
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--timeout", type=float, default=240, help="bound on the DAG run after the release (s)"
    )
    parser.add_argument(
        "--executor",
        choices=["local", "celery"],
        default="local",
        help="local: this deployment (LocalExecutor); celery: scripts/e2e_celery.py",
    )
    args = parser.parse_args()
    if args.executor == "celery":
        from e2e_celery import deploy_celery as run_stages
    else:
        run_stages = deploy

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    clean_work()
    stages, procs, pg = Stages(), Processes(), Postgres()
    failure: str | None = None
    try:
        run_stages(stages, procs, pg, args.timeout)
    except KeyboardInterrupt:
        failure = "interrupted"
    except (E2EError, subprocess.TimeoutExpired) as exc:
        failure = str(exc)
    except Exception as exc:  # always clean up and report
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        problems = cleanup(stages, procs, pg, "10" if args.executor == "celery" else "8")
    failure = failure or "; ".join(problems) or None
    stages.summary()
    if failure or any(status != "ok" for _, _, status in stages.times):
        print(f"\nE2E FAILED: {failure}\nLogs: {LOGS}")
        return 1
    if args.executor == "celery":
        print(f"\nE2E (CeleryExecutor) PASSED. Logs: {LOGS}; figures: {WORK / 'celery-figures.json'}")
        return 0
    print(f"\nE2E PASSED. Logs: {LOGS}; screenshots: {SCREENSHOT}, {WORK / 'connection-form-standard.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
