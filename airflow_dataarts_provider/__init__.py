# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Apache Airflow provider for Huawei Cloud DataArts Studio (DataArts Factory)."""

from __future__ import annotations

__version__ = "0.1.0"
