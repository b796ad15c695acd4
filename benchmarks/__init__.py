# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Benchmarks of the provider (see benchmarks/README.md); run them with ``make bench``."""
