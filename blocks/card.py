"""The ticket card in the agents' channel: what the ticket is, where the case stands, what next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from blocks import ids
from blocks.buttons import button, step_buttons
from blocks.diagnosis import diagnosis_estimate_echo, diagnosis_text
from blocks.layout import header
from blocks.limits import (
    CONTEXT_TEXT_MAX,
    FALLBACK_TEXT_MAX,
    SECTION_TEXT_MAX,
)
from blocks.targets import countdown_line
from blocks.ticket_lines import (
    attachments_line,
    fix_line,
    organization_field,
    products_field,
    report_excerpt,
    requester_field,
    ticket_facts,
    ticket_subject,
)
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain.button_values import ticket_value
from bot.domain.case import CaseRecord, Escalation, Reply
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Event, State, Transition
from bot.domain.offers import CaseFacts, Role, offers

EVENT_LABELS = glossary.EVENT_LABELS
STATE_LABELS = glossary.STATE_LABELS
USER_WORDS_ON_CARD = 1200

_PROGRESS: dict[State, str] = {
    State.ESCALATED: (
        f"🆙 Escalado por {{who}}: esperando que un {glossary.MAINTAINER} tome el caso"
    ),
    State.ASSIGNED: "🛠️ Asignado a {who}",
}

# Status of an escalated case whose escalation the card knows (`record.escalation`).
_ESCALATED_STATUS: dict[State, str] = {
    State.ESCALATED: f"🆙 Escalado a {{channel}} — esperando {glossary.MAINTAINER}",
    State.ASSIGNED: "🛠️ Caso tomado por {maintainer} — esperando su diagnóstico",
    State.DIAGNOSED: "🔎 Diagnóstico recibido — envía la respuesta inicial al usuario",
    State.IN_PROGRESS: "🔧 En curso con {maintainer} — mantén al usuario informado",
    State.FIXED: "🩹 Corregido en el producto — propón la resolución al usuario",
}

DIAGNOSIS_CHARS_ON_CARD = 1200
FIX_NOTE_CHARS_ON_CARD = 600

# The likely decisions first (one primary); the rare ones behind "Más opciones…"; spam last.
_TRIAGE_BUTTONS: tuple[tuple[str, Event, str | None], ...] = (
    (ids.Action.INFORMATION, Event.RESOLVE_WITH_INFORMATION, "primary"),
    (ids.Action.DOCUMENTED_ACTION, Event.RESOLVE_WITH_ACTION, None),
    (ids.Action.ESCALATE, Event.ESCALATE, None),
)
_MORE_OPTIONS: tuple[tuple[str, Event], ...] = (
    (ids.Action.PERSON, Event.REFER_TO_PERSON),
    (ids.Action.UNSUPPORTED, Event.UNSUPPORTED_PRODUCT),
    (ids.Action.WRONG_RECIPIENT, Event.WRONG_RECIPIENT),
)
# A user who wrote back is neither spam nor a wrong recipient.
_RETURNING_USER_OPTIONS = (ids.Action.PERSON, ids.Action.UNSUPPORTED)
_TRIAGE_EVENTS = (
    *(event for _, event, _ in _TRIAGE_BUTTONS),
    *(event for _, event in _MORE_OPTIONS),
    Event.MARK_SPAM,
)

SPAM_SOLVES = (
    "El ticket se cerrará en Zendesk como resuelto, con la etiqueta «spam», "
    "sin responder al remitente."
)
SPAM_SUSPENDS = (
    "Zendesk marcará el ticket como spam: lo elimina y *suspende al remitente*, que no podrá "
    "volver a escribir a soporte. No se le responde."
)


def spam_confirm(catalog: Catalog) -> ConfirmObject:
    """The spam button's confirmation, saying what will happen in Zendesk."""
    return ConfirmObject(
        title="¿Marcar como spam?",
        text=SPAM_SUSPENDS if catalog.spam_suspends_requester else SPAM_SOLVES,
        confirm="Marcar como spam",
        deny="Cancelar",
        style="danger",
    )


def more_option_value(action_id: str, ticket_id: int) -> str:
    """The value of a "Más opciones…" choice: which decision, on which ticket."""
    return f"{action_id}|{ticket_value(ticket_id)}"


def parse_more_option(value: str) -> tuple[str, str]:
    """(action_id, ticket value) of a "Más opciones…" choice."""
    action_id, _, ticket = value.partition("|")
    return action_id, ticket


def decision_label(event: Event | None) -> str:
    """The Spanish name of a triage decision (or any other step) as the card shows it."""
    return glossary.event_label(event)


def _reply_label(reply: Reply, record: CaseRecord) -> str:
    try:
        return decision_label(Event(reply.kind))
    except ValueError:
        return decision_label(record.case.decision) if record.case.decision else reply.kind


def _last_step(record: CaseRecord) -> Transition | None:
    return record.case.timeline[-1] if record.case.timeline else None


def when(at: datetime, reference: datetime) -> str:
    """A moment as it reads after "por <@U>": "hoy 07:35", "ayer 07:35", "el 3 dic 07:35".

    Slack's `{date_short_pretty}` already says "hoy"/"ayer" for the last two days (in each
    reader's zone); an older moment gets "el" and Slack's absolute date. `reference` is when
    the text is written (a card is re-rendered at every step of its case)."""
    if reference - at < RECENT:
        return t.slack_date(at)
    return f"el {t.slack_date(at, '{date_short} {time}')}"


RECENT = timedelta(hours=24)


def by_on(step: Transition, reference: datetime | None = None) -> str:
    """ "<@U> hoy 07:35": who took the step and when, read at `reference`."""
    return f"{t.user_mention(step.actor)} {when(step.at, reference or step.at)}"


def _escalation_channel(escalation: Escalation, catalog: Catalog | None) -> str | None:
    if escalation.channel:
        return escalation.channel
    product = catalog.product(escalation.product) if catalog else None
    return product.channel if product else None


def _channel_mention(channel: str | None, escalation: Escalation) -> str:
    if channel:
        return f"<#{channel}>"
    return f"el canal de {t.escape_mrkdwn(escalation.product)}"


def status_text(
    record: CaseRecord, catalog: Catalog | None = None, now: datetime | None = None
) -> str:
    """One mrkdwn line saying where the case stands, who moved it there and when (as read at
    `now`: "hoy 07:35", "el 3 dic 07:35")."""

    def _by_on(step: Transition) -> str:
        return by_on(step, now)

    case = record.case
    pending = record.pending_replies
    if pending:
        reply = pending[0]
        who = t.user_mention(reply.author or case.decided_by)
        return f"⏳ Enviando respuesta… (decisión: {_reply_label(reply, record)} por {who})"
    step = _last_step(record)
    if step is None:
        return STATE_LABELS[State.NEW]
    if step.event is Event.REPLY_REFUSED:
        return f"⚠️ Zendesk rechazó la respuesta: {t.escape_mrkdwn(step.reason)}"
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
            f"vuelve a {glossary.TRIAGE_VERB}se"
        )
    dropped = next((r for r in reversed(record.replies) if r.dropped), None)
    if case.state is State.SPAM and dropped is not None:
        return f"🔒 {decision_label(case.decision)} por {_by_on(step)}: {dropped.dropped}"
    if case.state is State.SPAM:
        if case.decision is Event.WRONG_RECIPIENT:
            return f"↩️ Destinatario equivocado: respondido y cerrado como spam por {_by_on(step)}"
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


_CONFIRMED = ConfirmObject(
    title="¿Caso resuelto?",
    text="¿El usuario confirmó que el caso está resuelto?",
    confirm="Sí, confirmó",
    deny="Cancelar",
)


def _more_options(ticket_id: int, action_ids: tuple[str, ...]) -> StaticSelectElement:
    labels = dict(_MORE_OPTIONS)
    options = [
        Option(
            value=more_option_value(action_id, ticket_id),
            text=PlainTextObject(text=glossary.ACTION_LABELS[labels[action_id]], emoji=True),
        )
        for action_id, _ in _MORE_OPTIONS
        if action_id in action_ids
    ]
    return StaticSelectElement(
        action_id=ids.Action.MORE_OPTIONS,
        placeholder=PlainTextObject(text=glossary.MORE_OPTIONS, emoji=True),
        options=options,
    )


def triage_elements(
    ticket_id: int,
    catalog: Catalog | None,
    *,
    returning: bool = False,
    offered: frozenset[Event] = frozenset(_TRIAGE_EVENTS),
) -> list[Any]:
    """The triage chain as the agent uses it: likely decisions first, the rare ones behind
    "Más opciones…", spam last (the card and the Home). A returning user is offered neither
    spam nor a wrong recipient. Only the decisions `offered` (bot.domain.offers) show."""
    value = ticket_value(ticket_id)
    elements: list[Any] = [
        button(action_id, glossary.ACTION_LABELS[event], value, style)
        for action_id, event, style in _TRIAGE_BUTTONS
        if event in offered
    ]
    rare = dict(_MORE_OPTIONS)
    kept = _RETURNING_USER_OPTIONS if returning else tuple(rare)
    kept = tuple(a for a in kept if rare[a] in offered)
    if kept:
        elements.append(_more_options(ticket_id, kept))
    if not returning and Event.MARK_SPAM in offered:
        confirm = spam_confirm(catalog) if catalog else None
        label = glossary.ACTION_LABELS[Event.MARK_SPAM]
        elements.append(button(ids.Action.SPAM, label, value, "danger", confirm))
    return elements


def returning_user(record: CaseRecord) -> bool:
    """A case back in triage because the user wrote again (not a stranger's first mail)."""
    step = _last_step(record)
    return record.case.state is State.NEW and step is not None and step.event in _BACK_TO_TRIAGE


_BACK_TO_TRIAGE = frozenset({Event.NOT_FIXED, Event.REOPENED})


def primary_first(buttons: list[Any]) -> list[Any]:
    """The likely action (the primary button) first, the others in their order."""
    return sorted(buttons, key=lambda b: getattr(b, "style", None) != "primary")


def card_actions(record: CaseRecord, catalog: Catalog | None = None) -> ActionsBlock | None:
    """The agent's buttons for what the case offers now (none while a reply is on its way):
    the triage chain laid out for a glance, or the next steps, the likely one first."""
    events = offers(CaseFacts.of(record), {Role.AGENT})
    state = record.case.state
    if state is State.NEW:
        returning = returning_user(record)
        elements = triage_elements(record.ticket_id, catalog, returning=returning, offered=events)
    else:
        elements = primary_first(step_buttons(events, state, record.ticket_id))
    if not elements:
        return None
    return ActionsBlock(block_id=ids.Block.CARD_ACTIONS, elements=elements)


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
    lines.append(f"🛠️ {glossary.MAINTAINER_LABEL}: {maintainer}")
    diagnosis = escalation.diagnosis
    if diagnosis is not None:
        echo = diagnosis_estimate_echo(diagnosis, catalog.tz)
        lines.append(diagnosis_text(diagnosis, echo, DIAGNOSIS_CHARS_ON_CARD))
    if escalation.fix_note:
        lines.append(fix_line(record, FIX_NOTE_CHARS_ON_CARD))
    if escalation.tracker_url:
        lines.append(f"📌 {t.link(escalation.tracker_url, glossary.SEE_IN_TRACKER)}")
    return t.truncate_mrkdwn("\n".join(lines), SECTION_TEXT_MAX)


def card_fallback_text(record: CaseRecord) -> str:
    """Notification text for the card: ticket number and subject only, escaped."""
    subject = ticket_subject(record)
    return t.truncate_mrkdwn(
        f"Ticket #{record.ticket_id} · {t.escape_mrkdwn(subject)}", FALLBACK_TEXT_MAX
    )


def holder(record: CaseRecord) -> str | None:
    """Who has the case now: its responsable técnico while they work on it, else the agent."""
    escalation = record.escalation
    state = record.case.state
    if escalation and escalation.maintainer and state in _MAINTAINER_STATES:
        return escalation.maintainer
    return record.case.decided_by


_MAINTAINER_STATES = frozenset({State.ASSIGNED, State.DIAGNOSED, State.IN_PROGRESS})


def first_line(record: CaseRecord, *, claimed_by: str | None = None) -> str:
    """The card's first line: priority when urgent, state, age, who has it (or who is
    answering); the target's countdown follows it in the same context block."""
    ticket, case = record.ticket, record.case
    parts: list[str] = []
    if ticket.priority == "urgent":
        parts.append(f"*{glossary.PRIORITY_LABELS['urgent']}*")
    parts.append(f"*{STATE_LABELS[case.state]}*")
    parts.append(f"llegó {t.ago(ticket.created_at)}")
    if claimed_by and not case.is_final and not record.pending_replies:
        parts.append(f"✍️ {t.user_mention(claimed_by)} está respondiendo…")
    else:
        who = holder(record)
        parts.append(f"lo tiene {t.user_mention(who)}" if who else "sin asignar")
    return t.truncate_mrkdwn(" · ".join(parts), CONTEXT_TEXT_MAX)


def _first_line_block(
    record: CaseRecord, countdown: str | None, claimed_by: str | None
) -> ContextBlock:
    """The first line, with the target's countdown (blocks/targets.py) as its last element."""
    elements = [MarkdownTextObject(text=first_line(record, claimed_by=claimed_by))]
    if countdown:
        elements.append(MarkdownTextObject(text=countdown))
    return ContextBlock(block_id=ids.Block.CARD_FIRST, elements=elements)


def _context_line(text: str, block_id: str | None = None) -> ContextBlock:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=text)])


def _user_words_block(record: CaseRecord) -> SectionBlock:
    step = _last_step(record)
    at = f" ({t.slack_date(step.at)})" if step else ""
    words = t.quote(t.escape_mrkdwn(t.truncate(record.user_words or "", USER_WORDS_ON_CARD)))
    text = f"💬 *Nuevo mensaje del usuario*{at}:\n{words or '> _(sin texto)_'}"
    return SectionBlock(text=MarkdownTextObject(text=t.truncate_mrkdwn(text, SECTION_TEXT_MAX)))


def _returning_words(record: CaseRecord) -> bool:
    return bool(record.user_words) and (
        record.case.state is State.USER_ANSWERED or returning_user(record)
    )


def card_detail_blocks(
    record: CaseRecord,
    catalog: Catalog,
    *,
    countdown: str | None = None,
    claimed_by: str | None = None,
    now: datetime | None = None,
) -> list[Block]:
    """Everything the card knows, without its buttons (the open card, and "Ver detalle")."""
    ticket = record.ticket
    subject = ticket_subject(record)
    received = f"{t.slack_date(ticket.created_at)} ({t.ago(ticket.created_at)})"
    blocks: list[Block] = [
        header(f"#{ticket.id} · {subject}"),
        _first_line_block(record, countdown, claimed_by),
    ]
    if _returning_words(record):
        blocks.append(_user_words_block(record))
    blocks.append(
        SectionBlock(
            fields=[
                MarkdownTextObject(text=requester_field(record)),
                MarkdownTextObject(text=organization_field(record, catalog)),
                MarkdownTextObject(text=products_field(record, catalog)),
                MarkdownTextObject(text=f"*Recibido*\n{received}"),
            ]
        )
    )
    facts = ticket_facts(record)
    if facts:
        blocks.append(_context_line(facts))
    report = report_excerpt(record)
    if _returning_words(record):
        report = t.truncate_mrkdwn(f"*Mensaje original*\n{report}", SECTION_TEXT_MAX)
    blocks.append(SectionBlock(text=MarkdownTextObject(text=report)))
    files = attachments_line(record)
    if files:
        blocks.append(_context_line(files))
    if ticket.url:
        blocks.append(_context_line(t.link(ticket.url, "Abrir en Zendesk")))
    if ticket.follow_up_of:
        earlier = ticket.url.rsplit("/", 1)[0] + f"/{ticket.follow_up_of}"
        line = (
            f"↪️ Seguimiento del ticket cerrado {t.link(earlier, f'#{ticket.follow_up_of}')}: "
            "el usuario volvió a escribir después del cierre."
        )
        blocks.append(_context_line(line))
    blocks.append(DividerBlock())
    blocks.append(
        SectionBlock(
            block_id=ids.Block.CARD_STATUS,
            text=MarkdownTextObject(text=_status(record, catalog, now)),
        )
    )
    summary = escalation_summary(record, catalog)
    if summary:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=summary)))
    return blocks


def _status(record: CaseRecord, catalog: Catalog, now: datetime | None = None) -> str:
    status = status_text(record, catalog, now)
    last_sent = next((r for r in reversed(record.replies) if r.sent_at), None)
    if last_sent is not None and last_sent.as_api_user:
        status += (
            f"\n_La respuesta salió en Zendesk a nombre del usuario de la API: no encontré a "
            f"{t.user_mention(last_sent.author)} entre los agentes de Zendesk por su e-mail._"
        )
    return t.truncate_mrkdwn(status, SECTION_TEXT_MAX)


def _collapsed_blocks(record: CaseRecord, catalog: Catalog, now: datetime | None) -> list[Block]:
    """A finished case in two lines: how it ended, then what it was; the rest behind
    "Ver detalle" (a modal with the whole card)."""
    ticket = record.ticket
    subject = ticket_subject(record)
    detail = button(ids.Action.SEE_DETAIL, glossary.SEE_DETAIL, ticket_value(ticket.id))
    about = [f"*#{ticket.id} · {t.escape_mrkdwn(t.truncate(subject, 120))}*"]
    about.append(f"llegó {t.slack_date(ticket.created_at)}")
    if ticket.url:
        about.append(t.link(ticket.url, "Abrir en Zendesk"))
    return [
        SectionBlock(
            block_id=ids.Block.CARD_STATUS,
            text=MarkdownTextObject(text=_status(record, catalog, now)),
            accessory=detail,
        ),
        _context_line(t.truncate_mrkdwn(" · ".join(about), CONTEXT_TEXT_MAX), ids.Block.CARD_FIRST),
    ]


def ticket_card(
    record: CaseRecord,
    catalog: Catalog,
    now: datetime | None = None,
    *,
    claimed_by: str | None = None,
) -> dict[str, Any]:
    """The card for chat.postMessage / chat.update: `{"text": …, "blocks": […]}`.

    `now` (default: the clock) dates the countdown of the next target (blocks/targets.py),
    shown on the first line, and is when the card's dates are read ("hoy 07:35"; without
    it, at the case's last step); `claimed_by` is the agent who has a decision modal open on
    the case (the soft claim)."""
    if record.case.is_final and not record.pending_replies:
        blocks = _collapsed_blocks(record, catalog, now)
    else:
        countdown = countdown_line(record, catalog, now or datetime.now(UTC))
        blocks = card_detail_blocks(
            record, catalog, countdown=countdown, claimed_by=claimed_by, now=now
        )
        actions = card_actions(record, catalog)
        if actions is not None:
            blocks.append(actions)
    return {"text": card_fallback_text(record), "blocks": [b.to_dict() for b in blocks]}


def detail_modal(record: CaseRecord, catalog: Catalog, now: datetime) -> dict[str, Any]:
    """ "Ver detalle" of a finished card: the whole card, in a modal."""
    view = View(
        type="modal",
        title=PlainTextObject(text=t.truncate(f"Ticket #{record.ticket_id}", 24), emoji=True),
        close=PlainTextObject(text="Cerrar", emoji=True),
        blocks=card_detail_blocks(
            record, catalog, countdown=countdown_line(record, catalog, now), now=now
        ),
    )
    return view.to_dict()
