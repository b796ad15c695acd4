# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Operators: list pending items, package and deploy releases, run jobs, PatchData and scripts."""
