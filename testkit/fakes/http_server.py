"""The local HTTP server the fakes run on: one thread per connection, HTTP/1.1 keep-alive,
each request handed to the fake as a `Request` and its `Answer` sent back, held or cut
as the fake's `Faults` say, and every open client connection shut when it stops."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testkit.fakes.faults import Faults


@dataclass
class Request:
    """One HTTP request as it arrived; `answered_at` is set when its answer left (or its
    connection was cut)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)
    answered_at: float | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """The query string, the last value of each name."""
        parsed = parse_qs(urlsplit(self.target).query, keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}

    def header(self, name: str) -> str:
        """A header's value, by case-insensitive name ("" when absent)."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")

    def json(self) -> Any:
        """The body decoded as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Answer:
    """What the fake answers: a JSON body (a `str` body goes as text/plain); `drop` cuts
    the connection unanswered after the request took effect."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakeServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; without this, Nagle holds the body ~40 ms on
    # keep-alive connections until the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self._aborted = False
        self.server.fake.track(self.connection, add=True)

    def finish(self) -> None:
        self.server.fake.track(self.connection, add=False)
        if self._aborted:
            return
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, dict(self.headers), raw)
        answer = self.server.fake.respond(request)
        if answer.drop:
            self._abort()
        else:
            self._send(answer)

    do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def _send(self, answer: Answer) -> None:
        if isinstance(answer.body, str):
            data = answer.body.encode("utf-8")
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(answer.body).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _abort(self) -> None:
        """Reset the TCP connection without writing a single response byte."""
        self._aborted = True
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()


class FakeServer:
    """Serves `handle(request) -> Answer` on 127.0.0.1 (a free port unless `port`), applying
    `faults`' delays and `before` actions around it."""

    def __init__(
        self,
        name: str,
        handle: Callable[[Request], Answer],
        faults: Faults,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.name = name
        self.handle = handle
        self.faults = faults
        self.host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()

    def bind(self) -> None:
        """Bind the port (idempotent)."""
        if self._server is None:
            server = _Server((self.host, self._port), _Handler)
            server.fake = self
            self._server = server
            self._port = server.server_address[1]

    def start(self) -> None:
        """Bind and serve from a daemon thread."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} already started")
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.name,
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self.bind()
        assert self._server is not None
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving, release the port and shut every open client connection."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        if thread is not None:
            server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)

    @property
    def started(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port (0 before `bind`)."""
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def respond(self, request: Request) -> Answer:
        for action in self.faults.actions_before(request):
            action()
        answer = self.handle(request)
        pause = self.faults.hold_for(request)
        if pause > 0:
            time.sleep(pause)
        request.answered_at = time.time()
        return answer
