# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The job-run API family (the V1 DLF job API): values and parsers, calls, flows (start at most once, read,
list, stop, rerun) and the sensor condition."""
