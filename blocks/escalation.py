"""The escalation message in the product's channel: the report, the agent's notes, who has it.

Posted once when the agent escalates, then rebuilt (chat.update) at every step, so the
buttons always match what the case allows: "Tomar caso" until someone takes it, then the
maintainer's "Diagnóstico" and "Problema corregido".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks import ids
from blocks.buttons import actions_block
from blocks.diagnosis import (
    diagnosis_estimate_echo,
    diagnosis_text,
    estimate_echo,
)
from blocks.layout import header
from blocks.limits import FALLBACK_TEXT_MAX, SECTION_TEXT_MAX
from blocks.targets import countdown_line
from blocks.ticket_lines import (
    attachments_line,
    fix_line,
    organization_field,
    report_excerpt,
    requester_field,
    ticket_subject,
)
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Event, State, Transition
from bot.domain.offers import CHANNEL_ROLES, CaseFacts, offers
from bot.domain.targets import Metric

__all__ = [
    "diagnosis_text",
    "escalation_actions",
    "escalation_fallback_text",
    "escalation_message",
    "escalation_status",
    "escalation_thread_url",
    "estimate_echo",
]

REPORT_CHARS = 1500
NOTES_CHARS = 2500
DIAGNOSIS_CHARS = 1500
FIX_NOTE_CHARS = 1000


def _escalate_step(record: CaseRecord) -> Transition | None:
    return next(
        (s for s in reversed(record.case.timeline) if s.event is Event.ESCALATE),
        None,
    )


def _product_name(record: CaseRecord, catalog: Catalog) -> str:
    key = record.escalation.product if record.escalation else record.product
    product = catalog.product(key) if key else None
    return product.name if product else (key or "(sin producto)")


def escalation_thread_url(record: CaseRecord) -> str | None:
    """The link to the escalation message, once it is posted."""
    escalation = record.escalation
    return escalation.permalink if escalation else None


def escalation_fallback_text(record: CaseRecord) -> str:
    """Notification text: ticket number and subject only, escaped."""
    return t.truncate_mrkdwn(
        f"Caso escalado #{record.ticket_id} · {t.escape_mrkdwn(ticket_subject(record))}",
        FALLBACK_TEXT_MAX,
    )


def _notes(record: CaseRecord) -> str:
    notes = t.clean_body(record.escalation.notes if record.escalation else "")
    step = _escalate_step(record)
    by = f"Escalado por {t.user_mention(step.actor)}" if step else "Escalado"
    head = f"*Antecedentes del agente* · {by}"
    if not notes:
        return f"{head}\n_(sin antecedentes adicionales)_"
    quoted = t.quote(t.escape_mrkdwn(t.truncate(notes, NOTES_CHARS)))
    return t.truncate_mrkdwn(f"{head}\n{quoted}", SECTION_TEXT_MAX)


def _links(record: CaseRecord) -> str:
    parts: list[str] = []
    if record.ticket.url:
        parts.append(t.link(record.ticket.url, f"Ticket #{record.ticket_id} en Zendesk"))
    escalation = record.escalation
    if escalation and escalation.tracker_url:
        parts.append(t.link(escalation.tracker_url, glossary.SEE_IN_TRACKER))
    return " · ".join(parts)


def escalation_status(record: CaseRecord, catalog: Catalog) -> str:
    """Who has the case and what they found: the lines under the report (mrkdwn)."""
    state = record.case.state
    escalation = record.escalation
    if state is State.ESCALATED or escalation is None:
        product = catalog.product(escalation.product) if escalation else None
        who = " ".join(t.user_mention(u) for u in product.maintainers) if product else ""
        return f"🙋 *Sin {glossary.MAINTAINER}: ¿quién lo toma?* {who}".rstrip()
    maintainer = t.user_mention(escalation.maintainer) if escalation.maintainer else "sin asignar"
    lines = [f"🛠️ {glossary.MAINTAINER_LABEL}: {maintainer}"]
    diagnosis = escalation.diagnosis
    if diagnosis is not None:
        echo = diagnosis_estimate_echo(diagnosis, catalog.tz)
        lines.append(diagnosis_text(diagnosis, echo, DIAGNOSIS_CHARS))
    elif state is State.ASSIGNED:
        lines.append("⏳ Falta el diagnóstico: resumen, certeza, estimación y confianza.")
    if escalation.fix_note and state is not State.DIAGNOSED:
        lines.append(fix_line(record, FIX_NOTE_CHARS))
    if state is State.DIAGNOSED:
        lines.append("✉️ El agente está preparando la respuesta inicial al usuario.")
    elif state is State.FIXED:
        lines.append("✉️ El agente propondrá la resolución al usuario.")
    elif state is State.AWAITING_CONFIRMATION:
        deadline = record.case.window_deadline
        until = f" hasta {t.slack_date(deadline)}" if deadline else ""
        lines.append(f"✉️ Resolución propuesta al usuario: esperando su confirmación{until}.")
    elif state is State.USER_ANSWERED:
        lines.append("💬 El usuario respondió; el agente registrará si confirmó la solución.")
    elif state is State.RESOLVED:
        lines.append("✅ *Caso resuelto.* ¡Gracias!")
    elif state is State.CLOSED_IN_ZENDESK:
        lines.append("🔒 El ticket se terminó en Zendesk fuera del escritorio.")
    elif state is State.IN_PROGRESS and escalation.last_user_update:
        when = t.slack_date(escalation.last_user_update)
        lines.append(f"✉️ Última comunicación al usuario: {when}")
    return t.truncate_mrkdwn("\n".join(lines), SECTION_TEXT_MAX)


def escalation_actions(record: CaseRecord) -> ActionsBlock | None:
    """The buttons of the channel's people for what the case offers now (none once fixed)."""
    events = offers(CaseFacts.of(record), CHANNEL_ROLES)
    return actions_block(ids.Block.ESCALATION_ACTIONS, events, record.case.state, record.ticket_id)


def escalation_message(
    record: CaseRecord, catalog: Catalog, now: datetime | None = None
) -> dict[str, Any]:
    """The message for chat.postMessage / chat.update in the product's channel; `now`
    (default: the clock) dates the countdown of the next target, the diagnosis first."""
    ticket = record.ticket
    product = t.escape_mrkdwn(_product_name(record, catalog))
    blocks: list[Block] = [
        header(f"Caso escalado #{ticket.id} · {ticket_subject(record)}"),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=requester_field(record)),
                MarkdownTextObject(text=organization_field(record, catalog)),
                MarkdownTextObject(text=f"*Producto*\n{product}"),
                MarkdownTextObject(text=f"*Recibido*\n{t.slack_date(ticket.created_at)}"),
            ]
        ),
        SectionBlock(
            text=MarkdownTextObject(
                text=t.truncate_mrkdwn(
                    f"*Reporte del usuario*\n{report_excerpt(record, REPORT_CHARS)}",
                    SECTION_TEXT_MAX,
                )
            )
        ),
    ]
    files = attachments_line(record)
    if files:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=files)]))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_notes(record))))
    links = _links(record)
    if links:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=links)]))
    blocks += [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=escalation_status(record, catalog))),
    ]
    countdown = countdown_line(record, catalog, now or datetime.now(UTC), Metric.DIAGNOSIS)
    if countdown:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=countdown)]))
    actions = escalation_actions(record)
    if actions is not None:
        blocks.append(actions)
    return {"text": escalation_fallback_text(record), "blocks": [b.to_dict() for b in blocks]}
