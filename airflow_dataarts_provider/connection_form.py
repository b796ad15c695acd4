# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The one definition of the ``huaweicloud_dataarts`` connection form.

Airflow reads a connection form from two places depending on the version: provider info
(``conn-fields`` / ``ui-field-behaviour``; the only source for Airflow >= 3.3) and the hook's legacy
``get_connection_form_widgets`` / ``get_ui_field_behaviour`` (Airflow 2.11, 3.0, 3.1). Both are generated
from :data:`CONN_FIELDS` and :data:`UI_FIELD_BEHAVIOUR` below. This module imports nothing from Airflow
at module level: it is loaded during provider discovery.
"""

from __future__ import annotations

from typing import Any

CONN_TYPE = "huaweicloud_dataarts"
HOOK_NAME = "Huawei Cloud DataArts Studio"
DEFAULT_CONN_ID = "dataarts_default"

# Extra fields, in display order. ``schema`` is a JSON schema; ``"format": "password"`` marks a secret.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "region": {
        "label": "Region",
        "description": "Huawei Cloud region id, e.g. cn-north-4. Used for the default endpoints.",
        "schema": {"type": ["string", "null"]},
    },
    "project_id": {
        "label": "Project ID",
        "description": "The 32-character project id of the region (My Credentials > API Credentials).",
        "schema": {"type": ["string", "null"]},
    },
    "workspace": {
        "label": "Default workspace ID",
        "description": "DataArts Studio workspace id; tasks may override it.",
        "schema": {"type": ["string", "null"]},
    },
    "auth_type": {
        "label": "Authentication type",
        "description": "aksk (AK/SK, optionally temporary with a security token), token (IAM user"
        " name and password), or agency (temporary credentials from the ECS metadata service).",
        "schema": {"type": ["string", "null"], "enum": ["aksk", "token", "agency", None], "default": "aksk"},
    },
    "security_token": {
        "label": "Security token",
        "description": "For temporary AK/SK credentials only.",
        "schema": {"type": ["string", "null"], "format": "password"},
    },
    "domain_name": {
        "label": "IAM account (domain) name",
        "description": "For auth type 'token': the account the IAM user belongs to.",
        "schema": {"type": ["string", "null"]},
    },
    "iam_endpoint": {
        "label": "IAM endpoint",
        "description": "For auth type 'token'. Default: https://iam.{region}.myhuaweicloud.com"
        " (.eu for eu-west-101).",
        "schema": {"type": ["string", "null"]},
    },
    "dlf_endpoint": {
        "label": "Job API (V1, DLF) endpoint",
        "description": "Where jobs are run. Default: Host when set, else https://dayu-dlf.{region}.myhuaweicloud.com.",
        "schema": {"type": ["string", "null"]},
    },
    "obs_endpoint": {
        "label": "OBS endpoint (node logs)",
        "description": "Where failed nodes' logs are read. Default: Host when set, else"
        " https://obs.{region}.myhuaweicloud.com.",
        "schema": {"type": ["string", "null"]},
    },
    "metadata_url": {
        "label": "Metadata URL",
        "description": "For auth type 'agency'. Default: http://169.254.169.254/openstack/latest/securitykey",
        "schema": {"type": ["string", "null"]},
    },
    "offset_mode": {
        "label": "Offset semantics",
        "description": "How the API's 'offset' is interpreted: auto (detect), page (page index), record.",
        "schema": {"type": ["string", "null"], "enum": ["auto", "page", "record", None], "default": "auto"},
    },
    "max_requests_per_second": {
        "label": "Max requests per second",
        "description": "Client-side rate limit per identity on the V2 APIs (their per-user limit is 10).",
        "schema": {"type": ["number", "null"], "default": 10},
    },
    "dlf_max_requests_per_second": {
        "label": "Max requests per second (jobs, scripts)",
        "description": "The same for the V1 job and script APIs (their per-user limit is 30).",
        "schema": {"type": ["number", "null"], "default": 30},
    },
    "max_attempts": {
        "label": "Max attempts",
        "description": "Attempts per request for throttling, server errors and network faults.",
        "schema": {"type": ["integer", "null"], "default": 5},
    },
    "timeout": {
        "label": "Timeout (seconds)",
        "description": "Read timeout in seconds, or [connect, read], e.g. [10, 60].",
        "schema": {"type": ["string", "null"]},
    },
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    # The port is shown for one reason: Airflow 3.3.2's Test button sends port 0 for a connection without
    # one and the API refuses it (apache/airflow#73298); with the endpoint's port stored, Test works.
    "hidden-fields": ["schema"],
    "relabeling": {
        "host": "Endpoint override",
        "port": "Port (443, or the endpoint override's; Airflow 3.3.2's Test button needs it)",
        "login": "Access key (AK) / IAM user name",
        "password": "Secret key (SK) / IAM password",
    },
    "placeholders": {
        "host": "https://dayu.cn-north-4.myhuaweicloud.com (leave empty for the region default)",
        "port": "443",
        "login": "AK, or the IAM user name for auth type 'token'",
        "password": "SK, or the IAM password for auth type 'token'",
        "region": "cn-north-4",
        "project_id": "0833a5737480d53b2f25c010dc1a7b88",
        "workspace": "workspace id",
        "auth_type": "aksk",
        "domain_name": "account name",
        "offset_mode": "auto",
        "timeout": "[10, 60]",
    },
}


def connection_type_info() -> dict[str, Any]:
    """The ``connection-types`` entry of provider info."""
    return {
        "connection-type": CONN_TYPE,
        "hook-class-name": "airflow_dataarts_provider.hooks.dataarts.DataArtsHook",
        "hook-name": HOOK_NAME,
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
    }


def legacy_ui_field_behaviour() -> dict[str, Any]:
    """``get_ui_field_behaviour()`` for Airflow < 3.2 (snake_case keys)."""
    return {key.replace("-", "_"): value for key, value in UI_FIELD_BEHAVIOUR.items()}


def legacy_form_widgets() -> dict[str, Any]:
    """``get_connection_form_widgets()`` for Airflow < 3.2, built from :data:`CONN_FIELDS` (wtforms)."""
    from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import IntegerField, PasswordField, StringField

    widgets: dict[str, Any] = {}
    for name, field in CONN_FIELDS.items():
        schema = field["schema"]
        label = lazy_gettext(field["label"])
        kwargs: dict[str, Any] = {"description": field["description"]}
        if "default" in schema:
            kwargs["default"] = schema["default"]
        if schema.get("format") == "password":
            widgets[name] = PasswordField(label, widget=BS3PasswordFieldWidget(), **kwargs)
        elif "integer" in schema["type"]:
            widgets[name] = IntegerField(label, widget=BS3TextFieldWidget(), **kwargs)
        else:
            # Numbers stay text fields: wtforms' FloatField is not among the classes Airflow accepts.
            widgets[name] = StringField(label, widget=BS3TextFieldWidget(), **kwargs)
    return widgets
