"""Jobs of the closing window: expiry, confirmation, and the user's replies that stop the clock."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from bot import texts
from bot.lifecycle import Event, IllegalTransition, State, apply
from bot.plain_text import excerpt
from bot.records import CaseRecord
from bot.replies import window_days
from bot.runtime import Runtime, get_runtime, utcnow
from bot.steps import home_refresh, schedule
from bot.triage import window_job_id
from bot.zendesk import UpdateConflict
from workers.people import display_name
from workers.queue import cancel, enqueue

log = logging.getLogger(__name__)
CONFLICT_ATTEMPTS = 5


def _window_opened_at(record: CaseRecord) -> datetime | None:
    for step in reversed(record.case.timeline):
        if step.to_state is State.AWAITING_CONFIRMATION:
            return step.at
    return None


def _created(comment: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(comment["created_at"]).replace("Z", "+00:00"))


def _user_comments_since(
    rt: Runtime, record: CaseRecord, since: datetime | None
) -> list[dict[str, Any]]:
    """Public comments by the requester after `since` (all but the first message if None)."""
    comments = rt.zendesk.comments(record.ticket_id)[1:]
    return [
        c
        for c in comments
        if c.get("public", True)
        and c.get("author_id") == record.ticket.requester_id
        and (since is None or _created(c) >= since - timedelta(seconds=1))
    ]


def _leave_window(rt: Runtime, ticket_id: int, event: Event, reason: str, thread: str) -> None:
    def change(record: CaseRecord) -> CaseRecord:
        case = apply(record.case, event, "zendesk", utcnow(), reason)
        return dataclasses.replace(record, case=case)

    def then(pipe, record: CaseRecord) -> None:
        steps = len(record.case.timeline)
        schedule(rt, home_refresh(ticket_id, record.case.timeline[-1].at), pipe)
        enqueue(
            rt.queue,
            "workers.cards.refresh_card",
            ticket_id,
            job_id=f"card-{ticket_id}-{steps}",
            pipeline=pipe,
        )
        enqueue(
            rt.queue,
            "workers.cards.post_in_thread",
            ticket_id,
            thread,
            job_id=f"thread-{ticket_id}-{steps}",
            pipeline=pipe,
        )

    record = rt.store.update(ticket_id, change, then)
    cancel(rt.queue, window_job_id(ticket_id, record.case.window_generation))


def _stop_clock_if_user_acted(rt: Runtime, record: CaseRecord, raw: dict[str, Any]) -> bool:
    """Stop the window when the user replied or the ticket was reopened. True if stopped."""
    tid = record.ticket_id
    seen = rt.redis.smembers(f"soporte:seen-comments:{tid}")
    replies = [
        c
        for c in _user_comments_since(rt, record, _window_opened_at(record))
        if str(c["id"]).encode() not in seen
    ]
    if replies:
        text = excerpt(replies[-1].get("plain_body") or replies[-1].get("body"), 500)
        _leave_window(rt, tid, Event.USER_REPLIED, text[:200], texts.user_replied_thread(text))
        _mark_seen(rt, tid, replies)
        if record.escalation and record.escalation.ts:
            enqueue(
                rt.queue,
                "workers.escalation.post_in_escalation",
                tid,
                texts.user_reopened_for_maintainer(text),
                job_id=f"reopen-{tid}-{replies[-1]['id']}",
            )
        return True
    status = raw.get("status")
    if status not in ("pending", "solved", "closed"):
        reason = f"ticket {status} en Zendesk"
        _leave_window(rt, tid, Event.REOPENED, reason, texts.reopened_thread(str(status)))
        return True
    return False


def _mark_seen(rt: Runtime, ticket_id: int, comments: list[dict[str, Any]]) -> None:
    if comments:
        rt.redis.sadd(f"soporte:seen-comments:{ticket_id}", *[c["id"] for c in comments])


def expire_window(ticket_id: int, generation: int) -> str:
    """At the deadline: resolve the case if, and only if, the user has not answered."""
    rt = get_runtime()
    for _ in range(CONFLICT_ATTEMPTS):
        record = rt.store.get(ticket_id)
        case = record.case if record else None
        if case is None or case.state is not State.AWAITING_CONFIRMATION:
            return "window already closed"
        if case.window_generation != generation:
            return "timer of an earlier window"
        now = utcnow()
        if case.window_deadline and now < case.window_deadline:
            at = case.window_deadline
            enqueue(
                rt.queue,
                "workers.timers.expire_window",
                ticket_id,
                generation,
                at=at,
                job_id=f"{window_job_id(ticket_id, generation)}-{int(at.timestamp())}",
            )
            return "not yet"
        if record.pending_replies:
            at = now + timedelta(minutes=1)
            enqueue(
                rt.queue,
                "workers.timers.expire_window",
                ticket_id,
                generation,
                at=at,
                job_id=f"{window_job_id(ticket_id, generation)}-{int(at.timestamp())}",
            )
            return "reply still on its way"
        marker = f"soporte_expired_{generation}"
        raw = rt.zendesk.raw_ticket(ticket_id)
        if marker not in raw.get("tags", []):
            if _stop_clock_if_user_acted(rt, record, raw):
                return "user acted; clock stopped"
            days = window_days(rt.settings.resolution_window)
            try:
                rt.zendesk.add_comment_once(
                    ticket_id,
                    marker,
                    texts.resolved_by_expiry_note(days),
                    public=False,
                    status="solved",
                    expected_stamp=raw.get("updated_at"),
                    current=raw,
                )
            except UpdateConflict:
                log.info("ticket %s changed while expiring its window; deciding again", ticket_id)
                continue
        _resolve_in_store(rt, ticket_id, generation, now)
        return "resolved by expiry"
    raise RuntimeError(f"ticket {ticket_id} kept changing; will retry")


def _resolve_in_store(rt: Runtime, ticket_id: int, generation: int, now: datetime) -> None:
    def change(record: CaseRecord) -> CaseRecord:
        case = apply(
            record.case,
            Event.WINDOW_EXPIRED,
            "plazo",
            now,
            "plazo de confirmación vencido",
            window_generation=generation,
        )
        return dataclasses.replace(record, case=case)

    def then(pipe, record: CaseRecord) -> None:
        steps = len(record.case.timeline)
        schedule(rt, home_refresh(ticket_id, record.case.timeline[-1].at), pipe)
        enqueue(
            rt.queue,
            "workers.cards.refresh_card",
            ticket_id,
            job_id=f"card-{ticket_id}-{steps}",
            pipeline=pipe,
        )
        enqueue(
            rt.queue,
            "workers.cards.post_in_thread",
            ticket_id,
            texts.resolved_thread(by_expiry=True),
            job_id=f"thread-{ticket_id}-{steps}",
            pipeline=pipe,
        )

    try:
        rt.store.update(ticket_id, change, then)
    except IllegalTransition as exc:
        log.warning("ticket %s: expiry not applied: %s", ticket_id, exc.reason)


def solve_ticket(ticket_id: int, step: int) -> str:
    """After the user's confirmation: mark the Zendesk ticket solved, with a note."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.state is not State.RESOLVED:
        return "case is not resolved"
    actor = record.case.timeline[-1].actor
    note = texts.resolved_by_confirmation_note(display_name(rt, actor))
    rt.zendesk.add_comment_once(
        ticket_id, f"soporte_solved_{step}", note, public=False, status="solved"
    )
    cancel(rt.queue, window_job_id(ticket_id, record.case.window_generation))
    enqueue(
        rt.queue,
        "workers.cards.post_in_thread",
        ticket_id,
        texts.resolved_thread(by_expiry=False),
        job_id=f"thread-{ticket_id}-{step}",
    )
    return "solved"


def check_ticket_activity(ticket_id: int) -> str:
    """A known ticket changed in Zendesk: stop the window, or relay the user's new words."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.is_final:
        return "nothing to do"
    if record.case.state is State.AWAITING_CONFIRMATION:
        if record.pending_replies:
            return "reply on its way"
        raw = rt.zendesk.raw_ticket(ticket_id)
        stopped = _stop_clock_if_user_acted(rt, record, raw)
        return "clock stopped" if stopped else "still waiting"
    seen_key = f"soporte:seen-comments:{ticket_id}"
    relayed = 0
    for comment in _user_comments_since(rt, record, None):
        if rt.redis.sismember(seen_key, comment["id"]):
            continue
        text = texts.user_comment_thread(
            excerpt(comment.get("plain_body") or comment.get("body"), 1500)
        )
        enqueue(
            rt.queue,
            "workers.cards.post_in_thread",
            ticket_id,
            text,
            job_id=f"relay-{ticket_id}-{comment['id']}",
        )
        if record.escalation and record.escalation.ts:
            enqueue(
                rt.queue,
                "workers.escalation.post_in_escalation",
                ticket_id,
                text,
                job_id=f"relay-esc-{ticket_id}-{comment['id']}",
            )
        rt.redis.sadd(seen_key, comment["id"])
        relayed += 1
    return f"relayed {relayed}"
