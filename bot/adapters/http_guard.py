"""The door in front of Bolt: size, signature and shape are checked before anything parses.

Slack's rules (https://api.slack.com/authentication/verifying-requests-from-slack): every
request carries X-Slack-Request-Timestamp and X-Slack-Signature = "v0=" + hex
HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body); a timestamp more than five
minutes from now may be a replay and is refused. The body is read only once its announced
length fits the limit, with a deadline, and a refused body is never logged: the one line
logged says why, and how many bytes were announced.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("soporte.http")

# Slack documents no maximum body size. The largest request this app can receive is a
# view_submission of its biggest modal: the view (a dozen blocks of at most 3,000
# characters, their initial values included) plus its state, URL-encoded (up to 12 bytes a
# character for emoji): well under 1 MiB. The Zendesk webhook's body is a few hundred bytes.
MAX_BODY = 1024 * 1024
READ_TIMEOUT = 10.0
SLACK_MAX_AGE = 5 * 60
READ_CHUNK = 64 * 1024


class Refused(Exception):
    """The request gets `status` and no further look; `reason` is what gets logged."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def read_body(environ: dict[str, Any], limit: int = MAX_BODY) -> bytes:
    """The request body, if its Content-Length is honest and at most `limit` bytes."""
    raw = environ.get("CONTENT_LENGTH") or ""
    if not raw:
        raise Refused(411, "no Content-Length")
    if not (raw.isascii() and raw.isdigit()):
        raise Refused(400, "Content-Length is not a number")
    length = int(raw)
    if length > limit:
        raise Refused(413, f"body of {length} bytes is over the {limit} limit")
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        sock.settimeout(READ_TIMEOUT)
    stream = environ["wsgi.input"]
    chunks, received = [], 0
    try:
        while received < length:
            chunk = stream.read(min(READ_CHUNK, length - received))
            if not chunk:
                raise Refused(400, f"body ended after {received} of {length} bytes")
            chunks.append(chunk)
            received += len(chunk)
    except TimeoutError:
        raise Refused(408, f"body not received within {READ_TIMEOUT:g} s") from None
    return b"".join(chunks)


def headers_of(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request headers, lower-cased (CONTENT_TYPE included)."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def verify_slack(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raise Refused(401) unless Slack signed this body within the last five minutes."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not stamp or not signature:
        raise Refused(401, "no Slack signature")
    if not (stamp.isascii() and stamp.isdigit()):
        raise Refused(401, "Slack timestamp is not a number")
    if abs(now - int(stamp)) > SLACK_MAX_AGE:
        raise Refused(401, "Slack timestamp older than five minutes")
    if not SignatureVerifier(secret).is_valid(body, stamp, signature):
        raise Refused(401, "bad Slack signature")


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _interactive_problem(payload: Any) -> str | None:
    """Why an interactivity payload is not one Slack sends, or None."""
    if not isinstance(payload, dict) or not _is_str(payload.get("type")):
        return "payload is not an object with a type"
    user = payload.get("user")
    if "user" in payload and not (isinstance(user, dict) and _is_str(user.get("id"))):
        return "payload.user has no id"
    kind = payload["type"]
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, dict) and _is_str(a.get("action_id")) for a in actions):
            return "an action without action_id"
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not _is_str(view.get("callback_id")):
            return "view without callback_id"
        if not _is_str(view.get("private_metadata", "")):
            return "view.private_metadata is not text"
        state = view.get("state", {"values": {}})
        values = state.get("values") if isinstance(state, dict) else None
        if not isinstance(values, dict) or not all(
            isinstance(block, dict) and all(isinstance(e, dict) for e in block.values())
            for block in values.values()
        ):
            return "view.state is not {values: {block: {action: element}}}"
    if kind == "block_suggestion" and not _is_str(payload.get("action_id")):
        return "block_suggestion without action_id"
    return None


def slack_shape_problem(content_type: str, body: bytes) -> str | None:
    """Why a signed body is not a request Slack sends (so Bolt would choke on it), or None."""
    return _read_slack(content_type, body)[0]


def _read_slack(content_type: str, body: bytes) -> tuple[str | None, str | None]:
    """(why the body is not one Slack sends, or None; an interactivity payload's JSON text)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8", None
    if content_type.startswith("application/json"):
        try:
            data = json.loads(text)
        except ValueError:
            return "body is not JSON", None
        if not isinstance(data, dict) or not _is_str(data.get("type")):
            return "JSON body without a type", None
        if data["type"] == "event_callback" and not isinstance(data.get("event"), dict):
            return "event_callback without an event", None
        return None, None
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        raw = form["payload"][0]
        try:
            payload = json.loads(raw)
        except ValueError:
            return "payload is not JSON", None
        return _interactive_problem(payload), raw
    if "command" in form or "ssl_check" in form:
        return None, None
    return "neither a payload, a command nor JSON", None


def with_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """A copy of `environ` whose input is `body`, already read."""
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def refuse(start_response: Any, environ: Mapping[str, Any], refusal: Refused) -> list[bytes]:
    """Answer a refusal in a few bytes; log one line, never the body."""
    log.info(
        "refused %s %s: %s",
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        refusal.reason,
    )
    start_response(
        f"{refusal.status} {REASONS.get(refusal.status, 'Refused')}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "0")],
    )
    return [b""]


REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
}


def guard_slack(secret: str, environ: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """The environ Bolt may see, or Refused: size, then signature, then shape."""
    body = read_body(environ)
    headers = headers_of(environ)
    verify_slack(secret, headers, body, time.time() if now is None else now)
    problem, payload = _read_slack(headers.get("content-type", "").lower(), body)
    if problem:
        raise Refused(400, f"signed but malformed: {problem}")
    if payload is None:
        return with_body(environ, body)
    # An interactivity payload goes to Bolt as the JSON it is (Bolt reads a JSON body as it
    # reads the form's payload), so the click's body is decoded once, here, after its
    # signature was checked: the app leaves Bolt's own check off (app.create_app).
    return {**with_body(environ, payload.encode()), "CONTENT_TYPE": "application/json"}
