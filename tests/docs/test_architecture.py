# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The README's architecture section names every module of the pure core: a module added, moved or
renamed without the README fails here (the section is the newcomer's map of the package)."""

from __future__ import annotations

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORE = ROOT / "airflow_dataarts_provider" / "core"
FAMILIES = ("pending_items", "release_packages", "job_runs", "patch_data", "scripts")
FAMILY_SHAPE = ("values", "calls", "flows", "conditions")


def _architecture() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Architecture") : text.index("## The local emulator")]


def test_every_protocol_module_is_in_the_readme() -> None:
    section = _architecture()
    modules = sorted(p.name for p in (CORE / "protocol").glob("*.py") if p.name != "__init__.py")
    assert modules, "no protocol modules found"
    missing = [m for m in modules if f"`{m}`" not in section]
    assert not missing, f"README architecture section lacks core/protocol/{missing}"


def test_every_family_has_the_same_shape_and_is_in_the_readme() -> None:
    section = _architecture()
    folders = sorted(p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted(["protocol", *FAMILIES]), folders
    for family in FAMILIES:
        assert f"`core/{family}/`" in section
        present = {p.stem for p in (CORE / family).glob("*.py")} - {"__init__"}
        assert set(FAMILY_SHAPE) <= present, (family, sorted(present))
        extra = present - set(FAMILY_SHAPE)
        for name in extra:
            assert f"`{name}.py`" in section, f"core/{family}/{name}.py is not in the README"


def test_the_protocol_package_knows_no_api_family() -> None:
    """Data flows one way: the machinery never imports a family (a family copies its shape from the
    others, it does not plug into the protocol)."""
    offenders = []
    for path in (CORE / "protocol").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and re.match(
                    r"airflow_dataarts_provider\.core\.(pending_items|release_packages|job_runs|patch_data|scripts)",
                    node.module,
                )
            ):
                offenders.append(f"{path.name}: {node.module}")
    assert not offenders, offenders
