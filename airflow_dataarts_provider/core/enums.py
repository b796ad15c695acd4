"""Enumerations and limits of the DataArts Factory API and of the provider's connection settings.
(Imported at DAG-parse time: keep it free of imports.)"""

from __future__ import annotations

from enum import Enum, IntEnum

#: The API's page-size maximum (pending items; release packages accept it or fall back, see listing).
PAGE_SIZE_MAX = 100


class TaskType(IntEnum):
    """``task_type`` of a pending item / release-package detail."""

    JOB = 1
    SCRIPT = 2
    RESOURCE = 3  # only seen in release-package details


class UpdateType(IntEnum):
    """``update_type`` of a pending item."""

    ADD = 1
    MODIFY = 2
    DELETE = 3


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
