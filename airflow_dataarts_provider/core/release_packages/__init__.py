# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The release-package API family (package pending items, list, detail, deploy, cancel): values and parsers,
calls, flows (at most once), the release watch of the event trigger, and the sensor condition."""
