# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The region table against the official SDKs' region tables (an independent source) and the EU docs."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.regions import endpoints_for, pattern_note

PROJECT = "0833a5737480d53b2f25c010dc1a7b88"
# The EU site's DataArts Studio "Endpoints" page (2025-11) gives .eu hosts; the DataArts SDK says .com.
EU_DOCS = {
    "dataarts": "https://dayu.eu-west-101.myhuaweicloud.eu",
    "dlf": "https://dayu-dlf.eu-west-101.myhuaweicloud.eu",
}


def _sdk_table(module: str, cls: str) -> dict[str, str]:
    region_cls = getattr(pytest.importorskip(module), cls)
    return {rid: region.endpoints[0] for rid, region in region_cls.static_fields.items()}


@pytest.mark.parametrize(
    ("service", "module", "cls"),
    [
        ("dataarts", "huaweicloudsdkdataartsstudio.v1.region.dataartsstudio_region", "DataArtsStudioRegion"),
        ("dlf", "huaweicloudsdkdlf.v1.region.dlf_region", "DlfRegion"),
        ("iam", "huaweicloudsdkiam.v3.region.iam_region", "IamRegion"),
    ],
)
def test_every_sdk_region_has_the_sdks_endpoint(service: str, module: str, cls: str) -> None:
    table = _sdk_table(module, cls)
    assert len(table) >= 9
    for region, endpoint in table.items():
        ours = endpoints_for(region)
        assert service not in ours.unknown, region
        expected = EU_DOCS[service] if region == "eu-west-101" and service in EU_DOCS else endpoint
        assert getattr(ours, service) == expected, region


def test_eu_west_101_resolves_to_eu_for_all_three_services() -> None:
    eu = endpoints_for("eu-west-101")
    assert (eu.dataarts, eu.dlf, eu.iam) == (
        EU_DOCS["dataarts"],
        EU_DOCS["dlf"],
        "https://iam.eu-west-101.myhuaweicloud.eu",
    )
    assert eu.known


def test_connection_defaults_come_from_the_table() -> None:
    def config(region: str, auth: str = "token", **extra: Any) -> ClientConfig:
        login = ("user", "Passw0rd!") if auth == "token" else ("AKEXAMPLE", "sk")
        fields = {"region": region, "project_id": PROJECT, "auth_type": auth, **extra}
        if auth == "token":
            fields["domain_name"] = "acme"
        return ClientConfig.from_connection(None, *login, fields)

    eu = config("eu-west-101")
    assert eu.endpoint == EU_DOCS["dataarts"]
    assert eu.iam_endpoint == "https://iam.eu-west-101.myhuaweicloud.eu"
    assert config("cn-north-4", "aksk").endpoint == "https://dayu.cn-north-4.myhuaweicloud.com"
    # an override wins
    assert config("eu-west-101", iam_endpoint="https://iam.myhuaweicloud.eu").iam_endpoint == (
        "https://iam.myhuaweicloud.eu"
    )


def test_unknown_region_keeps_the_pattern_and_says_so() -> None:
    unknown = endpoints_for("xx-middle-7")
    assert unknown.dataarts == "https://dayu.xx-middle-7.myhuaweicloud.com"
    assert unknown.iam == "https://iam.xx-middle-7.myhuaweicloud.com"
    assert unknown.obs == "https://obs.xx-middle-7.myhuaweicloud.com"
    assert not unknown.known and set(unknown.unknown) == {"dataarts", "dlf", "iam", "obs"}
    assert endpoints_for("eu-west-101").obs == "https://obs.eu-west-101.myhuaweicloud.eu"
    note = pattern_note("xx-middle-7", {"dataarts": unknown.dataarts})
    assert "'xx-middle-7' is not in the provider's region table for dataarts" in note
    assert unknown.dataarts in note
    # a known region, or an unknown one with the endpoint set on the connection, says nothing
    assert pattern_note("cn-north-4", {"dataarts": endpoints_for("cn-north-4").dataarts}) == ""
    assert pattern_note("xx-middle-7", {"dataarts": "https://dayu.example.internal"}) == ""
