# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""What the test suites share, in one place (tests/ is on ``sys.path``: ``from helpers.hooks import ...``).

- ``hooks``: connections to an emulator, hooks with a visible logger, request counters, waiting for a
  condition, item multisets (every suite builds on these);
- ``reliability``: the reliability suites' faster connection profile, flows driven with canned answers;
- ``release``: release packages made through a hook, a settable release clock, DAG runs of test DAGs;
- ``sdk``: the official Huawei SDK's client and signer pointed at an emulator (the independent oracle);
- ``runs``: an operator executed while another thread kills it, as Airflow does;
- ``redis_server``: fakeredis's TCP server on loopback.
"""
