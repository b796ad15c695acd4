# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""OpenLineage for the run operators (jobs, PatchData runs, scripts): the DataArts run behind a task, as
the run facets ``dataarts_run`` (:class:`~.openlineage_facets.DataArtsRunFacet`) and ``externalQuery``
(the standard facet for a run in another system). Optional: without
``apache-airflow-providers-openlineage`` nothing is imported and nothing is reported. Read from what the
operator kept in memory while it ran (also after a deferral: ``execute_complete`` keeps it), with no I/O:
OpenLineage's listener may call it in a forked process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def run_lineage(operator: Any, task_instance: Any, *, failed: bool) -> Any:
    """The ``OperatorLineage`` of a run operator's run (its ``lineage_kind``: ``job_instance``,
    ``patch_data`` or ``script_instance``; its ``target()``: the job or script; its ``run_key``: the XCom
    key of the run's id), or None without OpenLineage or when the task started no run."""
    try:
        from airflow.providers.common.compat.openlineage.facet import ExternalQueryRunFacet
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_dataarts_provider.openlineage_facets import DataArtsRunFacet
    except ImportError:
        return None
    facts = operator._run_facts
    if facts is None:
        return None
    outcome = operator._outcome
    result = outcome if isinstance(outcome, Mapping) else {}
    kind = operator.lineage_kind
    instances = [str(i["instance_id"]) for i in result.get("instances", []) if isinstance(i, Mapping)]
    facet = DataArtsRunFacet(
        runKind=kind,
        name=operator.target(),
        instanceIds=instances or ([] if kind == "patch_data" else [facts["run_id"]]),
        status="failed" if failed else str(result.get("status") or "success"),
        workspace=facts["workspace"],
        projectId=facts["project_id"],
        region=facts["region"],
        consoleUrl=facts["url"],
    )
    source = f"dataarts://{facts['region']}/{facts['project_id']}/{facts['workspace'] or ''}"
    return OperatorLineage(
        run_facets={
            "dataarts_run": facet,
            "externalQuery": ExternalQueryRunFacet(externalQueryId=facts["run_id"], source=source),
        }
    )
