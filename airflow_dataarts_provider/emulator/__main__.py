"""``python -m airflow_dataarts_provider.emulator``: same as the ``dataarts-emulator`` command."""

import sys

from .cli import main

sys.exit(main())
