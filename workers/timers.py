"""Jobs of the closing window and of the user's words: expiry, confirmation, the user's
replies (during the window, after it, or while the case is worked on) and tickets finished
in Zendesk by someone else."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.adapters import keys
from bot.adapters.queue import FollowUp, Job
from bot.adapters.zendesk import TicketUpdate, UpdateConflict
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import Event, IllegalTransition, State
from bot.domain.plain_text import excerpt
from bot.domain.user_replies import window_days
from bot.services.transitions import advance, close_in_desk
from workers.people import display_name, zendesk_agent
from workers.ticket_writes import Written, is_own_update, write_once, written_before

log = logging.getLogger(__name__)
CONFLICT_ATTEMPTS = 5
# States in which the desk waits for the user's words, and what a new reply means there.
LISTENING = frozenset({State.AWAITING_CONFIRMATION, State.USER_ANSWERED, State.RESOLVED})
SOLVED = frozenset({"solved", "closed"})
WORDS_ON_CARD = 1500


def _listening_since(record: CaseRecord) -> datetime | None:
    """When the desk began waiting for the user: the resolution message, or the resolution."""
    for step in reversed(record.case.timeline):
        if step.to_state in (State.AWAITING_CONFIRMATION, State.RESOLVED):
            return step.at
    return None


def _created(comment: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(comment["created_at"]).replace("Z", "+00:00"))


def _new_user_comments(
    rt: Runtime, record: CaseRecord, since: datetime | None
) -> list[dict[str, Any]]:
    """The requester's public comments after `since` that the desk has not relayed yet.

    Without `since`, from where the last read stopped. The ticket's first message (its
    description, already on the card) is never among them."""
    tid = record.ticket_id
    if since is None:
        mark = rt.redis.get(keys.comments_read(tid))
        since = datetime.fromisoformat(mark.decode()) if mark else record.ticket.created_at
    comments = rt.zendesk.comments_since(tid, since - timedelta(seconds=1))
    if comments:
        rt.redis.set(keys.comments_read(tid), _created(comments[-1]).isoformat(), ex=90 * 86400)
    seen = rt.redis.smembers(keys.seen_comments(tid))
    return [
        c
        for c in comments
        if c.get("public", True)
        and c.get("author_id") == record.ticket.requester_id
        and _created(c) > record.ticket.created_at
        and str(c["id"]).encode() not in seen
    ]


def _mark_seen(rt: Runtime, ticket_id: int, comments: list[dict[str, Any]]) -> None:
    if comments:
        rt.redis.sadd(keys.seen_comments(ticket_id), *[c["id"] for c in comments])


def _words(comment: dict[str, Any], limit: int) -> str:
    return excerpt(comment.get("plain_body") or comment.get("body"), limit)


def _user_answered(rt: Runtime, record: CaseRecord, replies: list[dict[str, Any]]) -> None:
    """The user wrote back while the desk waited for their confirmation (or after the case
    was resolved): the clock stops and the agent reads their words and records the answer."""
    tid = record.ticket_id
    words = _words(replies[-1], WORDS_ON_CARD)
    resolved_before = record.case.state is State.RESOLVED

    try:
        advance(
            rt,
            tid,
            Event.USER_REPLIED,
            "usuario",
            reason=words[:200],
            thread=texts.user_answered_thread(words, resolved_before),
            escalation_note=texts.user_comment_thread(words),
            update=lambda current: dataclasses.replace(current, user_words=words),
        )
    except IllegalTransition as exc:
        log.info("ticket %s: the user's reply came after %s", tid, exc.state)
        return
    _mark_seen(rt, tid, replies)


def _reopen(rt: Runtime, record: CaseRecord, status: str) -> None:
    """An agent reopened the ticket in Zendesk during the window: back to work."""
    advance(
        rt,
        record.ticket_id,
        Event.REOPENED,
        "zendesk",
        reason=f"ticket {status} en Zendesk",
        thread=texts.reopened_thread(status),
    )


def _stop_clock_if_user_acted(rt: Runtime, record: CaseRecord, raw: dict[str, Any]) -> bool:
    """Stop the window when the user replied or the ticket was reopened. True if stopped."""
    replies = _new_user_comments(rt, record, _listening_since(record))
    if replies:
        _user_answered(rt, record, replies)
        return True
    status = str(raw.get("status"))
    if status not in ("pending", *SOLVED):
        _reopen(rt, record, status)
        return True
    return False


def _finished_elsewhere(rt: Runtime, ticket_id: int, raw: dict[str, Any] | None) -> None:
    status = raw.get("status") if raw else "deleted"
    shown = {"solved": "resuelto", "closed": "cerrado"}.get(str(status), "eliminado")
    close_in_desk(rt, ticket_id, f"el ticket fue {shown} en Zendesk por otra persona")


def _schedule_expiry(rt: Runtime, ticket_id: int, generation: int, at: datetime) -> None:
    """Look at the window again at `at` (the timer came early, or a reply is on its way)."""
    job_id = keys.window_recheck_job(ticket_id, generation, at)
    rt.jobs.schedule(FollowUp(Job.EXPIRE_WINDOW, (ticket_id, generation), job_id, at))


def _window_agent(record: CaseRecord) -> str:
    """The agent who opened the current window (the resolution message's author)."""
    for step in reversed(record.case.timeline):
        if step.to_state is State.AWAITING_CONFIRMATION:
            return step.actor
    return record.case.decided_by or "?"


def expire_window(ticket_id: int, generation: int) -> str:
    """At the deadline: resolve the case if, and only if, the user has not answered."""
    rt = get_runtime()
    marker = f"expired-{generation}"
    for _ in range(CONFLICT_ATTEMPTS):
        record = rt.store.get(ticket_id)
        case = record.case if record else None
        if case is None or case.state is not State.AWAITING_CONFIRMATION:
            return "window already closed"
        if case.window_generation != generation:
            return "timer of an earlier window"
        now = utcnow()
        if case.window_deadline and now < case.window_deadline:
            _schedule_expiry(rt, ticket_id, generation, case.window_deadline)
            return "not yet"
        if record.pending_replies:
            _schedule_expiry(rt, ticket_id, generation, now + timedelta(minutes=1))
            return "reply still on its way"
        if not written_before(rt, ticket_id, marker):
            raw = rt.zendesk.ticket_or_none(ticket_id)
            if raw is None or raw.get("status") in SOLVED:
                _finished_elsewhere(rt, ticket_id, raw)
                return "finished in Zendesk; not resolved by the desk"
            if _stop_clock_if_user_acted(rt, record, raw):
                return "user acted; clock stopped"
            assignee = raw.get("assignee_id") or zendesk_agent(rt, _window_agent(record)).id
            note = texts.resolved_by_expiry_note(window_days(rt.settings.resolution_window))
            change = TicketUpdate(
                note, status="solved", assignee_id=assignee, expected_stamp=raw.get("updated_at")
            )
            try:
                write_once(rt, ticket_id, marker, change, current=raw)
            except UpdateConflict:
                log.info("ticket %s changed while expiring its window; deciding again", ticket_id)
                continue
        _resolve_in_store(rt, ticket_id, generation, now)
        return "resolved by expiry"
    raise RuntimeError(f"ticket {ticket_id} kept changing; will retry")


def _resolve_in_store(rt: Runtime, ticket_id: int, generation: int, now: datetime) -> None:
    try:
        advance(
            rt,
            ticket_id,
            Event.WINDOW_EXPIRED,
            "plazo",
            now,
            reason="plazo de confirmación vencido",
            window_generation=generation,
            thread=texts.resolved_thread(by_expiry=True),
        )
    except IllegalTransition as exc:
        log.warning("ticket %s: expiry not applied: %s", ticket_id, exc.reason)


def solve_ticket(ticket_id: int, step: int) -> str:
    """After the user's confirmation: solve the Zendesk ticket, assigned to the agent who
    recorded it, with a note by them."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.state is not State.RESOLVED:
        return "case is not resolved"
    actor = record.case.timeline[-1].actor
    agent = zendesk_agent(rt, actor)
    note = texts.resolved_by_confirmation_note(display_name(rt, actor))
    change = TicketUpdate(note, author_id=agent.id, status="solved", assignee_id=agent.id)
    outcome, _ = write_once(rt, ticket_id, f"solved-{step}", change)
    text = texts.resolved_thread(by_expiry=False)
    rt.jobs.schedule(
        FollowUp(Job.POST_IN_THREAD, (ticket_id, text), keys.thread_job(ticket_id, step))
    )
    return "already solved in Zendesk" if outcome is Written.TICKET_FINISHED else "solved"


def check_ticket_activity(ticket_id: int) -> str:
    """A known ticket changed in Zendesk: hear the user, relay their words, or notice that
    someone else finished the ticket."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.state in (State.SPAM, State.CLOSED_IN_ZENDESK):
        return "nothing to do"
    state = record.case.state
    if state is State.AWAITING_CONFIRMATION and record.pending_replies:
        return "reply on its way"
    raw = rt.zendesk.ticket_or_none(ticket_id)
    if raw is None:
        if not record.case.is_final:
            _finished_elsewhere(rt, ticket_id, raw)
        return "ticket deleted"
    status = str(raw.get("status"))
    updated = datetime.fromisoformat(str(raw.get("updated_at")).replace("Z", "+00:00"))
    if is_own_update(rt, ticket_id, updated, status):
        return "our own update"
    if state in LISTENING:
        if state is State.AWAITING_CONFIRMATION:
            if _stop_clock_if_user_acted(rt, record, raw):
                return "clock stopped"
        else:
            replies = _new_user_comments(rt, record, _listening_since(record))
            if replies:
                _user_answered(rt, record, replies)
                return "user answered"
        deadline = record.case.window_deadline
        expiring = deadline is not None and utcnow() >= deadline
        if state is not State.RESOLVED and status in SOLVED and not expiring:
            _finished_elsewhere(rt, ticket_id, raw)
            return "finished in Zendesk"
        return "still waiting"
    relayed = _relay_user_comments(rt, record)
    if status in SOLVED:
        _finished_elsewhere(rt, ticket_id, raw)
        return f"relayed {relayed}; finished in Zendesk"
    return f"relayed {relayed}"


def _relay_user_comments(rt: Runtime, record: CaseRecord) -> int:
    """The user's new words reach the card thread (and the maintainer's thread)."""
    tid = record.ticket_id
    comments = _new_user_comments(rt, record, None)
    for comment in comments:
        text = texts.user_comment_thread(_words(comment, 1500))
        cid = comment["id"]
        rt.jobs.schedule(
            FollowUp(Job.POST_IN_THREAD, (tid, text), keys.relay_comment_job(tid, cid))
        )
        if record.escalation and record.escalation.ts:
            job_id = keys.relay_comment_escalation_job(tid, cid)
            rt.jobs.schedule(FollowUp(Job.POST_IN_ESCALATION, (tid, text), job_id))
        _mark_seen(rt, tid, [comment])
    return len(comments)
