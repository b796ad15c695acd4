# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Triggers: the one waiting loop (``base``), the asset watchers' loop (``watch``) and event triggers
(``events``), and the listings shared by a workspace's triggers (``shared``, ``job_feed``)."""
