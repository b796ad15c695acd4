"""Apache Airflow provider for Huawei Cloud DataArts Studio (DataArts Factory)."""

from __future__ import annotations

__version__ = "0.1.0"
