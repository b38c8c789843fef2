"""Intake: new Zendesk tickets become cases with a card, each exactly once.

The incremental export returns every ticket changed since the start time, system updates
included. Only a ticket nobody has handled yet (status `new`) or one created after the
desk's first intake becomes a card; an older ticket that changes (an agent working on it
directly in Zendesk, a reopened ticket whose case was purged) is left alone. A follow-up
ticket (Zendesk makes one when the user writes to a closed ticket) is new: it gets its own
card, which names the earlier ticket, and the earlier case's thread is told.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.adapters import keys
from bot.adapters.health import record_intake
from bot.adapters.queue import FollowUp, Job
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain.case import CaseRecord, Ticket
from bot.domain.lifecycle import Case, State
from bot.services.transitions import open_case
from workers.ticket_writes import is_own_update

log = logging.getLogger(__name__)
CURSOR = keys.INTAKE_CURSOR_NAME
STARTED = keys.INTAKE_STARTED_NAME
LOCK = keys.INTAKE_LOCK
MAX_PAGES_PER_RUN = 9
CLOSED_STATUSES = frozenset({"solved", "closed", "deleted"})
card_job_id = keys.post_card_job


def desk_started(rt: Runtime) -> datetime:
    """When the desk first took in tickets (kept in Redis from the first intake on)."""
    now = utcnow()
    rt.redis.set(keys.INTAKE_STARTED, now.isoformat(), nx=True)
    raw = rt.store.get_value(STARTED)
    return datetime.fromisoformat(raw) if raw else now


def is_new_to_the_desk(rt: Runtime, ticket: Ticket, status: str) -> bool:
    """A ticket nobody has handled yet, or one created since the desk started."""
    if status in CLOSED_STATUSES:
        return False
    return status == "new" or ticket.created_at >= desk_started(rt) - timedelta(seconds=1)


def admit(rt: Runtime, ticket: Ticket, status: str, updated_at: datetime) -> str:
    """Open a case for a new ticket, or look at what changed on a known one."""
    tid = ticket.id
    existing = rt.store.get(tid)
    if existing is None:
        if status in CLOSED_STATUSES:
            return "closed before triage"
        if not is_new_to_the_desk(rt, ticket, status):
            return "old ticket, not a card"
        record = CaseRecord(case=Case(tid, opened_at=utcnow()), ticket=ticket)
        earlier = ticket.follow_up_of
        if open_case(rt, record, tell_earlier=bool(earlier and rt.store.exists(earlier))):
            return "new"
        existing = rt.store.get(tid)
        assert existing is not None
    if existing.card is None and not rt.jobs.pending(card_job_id(tid)):
        rt.jobs.schedule(FollowUp(Job.POST_CARD, (tid,), card_job_id(tid)))
        return "card requeued"
    if existing.case.state in (State.SPAM, State.CLOSED_IN_ZENDESK):
        return "known"
    if is_own_update(rt, tid, updated_at, status):
        return "our own update"
    stamp = int(updated_at.timestamp())
    rt.jobs.schedule(FollowUp(Job.CHECK_TICKET_ACTIVITY, (tid,), keys.activity_job(tid, stamp)))
    return "changed"


def poll_intake() -> dict[str, int]:
    """Read the incremental export from the saved cursor; save it after each page is queued."""
    rt = get_runtime()
    if rt.settings.zendesk_intake == "webhook":
        return {"webhook only": 1}
    lock = rt.redis.lock(LOCK, timeout=600, blocking=False)
    if not lock.acquire():
        return {"skipped": 1}
    counts: dict[str, int] = {}
    try:
        desk_started(rt)
        cursor = rt.store.get_value(CURSOR)
        start = rt.settings.intake_start
        if start is None:
            start = int((utcnow() - timedelta(hours=1)).timestamp())
        for _ in range(MAX_PAGES_PER_RUN):
            page = rt.zendesk.export_page(cursor, start)
            for ticket in page.tickets:
                outcome = admit(rt, ticket, page.statuses[ticket.id], page.updated[ticket.id])
                counts[outcome] = counts.get(outcome, 0) + 1
            if page.after_cursor:
                cursor = page.after_cursor
                rt.store.set_value(CURSOR, cursor)
            if page.end_of_stream or not page.tickets:
                break
    finally:
        lock.release()
    record_intake(rt.redis, counts)
    log.info("intake: %s", counts)
    return counts


def ingest_ticket(ticket_id: int) -> str:
    """A webhook said this ticket was created or changed."""
    rt = get_runtime()
    if rt.store.exists(ticket_id):
        job_id = keys.webhook_activity_job(ticket_id, int(utcnow().timestamp()))
        rt.jobs.schedule(FollowUp(Job.CHECK_TICKET_ACTIVITY, (ticket_id,), job_id))
        return "changed"
    ticket, raw = rt.zendesk.fetch_ticket(ticket_id)
    updated = datetime.fromisoformat(str(raw.get("updated_at")).replace("Z", "+00:00"))
    return admit(rt, ticket, raw.get("status", "new"), updated.astimezone(UTC))
