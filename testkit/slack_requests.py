"""What Slack sends the app: interactivity payloads, slash commands' element states, and the
request signature (https://docs.slack.dev/authentication/verifying-requests-from-slack:
`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from blocks import ids

SIGNING_SECRET = "test-signing-secret"


def text_value(text: str) -> dict[str, Any]:
    """The state of a plain_text_input as Slack submits it."""
    return {"type": "plain_text_input", "value": text}


def option(value: str) -> dict[str, Any]:
    """The state of a static_select with `value` chosen."""
    return {"type": "static_select", "selected_option": {"value": value}}


def slack_signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with `body`, signed with `secret`."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(secret, ts, body),
    }


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity payload, form-encoded as Slack posts it."""
    return urlencode({"payload": json.dumps(payload)})


def _envelope(kind: str, user: str, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEST"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "trigger_id": trigger_id,
    }


def click_payload(
    action_id: str,
    ticket_id: int,
    user: str,
    channel: str,
    ts: str,
    *,
    trigger_id: str,
    response_url: str,
) -> dict[str, Any]:
    """A `block_actions` payload: `user` pressed a button of a message in `channel`."""
    return {
        **_envelope("block_actions", user, trigger_id),
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel, "name": "canal"},
        "message": {"ts": ts, "text": "card"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": ids.Block.CARD_ACTIONS,
                "value": str(ticket_id),
                "action_ts": str(time.time()),
            }
        ],
    }


def submission_payload(
    callback_id: str,
    private_metadata: str,
    values: dict[str, dict[str, Any]],
    user: str,
    *,
    trigger_id: str,
    view_id: str = "V0TEST",
) -> dict[str, Any]:
    """A `view_submission` payload, with `values` as {block_id: element state}."""
    state = {block: {block: element} for block, element in values.items()}
    return {
        **_envelope("view_submission", user, trigger_id),
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "hash": "h",
        },
    }
