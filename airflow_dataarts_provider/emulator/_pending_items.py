# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Pending items: the record type and a deterministic generator."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

#: Fixed reference instant of the generator (2025-06-15T14:40:00Z): seeded data does not depend on "now".
BASE_TIMESTAMP_MS = 1_750_000_800_000
_DAY_MS = 86_400_000

_CHINESE_NAMES = [
    "数据清洗作业",
    "每日销售汇总",
    "用户画像 更新",
    "订单/退款 对账",
    "库存 & 物流 同步",
    "财务报表#月度",
    "日志归档?旧",
    "指标计算 100%",
    "客户 = 主数据",
    "营销 + 渠道 分析",
]
_ASCII_NAMES = [
    "daily_sales_job",
    "job A/b",
    "etl load & merge",
    "report #1",
    "user=profile sync",
    "c++ build stats",
    "what? now",
    "100% coverage",
    "orders/refunds reconcile",
    "plain-script.sql",
    "spaces  in  name",
    "a+b=c",
]

#: Submitters of seeded items: (submit_user_id, submit_user_name).
SUBMITTERS: tuple[tuple[str, str], ...] = (
    ("4b8f6cbf5a8e4b3c9d0a1e2f3a4b5c6d", "dev_alice"),
    ("9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f", "ops-bob"),
    ("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "zhang.wei"),
    ("a1b2c3d4e5f60718293a4b5c6d7e8f90", "carol li"),
)

ITEM_FIELDS = (
    "pending_item_id",
    "item_name",
    "task_id",
    "task_type",
    "update_type",
    "package_flag",
    "pending_version",
    "deployed_version",
    "submit_timestamp",
    "submit_user_id",
    "submit_user_name",
    "project_id",
)


@dataclass
class PendingItem:
    """One pending item, as stored by the emulator (``workspace_id`` is internal)."""

    pending_item_id: str
    item_name: str
    task_id: str
    task_type: int
    update_type: int
    package_flag: int
    pending_version: int
    deployed_version: int
    submit_timestamp: int
    submit_user_id: str
    submit_user_name: str
    workspace_id: str

    def to_api(self, project_id: str) -> dict[str, Any]:
        """The item exactly as the API returns it (documented fields only)."""
        data = asdict(self)
        del data["workspace_id"]
        data["project_id"] = f"{project_id}-workspace-{self.workspace_id}"
        return {field: data[field] for field in ITEM_FIELDS}


def _hex_id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128)).hex


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _versions(rng: random.Random, update_type: int) -> tuple[int, int]:
    if update_type == 1:  # added: never released
        return 1, 0
    deployed = rng.randint(1, 20)
    return deployed + 1, deployed


def generate_items(
    count: int,
    seed: int,
    workspace_id: str,
    *,
    base_timestamp_ms: int = BASE_TIMESTAMP_MS,
    name_prefix: str = "",
) -> list[PendingItem]:
    """Deterministically generate ``count`` items, newest first.

    Names mix Chinese and ASCII, include spaces and reserved characters (``/ & = + # ? %``) and are
    unique; jobs and scripts, every update type, all submitters and timestamps spread over 30 days
    before ``base_timestamp_ms`` are all represented (for ``count`` large enough).
    """
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not crypto
    items: list[PendingItem] = []
    pool = _CHINESE_NAMES + _ASCII_NAMES
    for index in range(count):
        base_name = pool[index % len(pool)] if index < len(pool) else rng.choice(pool)
        name = f"{name_prefix}{base_name} {index:04d}"
        task_type = 1 + (index % 2)
        update_type = 1 + (index // 2) % 3
        pending_version, deployed_version = _versions(rng, update_type)
        user_id, user_name = SUBMITTERS[index % len(SUBMITTERS)]
        items.append(
            PendingItem(
                pending_item_id=_uuid(rng),
                item_name=name,
                task_id=_hex_id(rng),
                task_type=task_type,
                update_type=update_type,
                package_flag=0,
                pending_version=pending_version,
                deployed_version=deployed_version,
                submit_timestamp=base_timestamp_ms - rng.randint(0, 30 * _DAY_MS),
                submit_user_id=user_id,
                submit_user_name=user_name,
                workspace_id=workspace_id,
            )
        )
    items.sort(key=lambda item: (-item.submit_timestamp, item.pending_item_id))
    return items


def item_from_mapping(
    data: Mapping[str, Any], workspace_id: str, rng: random.Random, now_ms: int
) -> PendingItem:
    """Build an item from a partial mapping (``item_name`` required; other fields get defaults)."""
    if "item_name" not in data or not isinstance(data["item_name"], str):
        raise ValueError("item_name (str) is required")
    unknown = set(data) - set(ITEM_FIELDS) - {"workspace_id", "workspace"}
    if unknown:
        raise ValueError(f"unknown item fields: {sorted(unknown)}")
    update_type = int(data.get("update_type", 1))
    task_type = int(data.get("task_type", 1))
    if update_type not in (1, 2, 3) or task_type not in (1, 2):
        raise ValueError("update_type must be 1..3 and task_type 1..2")
    pending_default, deployed_default = _versions(rng, update_type)
    user_id, user_name = SUBMITTERS[0]
    return PendingItem(
        pending_item_id=str(data.get("pending_item_id") or _uuid(rng)),
        item_name=data["item_name"],
        task_id=str(data.get("task_id") or _hex_id(rng)),
        task_type=task_type,
        update_type=update_type,
        package_flag=int(data.get("package_flag", 0)),
        pending_version=int(data.get("pending_version", pending_default)),
        deployed_version=int(data.get("deployed_version", deployed_default)),
        submit_timestamp=int(data.get("submit_timestamp", now_ms)),
        submit_user_id=str(data.get("submit_user_id", user_id)),
        submit_user_name=str(data.get("submit_user_name", user_name)),
        workspace_id=str(data.get("workspace_id") or data.get("workspace") or workspace_id),
    )
