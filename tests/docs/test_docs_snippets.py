# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Every fenced code block of ``docs/*.md`` and ``README.md`` is exercised here.

How each block is handled (a block nothing below matches FAILS, so new snippets cannot go untested):

* ``text`` / ``console``: exempt (sample output).
* ``python``: executed in a fresh namespace against a running emulator (``dataarts_emulator`` fixture),
  with ``AIRFLOW_CONN_DATAARTS_DEFAULT`` pointing at it. Functions named ``test_*`` that the block
  defines are then called with the fixtures they name (``dataarts_emulator``,
  ``dataarts_emulator_factory``, ``monkeypatch``). Placeholders (``<...>``) are not allowed in Python.
  A block whose first line is ``# Airflow 3`` must raise ``ImportError`` on Airflow 2 instead (asset
  watchers exist from 3.0).
* ``json``: a connection in Airflow's JSON form, validated like an ``AIRFLOW_CONN_*`` value.
* ``bash``: split into commands; each must be one of
  - ``export AIRFLOW_CONN_<ID>=<JSON or URI>``: parsed by Airflow's ``Connection`` and validated by
    ``ClientConfig.from_connection`` (no unknown extras allowed);
  - ``export AIRFLOW__<SECTION>__<KEY>=...``: the option must exist in Airflow's configuration;
  - ``airflow ...``: parsed by Airflow's own CLI parser (``--conn-json`` values are validated as
    connections; ``providers list/hooks`` also check that the provider is discovered);
  - ``dataarts-emulator ...`` / ``python -m airflow_dataarts_provider.emulator ...``: parsed by the
    emulator's CLI parser; with ``--ready-file`` the real console script is started (port 0, a
    temporary ready file), its ready file is read, and it is stopped;
  - ``curl ...``: sent to the ``dataarts_emulator`` fixture (``http://127.0.0.1:8080`` replaced by its
    URL); a 2xx answer is required;
  - ``pip install ...``: requirements must name this distribution (with a specifier that admits its
    version) or ``apache-airflow``; ``make <target>``: the target must exist in the Makefile.

Placeholders substituted in connection values (documented list; any other ``<...>`` fails):
see :data:`PLACEHOLDERS`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import pytest
from conftest import AIRFLOW_2

ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = ROOT / "docs"
DIST_NAME = "airflow-dataarts-provider"
EMULATOR_DOC_URL = "http://127.0.0.1:8080"

PLACEHOLDERS = {
    "<AK>": "AKEXAMPLE0123456789",
    "<SK>": "SkExample0123456789abcdefghijklmnopqrstuv",
    "<32-hex project id>": "0833a5737480d53b2f25c010dc1a7b88",
    "<workspace id>": "a0b1c2d3e4f5061728394a5b6c7d8e9f",
    "<security token>": "gQpzZWN1cml0eS10b2tlbi1leGFtcGxlLXZhbHVl",
    "<IAM user>": "etl-bot",
    "<IAM password>": "Example-Passw0rd!",
    "<account name>": "example-account",
}
PLACEHOLDER_RE = re.compile(r"<[A-Za-z0-9][A-Za-z0-9 _./-]*>")
EXEMPT = {"text", "console"}
FENCE_RE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
FIXTURES = ("dataarts_emulator", "dataarts_emulator_factory", "monkeypatch")


class UnclassifiedBlock(Exception):
    """A code block (or a command in it) that no rule of this module knows how to test."""


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.path.name}:{self.line}:{self.lang or 'none'}"


def extract_blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(path, line, match.group(1).strip().lower(), match.group(2)))
    return blocks


def all_blocks() -> list[Block]:
    paths = [*sorted(DOCS_DIR.glob("*.md")), ROOT / "README.md"]
    return [block for path in paths for block in extract_blocks(path)]


BLOCKS = all_blocks()


# ---------------------------------------------------------------------------------------------- helpers


def substitute(value: str) -> str:
    for placeholder, fake in PLACEHOLDERS.items():
        value = value.replace(placeholder, fake)
    left = PLACEHOLDER_RE.findall(value)
    if left:
        raise UnclassifiedBlock(f"unknown placeholder(s) {left}: add them to PLACEHOLDERS")
    return value


def validate_connection(conn_id: str, value: str) -> Any:
    """Parse an ``AIRFLOW_CONN_*`` value (JSON or URI) and validate it as the hook would."""
    from airflow.models import Connection

    from airflow_dataarts_provider.core.protocol.config import ClientConfig

    value = substitute(value).strip()
    if value.startswith("{"):
        conn = Connection.from_json(value, conn_id=conn_id)
    else:
        conn = Connection(conn_id=conn_id, uri=value)
    assert conn.conn_type == "huaweicloud_dataarts", conn.conn_type
    config = ClientConfig.from_connection(
        conn.host, conn.login, conn.password, conn.extra_dejson, port=conn.port
    )
    assert config.unknown_extras == (), f"unknown extras {config.unknown_extras}"
    return config


def emulator_connection(emulator: Any) -> str:
    info = emulator.info()
    return json.dumps(
        {
            "conn_type": "huaweicloud_dataarts",
            "host": info["url"],
            "login": info["ak"],
            "password": info["sk"],
            "extra": {
                "region": info["region"],
                "project_id": info["project_id"],
                "workspace": info["workspace"],
            },
        }
    )


def split_commands(code: str) -> list[list[str]]:
    """Shell commands of a block as argv lists (comments dropped; quoted values may span lines)."""
    commands: list[list[str]] = []
    pending = ""
    for line in code.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        try:
            argv = shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the value continues on the next line
            continue
        pending = ""
        if argv:
            for token in argv:
                if token in ("|", "||", "&&", ";", ">", "<"):
                    raise UnclassifiedBlock(f"shell operator {token!r} in {argv}: keep commands simple")
            commands.append(argv[:-1] if argv[-1] == "&" else argv)
    if pending:
        raise UnclassifiedBlock(f"unterminated command: {pending!r}")
    return commands


# ---------------------------------------------------------------------------------------------- commands


def run_export(argv: list[str]) -> str:
    if len(argv) != 2 or "=" not in argv[1]:
        raise UnclassifiedBlock(f"unsupported export {argv}")
    name, value = argv[1].split("=", 1)
    if name.startswith("AIRFLOW_CONN_"):
        validate_connection(name[len("AIRFLOW_CONN_") :].lower(), value)
        return "connection"
    match = re.fullmatch(r"AIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)", name)
    if match:
        from airflow.configuration import conf

        section, key = match.group(1).lower(), match.group(2).lower()
        assert conf.has_option(section, key), f"Airflow has no option [{section}] {key}"
        return "airflow-config"
    raise UnclassifiedBlock(f"unsupported environment variable {name}")


def run_airflow_cli(argv: list[str]) -> str:
    from airflow.cli.cli_parser import get_parser

    args = [substitute(a) for a in argv[1:]]
    try:
        parsed = get_parser().parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"`airflow {' '.join(args)}` is rejected by Airflow's CLI parser ({exc})")
    if getattr(parsed, "conn_json", None):
        validate_connection(parsed.conn_id, parsed.conn_json)
    if args[:2] in (["providers", "list"], ["providers", "hooks"]):
        from airflow.providers_manager import ProvidersManager

        manager = ProvidersManager()
        assert DIST_NAME in manager.providers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert "huaweicloud_dataarts" in manager.hooks
    return "airflow-cli"


def run_emulator_cli(argv: list[str], tmp_path: Path) -> str:
    from airflow_dataarts_provider.emulator.cli import _parser

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"dataarts-emulator rejects {argv} ({exc})")
    if args.ready_file is None:
        return "emulator-cli-parsed"
    # Really start it (ephemeral port, temporary ready file) and wait for the documented ready file.
    ready = tmp_path / "ready.json"
    real = list(argv)
    real[real.index("--ready-file") + 1] = str(ready)
    if "--port" in real:
        real[real.index("--port") + 1] = "0"
    script = Path(sys.executable).with_name("dataarts-emulator")
    proc = subprocess.Popen([str(script), *real], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no ready file within 10 s"
            time.sleep(0.05)
        info = json.loads(ready.read_text(encoding="utf-8"))
        assert {"url", "project_id", "workspace", "region", "ak", "sk", "iam"} <= info.keys()
        assert info["offset_mode"] == args.offset_mode
        with urllib.request.urlopen(info["url"] + "/_emulator/health", timeout=5) as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.communicate()
    return "emulator-cli-run"


def run_curl(argv: list[str], request: pytest.FixtureRequest) -> str:
    emulator = request.getfixturevalue("dataarts_emulator")
    method, data, headers, url = None, None, {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-s", "--silent", "-f", "--fail", "-sS", "-S"):
            continue
        if arg in ("-X", "--request"):
            method = next(args)
        elif arg in ("-H", "--header"):
            name, value = next(args).split(":", 1)
            headers[name.strip()] = value.strip()
        elif arg in ("-d", "--data"):
            data = next(args).encode()
        elif not arg.startswith("-") and url is None:
            url = arg
        else:
            raise UnclassifiedBlock(f"unsupported curl argument {arg!r}")
    if url is None or not url.startswith(EMULATOR_DOC_URL):
        raise UnclassifiedBlock(f"curl must target the emulator at {EMULATOR_DOC_URL}: {argv}")
    url = emulator.url + url[len(EMULATOR_DOC_URL) :]
    req = urllib.request.Request(
        url, data=data, headers=headers, method=method or ("POST" if data else "GET")
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status = resp.status
            json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        pytest.fail(f"{argv} -> HTTP {exc.code}: {exc.read()!r}")
    assert 200 <= status < 300
    return "curl"


def run_pip(argv: list[str]) -> str:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    if argv[1:2] != ["install"]:
        raise UnclassifiedBlock(f"unsupported pip command {argv}")
    args = iter(argv[2:])
    names = []
    for arg in args:
        if arg in ("-c", "--constraint"):
            next(args)
            continue
        if arg.startswith("-"):
            raise UnclassifiedBlock(f"unsupported pip option {arg!r}")
        req = Requirement(arg)
        name = canonicalize_name(req.name)
        if name == DIST_NAME:
            assert req.specifier.contains(dist_version(DIST_NAME), prereleases=True), arg
        elif name != "apache-airflow":
            raise UnclassifiedBlock(f"unexpected requirement {arg!r}")
        names.append(name)
    assert DIST_NAME in names, f"{argv} does not install {DIST_NAME}"
    return "pip"


def run_make(argv: list[str]) -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z][\w-]*):", makefile, re.M))
    for arg in argv[1:]:
        if "=" not in arg:
            assert arg in targets, f"make target {arg!r} is not in the Makefile"
    return "make"


def run_bash(block: Block, tmp_path: Path, request: pytest.FixtureRequest) -> list[str]:
    done = []
    for argv in split_commands(block.code):
        head = argv[0]
        if head == "export":
            done.append(run_export(argv))
        elif head == "airflow":
            done.append(run_airflow_cli(argv))
        elif head == "dataarts-emulator":
            done.append(run_emulator_cli(argv[1:], tmp_path))
        elif head in ("python", "python3") and argv[1:3] == ["-m", "airflow_dataarts_provider.emulator"]:
            done.append(run_emulator_cli(argv[3:], tmp_path))
        elif head == "curl":
            done.append(run_curl(argv, request))
        elif head == "pip":
            done.append(run_pip(argv))
        elif head == "make":
            done.append(run_make(argv))
        else:
            raise UnclassifiedBlock(f"no rule for the command {argv}")
    return done


def run_python(block: Block, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    found = PLACEHOLDER_RE.findall(block.code)
    if found:
        raise UnclassifiedBlock(f"placeholders {found} in a python block: use runnable values")
    emulator = request.getfixturevalue("dataarts_emulator")
    monkeypatch.setenv("AIRFLOW_CONN_DATAARTS_DEFAULT", emulator_connection(emulator))
    namespace: dict[str, Any] = {"__name__": "docs_snippet"}
    code = compile(block.code, f"{block.path.name}:{block.line}", "exec")
    if AIRFLOW_2 and block.code.startswith("# Airflow 3"):
        with pytest.raises(ImportError):
            exec(code, namespace)
        return
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)
        for name, func in list(namespace.items()):
            if name.startswith("test_") and callable(func) and func.__module__ == "docs_snippet":
                params = func.__code__.co_varnames[: func.__code__.co_argcount]
                unknown = [p for p in params if p not in FIXTURES]
                if unknown:
                    raise UnclassifiedBlock(f"{name} asks for unsupported fixtures {unknown}")
                func(**{p: request.getfixturevalue(p) for p in params})
    for plugin in namespace.get("pytest_plugins", ()):
        __import__(plugin)


def run_block(block: Block, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: Any) -> str:
    if block.lang in EXEMPT:
        return "exempt"
    if block.lang == "python":
        run_python(block, request, monkeypatch)
        return "python"
    if block.lang == "json":
        validate_connection("docs_json", block.code)
        return "json"
    if block.lang == "bash":
        return ",".join(run_bash(block, tmp_path, request))
    raise UnclassifiedBlock(f"no rule for a {block.lang or 'language-less'} block")


# ---------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_docs_block(block: Block, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: Any) -> None:
    try:
        kind = run_block(block, tmp_path, request, monkeypatch)
    except UnclassifiedBlock as exc:
        pytest.fail(f"{block.id}: {exc}")
    assert kind


def test_docs_are_present() -> None:
    expected = {
        "index.md",
        "installation.md",
        "connection.md",
        "authentication.md",
        "retries-and-limits.md",
        "troubleshooting.md",
        "api-notes.md",
        "emulator.md",
        "changelog.md",
    }
    assert expected <= {p.name for p in DOCS_DIR.glob("*.md")}
    index = (DOCS_DIR / "index.md").read_text(encoding="utf-8")
    assert "Operators, sensors and triggers" in index and "(operators.md)" in index
    assert len(BLOCKS) > 20


def test_internal_links_resolve() -> None:
    """Links to other docs pages exist (operators.md is the announced placeholder)."""
    for path in DOCS_DIR.glob("*.md"):
        for target in re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]*)?\)", path.read_text(encoding="utf-8")):
            assert target == "operators.md" or (DOCS_DIR / target).exists(), f"{path.name} -> {target}"


REPO_URLS = (
    "https://github.com/airflow-dataarts-provider/airflow-dataarts-provider/blob/main/",
    "https://github.com/airflow-dataarts-provider/airflow-dataarts-provider/tree/main/",
    "https://raw.githubusercontent.com/airflow-dataarts-provider/airflow-dataarts-provider/main/",
)


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings (lower case, punctuation dropped, spaces to hyphens)."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_readme_links_work_on_the_package_index() -> None:
    """The package index renders the README away from the repository: every link and image is an
    absolute URL, and those into this repository name a file (and heading) that exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets and all(t.startswith("https://") for t in targets), [t for t in targets if "://" not in t]
    for target in targets:
        prefix = next((p for p in REPO_URLS if target.startswith(p)), None)
        if prefix is None:
            continue
        path, _, anchor = target[len(prefix) :].partition("#")
        assert (ROOT / path).exists(), target
        if anchor:
            assert anchor in _anchors((ROOT / path).read_text(encoding="utf-8")), target


@pytest.mark.parametrize(
    ("lang", "code"),
    [
        ("yaml", "a: 1\n"),
        ("", "anything\n"),
        ("bash", "rm -rf /tmp/x\n"),
        ("bash", "airflow providers list | grep dataarts\n"),
        ("bash", 'export AIRFLOW_CONN_X=\'{"conn_type": "huaweicloud_dataarts", "login": "<NEW>"}\'\n'),
        ("python", 'hook_login = "<AK>"\n'),
    ],
)
def test_unclassifiable_blocks_fail(
    lang: str, code: str, tmp_path: Path, request: Any, monkeypatch: Any
) -> None:
    block = Block(DOCS_DIR / "synthetic.md", 1, lang, code)
    with pytest.raises(UnclassifiedBlock):
        run_block(block, tmp_path, request, monkeypatch)


def test_invalid_connection_snippet_is_caught() -> None:
    from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

    bad = (
        '{"conn_type": "huaweicloud_dataarts", "login": "<AK>", "password": "<SK>", "extra": {"region": "x"}}'
    )
    with pytest.raises(DataArtsConfigError):
        validate_connection("bad", bad)


def test_environment_is_restored() -> None:
    assert os.environ.get("AIRFLOW_CONN_DATAARTS_DEFAULT") is None or "127.0.0.1" not in os.environ.get(
        "AIRFLOW_CONN_DATAARTS_DEFAULT", ""
    )
