# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Console links to DataArts Studio (operator extra links and the URLs tasks push to XCom)."""
