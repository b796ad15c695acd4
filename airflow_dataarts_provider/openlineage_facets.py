# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The OpenLineage run facet of a DataArts run. Imported only when the OpenLineage client is installed
(with ``apache-airflow-providers-openlineage``), by :mod:`airflow_dataarts_provider.lineage`."""

from __future__ import annotations

from attrs import define
from openlineage.client.facet_v2 import RunFacet


@define
class DataArtsRunFacet(RunFacet):  # type: ignore[misc]
    """The DataArts Factory run behind an Airflow task: a job instance, a PatchData run (its instances)
    or a script instance."""

    runKind: str
    name: str
    instanceIds: list[str]
    status: str
    workspace: str | None
    projectId: str
    region: str
    consoleUrl: str | None

    _additional_skip_redact = ["runKind", "name", "instanceIds", "status", "workspace", "projectId", "region"]
