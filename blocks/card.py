"""The ticket card in the agents' channel: what the ticket is, where the case stands, what next."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from blocks import ids
from blocks.buttons import actions_block
from blocks.diagnosis import diagnosis_estimate_echo, diagnosis_text
from blocks.limits import (
    FALLBACK_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_FIELD_MAX,
    SECTION_TEXT_MAX,
)
from blocks.targets import countdown_line
from bot.domain import mrkdwn as t
from bot.domain.case import CaseRecord, Escalation, Reply
from bot.domain.catalog import Catalog
from bot.domain.desk_texts import DECISION_LABELS
from bot.domain.lifecycle import Event, State, Transition
from bot.domain.offers import CaseFacts, Role, offers

EXCERPT_CHARS = 600
NO_SUBJECT = "(sin asunto)"

EVENT_LABELS: dict[Event, str] = {
    **DECISION_LABELS,
    Event.TAKE_CASE: "Caso tomado",
    Event.DIAGNOSE: "Diagnóstico",
    Event.RESPOND_INITIAL: "Respuesta inicial",
    Event.SEND_UPDATE: "Actualización",
    Event.MARK_FIXED: "Corrección en el producto",
    Event.PROPOSE_RESOLUTION: "Propuesta de resolución",
    Event.USER_CONFIRMED: "Confirmación del usuario",
    Event.WINDOW_EXPIRED: "Plazo de confirmación vencido",
    Event.USER_REPLIED: "Respuesta del usuario",
    Event.NOT_FIXED: "Sigue el problema",
    Event.CLOSED_IN_ZENDESK: "Terminado en Zendesk",
}

STATE_LABELS: dict[State, str] = {
    State.NEW: "Pendiente de triage",
    State.SPAM: "Spam",
    State.ESCALATED: "🆙 Escalado",
    State.ASSIGNED: "🛠️ Asignado",
    State.DIAGNOSED: "🔎 Diagnosticado",
    State.IN_PROGRESS: "🔧 En curso",
    State.FIXED: "🩹 Corregido en el producto",
    State.AWAITING_CONFIRMATION: "✉️ Esperando confirmación",
    State.USER_ANSWERED: "💬 El usuario respondió",
    State.RESOLVED: "✅ Resuelto",
    State.CLOSED_IN_ZENDESK: "🔒 Terminado en Zendesk",
}
USER_WORDS_ON_CARD = 1200

_PROGRESS: dict[State, str] = {
    State.ESCALATED: "🆙 Escalado por {who}: esperando que un mantenedor tome el caso",
    State.ASSIGNED: "🛠️ Asignado a {who}",
}

# Status of an escalated case whose escalation the card knows (`record.escalation`).
_ESCALATED_STATUS: dict[State, str] = {
    State.ESCALATED: "🆙 Escalado a {channel} — esperando mantenedor",
    State.ASSIGNED: "🛠️ Caso tomado por {maintainer} — esperando su diagnóstico",
    State.DIAGNOSED: "🔎 Diagnóstico recibido — envía la respuesta inicial al usuario",
    State.IN_PROGRESS: "🔧 En curso con {maintainer} — mantén al usuario informado",
    State.FIXED: "🩹 Corregido en el producto — propón la resolución al usuario",
}

DIAGNOSIS_CHARS_ON_CARD = 1200
FIX_NOTE_CHARS_ON_CARD = 600


def decision_label(event: Event | None) -> str:
    """The Spanish name of a triage decision (or any other step) as the card shows it."""
    if event is None:
        return "sin decisión"
    return EVENT_LABELS.get(event, event.value)


def _reply_label(reply: Reply, record: CaseRecord) -> str:
    try:
        return decision_label(Event(reply.kind))
    except ValueError:
        return decision_label(record.case.decision) if record.case.decision else reply.kind


def _last_step(record: CaseRecord) -> Transition | None:
    return record.case.timeline[-1] if record.case.timeline else None


def _by_on(step: Transition) -> str:
    return f"{t.user_mention(step.actor)} el {t.slack_date(step.at)}"


def _escalation_channel(escalation: Escalation, catalog: Catalog | None) -> str | None:
    if escalation.channel:
        return escalation.channel
    product = catalog.product(escalation.product) if catalog else None
    return product.channel if product else None


def _channel_mention(channel: str | None, escalation: Escalation) -> str:
    if channel:
        return f"<#{channel}>"
    return f"el canal de {t.escape_mrkdwn(escalation.product)}"


def status_text(record: CaseRecord, catalog: Catalog | None = None) -> str:
    """One mrkdwn line saying where the case stands, who moved it there and when."""
    case = record.case
    pending = record.pending_replies
    if pending:
        reply = pending[0]
        who = t.user_mention(reply.author or case.decided_by)
        return f"⏳ Enviando respuesta… (decisión: {_reply_label(reply, record)} por {who})"
    step = _last_step(record)
    if step is None:
        return STATE_LABELS[State.NEW]
    if case.state is State.USER_ANSWERED:
        words = t.quote(t.escape_mrkdwn(t.truncate(record.user_words or "", USER_WORDS_ON_CARD)))
        return (
            f"💬 *El usuario respondió* ({t.slack_date(step.at)}):\n{words}\n"
            "¿Confirma que el problema está resuelto? Registra su respuesta."
        )
    if case.state is State.CLOSED_IN_ZENDESK:
        return f"🔒 Terminado en Zendesk: {t.escape_mrkdwn(step.reason)} ({t.slack_date(step.at)})"
    if case.state is State.NEW and step.event is Event.NOT_FIXED:
        return (
            f"↩️ El usuario indica que el problema sigue (registrado por {_by_on(step)}): "
            "vuelve a triage"
        )
    dropped = next((r for r in reversed(record.replies) if r.dropped), None)
    if case.state is State.SPAM and dropped is not None:
        return f"🔒 {decision_label(case.decision)} por {_by_on(step)}: {dropped.dropped}"
    if case.state is State.SPAM:
        if case.decision is Event.WRONG_RECIPIENT:
            return f"↩️ Destinatario errado: respondido y cerrado como spam por {_by_on(step)}"
        return f"🚫 Spam — marcado por {_by_on(step)}"
    if case.state is State.AWAITING_CONFIRMATION:
        deadline = t.slack_date(case.window_deadline) if case.window_deadline else "(sin plazo)"
        return (
            f"✉️ {decision_label(step.event)} — respondido por {_by_on(step)}. "
            f"Esperando confirmación del usuario hasta {deadline}"
        )
    if case.state is State.RESOLVED:
        if step.event is Event.WINDOW_EXPIRED:
            return "✅ Resuelto — plazo de confirmación vencido sin respuesta"
        return f"✅ Resuelto — confirmado por el usuario (registrado por {_by_on(step)})"
    if step.event is Event.NOT_FIXED:
        return (
            "↩️ El usuario indica que el problema sigue: "
            f"{STATE_LABELS[case.state]} (el caso vuelve a tus manos)"
        )
    escalation = record.escalation
    if escalation is not None and case.state in _ESCALATED_STATUS:
        channel = _escalation_channel(escalation, catalog)
        line = _ESCALATED_STATUS[case.state].format(
            channel=_channel_mention(channel, escalation),
            maintainer=t.user_mention(escalation.maintainer),
        )
        if case.state is State.IN_PROGRESS and escalation.last_user_update:
            line += f" (última comunicación: {t.slack_date(escalation.last_user_update)})"
        return line
    template = _PROGRESS.get(case.state, "{state} — {step} por {who}")
    return template.format(
        state=STATE_LABELS[case.state], step=decision_label(step.event), who=_by_on(step)
    )


def card_actions(record: CaseRecord) -> ActionsBlock | None:
    """The agent's buttons for what the case offers now (none while a reply is on its way)."""
    events = offers(CaseFacts.of(record), {Role.AGENT})
    return actions_block(ids.Block.CARD_ACTIONS, events, record.case.state, record.ticket_id)


def _requester(record: CaseRecord) -> str:
    ticket = record.ticket
    name = t.escape_mrkdwn((ticket.requester_name or "").strip() or "(sin nombre)")
    email = (ticket.requester_email or "").strip()
    lines = [f"*Solicitante*\n{name}"]
    if email:
        lines.append(t.escape_mrkdwn(email))
    return t.truncate_mrkdwn("\n".join(lines), SECTION_FIELD_MAX)


def _organization(record: CaseRecord, catalog: Catalog) -> str:
    ticket = record.ticket
    name = ticket.organization_name
    if not name and ticket.organization_id is not None:
        org = catalog.organization(ticket.organization_id)
        name = org.name if org else None
    shown = t.escape_mrkdwn(name) if name else "Sin organización"
    return t.truncate_mrkdwn(f"*Organización*\n{shown}", SECTION_FIELD_MAX)


def _products(record: CaseRecord, catalog: Catalog) -> str:
    products = catalog.products_for_organization(record.ticket.organization_id)
    names = ", ".join(t.escape_mrkdwn(p.name) for p in products) or "ninguno registrado"
    return t.truncate_mrkdwn(f"*Productos con soporte*\n{names}", SECTION_FIELD_MAX)


def _excerpt(record: CaseRecord, limit: int = EXCERPT_CHARS) -> str:
    body = t.clean_body(record.ticket.excerpt or "")
    if not body:
        return "_(el ticket no trae texto)_"
    shown = t.quote(t.escape_mrkdwn(t.truncate(body, limit)))
    return t.truncate_mrkdwn(shown, SECTION_TEXT_MAX)


def fix_line(record: CaseRecord, limit: int) -> str:
    """The maintainer's fix note: "✅ Corregido: …", or "earlier fix" once the user said
    the problem persists and the case went back to work."""
    escalation = record.escalation
    note = t.clean_body(escalation.fix_note or "") if escalation else ""
    shown = t.escape_mrkdwn(t.truncate(note.replace("\n", " "), limit))
    if record.case.state is State.IN_PROGRESS:
        return f"↩️ Corrección anterior (el problema persistió): {shown}"
    return f"✅ Corregido: {shown}"


def escalation_summary(record: CaseRecord, catalog: Catalog) -> str | None:
    """The card's escalation lines: thread, maintainer, latest diagnosis, fix, tracker."""
    escalation = record.escalation
    if escalation is None:
        return None
    channel = _escalation_channel(escalation, catalog)
    where = _channel_mention(channel, escalation)
    if escalation.permalink:
        where += " · " + t.link(escalation.permalink, "Ver hilo del escalamiento")
    elif record.case.state is State.ESCALATED:
        where += " (publicando el escalamiento…)"
    lines = [f"🧵 Escalamiento en {where}"]
    maintainer = t.user_mention(escalation.maintainer) if escalation.maintainer else "sin asignar"
    lines.append(f"🛠️ Mantenedor: {maintainer}")
    diagnosis = escalation.diagnosis
    if diagnosis is not None:
        echo = diagnosis_estimate_echo(diagnosis, catalog.tz)
        lines.append(diagnosis_text(diagnosis, echo, DIAGNOSIS_CHARS_ON_CARD))
    if escalation.fix_note:
        lines.append(fix_line(record, FIX_NOTE_CHARS_ON_CARD))
    if escalation.tracker_url:
        lines.append(f"📌 {t.link(escalation.tracker_url, 'Ver en el tracker')}")
    return t.truncate_mrkdwn("\n".join(lines), SECTION_TEXT_MAX)


def card_fallback_text(record: CaseRecord) -> str:
    """Notification text for the card: ticket number and subject only, escaped."""
    subject = t.clean_body(record.ticket.subject or "").replace("\n", " ") or NO_SUBJECT
    return t.truncate_mrkdwn(
        f"Ticket #{record.ticket_id} · {t.escape_mrkdwn(subject)}", FALLBACK_TEXT_MAX
    )


def ticket_card(
    record: CaseRecord, catalog: Catalog, now: datetime | None = None
) -> dict[str, Any]:
    """The card for chat.postMessage / chat.update: `{"text": …, "blocks": […]}`; `now`
    (default: the clock) dates the countdown of the next target."""
    ticket = record.ticket
    subject = t.clean_body(ticket.subject or "").replace("\n", " ") or NO_SUBJECT
    received = f"{t.slack_date(ticket.created_at)} ({t.ago(ticket.created_at)})"
    blocks: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(
                text=t.truncate(f"#{ticket.id} · {subject}", HEADER_TEXT_MAX), emoji=True
            )
        ),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=_requester(record)),
                MarkdownTextObject(text=_organization(record, catalog)),
                MarkdownTextObject(text=_products(record, catalog)),
                MarkdownTextObject(text=f"*Recibido*\n{received}"),
            ]
        ),
        SectionBlock(text=MarkdownTextObject(text=_excerpt(record))),
    ]
    if ticket.url:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=t.link(ticket.url, "Abrir en Zendesk"))])
        )
    if ticket.follow_up_of:
        earlier = ticket.url.rsplit("/", 1)[0] + f"/{ticket.follow_up_of}"
        line = (
            f"↪️ Seguimiento del ticket cerrado {t.link(earlier, f'#{ticket.follow_up_of}')}: "
            "el usuario volvió a escribir después del cierre."
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
    blocks.append(DividerBlock())
    status = status_text(record, catalog)
    last_sent = next((r for r in reversed(record.replies) if r.sent_at), None)
    if last_sent is not None and last_sent.as_api_user:
        status += (
            f"\n_La respuesta salió en Zendesk a nombre del usuario de la API: no encontré a "
            f"{t.user_mention(last_sent.author)} entre los agentes de Zendesk por su e-mail._"
        )
    status = t.truncate_mrkdwn(status, SECTION_TEXT_MAX)
    blocks.append(
        SectionBlock(block_id=ids.Block.CARD_STATUS, text=MarkdownTextObject(text=status))
    )
    countdown = countdown_line(record, catalog, now or datetime.now(UTC))
    if countdown:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=countdown)]))
    summary = escalation_summary(record, catalog)
    if summary:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=summary)))
    actions = card_actions(record)
    if actions is not None:
        blocks.append(actions)
    return {"text": card_fallback_text(record), "blocks": [b.to_dict() for b in blocks]}
