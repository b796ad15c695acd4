# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The sync transport resolves environment proxy and CA settings once per origin, like requests would."""

from __future__ import annotations

import pytest

from airflow_dataarts_provider.transport.sync import SyncTransport


def test_environment_proxies_and_no_proxy_are_honoured_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "169.254.169.254,localhost")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    transport = SyncTransport(timeout=(1, 1))
    proxies, verify = transport._settings("https://dayu.cn-north-4.myhuaweicloud.com/v2/x?limit=1")
    assert proxies.get("https") == "http://proxy.example:3128" and verify is True
    metadata, _ = transport._settings("http://169.254.169.254/openstack/latest/securitykey")
    assert "http" not in metadata and "https" not in metadata  # NO_PROXY: direct
    monkeypatch.setenv("HTTPS_PROXY", "http://changed.example:1")
    again, _ = transport._settings("https://dayu.cn-north-4.myhuaweicloud.com/v2/y")
    assert again == proxies  # resolved once per origin, not per request


def test_connection_proxies_win_and_ca_bundle_env_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    transport = SyncTransport(timeout=(1, 1), proxies={"https": "http://conn.example:8080"})
    proxies, verify = transport._settings("https://dayu.cn-north-4.myhuaweicloud.com/")
    assert proxies["https"] == "http://conn.example:8080"
    assert verify == "/etc/ssl/certs/ca-certificates.crt"
    explicit = SyncTransport(timeout=(1, 1), verify=False)
    assert explicit._settings("https://dayu.cn-north-4.myhuaweicloud.com/")[1] is False
