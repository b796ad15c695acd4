# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""`make e2e`: real deployments of the provider (docs/e2e.md). Run as ``python -m scripts.e2e``
(`__main__`); `harness`, `services` and `deployment` are shared by the LocalExecutor stages (`local`), the
CeleryExecutor ones (`celery`, with `fleet`) and the release-event stage (`events`)."""
