"""Test-session setup shared by every test directory.

Airflow reads its configuration on first import, so a throwaway AIRFLOW_HOME is set here, before any
test module imports airflow.
"""

from __future__ import annotations

import os
import tempfile

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="dataarts-test-airflow-home-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

# `dataarts_emulator` and `dataarts_emulator_factory`: a real emulator on an ephemeral loopback port.
pytest_plugins = ["airflow_dataarts_provider.emulator.pytest_plugin"]
