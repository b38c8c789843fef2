"""The soft claim: "Valentina está respondiendo…" while an agent has a decision modal open.

A hint for the other agents, not a lock: it expires by itself after CLAIM_TTL, is cleared
when the modal is submitted or closed, and never stops a second agent (the double-submit
guard and the state machine decide what takes effect).
"""

from __future__ import annotations

import redis

from bot.adapters import keys

CLAIM_TTL = 300  # seconds: about as long as one writes a reply
claim_key = keys.soft_claim


def claim(conn: redis.Redis, ticket_id: int, user: str) -> None:
    """`user` opened a decision modal on the case (the latest opener is shown)."""
    conn.set(claim_key(ticket_id), user, ex=CLAIM_TTL)


def release(conn: redis.Redis, ticket_id: int, user: str) -> bool:
    """Clear `user`'s claim (not someone else's); True when there was one to clear."""
    key = claim_key(ticket_id)
    current = conn.get(key)
    if current is None or current.decode() != user:
        return False
    conn.delete(key)
    return True


def claimed_by(conn: redis.Redis, ticket_id: int) -> str | None:
    """The agent with a decision modal open on the case, if any."""
    raw = conn.get(claim_key(ticket_id))
    return raw.decode() if raw else None
