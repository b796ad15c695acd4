"""Imports that differ between Airflow 2.11 and Airflow 3.x, in one place."""

from __future__ import annotations

from airflow import __version__ as _airflow_version
from packaging.version import Version

AIRFLOW_V_3_0_PLUS = Version(Version(_airflow_version).base_version) >= Version("3.0.0")

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import BaseHook
    from airflow.sdk.log import mask_secret
else:  # pragma: no cover - exercised by the Airflow 2.11 test run
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef,attr-defined,unused-ignore]

__all__ = ["AIRFLOW_V_3_0_PLUS", "BaseHook", "mask_secret"]
