# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The client's process-wide state, with one owner: :data:`STATE`.

Everything a process remembers between calls lives here, and nowhere else in the core:

- ``credentials``: IAM tokens and agency keys per identity (:class:`~.auth.CredentialCache`);
- ``metadata_sessions``: the metadata service's session tokens (:class:`~.auth.MetadataSessions`);
- ``limiters``: the rate buckets per (endpoint, identity) (:class:`~.ratelimit.Limiters`);
- ``offset_semantics``: how ``offset`` advances, learned per (endpoint, project, listing kind);
- ``page_sizes``: the largest page a listing accepts, learned per (endpoint, project, listing kind).

:meth:`ProcessState.reset` forgets all of it (a new process starts so; tests call it between cases). The
transports keep their own I/O clients (``transport.budget.reset()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from airflow_dataarts_provider.core.protocol.auth import CredentialCache, MetadataSessions
from airflow_dataarts_provider.core.protocol.pagination_terms import OffsetSemantics
from airflow_dataarts_provider.core.protocol.ratelimit import Limiters


@dataclass
class ProcessState:
    """What the client of this process remembers; see the module docstring."""

    credentials: CredentialCache = field(default_factory=CredentialCache)
    metadata_sessions: MetadataSessions = field(default_factory=MetadataSessions)
    limiters: Limiters = field(default_factory=Limiters)
    offset_semantics: dict[tuple[str, str, str], OffsetSemantics] = field(default_factory=dict)
    page_sizes: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget everything (credentials, sessions, buckets, learned paging)."""
        self.credentials.clear()
        self.metadata_sessions.clear()
        self.limiters.clear()
        self.offset_semantics.clear()
        self.page_sizes.clear()


STATE = ProcessState()
