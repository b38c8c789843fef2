"""Intake: new Zendesk tickets become cases with a card, each exactly once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.health import record_intake
from bot.lifecycle import Case
from bot.records import CaseRecord, Ticket
from bot.runtime import Runtime, get_runtime, utcnow
from workers.queue import enqueue, job_pending

log = logging.getLogger(__name__)
CURSOR = "intake:cursor"
LOCK = "soporte:intake:lock"
MAX_PAGES_PER_RUN = 9
CLOSED_STATUSES = frozenset({"solved", "closed", "deleted"})


def card_job_id(ticket_id: int) -> str:
    return f"post-card-{ticket_id}"


def admit(rt: Runtime, ticket: Ticket, status: str, updated_at: datetime) -> str:
    """Open a case for a new ticket, or look at what changed on a known one."""
    tid = ticket.id
    existing = rt.store.get(tid)
    if existing is None:
        if status in CLOSED_STATUSES:
            return "closed before triage"
        record = CaseRecord(case=Case(tid, opened_at=utcnow()), ticket=ticket)
        created = rt.store.create(
            record,
            then=lambda pipe, _: enqueue(
                rt.queue, "workers.cards.post_card", tid, job_id=card_job_id(tid), pipeline=pipe
            ),
        )
        if created:
            return "new"
        existing = rt.store.get(tid)
        assert existing is not None
    if existing.card is None and not job_pending(rt.queue, card_job_id(tid)):
        enqueue(rt.queue, "workers.cards.post_card", tid, job_id=card_job_id(tid))
        return "card requeued"
    if not existing.case.is_final:
        stamp = int(updated_at.timestamp())
        enqueue(
            rt.queue, "workers.timers.check_ticket_activity", tid, job_id=f"activity-{tid}-{stamp}"
        )
        return "changed"
    return "known"


def poll_intake() -> dict[str, int]:
    """Read the incremental export from the saved cursor; save it after each page is queued."""
    rt = get_runtime()
    lock = rt.redis.lock(LOCK, timeout=600, blocking=False)
    if not lock.acquire():
        return {"skipped": 1}
    counts: dict[str, int] = {}
    try:
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
        enqueue(
            rt.queue,
            "workers.timers.check_ticket_activity",
            ticket_id,
            job_id=f"activity-{ticket_id}-wh-{int(utcnow().timestamp())}",
        )
        return "changed"
    ticket, raw = rt.zendesk.fetch_ticket(ticket_id)
    updated = datetime.fromisoformat(str(raw.get("updated_at")).replace("Z", "+00:00"))
    return admit(rt, ticket, raw.get("status", "new"), updated)
