"""Imports that differ between Airflow 2.11 and Airflow 3.x, in one place."""

from __future__ import annotations

from airflow import __version__ as _airflow_version
from packaging.version import Version

AIRFLOW_V_3_0_PLUS = Version(Version(_airflow_version).base_version) >= Version("3.0.0")

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import (
        BaseHook,
        BaseOperator,
        BaseOperatorLink,
        BaseSensorOperator,
        PokeReturnValue,
        conf,
    )
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )
    from airflow.sdk.execution_time.xcom import XCom
    from airflow.sdk.log import mask_secret
else:  # pragma: no cover - exercised by the Airflow 2.11 test run
    from airflow.configuration import conf  # type: ignore[no-redef,attr-defined,assignment,misc,unused-ignore]
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined,assignment,misc,unused-ignore]
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef,attr-defined,assignment,misc,unused-ignore]
    from airflow.models import (  # type: ignore[no-redef,attr-defined,assignment,misc,unused-ignore]
        BaseOperator,
        BaseOperatorLink,
        XCom,
    )
    from airflow.sensors.base import (  # type: ignore[no-redef,attr-defined,assignment,misc,unused-ignore]
        BaseSensorOperator,
        PokeReturnValue,
    )
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef,attr-defined,assignment,misc,unused-ignore]

__all__ = [
    "AIRFLOW_V_3_0_PLUS",
    "AirflowException",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "PokeReturnValue",
    "XCom",
    "conf",
    "mask_secret",
]
