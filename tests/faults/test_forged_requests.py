"""Forged or stale requests change nothing: not one Redis write, no outbound call.

The e2e suite already shows the 401s for clicks and webhooks; here every Slack request kind
(a button click, a modal submission, the slash command) gets all four forgeries, and the
proof of "nothing happened" is Redis's own change counter plus a DUMP of every key.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from blocks import ids
from bot.domain.lifecycle import State
from testkit.desk_process import PreparedRequest
from testkit.fakes.zendesk_api import webhook_headers
from tests.harness import AGENT, OTHER_AGENT, WEBHOOK_SECRET, Desk, text_value
from tests.support.concurrency import prepare, redis_state
from tests.support.flows import carded_ticket

WRONG_SECRET = "not-the-signing-secret"


def _without_signature(request: PreparedRequest) -> PreparedRequest:
    headers = {
        k: v
        for k, v in request.headers.items()
        if k not in ("X-Slack-Signature", "X-Slack-Request-Timestamp")
    }
    return PreparedRequest(request.url, request.data, headers)


def _edited(request: PreparedRequest, old: bytes, new: bytes) -> PreparedRequest:
    assert old in request.data
    return PreparedRequest(request.url, request.data.replace(old, new), request.headers)


def _forgeries(desk: Desk, send, edit: tuple[bytes, bytes]) -> dict[str, PreparedRequest]:
    """The four forgeries of one request; `send(**kwargs)` is the Desk call that makes it."""
    valid = prepare(send)
    return {
        "bad signature": prepare(send, secret=WRONG_SECRET),
        "missing headers": _without_signature(valid),
        "timestamp 6 minutes old": prepare(send, timestamp=int(time.time()) - 360),
        "body edited after signing": _edited(valid, *edit),
    }


def test_forged_slack_requests_write_nothing_and_call_nobody(desk: Desk) -> None:
    """Bad signature, missing headers, a timestamp 6 minutes old and a body
    edited after signing, for a click, a modal submission and /soporte: each gets 401,
    Redis records no write at all, and neither fake Slack nor fake Zendesk is called."""
    spam_tid = carded_ticket(desk)
    modal_tid = carded_ticket(desk, email="otra@example.com")
    desk.click(ids.Action.UNSUPPORTED, modal_tid)  # the agent has the modal open
    desk.run_jobs()
    view = desk.opened_view()
    reply = {ids.Block.REPLY: text_value("No es un producto nuestro.")}

    forged = {
        f"click: {kind}": request
        for kind, request in _forgeries(
            desk,
            lambda **kw: desk.click(ids.Action.SPAM, spam_tid, **kw),
            (AGENT.encode(), OTHER_AGENT.encode()),
        ).items()
    }
    forged |= {
        f"view_submission: {kind}": request
        for kind, request in _forgeries(
            desk,
            lambda **kw: desk.submit(view, reply, **kw),
            (b"nuestro", b"NUESTRO"),
        ).items()
    }
    forged |= {
        f"slash command: {kind}": request
        for kind, request in _forgeries(
            desk, lambda **kw: desk.command("estado", **kw), (b"text=estado", b"text=ayuda")
        ).items()
    }
    valid_click = prepare(desk.click, ids.Action.SPAM, spam_tid)
    valid_submit = prepare(desk.submit, view, reply)
    valid_command = prepare(desk.command, "estado")

    desk.zendesk.reset_requests()
    slack_calls = len(desk.slack.calls)
    before = redis_state(desk.rt.redis)

    for kind, request in forged.items():
        response = request.send()
        assert response.status_code == 401, kind
    desk.listeners.wait_idle()
    time.sleep(0.2)  # a listener the app wrongly started would have had time to write

    after = redis_state(desk.rt.redis)
    assert after[0] == before[0], "Redis counted a write"
    assert len(after[1]) == len(before[1]), "DBSIZE changed"
    assert after == before, "a key changed"
    assert desk.slack.calls[slack_calls:] == []
    assert desk.slack.responses() == []
    assert desk.zendesk.requests == []
    assert [queue.count for queue in desk.rt.worker_queues()] == [0, 0]

    # the very same requests, correctly signed, are accepted: the refusals were the signature's
    assert valid_click.send().status_code == 200
    submitted = valid_submit.send()
    assert submitted.status_code == 200 and not submitted.content
    command = valid_command.send()
    assert command.status_code == 200
    assert command.json()["response_type"] == "ephemeral" and command.json()["text"]
    desk.listeners.wait_idle()
    assert redis_state(desk.rt.redis)[0] > after[0]
    desk.run_jobs()
    assert desk.case(spam_tid).case.state is State.SPAM
    assert desk.case(modal_tid).case.state is State.AWAITING_CONFIRMATION


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    "forgery", ["bad signature", "missing headers", "stale timestamp", "body edited"]
)
def test_forged_zendesk_webhook_writes_nothing(desk: Desk, forgery: str) -> None:
    """A webhook whose signature does not verify gets 401 and Redis
    records no write at all; nothing is asked of Zendesk or Slack."""
    tid = desk.new_ticket()
    body = json.dumps({"ticket_id": tid}).encode()
    now = datetime.now(UTC)
    headers = webhook_headers(WEBHOOK_SECRET, body, _stamp(now))
    if forgery == "bad signature":
        headers = webhook_headers("not-the-secret", body, _stamp(now))
    elif forgery == "missing headers":
        headers = {"Content-Type": "application/json"}
    elif forgery == "stale timestamp":
        headers = webhook_headers(WEBHOOK_SECRET, body, _stamp(now - timedelta(hours=2)))
    else:
        body = json.dumps({"ticket_id": tid + 1}).encode()
    desk.zendesk.reset_requests()
    slack_calls = len(desk.slack.calls)  # the app's start-up auth.test
    before = redis_state(desk.rt.redis)

    response = requests.post(f"{desk.url}/zendesk/webhook", data=body, headers=headers)

    assert response.status_code == 401
    assert redis_state(desk.rt.redis) == before
    assert desk.zendesk.requests == []
    assert desk.slack.calls[slack_calls:] == []
