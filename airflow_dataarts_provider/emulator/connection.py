# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The Airflow connection (``AIRFLOW_CONN_*`` JSON fields) of an emulator, from its ``info()`` or the
CLI's ready file: the one helper the tests, the demo, the e2e run and the benchmarks use.

It only writes down what a user would type into the connection form; it imports nothing of the
client side (the emulator stays independent of it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONN_TYPE = "huaweicloud_dataarts"
SECURITYKEY_PATH = "/openstack/latest/securitykey"
_FIELDS = ("host", "login", "password", "port")


def airflow_connection(info: Mapping[str, Any], auth: str = "aksk", **extra: Any) -> dict[str, Any]:
    """Connection fields for ``auth``: ``aksk`` (the default account's AK/SK), ``token`` (its IAM user,
    IAM at the emulator) or ``agency`` (the emulator's metadata service).

    ``extra`` entries are connection extras; ``host``, ``login``, ``password`` and ``port`` set the
    standard fields instead. A ``None`` value removes the field or extra.
    """
    fields: dict[str, Any] = {"conn_type": CONN_TYPE, "host": info["url"]}
    extras: dict[str, Any] = {
        "region": info["region"],
        "project_id": info["project_id"],
        "workspace": info["workspace"],
    }
    if auth == "aksk":
        fields.update(login=info["ak"], password=info["sk"])
    elif auth == "token":
        iam = info["iam"]
        fields.update(login=iam["user_name"], password=iam["password"])
        extras.update(
            auth_type="token", domain_name=iam["domain_name"], iam_endpoint=iam["url"] or info["url"]
        )
    elif auth == "agency":
        extras.update(auth_type="agency", metadata_url=info["url"] + SECURITYKEY_PATH)
    else:
        raise ValueError(f"unknown auth {auth!r}: aksk, token or agency")
    for key, value in extra.items():
        target = fields if key in _FIELDS else extras
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    fields["extra"] = extras
    return fields
