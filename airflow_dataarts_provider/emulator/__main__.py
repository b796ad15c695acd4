# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""``python -m airflow_dataarts_provider.emulator``: same as the ``dataarts-emulator`` command."""

import sys

from .cli import main

sys.exit(main())
