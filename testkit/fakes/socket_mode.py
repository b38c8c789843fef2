"""Slack's side of Socket Mode, served locally: the WebSocket endpoint `apps.connections.open`
hands out, and the envelope protocol spoken over it.

The protocol, as https://docs.slack.dev/apis/events-api/using-socket-mode describes it:

- `apps.connections.open` (app-level token with `connections:write`) returns a one-off
  `wss://` URL; connecting to it, the app first receives `{"type": "hello", ...}`.
- Slack sends envelopes: `{"type": "events_api" | "interactive" | "slash_commands",
  "envelope_id": …, "payload": …, "accepts_response_payload": …}`; Events API envelopes also
  carry `retry_attempt` and `retry_reason`.
- The app acknowledges each one with `{"envelope_id": …}`, adding `"payload": {…}` when the
  envelope accepts a response payload (modal responses, slash command answers, options).
  Slack waits 3 seconds for that acknowledgement.
- An Events API envelope that is not acknowledged is delivered again, with `retry_attempt`
  increased (up to 3 retries, https://docs.slack.dev/apis/events-api/#retries); interactive
  and slash-command envelopes are not: the user sees an error and tries again.
- `{"type": "disconnect", "reason": "warning"}` comes about 10 seconds before Slack refreshes
  a connection, `{"type": "disconnect", "reason": "refresh_requested"}` when it does; the app
  opens a new connection through `apps.connections.open`. `link_disabled` means Socket Mode
  was turned off for the app.

Usage (with the Slack fake, which serves `apps.connections.open` from this server)::

    server = SocketModeServer().start()
    slack.attach_socket_mode(server)
    ack = server.deliver("slash_commands", {...}, accepts_response_payload=True)
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

ACK_TIMEOUT = 3.0  # Slack waits this long for an envelope's acknowledgement
EVENT_RETRIES = 3  # Events API: up to three retries of an unacknowledged event
# docs.slack.dev/reference/methods/apps.connections.open: the method generates a "temporary"
# WebSocket URL, used once; the docs give no lifetime, so 30 s is this fake's own choice (a
# client connects at once, and an old URL is refused like a used one).
TICKET_TTL = 30.0


class NoAck(Exception):
    """The app did not acknowledge an envelope (the connection dropped or it was too slow)."""


@dataclass
class Delivery:
    """One envelope Slack sent and what came back."""

    envelope: dict[str, Any]
    sent_at: float
    ack: dict[str, Any] | None = None
    acked_at: float | None = None

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.sent_at


@dataclass
class _Link:
    connection: ServerConnection
    ticket: str
    opened_at: float = field(default_factory=time.monotonic)
    closed: bool = False


class SocketModeServer:
    """A thread-safe local Socket Mode endpoint (ws://127.0.0.1:<port>)."""

    def __init__(self, app_id: str = "A0SOPORTE", host: str = "127.0.0.1") -> None:
        self.app_id = app_id
        self._host = host
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._tickets: dict[str, float] = {}
        self._links: list[_Link] = []
        self._deliveries: dict[str, Delivery] = {}
        self.connections = 0  # successful connections so far (reconnects included)
        self.refused: list[str] = []  # why connection attempts were refused

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        self._server = serve(self._serve, self._host, 0, ping_interval=None)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode-fake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            for link in self._open_links():
                self._abort(link)
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.socket.getsockname()[1]

    def issue_url(self) -> str:
        """What `apps.connections.open` answers: a URL good for one connection."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets[ticket] = time.monotonic()
        return f"ws://{self._host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- what Slack does -----------------------------------------------------------------------

    def wait_connected(self, connections: int = 1, timeout: float = 15.0) -> None:
        """Wait until the app has connected `connections` times in all and is connected now."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connections < connections or not self._open_links():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"app connected {self.connections} time(s), expected {connections}; "
                        f"refused: {self.refused}"
                    )
                self._cond.wait(left)

    def wait_single_connection(self, timeout: float = 15.0) -> None:
        """Wait until the app holds exactly one open connection (old ones closed)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._open_links()) != 1:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self._open_links())} connections open")
                self._cond.wait(left)

    def wait_settled(self, quiet: float = 0.5, timeout: float = 15.0) -> None:
        """Wait until the app holds one open connection and has opened no other for `quiet`
        seconds: a disconnect that reached two links makes the client reconnect twice."""
        deadline = time.monotonic() + timeout
        while True:
            self.wait_single_connection(max(0.1, deadline - time.monotonic()))
            seen = self.connections
            time.sleep(quiet)
            if self.connections == seen and len(self._open_links()) == 1:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the app kept reconnecting ({self.connections} connections)")

    def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_reason: str = "",
        retry_attempt: int = 0,
        drop: bool = False,
        timeout: float = 30.0,
    ) -> Delivery:
        """Send an envelope on the newest connection and wait for its acknowledgement.

        `drop` cuts the connection right after the envelope left, before any ack can arrive.
        An unacknowledged Events API envelope is delivered again (retry_attempt + 1) once the
        app has reconnected, as Slack does; other kinds raise `NoAck`. `timeout` is how long
        the test waits for an ack at most (Slack's own 3 s show in `Delivery.ack_seconds`)."""
        attempt = retry_attempt
        while True:
            delivery = self._send(kind, payload, accepts_response_payload, attempt, retry_reason)
            if drop:
                self.drop()
                drop = False
            elif self._wait_ack(delivery, timeout):
                return delivery
            if kind != "events_api" or attempt - retry_attempt >= EVENT_RETRIES:
                raise NoAck(f"{kind} envelope {delivery.envelope['envelope_id']} not acknowledged")
            attempt += 1
            retry_reason = "timeout"
            self.wait_connected(self.connections + 1, timeout)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the connected app to reconnect (`warning`, `refresh_requested`, `link_disabled`)."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        )
        for link in self._open_links():
            with contextlib.suppress(ConnectionClosed, OSError):
                link.connection.send(message)

    def drop(self) -> None:
        """Cut every connection at the TCP level, as a network failure does."""
        for link in self._open_links():
            self._abort(link)

    def close_old_connections(self) -> None:
        """After a refresh Slack closes the connections older than the newest one."""
        links = self._open_links()
        for link in links[:-1]:
            with contextlib.suppress(ConnectionClosed, OSError):
                link.connection.close(1001, "refreshed")

    @property
    def deliveries(self) -> list[Delivery]:
        with self._cond:
            return list(self._deliveries.values())

    @property
    def open_connections(self) -> int:
        return len(self._open_links())

    # -- internals ---------------------------------------------------------------------------

    def _open_links(self) -> list[_Link]:
        with self._cond:
            return [link for link in self._links if not link.closed]

    @staticmethod
    def _abort(link: _Link) -> None:
        link.closed = True
        with contextlib.suppress(OSError):
            link.connection.socket.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            link.connection.socket.close()

    def _send(
        self, kind: str, payload: dict[str, Any], accepts: bool, attempt: int, reason: str
    ) -> Delivery:
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = attempt
            envelope["retry_reason"] = reason
        self.wait_connected(1)
        link = self._open_links()[-1]
        delivery = Delivery(envelope, time.monotonic())
        with self._cond:
            self._deliveries[envelope["envelope_id"]] = delivery
        link.connection.send(json.dumps(envelope))
        return delivery

    def _wait_ack(self, delivery: Delivery, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while delivery.acked_at is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
                if delivery.acked_at is None and not self._open_links():
                    return False
        return True

    def _check_ticket(self, path: str) -> str | None:
        query = parse_qs(urlsplit(path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._cond:
            issued = self._tickets.pop(ticket, None)
        if issued is None:
            self.refused.append(f"unknown or reused ticket {ticket!r}")
            return None
        if time.monotonic() - issued > TICKET_TTL:
            self.refused.append(f"ticket {ticket!r} expired")
            return None
        return ticket

    def _serve(self, connection: ServerConnection) -> None:
        ticket = self._check_ticket(connection.request.path if connection.request else "")
        if ticket is None:
            connection.close(1008, "invalid ticket")
            return
        link = _Link(connection, ticket)
        hello = {
            "type": "hello",
            "num_connections": len(self._open_links()) + 1,
            "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        connection.send(json.dumps(hello))
        with self._cond:
            self._links.append(link)
            self.connections += 1
            self._cond.notify_all()
        try:
            for raw in connection:
                self._receive(raw)
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._cond:
                link.closed = True
                self._cond.notify_all()

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._cond:
            delivery = self._deliveries.get(envelope_id or "")
            if delivery is None or delivery.acked_at is not None:
                return
            delivery.ack = message.get("payload") or {}
            delivery.acked_at = time.monotonic()
            self._cond.notify_all()
