"""A real HTTP receiver on 127.0.0.1 whose answers a test scripts."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted reply, then with ``default``."""

    port: int = 0
    script: deque[tuple[str, Any]] = field(default_factory=deque)
    default: tuple[str, Any] = ("status", 200)
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                receiver.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
                kind, value = receiver.script.popleft() if receiver.script else receiver.default
                if kind == "hang":
                    time.sleep(value)
                    value = 200
                if kind == "trickle":  # ("trickle", (bytes, seconds)): 200, a byte at a time
                    payload, pause = value
                    self.send_response(200)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    for byte in payload:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(pause)
                    return
                if kind == "huge":  # ("huge", megabytes): 200 and that much body
                    self.send_response(200)
                    self.send_header("content-length", str(value * 1024 * 1024))
                    self.end_headers()
                    block = b"x" * (1024 * 1024)
                    try:
                        for _ in range(value):
                            self.wfile.write(block)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the worker read what it wanted and hung up
                    return
                extra: dict[str, str] = {}
                payload = b"ok"
                if kind == "body":  # ("body", (status, bytes)): any bytes, NUL included
                    value, payload = value
                elif isinstance(value, tuple):
                    value, extra = value
                self.send_response(value)
                for name, header in extra.items():
                    self.send_header(name, header)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
