# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The pure core: ``protocol/`` (the machinery every API family shares: configuration, calls as plain data,
signing, the one attempt loop, retries, rate limits, errors, paging, waiting decisions, the process state)
and one subpackage per API family (``pending_items/``, ``release_packages/``, ``job_runs/``), each holding
its values and parsers, calls, flows and sensor conditions.

Nothing in this package performs I/O or imports Airflow; transports and hooks sit on top of it (the
README's architecture section is the map).
"""
