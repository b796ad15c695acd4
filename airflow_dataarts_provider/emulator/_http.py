# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The HTTP plumbing: a threading server whose handler turns each request into a :class:`~._common.Request`,
asks the emulator for the :class:`~._common.Response` and writes it (or drops the connection)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ._common import Request, Response

if TYPE_CHECKING:
    from .server import Emulator


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], emulator: Emulator
    ) -> None:
        self.request_queue_size = emulator.config.request_queue_size
        self.emulator = emulator
        super().__init__(address, handler)


def _decode_header_value(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate sends: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server_version = "DataArtsEmulator/1.0"
    sys_version = ""
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr logging (the emulator keeps its own request log)."""

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        body = b""
        if length:
            try:
                body = self.rfile.read(int(length))
            except ValueError:
                body = b""
        raw_path, _, raw_query = self.path.partition("?")
        headers: dict[str, str] = {}
        names: list[str] = []
        for name, value in self.headers.items():
            names.append(name)
            headers.setdefault(name.lower(), _decode_header_value(value))
        req = Request(self.command, raw_path, raw_query, headers, names, body)
        resp = self.server.emulator.handle(req)
        if resp.drop:
            self.close_connection = True
            return
        try:
            self._write(resp)
        except OSError:  # the client left (a bounded read, a deadline): nothing more to send
            self.close_connection = True

    def _write(self, resp: Response) -> None:
        headers = {"Content-Type": resp.content_type}
        if resp.stream is None:
            headers["Content-Length"] = str(len(resp.body))
        else:
            headers["Transfer-Encoding"] = "chunked"
        headers.update((k, v) for k, v in resp.headers.items() if k.lower() != "content-type")
        if resp.header_delay > 0:  # the status line and headers, one byte at a time
            self.log_request(resp.status)
            lines = [f"HTTP/1.1 {resp.status} {self.responses.get(resp.status, ('Error',))[0]}"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
            for index in range(len(head)):
                if self.server.emulator.stopping(resp.header_delay):
                    self.close_connection = True
                    return
                self.wfile.write(head[index : index + 1])
                self.wfile.flush()
        else:
            self.send_response(resp.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
        if self.command == "HEAD":
            return
        if resp.stream is None:
            self.wfile.write(resp.body)
            return
        for chunk in resp.stream:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_PATCH = _serve
    do_HEAD = _serve
