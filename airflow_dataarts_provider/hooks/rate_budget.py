# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Where a connection's rate budget lives (Airflow glue: reads Airflow's configuration).

``rate_limit_backend`` of the connection: ``local`` keeps the budget in this process; a Redis URL shares
it among every process that uses the same URL; ``auto`` (the default) shares it through the Celery
broker's Redis when the executor is CeleryExecutor on a ``redis://``/``rediss://`` broker, which every
worker and triggerer of such a deployment already reaches, and keeps it local otherwise. Why, and what
happens when Redis is down: docs/performance.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError
from airflow_dataarts_provider.core.protocol.values import RATE_LIMIT_BACKENDS, url_passwords
from airflow_dataarts_provider.transport.budget import redis_available
from airflow_dataarts_provider.version_compat import conf, mask_secret

REDIS_SCHEMES = ("redis", "rediss")


def celery_redis_broker() -> str | None:
    """The Celery broker's URL when this deployment runs CeleryExecutor on Redis, else None."""
    executors = str(conf.get("core", "executor", fallback="") or "")
    if "CeleryExecutor" not in executors:
        return None
    url = str(conf.get("celery", "broker_url", fallback="") or "").strip()
    return url if urlsplit(url).scheme in REDIS_SCHEMES else None


def budget_backend(config: ClientConfig) -> str | None:
    """The Redis URL of the shared budget for ``config``, or None for this process's bucket. Raises
    :class:`DataArtsConfigError` (before any request) for a Redis URL without redis-py installed."""
    setting = config.rate_limit_backend
    limited = config.max_requests_per_second, config.dlf_max_requests_per_second
    if setting == "local" or limited == (None, None):
        return None
    if setting == "auto":
        url = celery_redis_broker()
        if url is None or not redis_available():
            return None
        for secret in url_passwords([url]):
            mask_secret(secret)
        return url
    if not redis_available():
        raise DataArtsConfigError(
            "rate_limit_backend",
            "is a Redis URL but the redis package is not installed here (pip install redis; Airflow's "
            "Celery provider installs it)",
            RATE_LIMIT_BACKENDS,
        )
    return setting
