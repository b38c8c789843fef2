"""Jobs that write to the end user's ticket: each reply reaches Zendesk exactly once."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from zenpy.lib.exception import APIException

from bot.adapters import keys
from bot.adapters.zendesk import TicketUpdate, reply_marker
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord, Reply
from bot.domain.lifecycle import Event, IllegalTransition
from bot.domain.user_replies import window_days
from bot.services.transitions import advance, amend, close_in_desk
from bot.services.triage import WINDOW_EVENTS
from workers.people import display_name, zendesk_agent
from workers.refusals import zendesk_refusal
from workers.ticket_writes import FINISHED, NOTE_BLOCKED, Written, write_once

log = logging.getLogger(__name__)
SPAM_TAGS = ("spam",)


def _ticket_change(rt: Runtime, event: Event) -> tuple[str | None, tuple[str, ...]]:
    """The status and tags a decision's reply leaves the ticket with."""
    if event is Event.WRONG_RECIPIENT:
        # Solved, never closed: a closed ticket takes no more writes, and Zendesk closes
        # solved tickets by itself.
        status = None if rt.catalog.spam_suspends_requester else "solved"
        return status, (*SPAM_TAGS, "soporte_destinatario_errado")
    if event in WINDOW_EVENTS:
        return "pending", (f"soporte_{event.value}",)
    if event in (Event.RESPOND_INITIAL, Event.SEND_UPDATE, Event.ACKNOWLEDGE):
        return rt.settings.zendesk_waiting_status, ()
    return None, ()


def _mark(record: CaseRecord, reply_id: str, **changes: Any) -> CaseRecord:
    replies = tuple(
        dataclasses.replace(r, **changes) if r.reply_id == reply_id else r for r in record.replies
    )
    return dataclasses.replace(record, replies=replies)


def _decision_note(rt: Runtime, record: CaseRecord, event: Event, author: str) -> str:
    label = texts.DECISION_LABELS.get(event, event.value)
    detail = ""
    if record.case.window_deadline and event in WINDOW_EVENTS:
        deadline = record.case.window_deadline.astimezone(rt.catalog.tz)
        detail = texts.window_note(
            window_days(rt.settings.resolution_window), deadline.strftime("%d-%m-%Y %H:%M")
        )
    return texts.decision_note(label, display_name(rt, author), detail)


def send_reply(ticket_id: int, reply_id: str) -> str:
    """Send one queued reply as a public comment by the agent who wrote it, who becomes the
    ticket's assignee, then the decision's internal note (before it, when the reply solves
    the ticket: nothing is written after that)."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    reply = record.reply(reply_id) if record else None
    if record is None or reply is None:
        log.error("reply %s of ticket %s not found; nothing sent", reply_id, ticket_id)
        return "missing"
    if not reply.pending:
        return "refused by Zendesk" if reply.refused else "already sent"
    event = Event(reply.kind)
    agent = zendesk_agent(rt, reply.author)
    status, tags = _ticket_change(rt, event)
    message = TicketUpdate(
        reply.body, public=True, author_id=agent.id, status=status, assignee_id=agent.id, tags=tags
    )
    note = TicketUpdate(_decision_note(rt, record, event, reply.author), author_id=agent.id)
    writes = [
        (reply_marker(reply_id), message, FINISHED),
        (f"n-{reply_id}", note, NOTE_BLOCKED),
    ]
    if event is Event.WRONG_RECIPIENT:  # its reply ends the ticket: the note goes before it
        writes.reverse()
    ticket = None
    for marker, change, blocked_by in writes:
        try:
            outcome, ticket = write_once(
                rt, ticket_id, marker, change, current=ticket, blocked_by=blocked_by
            )
        except APIException as exc:
            reason = zendesk_refusal(exc) if marker == reply_marker(reply_id) else None
            if reason is None:
                raise
            return _refused(rt, ticket_id, reply, reason)
        if outcome is Written.TICKET_FINISHED and marker == reply_marker(reply_id):
            return _drop(rt, ticket_id, reply_id, ticket)
    if event is Event.WRONG_RECIPIENT and rt.catalog.spam_suspends_requester:
        _mark_as_spam(ticket_id)
    amend(
        rt,
        ticket_id,
        lambda r: _mark(r, reply_id, sent_at=utcnow(), as_api_user=not agent.matched),
        keys.sent_tag(reply_id),
    )
    log.info("ticket %s: reply %s %s", ticket_id, reply_id, outcome.value)
    return outcome.value


def _refused(rt: Runtime, ticket_id: int, reply: Reply, reason: str) -> str:
    """Zendesk refused the reply for good: nothing was sent, and the case goes back to the
    agent (a closing window the reply opened is voided); the card and its thread say why."""

    def mark(record: CaseRecord) -> CaseRecord:
        return _mark(record, reply.reply_id, refused=reason)

    try:
        advance(
            rt,
            ticket_id,
            Event.REPLY_REFUSED,
            "zendesk",
            reason=reason,
            refused=Event(reply.kind),
            thread=texts.reply_refused_thread(reason),
            update=mark,
        )
    except IllegalTransition:  # the case moved on meanwhile: the card still shows the refusal
        amend(rt, ticket_id, mark, keys.sent_tag(reply.reply_id))
    log.warning("ticket %s: reply %s refused by Zendesk: %s", ticket_id, reply.reply_id, reason)
    return "refused by Zendesk"


def _drop(rt: Runtime, ticket_id: int, reply_id: str, ticket: dict[str, Any] | None) -> str:
    """The ticket was solved, closed or deleted in Zendesk before the reply went out: the
    reply is not sent, and the case ends in the desk (the card says so)."""
    status = ticket.get("status") if ticket else "deleted"
    reason = texts.reply_not_sent(str(status))

    def change(record: CaseRecord) -> CaseRecord:
        return _mark(record, reply_id, dropped=reason)

    close_in_desk(rt, ticket_id, reason, change)
    log.info(
        "ticket %s: reply %s not sent, the ticket is %s in Zendesk", ticket_id, reply_id, status
    )
    return f"not sent: ticket {status}"


def _mark_as_spam(ticket_id: int) -> None:
    rt = get_runtime()
    try:
        rt.zendesk.mark_as_spam(ticket_id)
    except APIException as exc:
        response = getattr(exc, "response", None)
        if response is None or response.status_code != 404:
            raise
        log.info("ticket %s already gone (marked as spam earlier)", ticket_id)


def close_as_spam(ticket_id: int) -> str:
    """Solve the ticket as spam, without any reply to the sender (or, when the catalogue
    says so, use Zendesk's mark-as-spam, which deletes it and suspends the sender)."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None:
        return "no case"
    actor = record.case.decided_by or "?"
    agent = zendesk_agent(rt, actor)
    note = texts.decision_note("Spam", display_name(rt, actor), "No se respondió al remitente.")
    suspend = rt.catalog.spam_suspends_requester
    change = TicketUpdate(
        note,
        author_id=agent.id,
        status=None if suspend else "solved",
        assignee_id=None if suspend else agent.id,
        tags=SPAM_TAGS,
    )
    outcome, _ = write_once(rt, ticket_id, "spam", change)
    if outcome is Written.TICKET_FINISHED:
        return "ticket already finished in Zendesk"
    if suspend:
        _mark_as_spam(ticket_id)
    return "solved as spam"
