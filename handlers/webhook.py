"""The Zendesk webhook: verify its signature, then hand the ticket to the intake job."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters import keys
from bot.adapters.queue import Job, enqueue
from bot.composition import Runtime

log = logging.getLogger("soporte.webhook")
MAX_AGE = timedelta(hours=1)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, now: datetime) -> bool:
    given = headers.get("x-zendesk-webhook-signature", "")
    stamp = headers.get("x-zendesk-webhook-signature-timestamp", "")
    if not given or not stamp:
        return False
    try:
        sent_at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=UTC)
    if abs(now - sent_at) > MAX_AGE:
        return False
    return hmac.compare_digest(given, signature(secret, stamp, body))


def ticket_id_of(payload: Any) -> int | None:
    """The ticket id in a trigger webhook ({"ticket_id": …}) or an event webhook ({"detail": …})."""
    if not isinstance(payload, dict):
        return None
    candidates = [
        payload.get("ticket_id"),
        (payload.get("ticket") or {}).get("id")
        if isinstance(payload.get("ticket"), dict)
        else None,
        (payload.get("detail") or {}).get("id")
        if isinstance(payload.get("detail"), dict)
        else None,
    ]
    for value in candidates:
        if isinstance(value, int | str) and str(value).isascii() and str(value).isdigit():
            return int(value) or None
    return None


def handle(rt: Runtime, headers: dict[str, str], body: bytes, now: datetime) -> tuple[int, str]:
    """Return (HTTP status, text). Nothing is written unless the signature is valid."""
    secret = rt.settings.zendesk_webhook_secret
    if not secret:
        return 404, "webhook disabled: set ZENDESK_WEBHOOK_SECRET"
    if not verify(secret, headers, body, now):
        log.warning("zendesk webhook with a bad or stale signature refused")
        return 401, "invalid signature"
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return 400, "expected a JSON body"
    ticket_id = ticket_id_of(payload)
    if ticket_id is None:
        return 400, 'expected {"ticket_id": <id>} or an event with detail.id'
    digest = hashlib.sha256(body).hexdigest()[:16]
    enqueue(rt.queue, Job.INGEST_TICKET, ticket_id, job_id=keys.webhook_job(ticket_id, digest))
    return 202, "accepted"
