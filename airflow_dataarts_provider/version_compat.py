# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Imports that differ between Airflow lines (2.11, 3.0, 3.1, 3.2, 3.3), in one place.

``airflow.sdk`` exports differ by line (3.0 has no ``BaseHook`` there, 3.1 no ``conf``), so the Airflow
classes come from ``airflow.providers.common.compat.sdk``, the shim the official providers use: it
resolves each name to the right object on every line. Version flags, when behaviour must differ by
line, belong here too; no other module compares Airflow versions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow import __version__ as _airflow_version
from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseHook,
    BaseOperator,
    BaseOperatorLink,
    BaseSensorOperator,
    PokeReturnValue,
    XCom,
    conf,
)


def _load_mask_secret() -> Callable[..., Any]:
    # common-compat has ``mask_secret`` only from 1.21 (Python >= 3.11); on Python 3.10 the newest is 1.20.
    import importlib

    for module in (
        "airflow.providers.common.compat.sdk",
        "airflow.sdk.log",  # 3.x
        "airflow.utils.log.secrets_masker",  # 2.11
    ):
        try:
            return importlib.import_module(module).mask_secret  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"mask_secret is not available on Airflow {_airflow_version}")


mask_secret = _load_mask_secret()


def _load_task_timeout() -> type[BaseException]:
    """The exception the worker raises at ``execution_timeout`` (common-compat 1.20, the newest on Python
    3.10, does not name it: then the SDK's on 3.x, ``airflow.exceptions`` on 2.11)."""
    import importlib

    for module in ("airflow.providers.common.compat.sdk", "airflow.sdk.exceptions", "airflow.exceptions"):
        try:
            return importlib.import_module(module).AirflowTaskTimeout  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"AirflowTaskTimeout is not available on Airflow {_airflow_version}")


AirflowTaskTimeout = _load_task_timeout()


def base_event_trigger() -> type[Any]:
    """``BaseEventTrigger`` (asset watchers: event-driven scheduling), which exists from Airflow 3.0."""
    try:
        from airflow.triggers.base import BaseEventTrigger
    except ImportError:
        raise ImportError(
            f"DataArtsReleaseEventTrigger needs Airflow 3.0 or later (asset watchers); this is Airflow "
            f"{_airflow_version}. On Airflow 2 wait for a release package with "
            "DataArtsReleasePackageSensor, or for released items with DataArtsPendingItemsSensor."
        ) from None
    return BaseEventTrigger  # type: ignore[no-any-return]


def asset_classes() -> tuple[Any, Any]:
    """``(Asset, AssetWatcher)`` for DAGs scheduled by asset watchers (``airflow.sdk`` on every 3.x line;
    common-compat has no ``AssetWatcher``). On Airflow 2 the same ``ImportError`` as
    :func:`base_event_trigger`."""
    base_event_trigger()
    from airflow.sdk import Asset, AssetWatcher

    return Asset, AssetWatcher


__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "PokeReturnValue",
    "XCom",
    "asset_classes",
    "base_event_trigger",
    "conf",
    "mask_secret",
]
