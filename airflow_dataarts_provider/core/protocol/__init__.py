# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The protocol machinery every API family shares (pure: no I/O, no Airflow): HTTP values and answer bounds,
effects and the one attempt loop, credentials and signing, retry and rate limits, errors and redaction, the
validated configuration, the generic listing walk and the waiting decisions. See the README's architecture
section."""
