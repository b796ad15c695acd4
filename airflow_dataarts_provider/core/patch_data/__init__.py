# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""PatchData (supplement data) runs: backfill a scheduled job over a date range (V2 factory API)."""
