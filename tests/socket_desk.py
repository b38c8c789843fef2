"""The end-to-end desk driven over Socket Mode instead of signed HTTP requests.

`SocketDesk` is the harness's `Desk` with the other transport: the real app connects with the
app-level token (`apps.connections.open` on the Slack fake) to the local Socket Mode server
of tests/fakes/socket_mode.py, and every click, submission, command and event the harness
builds is sent as an envelope on that WebSocket; what the app acknowledges comes back as the
response the HTTP tests read (`.status_code`, `.json()`, `.content`). The Zendesk webhook and
/healthz are still served over HTTP, as in production.

A test module runs its scenarios over both transports by overriding `desk`::

    @pytest.fixture
    def desk(desk_over_both):
        return desk_over_both
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests

from app import create_app, socket_mode_handler
from bot.composition import Runtime, build_runtime, set_runtime
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.socket_mode import Delivery, NoAck, SocketModeServer
from testkit.fakes.zendesk_api import ZendeskFake
from tests.harness import Desk

NO_ACK_STATUS = 408  # what SocketDesk answers when the app never acknowledged the envelope
# Envelopes whose acknowledgement may carry a response payload (Socket Mode docs).
ACCEPTS_PAYLOAD = frozenset({"view_submission", "block_suggestion", "view_closed"})


def envelope_for(body: str, content_type: str) -> tuple[str, dict[str, Any], bool]:
    """(envelope type, payload, accepts_response_payload) of a request Slack would POST."""
    if content_type.startswith("application/json"):
        return "events_api", json.loads(body), False
    form = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in form:
        payload = json.loads(form["payload"])
        return "interactive", payload, payload.get("type") in ACCEPTS_PAYLOAD
    return "slash_commands", form, True


def as_response(delivery: Delivery | None) -> requests.Response:
    """The app's acknowledgement as the HTTP response the tests already read."""
    response = requests.Response()
    if delivery is None:
        response.status_code = NO_ACK_STATUS
        response._content = b""
        return response
    response.status_code = 200
    response._content = json.dumps(delivery.ack).encode() if delivery.ack else b""
    if delivery.ack:
        response.headers["Content-Type"] = "application/json"
    return response


class SocketDesk(Desk):
    """A `Desk` whose Slack traffic travels over Socket Mode."""

    transport = "socket"

    def __init__(self, rt: Runtime, slack: SlackFake, zendesk: ZendeskFake) -> None:
        super().__init__(rt, slack, zendesk)
        self.socket = SocketModeServer().start()
        slack.attach_socket_mode(self.socket)
        app = create_app(rt, listener_executor=self.listeners)
        self.handler = socket_mode_handler(rt, app, ping_interval=1)
        self.handler.connect()
        self.socket.wait_connected()
        self._drop_next = False

    def close(self) -> None:
        # The server goes first: slack_sdk's client holds its receive lock for up to its 3 s
        # receive timeout, so closing it while the connection is still open waits that long.
        self.socket.stop()
        # Its message processor polls its queue once a second until the client is closed: a
        # None (which it skips) after `closed` wakes it now instead of up to a second later.
        client = self.handler.client
        client.closed = True
        client.message_queue.put(None)
        self.handler.close()
        super().close()

    def drop_next_delivery(self) -> None:
        """The next envelope reaches the app, then the connection drops before its ack."""
        self._drop_next = True

    def post_signed(
        self,
        body: str,
        content_type: str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send what Slack would have POSTed as a Socket Mode envelope (no signature: the
        WebSocket itself is authenticated by the app-level token)."""
        kind, payload, accepts = envelope_for(body, content_type)
        retry = (headers or {}).get("X-Slack-Retry-Num")
        drop, self._drop_next = self._drop_next, False
        try:
            delivery: Delivery | None = self.socket.deliver(
                kind,
                payload,
                accepts_response_payload=accepts,
                retry_attempt=int(retry or 0),
                retry_reason=(headers or {}).get("X-Slack-Retry-Reason", ""),
                drop=drop,
            )
        except NoAck:
            delivery = None
        self.listeners.wait_idle()
        return as_response(delivery)


def _desk_settings(request: pytest.FixtureRequest, env: dict[str, str]) -> dict[str, str]:
    """The markers `window` and `env` of tests/conftest.py's `desk`, for this desk too."""
    marker = request.node.get_closest_marker("window")
    if marker:
        env = {**env, "RESOLUTION_WINDOW": marker.args[0]}
    settings = request.node.get_closest_marker("env")
    return {**env, **settings.kwargs} if settings else env


@pytest.fixture(params=["http", "socket"])
def desk_over_both(
    request: pytest.FixtureRequest, desk_env: dict[str, str], slack: SlackFake, zendesk: ZendeskFake
) -> Iterator[Desk]:
    """The running desk, once over signed HTTP and once over Socket Mode."""
    env = _desk_settings(request, desk_env)
    if request.param == "socket":
        env = {**env, "SLACK_APP_TOKEN": slack.app_token}
    rt = build_runtime(env)
    set_runtime(rt)
    running = (
        SocketDesk(rt, slack, zendesk) if request.param == "socket" else Desk(rt, slack, zendesk)
    )
    yield running
    running.close()
    set_runtime(None)
