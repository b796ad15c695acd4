# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""A Redis server for tests: fakeredis's TCP server (an implementation independent of redis-py and of
this provider) on a loopback port, in a thread. The ``redis_server`` fixture (tests/conftest.py) starts one
per test."""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """fakeredis's TCP server on a loopback port, in a thread."""

    def __init__(self, port: int = 0, password: str | None = None) -> None:
        import redis
        from fakeredis import TcpFakeServer

        self.server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        auth = ""
        if password is not None:  # older fakeredis refuse a password the server does not require
            redis.Redis(port=self.port).config_set("requirepass", password)
            auth = f":{password}@"
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
