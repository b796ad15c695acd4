# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Enumerations and limits of the protocol machinery: the page-size maximum, authentication types, offset
modes. (Imported at DAG-parse time: keep it free of imports.)"""

from __future__ import annotations

from enum import Enum

#: The API's page-size maximum (pending items; release packages accept it or fall back, see listing).
PAGE_SIZE_MAX = 100


class AuthType(str, Enum):
    """How the hook authenticates: static or temporary AK/SK, IAM password token, ECS/CCE agency."""

    AKSK = "aksk"
    TOKEN = "token"  # noqa: S105 - an enum value, not a secret
    AGENCY = "agency"

    def __str__(self) -> str:
        return self.value


class OffsetMode(str, Enum):
    """How ``offset`` advances: by page number, by record count, or detected automatically."""

    AUTO = "auto"
    PAGE = "page"
    RECORD = "record"

    def __str__(self) -> str:
        return self.value
