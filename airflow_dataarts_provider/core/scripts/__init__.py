# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""DataArts Factory scripts (the V1 DLF script API, the V2 listing): values, calls, flows, conditions."""
