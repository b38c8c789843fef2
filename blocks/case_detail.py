"""`/soporte estado 1234`: where one case stands, and its whole timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks import ids
from blocks.buttons import actions_block
from blocks.diagnosis import diagnosis_estimate_echo, diagnosis_text
from blocks.layout import (
    context,
    header,
    latest_that_fit,
    paged_sections,
    render,
    section,
    text_size,
)
from blocks.limits import (
    FALLBACK_TEXT_MAX,
    FIELDS_MAX,
    MESSAGE_BLOCKS_MAX,
    MESSAGE_TEXT_BUDGET,
    SECTION_FIELD_MAX,
)
from blocks.soporte_answers import card_url, product_name
from blocks.ticket_lines import organization_name, ticket_subject
from bot.domain import dashboard as d
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain.case import CaseRecord
from bot.domain.case_summary import summarize
from bot.domain.catalog import Catalog
from bot.domain.offers import CaseFacts, offers, roles_of

ACTOR_NAMES = {"zendesk": "Zendesk", "plazo": "el plazo de cierre", "system": "el sistema"}
REASON_CHARS = 200
EARLIER_STEPS = (
    "Se muestran los pasos más recientes; los {n} anteriores no caben en un mensaje de Slack. "
    "Cada decisión quedó también como nota interna en el ticket de Zendesk."
)


def _field(title: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=t.truncate_mrkdwn(f"*{title}*\n{value}", SECTION_FIELD_MAX))


def _actor(actor: str) -> str:
    return ACTOR_NAMES.get(actor) or t.user_mention(actor)


def _one_line(text: str, limit: int) -> str:
    return t.escape_mrkdwn(t.truncate(" ".join(text.split()), limit))


def timeline_lines(record: CaseRecord) -> list[str]:
    lines = []
    for step in record.case.timeline:
        label = glossary.event_label(step.event)
        move = f"{d.STATE_LABELS[step.from_state]} → {d.STATE_LABELS[step.to_state]}"
        line = f"• {t.slack_date(step.at)} — *{label}* ({move}) por {_actor(step.actor)}"
        if step.reason.strip():
            line += f": «{_one_line(step.reason, REASON_CHARS)}»"
        lines.append(line)
    return lines


def case_actions(record: CaseRecord, catalog: Catalog, viewer: str) -> ActionsBlock | None:
    """The buttons of what `viewer` may do on the case now, as the card and the Home show them."""
    facts = CaseFacts.of(record)
    events = offers(facts, roles_of(catalog, viewer, facts))
    return actions_block(ids.Block.CASE_ACTIONS, events, facts.state, record.ticket_id)


def case_message(
    record: CaseRecord,
    catalog: Catalog,
    now: datetime,
    *,
    show_email: bool = False,
    viewer: str | None = None,
) -> dict[str, Any]:
    """`/soporte estado 1234`: where the case stands, what `viewer` can do about it now, and
    its whole timeline."""
    ticket, case = record.ticket, record.case
    subject = ticket_subject(record)
    requester = t.escape_mrkdwn((ticket.requester_name or "").strip() or "(sin nombre)")
    if show_email and ticket.requester_email:
        requester += f"\n{t.escape_mrkdwn(ticket.requester_email)}"
    escalation = record.escalation
    product = record.product or (escalation.product if escalation else None)
    maintainer = escalation.maintainer if escalation else None
    flat = summarize(record)
    state_line = d.STATE_LABELS[case.state].capitalize()
    if not case.is_final:
        state_line += f"\n→ {d.next_action(flat, now)}"
    fields = [
        _field("Estado", state_line),
        _field("Solicitante", requester),
        _field("Organización", organization_name(record, catalog)),
        _field("Producto", product_name(product, catalog)),
        _field(glossary.MAINTAINER_LABEL, t.user_mention(maintainer) if maintainer else "—"),
        _field("Recibido", t.slack_date(ticket.created_at)),
    ]
    if flat.get("agent"):
        fields.append(_field("Agente", t.user_mention(flat["agent"])))
    if case.window_deadline is not None:
        left = d.window_phrase(case.window_deadline.timestamp(), now)
        fields.append(_field("Plazo de cierre", f"{t.slack_date(case.window_deadline)} ({left})"))
    blocks: list[Block] = [
        header(f"#{ticket.id} · {subject}"),
        SectionBlock(fields=fields[:FIELDS_MAX]),
    ]
    diagnosis = escalation.diagnosis if escalation else None
    if diagnosis is not None:
        echo = diagnosis_estimate_echo(diagnosis, catalog.tz)
        blocks.append(section(diagnosis_text(diagnosis, echo, 1500)))
    links = []
    url = card_url(flat)
    if url:
        links.append(t.link(url, "Ver tarjeta"))
    if escalation and escalation.permalink:
        links.append(t.link(escalation.permalink, "Hilo del escalamiento"))
    if ticket.url:
        links.append(t.link(ticket.url, "Abrir en Zendesk"))
    if links:
        blocks.append(context(" · ".join(links)))
    actions = case_actions(record, catalog, viewer) if viewer else None
    if actions is not None:
        blocks.append(actions)
    blocks.append(DividerBlock())
    lines = timeline_lines(record)
    if not lines:
        blocks.append(
            section("*Historial*\nSin decisiones todavía: el caso espera su clasificación.")
        )
    else:
        room = MESSAGE_BLOCKS_MAX - len(blocks) - 1
        budget = MESSAGE_TEXT_BUDGET - text_size(blocks) - 400
        title = f"*Historial* ({len(lines)} pasos)"
        shown = latest_that_fit(lines, budget - t.slack_len(title))
        blocks += paged_sections(title, shown, room, budget)
        if len(shown) < len(lines):
            blocks.append(context(EARLIER_STEPS.format(n=len(lines) - len(shown))))
    fallback = t.truncate(
        f"#{ticket.id} · {d.STATE_LABELS[case.state]} · {subject}", FALLBACK_TEXT_MAX
    )
    return {"text": fallback, "blocks": render(blocks)}
