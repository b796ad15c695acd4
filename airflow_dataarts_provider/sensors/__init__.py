# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Sensors (poke, reschedule, deferrable): release gates, release packages, job instances."""
