"""Jobs of the escalation: the product-channel thread, its updates, and the relays."""

from __future__ import annotations

import dataclasses
import logging
import os

from blocks.escalation import diagnosis_estimate_echo, diagnosis_text, escalation_message
from bot.adapters import keys
from bot.adapters.trackers import ensure_issue, tracker_client
from bot.adapters.zendesk import TicketUpdate
from bot.composition import Runtime, get_runtime
from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord, Escalation, Ticket
from workers.cards import find_posted_message, permalink, post_in_thread
from workers.pacing import post_message
from workers.people import display_name, zendesk_agent
from workers.ticket_writes import NOTE_BLOCKED, write_once

log = logging.getLogger(__name__)
ESCALATION_EVENT = "soporte_escalation"


thread_key = keys.escalation_thread


def _record(rt: Runtime, ticket_id: int) -> tuple[CaseRecord, Escalation]:
    record = rt.store.get(ticket_id)
    if record is None or record.escalation is None:
        raise LookupError(f"ticket {ticket_id} has no escalation")
    return record, record.escalation


def _set_escalation(rt: Runtime, ticket_id: int, **changes: object) -> CaseRecord:
    def change(record: CaseRecord) -> CaseRecord:
        assert record.escalation is not None
        return dataclasses.replace(
            record, escalation=dataclasses.replace(record.escalation, **changes)
        )

    return rt.store.update(ticket_id, change)


def _tracker_issue(rt: Runtime, record: CaseRecord, escalation: Escalation) -> str | None:
    product = rt.catalog.product(escalation.product)
    if product is None or product.tracker is None or escalation.tracker_url:
        return escalation.tracker_url
    ticket = record.ticket
    client = tracker_client(product.tracker, os.environ)
    with_report = product.tracker.include_report and client.is_private()
    issue = ensure_issue(
        client,
        title=_issue_title(ticket, product.name, with_report),
        body=_issue_body(ticket, product.name, escalation.notes, with_report),
        marker=f"soporte-ticket-{ticket.id}",
        labels=product.tracker.labels,
    )
    return issue.url


def _issue_title(ticket: Ticket, product: str, with_report: bool) -> str:
    if with_report:
        return f"[Soporte #{ticket.id}] {ticket.subject}"[:250]
    return f"[Soporte #{ticket.id}] Caso escalado de {product}"


def _issue_body(ticket: Ticket, product: str, notes: str, with_report: bool) -> str:
    """The issue's text. The end user's report (their name, e-mail and words) only goes to a
    private repository whose catalogue entry allows it: a public one shows the agent's notes,
    the product and the link to the ticket."""
    head = (
        f"Caso de soporte escalado desde Zendesk: {ticket.url}\n\n**Producto:** {product}\n\n"
        f"**Antecedentes del agente:**\n\n{notes}\n"
    )
    if not with_report:
        return head + "\nEl reporte del usuario está en el ticket de Zendesk.\n"
    requester = f"{ticket.requester_name or '-'} <{ticket.requester_email or '-'}>"
    return (
        f"{head}\n**Asunto:** {ticket.subject}\n**Solicitante:** {requester}\n"
        f"**Organización:** {ticket.organization_name or '-'}\n\n"
        f"**Reporte del usuario:**\n\n{ticket.excerpt}\n"
    )


def open_thread(ticket_id: int) -> str:
    """Post the escalation in the product's channel, exactly once, then file it in the
    product's tracker and record it on the ticket. Each part is skipped when a retry finds
    it done, so the maintainers hear of the case even while the tracker is down."""
    rt = get_runtime()
    record, escalation = _record(rt, ticket_id)
    product = rt.catalog.product(escalation.product)
    if product is None:
        raise LookupError(f"product {escalation.product} is not in the catalogue")
    if escalation.ts is None:
        ts = find_posted_message(rt, product.channel, ESCALATION_EVENT, ticket_id, "escalation")
        if ts is None:
            message = escalation_message(record, rt.catalog)
            ts = post_message(
                rt,
                channel=product.channel,
                text=message["text"],
                blocks=message["blocks"],
                metadata={
                    "event_type": ESCALATION_EVENT,
                    "event_payload": {"ticket_id": ticket_id},
                },
                unfurl_links=False,
            )["ts"]
        rt.redis.set(thread_key(product.channel, ts), ticket_id)
        record = _set_escalation(rt, ticket_id, channel=product.channel, ts=ts)
    assert record.escalation is not None and record.escalation.ts is not None
    if record.escalation.permalink is None:
        link = permalink(rt, product.channel, record.escalation.ts)
        record = _set_escalation(rt, ticket_id, permalink=link)
    tracker_url = _tracker_issue(rt, record, escalation)
    if tracker_url != escalation.tracker_url:
        record = _set_escalation(rt, ticket_id, tracker_url=tracker_url)
    actor = record.case.timeline[-1].actor if record.case.timeline else "?"
    note = texts.escalation_note(
        product.name, display_name(rt, actor), escalation.notes, tracker_url
    )
    agent = zendesk_agent(rt, actor)
    change = TicketUpdate(
        note,
        author_id=agent.id,
        status=rt.settings.zendesk_waiting_status,
        assignee_id=agent.id,
        tags=("soporte_escalado",),
    )
    write_once(rt, ticket_id, "escalated", change)
    _refresh_both(rt, record)
    return "escalated"


def _note(
    rt: Runtime, ticket_id: int, marker: str, text: str, author: str, *, assign: bool = False
) -> None:
    """An internal note by `author` (their Zendesk agent, else the API user), once; none on a
    ticket closed or deleted in Zendesk. With `assign`, the author's Zendesk agent (if they
    have one) becomes the ticket's assignee."""
    agent = zendesk_agent(rt, author)
    assignee = agent.id if assign and agent.matched else None
    change = TicketUpdate(text, author_id=agent.id, assignee_id=assignee)
    write_once(rt, ticket_id, marker, change, blocked_by=NOTE_BLOCKED)


def _refresh_both(rt: Runtime, record: CaseRecord) -> None:
    from workers.cards import update_card

    if record.card:
        update_card(rt, record)
    _update_escalation_message(rt, record)


def _update_escalation_message(rt: Runtime, record: CaseRecord) -> None:
    escalation = record.escalation
    if escalation is None or escalation.ts is None or escalation.channel is None:
        return
    message = escalation_message(record, rt.catalog)
    rt.slack.chat_update(
        channel=escalation.channel, ts=escalation.ts, text=message["text"], blocks=message["blocks"]
    )


def refresh_escalation(ticket_id: int) -> str:
    rt = get_runtime()
    record, _ = _record(rt, ticket_id)
    _update_escalation_message(rt, record)
    return "updated"


def post_in_escalation(ticket_id: int, text: str) -> str:
    """Say something in the product-channel thread of the case."""
    rt = get_runtime()
    _, escalation = _record(rt, ticket_id)
    if escalation.ts is None or escalation.channel is None:
        raise RuntimeError(f"ticket {ticket_id}: escalation thread not open yet")
    return post_message(
        rt, channel=escalation.channel, thread_ts=escalation.ts, text=text, unfurl_links=False
    )["ts"]


def record_owner(ticket_id: int) -> str:
    """Tell the thread, the agent and the ticket who the Mantenedor is."""
    rt = get_runtime()
    record, escalation = _record(rt, ticket_id)
    owner = escalation.maintainer or "?"
    _note(
        rt,
        ticket_id,
        "owner",
        texts.owner_note(display_name(rt, owner)),
        owner,
        assign=rt.catalog.assign_maintainer,
    )
    post_in_escalation(ticket_id, texts.owner_thread(owner))
    if record.card:
        post_in_thread(ticket_id, texts.owner_thread(owner))
    _refresh_both(rt, record)
    return owner


def echo(rt: Runtime, record: CaseRecord, index: int) -> tuple[str, str]:
    """The diagnosis number `index` (1-based) as mrkdwn, and its estimate echoed as a date."""
    assert record.escalation is not None
    diagnosis = record.escalation.diagnoses[index - 1]
    when = diagnosis_estimate_echo(diagnosis, rt.catalog.tz)
    return diagnosis_text(diagnosis, when), when


def publish_diagnosis(ticket_id: int, index: int) -> str:
    """Post the diagnosis in the thread, relay it to the agent, save it on the ticket."""
    rt = get_runtime()
    record, escalation = _record(rt, ticket_id)
    text, when = echo(rt, record, index)
    diagnosis = escalation.diagnoses[index - 1]
    post_in_escalation(ticket_id, text)
    if record.card:
        post_in_thread(ticket_id, text)
    note = texts.diagnosis_note(
        index,
        display_name(rt, diagnosis.author),
        diagnosis.summary,
        diagnosis.certainty,
        f"{when} («{diagnosis.estimate_text}»)",
        diagnosis.confidence,
    )
    _note(rt, ticket_id, f"diagnosis-{index}", note, diagnosis.author)
    _refresh_both(rt, record)
    return "published"


def announce_fix(ticket_id: int) -> str:
    rt = get_runtime()
    record, escalation = _record(rt, ticket_id)
    note = escalation.fix_note or ""
    owner = escalation.maintainer or "?"
    fixed = texts.fixed_note(display_name(rt, owner), note)
    _note(rt, ticket_id, f"fixed-{len(record.case.timeline)}", fixed, owner)
    if record.card:
        post_in_thread(ticket_id, texts.fixed_thread_for_agent(owner, note))
    _refresh_both(rt, record)
    return "announced"
