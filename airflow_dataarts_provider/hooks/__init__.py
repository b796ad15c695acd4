# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The Airflow hook: :class:`~airflow_dataarts_provider.hooks.dataarts.DataArtsHook`, one mixin per API
family (pending items, release packages, job runs, PatchData, scripts) over a shared base."""
