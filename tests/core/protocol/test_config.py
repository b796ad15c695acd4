# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

from typing import Any

import pytest

from airflow_dataarts_provider.core.protocol.config import ClientConfig
from airflow_dataarts_provider.core.protocol.enums import AuthType, OffsetMode
from airflow_dataarts_provider.core.protocol.errors import DataArtsConfigError

PID = "0833a5737480d53b2f25c010dc1a7b88"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
BASE: dict[str, Any] = {"region": "cn-north-4", "project_id": PID}


def make(
    host: str | None = None, login: str | None = "AKTEST", password: str | None = SK, **extra: Any
) -> ClientConfig:
    return ClientConfig.from_connection(host, login, password, {**BASE, **extra})


def bad(field: str, *args: Any, **kwargs: Any) -> DataArtsConfigError:
    with pytest.raises(DataArtsConfigError) as info:
        make(*args, **kwargs)
    assert info.value.field == field, str(info.value)
    return info.value


def test_defaults() -> None:
    cfg = make()
    assert cfg.endpoint == "https://dayu.cn-north-4.myhuaweicloud.com"
    assert cfg.host == "dayu.cn-north-4.myhuaweicloud.com"
    assert cfg.auth_type is AuthType.AKSK
    assert cfg.ak == "AKTEST" and cfg.sk == SK
    assert cfg.offset_mode is OffsetMode.AUTO
    assert cfg.time_format == "epoch_ms"
    assert cfg.timeout == (10.0, 60.0)
    assert cfg.verify is True
    assert (cfg.max_attempts, cfg.max_retry_wait, cfg.backoff_initial, cfg.backoff_max) == (
        5,
        120.0,
        1.0,
        30.0,
    )
    assert cfg.max_requests_per_second == 10.0
    assert cfg.workspace is None
    assert cfg.unknown_extras == ()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("dayu.eu-west-101.myhuaweicloud.eu", "https://dayu.eu-west-101.myhuaweicloud.eu"),
        ("https://DAYU.example.com:443/", "https://dayu.example.com"),
        ("https://dayu.example.com:8443", "https://dayu.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.5.0.1", "http://127.5.0.1"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_endpoint_normalised(host: str, expected: str) -> None:
    assert make(host).endpoint == expected


@pytest.mark.parametrize(
    "host",
    [
        "http://dayu.cn-north-4.myhuaweicloud.com",
        "http://10.0.0.1:8080",
        "https://user:pw@dayu.example.com",
        "https://dayu.example.com/prefix",
        "https://dayu.example.com?x=1",
        "https://dayu.example.com#frag",
        "ftp://dayu.example.com",
        "https://dayu.example.com:99999",
        "https://dáyu.example.com",
        "https://dayu example.com",
        "https://dayu.example.com\r\n",
        "https://-bad-.example.com",
    ],
)
def test_endpoint_rejected(host: str) -> None:
    bad("host", host)


def test_port_argument() -> None:
    cfg = ClientConfig.from_connection("http://127.0.0.1", "AK", SK, BASE, port=8080)
    assert cfg.endpoint == "http://127.0.0.1:8080"
    with pytest.raises(DataArtsConfigError):
        ClientConfig.from_connection("http://127.0.0.1:9000", "AK", SK, BASE, port=8080)
    # The https port with the region's default endpoint (what Airflow 3.3.2's Test button needs stored).
    assert ClientConfig.from_connection(None, "AK", SK, BASE, port=443).endpoint == (
        ClientConfig.from_connection(None, "AK", SK, BASE).endpoint
    )
    assert ClientConfig.from_connection("https://dayu.example.com", "AK", SK, BASE, port=443).endpoint == (
        "https://dayu.example.com"
    )
    with pytest.raises(DataArtsConfigError, match=r"'port': 8443 is set but host is empty.*443, or a host"):
        ClientConfig.from_connection(None, "AK", SK, BASE, port=8443)


@pytest.mark.parametrize(
    "region",
    [
        "",
        "CN-north-4",
        "cn",
        "cn-north-4/",
        "cn-north-4#",
        "cn@x",
        "cn-..",
        "cn north",
        "cn-north-4\n",
        "cn-北-4",
    ],
)
def test_region_rejected(region: str) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        ClientConfig.from_connection(None, "AK", SK, {**BASE, "region": region})
    assert info.value.field == "region"
    assert "cn-north-4" in (info.value.allowed or "")


@pytest.mark.parametrize(
    "pid", [None, "0833A5737480D53B2F25C010DC1A7B88", "0833a5737480d53b2f25c010dc1a7b8", "g" * 32]
)
def test_project_id_rejected(pid: str | None) -> None:
    with pytest.raises(DataArtsConfigError) as info:
        ClientConfig.from_connection(None, "AK", SK, {**BASE, "project_id": pid})
    assert info.value.field == "project_id"
    assert "32" in (info.value.allowed or "")


def test_workspace_and_override() -> None:
    assert make(workspace="ws123").workspace == "ws123"
    cfg = ClientConfig.from_connection(
        None, "AK", SK, {**BASE, "workspace": "ws1"}, workspace_override="a" * 32
    )
    assert cfg.workspace == "a" * 32
    bad("workspace", workspace="ws 1")
    bad("workspace", workspace="w" * 65)


def test_aksk_validation() -> None:
    bad("login", login=None)
    bad("login", login="AK SK")
    bad("password", password=None)
    err = bad("password", password="has space")
    assert "has space" not in str(err)  # never echo a secret
    cfg = make(security_token="TOKENVALUE")
    assert cfg.security_token == "TOKENVALUE"
    bad("security_token", security_token="bad token")


def test_token_mode() -> None:
    cfg = make(login="iam-user", password="p@ss word", auth_type="TOKEN", domain_name="my-account")
    assert cfg.auth_type is AuthType.TOKEN
    assert cfg.username == "iam-user" and cfg.password == "p@ss word"
    assert cfg.iam_endpoint == "https://iam.cn-north-4.myhuaweicloud.com"
    assert cfg.ak is None
    cfg2 = make(
        login="u",
        password="p",
        auth_type="token",
        domain_name="d",
        iam_endpoint="https://iam.myhuaweicloud.com",
    )
    assert cfg2.iam_endpoint == "https://iam.myhuaweicloud.com"
    bad("domain_name", login="u", password="p", auth_type="token")
    bad(
        "iam_endpoint",
        login="u",
        password="p",
        auth_type="token",
        domain_name="d",
        iam_endpoint="http://iam.x.com",
    )


def test_agency_mode() -> None:
    cfg = make(login=None, password=None, auth_type="agency")
    assert cfg.metadata_url == "http://169.254.169.254/openstack/latest/securitykey"
    cfg2 = make(login=None, password=None, auth_type="agency", metadata_url="http://127.0.0.1:8000/sk")
    assert cfg2.metadata_url == "http://127.0.0.1:8000/sk"
    bad("metadata_url", login=None, password=None, auth_type="agency", metadata_url="http://evil.com/sk")
    bad("login", auth_type="agency")


def test_misplaced_extra_and_bad_auth_type() -> None:
    bad("domain_name", domain_name="acct")
    err = bad("auth_type", auth_type="oauth")
    assert "aksk" in (err.allowed or "") and "agency" in (err.allowed or "")


def test_uri_form_strings() -> None:
    cfg = make(
        timeout="[5, 30]",
        verify="false",
        max_attempts="3",
        max_retry_wait="60",
        backoff_initial="0.5",
        backoff_max="10",
        max_requests_per_second="2.5",
        proxies='{"https": "http://proxy.local:3128"}',
        offset_mode="RECORD",
        time_format="epoch_s",
    )
    assert cfg.timeout == (5.0, 30.0)
    assert cfg.verify is False
    assert cfg.max_attempts == 3
    assert (cfg.max_retry_wait, cfg.backoff_initial, cfg.backoff_max) == (60.0, 0.5, 10.0)
    assert cfg.max_requests_per_second == 2.5
    assert dict(cfg.proxies) == {"https": "http://proxy.local:3128"}
    assert cfg.offset_mode is OffsetMode.RECORD
    assert cfg.time_format == "epoch_s"
    assert make(timeout=7).timeout == (7.0, 7.0)
    assert make(verify="/etc/ssl/ca.pem").verify == "/etc/ssl/ca.pem"
    assert make(verify=True).verify is True


@pytest.mark.parametrize("value", [0, "0", None])
def test_rate_limit_disable(value: object) -> None:
    assert make(max_requests_per_second=value).max_requests_per_second is None


@pytest.mark.parametrize("value", ["", "  "])
def test_rate_limit_empty_form_field_keeps_the_default(value: str) -> None:
    # A cleared UI field must not silently remove the documented 10 requests/s limit.
    assert make(max_requests_per_second=value).max_requests_per_second == 10.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timeout", 0),
        ("timeout", "[1, 2, 3]"),
        ("timeout", "fast"),
        ("timeout", True),
        ("timeout", "nan"),
        ("timeout", 7200),
        ("verify", "maybe\n"),
        ("verify", 1),
        ("proxies", "not json"),
        ("proxies", '{"https": "ftp://x"}'),
        ("max_attempts", 0),
        ("max_attempts", "2.5"),
        ("max_attempts", True),
        ("max_retry_wait", -1),
        ("backoff_initial", "x"),
        ("max_requests_per_second", -1),
        ("max_requests_per_second", 1000),
        ("offset_mode", "pages"),
        ("time_format", "unix"),
    ],
)
def test_extras_rejected(field: str, value: object) -> None:
    err = bad(field, **{field: value})
    assert err.allowed


def test_backoff_max_below_initial() -> None:
    bad("backoff_max", backoff_initial=10, backoff_max=5)


def test_unknown_extras_kept_for_warning() -> None:
    cfg = make(regoin="x", max_attempt=3)
    assert cfg.unknown_extras == ("max_attempt", "regoin")


def test_repr_and_secrets_hide_credentials() -> None:
    cfg = make(security_token="SECTOKEN123", proxies={"https": "http://bob:proxypw@proxy:3128"})
    text = repr(cfg) + str(cfg)
    for secret in (SK, "SECTOKEN123", "proxypw"):
        assert secret not in text
    assert "AKTEST" in text
    assert set(cfg.secrets()) >= {SK, "SECTOKEN123", "proxypw"}
    tok = make(login="u", password="hunter2pw", auth_type="token", domain_name="d")
    assert "hunter2pw" not in repr(tok)
    assert tok.secrets() == ["hunter2pw"]


def test_config_is_frozen_and_hashable() -> None:
    cfg = make()
    with pytest.raises(AttributeError):
        cfg.sk = "x"  # type: ignore[misc]
    assert hash(cfg) == hash(make())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "auto"),
        ("", "auto"),
        ("AUTO", "auto"),
        (" local ", "local"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("rediss://:pw@redis.internal:6380/2", "rediss://:pw@redis.internal:6380/2"),
        ("unix:///run/redis/redis.sock", "unix:///run/redis/redis.sock"),
    ],
)
def test_rate_limit_backend(value: object, expected: str) -> None:
    assert make(rate_limit_backend=value).rate_limit_backend == expected


@pytest.mark.parametrize(
    "value",
    ["memcached://cache:11211", "http://redis:6379", "redis://", "everywhere", 3, "redis://:pw@h:port"],
)
def test_rate_limit_backend_rejected_without_echoing_a_password(value: object) -> None:
    err = bad("rate_limit_backend", rate_limit_backend=value)
    assert "auto, local, or a Redis URL" in str(err)
    assert ":pw@" not in str(err)


def test_rate_limit_backend_password_is_a_secret() -> None:
    cfg = make(rate_limit_backend="redis://worker:s3cr%40t@redis:6379/0")
    assert "s3cr" not in repr(cfg)
    assert {"s3cr%40t", "s3cr@t"} <= set(cfg.secrets())
