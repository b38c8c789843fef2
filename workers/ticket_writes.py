"""Writes to a Zendesk ticket that take effect exactly once, and never on a finished ticket.

Each write carries a marker in the custom metadata of its update's audit (Tickets API,
"Setting Metadata": up to 1 KB per update, kept on the audit and read back with "List
Audits for a Ticket"). Unlike a tag per write, the marker adds nothing to the account's tag
list and works where tags are turned off. An attempt notes in Redis when it first wrote (no
Zendesk call); a retry (after a lost answer, a killed worker, a 5xx) looks for its marker in
the ticket's audits since then, newest first, and writes nothing a second time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.adapters import keys
from bot.adapters.zendesk import TicketUpdate
from bot.composition import Runtime

ATTEMPT_TTL = 7 * 86400
CLOCK_SLACK_SECONDS = 120
# A ticket solved or closed in Zendesk (by a person or by Zendesk) or deleted takes no more
# writes from the desk: closed tickets accept only tags, subject and priority, and writing
# on a solved one would reopen or re-solve what someone else finished.
FINISHED = frozenset({"solved", "closed", "deleted"})
# Internal notes still go on solved tickets (they change nothing else).
NOTE_BLOCKED = frozenset({"closed", "deleted"})


class Written(StrEnum):
    NOW = "written"
    BEFORE = "already written"
    TICKET_FINISHED = "ticket finished in Zendesk"


_attempt_key = keys.zendesk_write
own_update_key = keys.own_update


def written_before(rt: Runtime, ticket_id: int, marker: str) -> bool:
    """Whether an earlier attempt of this write reached Zendesk (a first attempt asks nobody)."""
    started = rt.redis.get(_attempt_key(ticket_id, marker))
    if started is None:
        return False
    since = datetime.fromtimestamp(float(started) - CLOCK_SLACK_SECONDS, UTC)
    return rt.zendesk.marker_written(ticket_id, marker, since)


def write_once(
    rt: Runtime,
    ticket_id: int,
    marker: str,
    change: TicketUpdate,
    *,
    current: dict[str, Any] | None = None,
    blocked_by: frozenset[str] = FINISHED,
) -> tuple[Written, dict[str, Any] | None]:
    """Write `change` unless an earlier attempt did, or the ticket's status is in
    `blocked_by`. Returns what happened and the ticket as last seen (None if deleted)."""
    if written_before(rt, ticket_id, marker):
        return Written.BEFORE, current
    ticket = current if current is not None else rt.zendesk.ticket_or_none(ticket_id)
    if ticket is None or ticket.get("status") in blocked_by:
        return Written.TICKET_FINISHED, ticket
    rt.redis.set(_attempt_key(ticket_id, marker), str(time.time()), nx=True, ex=ATTEMPT_TTL)
    updated = rt.zendesk.update(ticket_id, change, marker)
    own = f"{updated.get('updated_at')}|{updated.get('status')}"
    rt.redis.set(own_update_key(ticket_id), own, ex=ATTEMPT_TTL)
    return Written.NOW, updated


def is_own_update(rt: Runtime, ticket_id: int, updated_at: datetime | None, status: str) -> bool:
    """Whether the ticket's latest change is the desk's own write: the same updated_at and
    status as that write left it with (a requester's comment would have reopened it)."""
    mine = rt.redis.get(own_update_key(ticket_id))
    if mine is None or updated_at is None:
        return False
    stamp, _, own_status = mine.decode().partition("|")
    try:
        written_at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    return written_at == updated_at and own_status == status
