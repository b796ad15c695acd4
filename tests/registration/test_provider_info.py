# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The provider registers itself with the installed Airflow as Airflow expects."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path
from typing import Any

import pytest
from conftest import AIRFLOW_2, AIRFLOW_3_0, connection_json
from packaging.utils import canonicalize_name

from airflow_dataarts_provider import connection_form
from airflow_dataarts_provider.get_provider_info import get_provider_info

AIRFLOW_BIN = Path(sys.executable).with_name("airflow")


def _class_paths(info: dict[str, Any]) -> list[str]:
    """Every dotted module or class path mentioned in provider info."""
    paths: list[str] = []
    for conn in info.get("connection-types", []):
        paths.append(conn["hook-class-name"])
    for key in ("hooks", "operators", "sensors", "triggers"):
        for entry in info.get(key, []):
            paths.extend(entry["python-modules"])
    paths.extend(info.get("extra-links", []))
    return paths


def _import_path(path: str) -> object:
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        module, _, attr = path.rpartition(".")
        return getattr(importlib.import_module(module), attr)


def test_provider_info_passes_airflows_own_schema_validation() -> None:
    from airflow import providers_manager

    validator = providers_manager._create_provider_info_schema_validator()
    validator.validate(get_provider_info())


def test_provider_info_rejected_by_validator_when_broken() -> None:
    """The validator used above does reject malformed provider info (the check can fail)."""
    import jsonschema
    from airflow import providers_manager

    broken = get_provider_info()
    broken["connection-types"] = [{"hook-name": "no type"}]
    with pytest.raises(jsonschema.ValidationError):
        providers_manager._create_provider_info_schema_validator().validate(broken)


def test_package_name_is_canonical_distribution_name() -> None:
    dist = distribution("airflow-dataarts-provider")
    assert get_provider_info()["package-name"] == canonicalize_name(dist.metadata["Name"])


def test_entry_point_points_at_get_provider_info() -> None:
    eps = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.dist and canonicalize_name(ep.dist.name) == "airflow-dataarts-provider"
    ]
    assert len(eps) == 1
    assert eps[0].load() is get_provider_info


#: Modules that need Airflow 3 (asset watchers): on Airflow 2 importing them raises a clear ImportError.
AIRFLOW_3_ONLY = {"airflow_dataarts_provider.triggers.events"}


def test_every_class_path_imports() -> None:
    paths = _class_paths(get_provider_info())
    assert "airflow_dataarts_provider.hooks.dataarts.DataArtsHook" in paths
    assert set(paths) >= AIRFLOW_3_ONLY
    for path in paths:
        if AIRFLOW_2 and path in AIRFLOW_3_ONLY:
            with pytest.raises(ImportError, match=r"needs Airflow 3\.0 or later .*this is Airflow 2\."):
                importlib.import_module(path)
        else:
            assert _import_path(path) is not None, path


def test_get_provider_info_module_does_not_import_airflow() -> None:
    code = (
        "import sys; import airflow_dataarts_provider.get_provider_info as m; m.get_provider_info();"
        "print(sorted(k for k in sys.modules if k == 'airflow' or k.startswith('airflow.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_connection_type_declared_with_hook_metadata() -> None:
    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    (conn,) = get_provider_info()["connection-types"]
    assert conn["connection-type"] == DataArtsHook.conn_type == "huaweicloud_dataarts"
    assert conn["hook-name"] == DataArtsHook.hook_name == "Huawei Cloud DataArts Studio"
    assert DataArtsHook.default_conn_name == "dataarts_default"
    assert DataArtsHook.conn_name_attr == "dataarts_conn_id"


@pytest.mark.parametrize("field", ["security_token"])
def test_secret_fields_are_password_fields(field: str) -> None:
    (conn,) = get_provider_info()["connection-types"]
    assert conn["conn-fields"][field]["schema"]["format"] == "password"
    secret_like = {
        name for name in conn["conn-fields"] if any(s in name for s in ("token", "secret", "password"))
    }
    assert secret_like == {"security_token"}


def test_ui_field_behaviour_passes_airflows_validator() -> None:
    from airflow import providers_manager

    validator = providers_manager._create_customized_form_field_behaviours_schema_validator()
    validator.validate(connection_form.legacy_ui_field_behaviour())


def test_legacy_widgets_match_provider_info() -> None:
    """Airflow 2.11-3.1 read the hook methods; they must say what provider info says."""
    pytest.importorskip("wtforms", reason="wtforms ships with Airflow < 3.2 only (checked on the 2.11 run)")
    from wtforms import Form, IntegerField, PasswordField, StringField

    from airflow_dataarts_provider.hooks.dataarts import DataArtsHook

    widgets = DataArtsHook.get_connection_form_widgets()
    assert list(widgets) == list(connection_form.CONN_FIELDS)

    class _Form(Form):  # bind the unbound fields to inspect labels and defaults
        pass

    for name, unbound in widgets.items():
        setattr(_Form, name, unbound)
    form = _Form()
    for name, spec in connection_form.CONN_FIELDS.items():
        bound = form[name]
        assert str(bound.label.text) == spec["label"]
        assert bound.description == spec["description"]
        expected_cls = (
            PasswordField
            if spec["schema"].get("format") == "password"
            else IntegerField
            if "integer" in spec["schema"]["type"]
            else StringField
        )
        assert type(bound) is expected_cls, name
        assert bound.default == spec["schema"].get("default"), name
    behaviour = DataArtsHook.get_ui_field_behaviour()
    assert behaviour == {
        "hidden_fields": connection_form.UI_FIELD_BEHAVIOUR["hidden-fields"],
        "relabeling": connection_form.UI_FIELD_BEHAVIOUR["relabeling"],
        "placeholders": connection_form.UI_FIELD_BEHAVIOUR["placeholders"],
    }


def _airflow_cli(*args: str) -> str:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run(
        [str(AIRFLOW_BIN), *args], check=False, capture_output=True, text=True, env=env, timeout=180
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _json_output(text: str) -> Any:
    """The JSON document a CLI printed (Airflow may log configuration lines before it)."""
    return json.loads(text.strip().splitlines()[-1])


def test_airflow_cli_lists_provider_and_connection_type() -> None:
    providers = _json_output(_airflow_cli("providers", "list", "--output", "json"))
    ours = [p for p in providers if p["package_name"] == "airflow-dataarts-provider"]
    assert len(ours) == 1
    hooks = _json_output(_airflow_cli("providers", "hooks", "--output", "json"))
    ours_hooks = [h for h in hooks if h["connection_type"] == "huaweicloud_dataarts"]
    assert len(ours_hooks) == 1
    assert ours_hooks[0]["class"] == "airflow_dataarts_provider.hooks.dataarts.DataArtsHook"
    assert ours_hooks[0]["package_name"] == "airflow-dataarts-provider"
    assert ours_hooks[0]["hook_name"] == "Huawei Cloud DataArts Studio"


def test_ui_metadata_service_exposes_custom_fields(request: pytest.FixtureRequest) -> None:
    services = pytest.importorskip(
        "airflow.api_fastapi.core_api.services.ui.connections",
        reason="the FastAPI UI metadata service exists on Airflow 3 only",
    )
    if AIRFLOW_3_0 and importlib.util.find_spec("wtforms") is None:
        # UPSTREAM (Airflow 3.0): the providers manager imports wtforms before it reads any hook's form
        # methods, so without wtforms (the FAB provider brings it) the UI shows no provider's extra fields
        # or relabelled fields. 3.1 stubs wtforms itself. docs/installation.md says so.
        request.applymarker(pytest.mark.xfail(strict=True, reason="UPSTREAM 3.0 without wtforms"))
    metas = {m.connection_type: m for m in services.HookMetaService.hook_meta_data()}
    meta = metas["huaweicloud_dataarts"]
    assert meta.hook_name == "Huawei Cloud DataArts Studio"
    extra = dict(meta.extra_fields or {})
    assert list(extra) == list(connection_form.CONN_FIELDS)
    assert extra["security_token"]["schema"]["format"] == "password"
    assert extra["region"]["schema"]["title"] == "Region"
    assert extra["auth_type"]["value"] == "aksk"
    std = meta.standard_fields
    assert std is not None
    assert std.port.hidden is False  # shown: Airflow 3.3.2's Test button needs a stored port
    assert std.port.title.startswith("Port (443")
    assert std.url_schema.hidden is True
    assert std.login.title == "Access key (AK) / IAM user name"
    assert std.password.title == "Secret key (SK) / IAM password"


def test_airflow_connections_test_uses_the_hooks_test_connection(dataarts_emulator_factory: Any) -> None:
    """The Test button's path on every line: ``airflow connections test`` builds the hook from the
    connection and calls ``test_connection()`` (one cheap read against the emulator)."""
    emu = dataarts_emulator_factory(seed_items=12, rate_limit_per_user=None)

    def cli_test(**extra: Any) -> str:
        info = {**emu.info(), **extra}
        env = {
            **os.environ,
            "PYTHONWARNINGS": "ignore",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW_CONN_DATAARTS_CLI_TEST": connection_json(info),
        }
        out = subprocess.run(
            [str(AIRFLOW_BIN), "connections", "test", "dataarts_cli_test"],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
        return out.stdout + out.stderr

    ok = cli_test()
    assert "Connection success!" in ok, ok[-3000:]
    assert emu.counters()["by_endpoint"].get("pending-items") == 1
    failed = cli_test(sk="Wrong-secret-key-0123456789")
    assert "Connection failed!" in failed and "APIGW.0301" in failed, failed[-3000:]
    assert "Wrong-secret-key-0123456789" not in failed
