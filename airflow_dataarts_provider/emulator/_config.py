# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Configuration and default account of the emulator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

OffsetMode = Literal["page", "record"]
NameMatch = Literal["contains", "exact", "prefix"]
# The metadata service's session tokens (PUT /meta-data/latest/api/token, then X-Metadata-Token):
# "required" (hardened ECS/CCE nodes, the default), "optional", or "unsupported" (an old service: the
# token PUT answers 404 and the security key is served to a bare GET).
MetadataTokenMode = Literal["required", "optional", "unsupported"]
# What the release-package listing does with a limit above its maximum (no public source gives one):
# "refuse" (DLF.3051) or "cap" (answer at most that many rows, silently).
OverLimit = Literal["refuse", "cap"]
# Which time the V1/V2 instance listings' minPlanTime/maxPlanTime filter (UNCERTAIN in the documentation):
# the plan time, or the start time.
TimeFilter = Literal["plan", "start"]
# The order of instance listings (undocumented): newest or oldest start first.
InstanceOrder = Literal["newest", "oldest"]

DEFAULT_REGION = "cn-north-4"
DEFAULT_PROJECT_ID = "5f9c2b7e1a4d4c8b9e3f6a1d2c7b8e90"
DEFAULT_WORKSPACE_ID = "a0b1c2d3e4f5061728394a5b6c7d8e9f"
DEFAULT_DOMAIN_ID = "1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a"
DEFAULT_DOMAIN_NAME = "emulator-account"
DEFAULT_USER_ID = "7e6d5c4b3a291807f6e5d4c3b2a19080"
DEFAULT_USER_NAME = "emulator-user"
DEFAULT_PASSWORD = "Emulator@Passw0rd"  # noqa: S105 - fake credential of a local emulator
DEFAULT_AK = "EMUQ7ZK3T5NXW2PLR8VA"
DEFAULT_SK = "Zq8Xw2Lm5Np7Rt9Vb3Cd6Fg1Hj4Kl0Mn2Pq5St8U"


@dataclass(frozen=True)
class AkSkCredential:
    """A permanent AK/SK pair and the IAM user owning it."""

    ak: str
    sk: str
    user_id: str = DEFAULT_USER_ID
    user_name: str = DEFAULT_USER_NAME


@dataclass(frozen=True)
class IamUser:
    """An IAM user that can obtain tokens with the password method."""

    name: str
    password: str
    domain_name: str = DEFAULT_DOMAIN_NAME
    user_id: str = DEFAULT_USER_ID
    domain_id: str = DEFAULT_DOMAIN_ID


DEFAULT_CREDENTIAL = AkSkCredential(DEFAULT_AK, DEFAULT_SK)
DEFAULT_IAM_USER = IamUser(DEFAULT_USER_NAME, DEFAULT_PASSWORD)


@dataclass
class EmulatorConfig:
    """Everything the emulator can be started with. All fields have working defaults.

    ``rate_limit_per_user``: requests per second per user on the V2 DataArts API (``None`` or ``0``
    disables); ``dlf_rate_limit_per_user``: the same on the V1 job and script API (the documented
    limits: 10 and 30; each family counted apart). ``offset_mode``: ``"page"`` (offset is a page
    index) or ``"record"`` (a record offset). ``item_name_match``: how the ``item_name`` filter
    matches (``contains`` by default).
    ``items``: initial items (mappings with at least ``item_name``); ``seed_items``/``seed``: number
    of generated items added after them. ``query_plus_as_space``: decode a literal ``+`` in the
    query as a space (form encoding) instead of a plus. ``aksk_lockout_failures``: lock an AK for
    ``aksk_lockout_s`` after that many consecutive signature failures (off by default).

    Release workflow: ``auto_approve`` (approve a package ``approve_delay_s`` after it is deployed;
    on by default), ``release_duration_s`` (time in "releasing"), ``fail_items`` (fnmatch patterns of
    item names whose release fails), ``release_clock`` (``time.time``-like callable driving the
    package state machine; inject one for deterministic tests).
    """

    host: str = "127.0.0.1"
    port: int = 0
    region: str = DEFAULT_REGION
    project_id: str = DEFAULT_PROJECT_ID
    extra_project_ids: tuple[str, ...] = ()
    workspaces: tuple[str, ...] = (DEFAULT_WORKSPACE_ID,)
    offset_mode: OffsetMode = "page"
    item_name_match: NameMatch = "contains"
    rate_limit_per_user: float | None = 10.0
    dlf_rate_limit_per_user: float | None = 30.0
    token_lifetime_s: float = 86_400.0
    temporary_credential_lifetime_s: float = 3_600.0
    metadata_sessions: MetadataTokenMode = "required"
    release_list_max_limit: int = 100
    release_list_over_limit: OverLimit = "refuse"
    latency_s: float = 0.0
    max_clock_skew_s: float = 900.0
    items: tuple[Mapping[str, Any], ...] = ()
    seed_items: int = 0
    seed: int = 0
    credentials: tuple[AkSkCredential, ...] = (DEFAULT_CREDENTIAL,)
    iam_users: tuple[IamUser, ...] = (DEFAULT_IAM_USER,)
    query_plus_as_space: bool = False
    aksk_lockout_failures: int | None = None
    aksk_lockout_s: float = 300.0
    request_log_limit: int = 10_000
    request_queue_size: int = 128
    auto_approve: bool = True
    approve_delay_s: float = 0.0
    release_duration_s: float = 1.0
    fail_items: tuple[str, ...] = ()
    release_clock: Callable[[], float] | None = None
    #: Jobs of the first workspace, by name (Chinese names included); their runs succeed after 0.5 s
    #: unless scripted otherwise (``Emulator.set_job``).
    jobs: tuple[str, ...] = ("daily_sales_job", "数据清洗作业", "dws_sales_summary")
    #: What the instance listings' plan-time filters apply to, and their order (both undocumented).
    instance_time_filter: TimeFilter = "plan"
    instance_order: InstanceOrder = "newest"
    #: Scripts of the first workspace: (name, type); their runs finish after 0.3 s with one row unless
    #: scripted otherwise (``Emulator.set_script``).
    scripts: tuple[tuple[str, str], ...] = (
        ("dws_daily_sales", "DWSSQL"),
        ("dws_sales_check", "DWSSQL"),
        ("订单质量检查", "HiveSQL"),
        ("cleanup_tmp", "Shell"),
    )

    def validate(self) -> None:
        if self.offset_mode not in ("page", "record"):
            raise ValueError(f"offset_mode must be 'page' or 'record', not {self.offset_mode!r}")
        if self.item_name_match not in ("contains", "exact", "prefix"):
            raise ValueError(f"item_name_match must be contains/exact/prefix, not {self.item_name_match!r}")
        if self.instance_time_filter not in ("plan", "start"):
            raise ValueError(f"instance_time_filter must be plan or start, not {self.instance_time_filter!r}")
        if self.instance_order not in ("newest", "oldest"):
            raise ValueError(f"instance_order must be newest or oldest, not {self.instance_order!r}")
        if not self.workspaces:
            raise ValueError("at least one workspace is required")
        if self.token_lifetime_s <= 0 or self.temporary_credential_lifetime_s <= 0:
            raise ValueError("lifetimes must be positive")
        if self.approve_delay_s < 0 or self.release_duration_s < 0:
            raise ValueError("approve_delay_s and release_duration_s must be >= 0")
