# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pending-items API family (``GET /v2/{project_id}/factory/pending-items``): filter values, the call
and its page parser, the release gate (what a gate watches and the cheapest query plan), its flows and its
sensor condition."""
