"""Jobs that write to the end user's ticket: each reply reaches Zendesk exactly once."""

from __future__ import annotations

import dataclasses
import logging

from zenpy.lib.exception import APIException

from bot import texts
from bot.lifecycle import Event
from bot.records import CaseRecord
from bot.replies import window_days
from bot.runtime import get_runtime, utcnow
from bot.steps import home_refresh, schedule
from bot.triage import WINDOW_EVENTS
from bot.zendesk import reply_marker
from workers.people import display_name
from workers.queue import enqueue

log = logging.getLogger(__name__)


def _ticket_status(event: Event) -> tuple[str | None, tuple[str, ...]]:
    if event is Event.WRONG_RECIPIENT:
        return "closed", ("spam", "soporte_destinatario_errado")
    if event in WINDOW_EVENTS:
        return "pending", (f"soporte_{event.value}",)
    if event in (Event.RESPOND_INITIAL, Event.SEND_UPDATE):
        return "hold", ()
    return None, ()


def _mark_sent(record: CaseRecord, reply_id: str) -> CaseRecord:
    replies = tuple(
        dataclasses.replace(r, sent_at=utcnow()) if r.reply_id == reply_id else r
        for r in record.replies
    )
    return dataclasses.replace(record, replies=replies)


def send_reply(ticket_id: int, reply_id: str) -> str:
    """Send one queued reply as a public comment, record the decision as an internal note."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    reply = record.reply(reply_id) if record else None
    if record is None or reply is None:
        log.error("reply %s of ticket %s not found; nothing sent", reply_id, ticket_id)
        return "missing"
    if reply.sent_at is not None:
        return "already sent"
    event = Event(reply.kind)
    status, tags = _ticket_status(event)
    sent = rt.zendesk.add_comment_once(
        ticket_id, reply_marker(reply_id), reply.body, public=True, status=status, tags=tags
    )
    label = texts.DECISION_LABELS.get(event, event.value)
    detail = ""
    if record.case.window_deadline and event in WINDOW_EVENTS:
        deadline = record.case.window_deadline.astimezone(rt.catalog.tz)
        detail = texts.window_note(
            window_days(rt.settings.resolution_window), deadline.strftime("%d-%m-%Y %H:%M")
        )
    note = texts.decision_note(label, display_name(rt, reply.author), detail)
    rt.zendesk.add_comment_once(ticket_id, f"soporte_n_{reply_id}", note, public=False)
    if event is Event.WRONG_RECIPIENT and rt.catalog.spam_suspends_requester:
        _mark_as_spam(ticket_id)
    saved = rt.store.update(
        ticket_id,
        lambda r: _mark_sent(r, reply_id),
        lambda pipe, _: schedule(rt, home_refresh(ticket_id, utcnow()), pipe),
    )
    enqueue(
        rt.queue,
        "workers.cards.refresh_card",
        ticket_id,
        job_id=f"card-{ticket_id}-sent-{reply_id}",
    )
    log.info("ticket %s: reply %s %s", ticket_id, reply_id, "sent" if sent else "was already there")
    return "sent" if sent else f"already in Zendesk ({len(saved.replies)} replies)"


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
    """Close the ticket as spam, without any reply to the sender."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None:
        return "no case"
    actor = record.case.decided_by or "?"
    note = texts.decision_note("Spam", display_name(rt, actor), "No se respondió al remitente.")
    rt.zendesk.add_comment_once(
        ticket_id, "soporte_spam", note, public=False, status="closed", tags=("spam",)
    )
    if rt.catalog.spam_suspends_requester:
        _mark_as_spam(ticket_id)
    return "closed as spam"
