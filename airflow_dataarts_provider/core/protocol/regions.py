# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The one region table: default endpoints of DataArts V2 (``dayu``), DataArts V1 / DLF (``dayu-dlf``)
and IAM per Huawei Cloud region.

Sources: the official SDK's region tables (huaweicloudsdkdataartsstudio, huaweicloudsdkdlf and
huaweicloudsdkiam 3.1.219, ``*/region/*_region.py``) and the EU site's DataArts Studio API reference,
"Endpoints" page (updated 2025-11), which gives ``dayu.eu-west-101.myhuaweicloud.eu`` for V2 and the
other modules and ``dayu-dlf.eu-west-101.myhuaweicloud.eu`` for V1; the SDK's IAM table gives
``iam.eu-west-101.myhuaweicloud.eu``. (The DataArts SDK lists ``.com`` for eu-west-101; the EU
documentation is the later and more specific source, and the EU site serves its own domain.)

A region the table does not list for a service keeps the pattern ``https://{service}.{region}.
{domain}``: :attr:`Endpoints.known` says so, and the connection test reports it. Every default can be
overridden by the connection (``host``, ``iam_endpoint``)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DOMAIN = "myhuaweicloud.com"


#: Regions served under another domain than myhuaweicloud.com (all their services).
REGION_DOMAINS: dict[str, str] = {"eu-west-101": "myhuaweicloud.eu"}


#: DataArts Studio V2 (pending items, release packages, V2 job instances): dataartsstudio_region.py.
DATAARTS_REGIONS = frozenset(
    {
        "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-11", "cn-east-2", "cn-east-3",
        "cn-east-4", "cn-south-1", "cn-southwest-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
        "ap-southeast-4", "af-south-1", "ru-northwest-2", "ru-moscow-1", "sa-brazil-1", "la-south-2",
        "la-north-2", "na-mexico-1", "tr-west-1", "me-east-1", "eu-west-101", "ae-ad-1",
        "my-kualalumpur-1",
    }
)  # fmt: skip


#: DataArts Factory V1 (DLF job API): dlf_region.py, 9 regions, plus the EU documentation.
DLF_REGIONS = frozenset(
    {
        "cn-north-1", "cn-north-4", "cn-north-11", "cn-east-2", "cn-east-3", "cn-south-1",
        "ap-southeast-1", "ap-southeast-3", "ru-northwest-2", "eu-west-101",
    }
)  # fmt: skip


#: IAM: iam_region.py.
IAM_REGIONS = frozenset(
    {
        "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-12", "cn-east-2", "cn-east-3",
        "cn-east-4", "cn-east-5", "cn-south-1", "cn-south-2", "cn-southwest-2", "ap-southeast-1",
        "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "af-south-1", "sa-brazil-1", "la-south-2",
        "la-north-2", "na-mexico-1", "eu-west-101", "eu-west-0", "my-kualalumpur-1", "ru-moscow-1",
        "me-east-1", "ae-ad-1", "tr-west-1",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Endpoints:
    """Default endpoints of one region. ``known`` is False when a service's endpoint was not in the
    table and follows the pattern instead (``unknown`` names those services)."""

    region: str
    dataarts: str
    dlf: str
    iam: str
    #: OBS, where DataArts writes node logs (``obs.{region}.{domain}``: wherever DataArts runs).
    obs: str = ""
    unknown: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return not self.unknown


def endpoints_for(region: str) -> Endpoints:
    """The default endpoints of ``region`` (a validated region id)."""
    domain = REGION_DOMAINS.get(region, DEFAULT_DOMAIN)
    services = (
        ("dataarts", "dayu", DATAARTS_REGIONS),
        ("dlf", "dayu-dlf", DLF_REGIONS),
        ("iam", "iam", IAM_REGIONS),
        ("obs", "obs", DATAARTS_REGIONS),
    )
    urls = {name: f"https://{host}.{region}.{domain}" for name, host, _ in services}
    unknown = tuple(name for name, _, regions in services if region not in regions)
    return Endpoints(region=region, unknown=unknown, **urls)


def pattern_note(region: str, used: dict[str, str]) -> str:
    """A sentence for the connection test when an endpoint in use is a pattern guess (the region is not
    in the table for that service); ``used`` maps service name to the endpoint in use. Empty otherwise."""
    defaults = endpoints_for(region)
    guessed = [name for name in defaults.unknown if name in used and used[name] == getattr(defaults, name)]
    if not guessed:
        return ""
    shown = ", ".join(f"{name} {used[name]}" for name in guessed)
    return (
        f" Note: region {region!r} is not in the provider's region table for {', '.join(guessed)};"
        f" the endpoint follows the usual pattern ({shown}). Set it on the connection if it differs."
    )
