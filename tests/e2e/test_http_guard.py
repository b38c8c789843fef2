"""The guard in front of Bolt: junk gets a quiet 4xx, nothing is parsed before the signature
holds, and no refused body reaches a log line."""

from __future__ import annotations

import json
import logging
import socket
import time
from urllib.parse import urlencode, urlsplit

import pytest
import requests

import app
from blocks import ids
from bot.adapters import http_guard
from tests.harness import AGENT, Desk, click_payload, signed_headers

FORM = "application/x-www-form-urlencoded"


def raw_request(desk: Desk, head: str, body: bytes = b"", wait: float = 5.0) -> str:
    """Send bytes as they are (a client that lies about its body) and read the answer."""
    host, port = urlsplit(desk.url).hostname, urlsplit(desk.url).port
    with socket.create_connection((host, port), timeout=wait) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
    return b"".join(chunks).decode("latin-1")


def webhook_head(desk: Desk, length: str) -> str:
    port = urlsplit(desk.url).port
    return (
        f"POST /zendesk/webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
    )


def signed_post(desk: Desk, body: str, content_type: str = FORM, **kwargs) -> requests.Response:
    return requests.post(
        f"{desk.url}/slack/events",
        data=body.encode(),
        headers=signed_headers(body, content_type, **kwargs),
        timeout=10,
    )


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "٣"])
def test_a_webhook_with_a_bad_content_length_gets_400(desk: Desk, length: str) -> None:
    answer = raw_request(desk, webhook_head(desk, length), b'{"ticket_id": 1}')
    assert answer.startswith("HTTP/1.0 400") or answer.startswith("HTTP/1.1 400"), answer


def test_a_webhook_whose_body_never_arrives_gets_408_and_frees_its_thread(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_guard, "READ_TIMEOUT", 1.0)
    monkeypatch.setattr(app._QuietHandler, "timeout", 1.0)
    started = time.monotonic()
    answer = raw_request(desk, webhook_head(desk, "100"), b'{"ticket', wait=10)
    assert " 408 " in answer.split("\r\n")[0], answer
    assert time.monotonic() - started < 5


def test_bodies_over_the_limit_are_refused_before_they_are_read(desk: Desk) -> None:
    head = webhook_head(desk, str(http_guard.MAX_BODY + 1))
    answer = raw_request(desk, head, b"x" * 1000)
    assert " 413 " in answer.split("\r\n")[0], answer


def test_junk_at_the_slack_url_gets_4xx_without_a_traceback(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    unsigned = requests.post(
        f"{desk.url}/slack/events", data=b"payload=%7Bnot-json", headers={"Content-Type": FORM}
    )
    assert unsigned.status_code == 401
    assert signed_post(desk, "payload=%7Bnot-json").status_code == 400
    shapes = [
        {"type": "block_actions", "user": {"id": AGENT}, "actions": []},
        {"type": "block_actions", "user": {"id": AGENT}, "actions": [{"value": "1"}]},
        {
            "type": "view_submission",
            "user": {"id": AGENT},
            "view": {"callback_id": ids.View.UNSUPPORTED, "state": "x"},
        },
        {"type": "view_submission", "user": "U1", "view": {"callback_id": "x"}},
        ["not", "an", "object"],
    ]
    for shape in shapes:
        answer = signed_post(desk, urlencode({"payload": json.dumps(shape)}))
        assert answer.status_code == 400, shape
    assert signed_post(desk, '{"type": "event_callback"}', "application/json").status_code == 400
    assert signed_post(desk, "neither=this", FORM).status_code == 400
    assert requests.get(f"{desk.url}/slack/events").status_code == 405
    assert requests.post(f"{desk.url}/nowhere", data=b"x").status_code == 404
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_a_refused_request_never_logs_its_body(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    """A stale click (Slack's five minutes are over) is refused, and neither its
    response_url nor anything else of its body appears in any log record."""
    caplog.set_level(logging.DEBUG)
    tid = desk.new_ticket()
    desk.intake()
    secret_url = desk.slack.response_url("stale-click-RESPONSE-URL-7Q")
    payload = click_payload(
        ids.Action.SPAM, tid, AGENT, "C0AGENTS01", "1.0", trigger_id="9.9", response_url=secret_url
    )
    body = urlencode({"payload": json.dumps(payload)})
    stale = signed_post(desk, body, timestamp=int(time.time()) - 400)
    forged = signed_post(desk, body, secret="not-the-secret")
    assert (stale.status_code, forged.status_code) == (401, 401)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RESPONSE-URL-7Q" not in logged and "stale-click" not in logged
    assert "refused POST /slack/events" in logged
