"""How the card and the escalation message describe the ticket: who wrote, from where,
what they wrote and attached, what Zendesk says about it, and the maintainer's fix."""

from __future__ import annotations

from blocks.limits import CONTEXT_TEXT_MAX, SECTION_FIELD_MAX, SECTION_TEXT_MAX
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import State

EXCERPT_CHARS = 600
NO_SUBJECT = "(sin asunto)"
TAGS_ON_CARD = 6
ATTACHMENTS_ON_CARD = 10
ATTACHMENT_NAME_CHARS = 80


def ticket_subject(record: CaseRecord) -> str:
    """The ticket's subject on one line (not escaped), or NO_SUBJECT."""
    return t.clean_body(record.ticket.subject or "").replace("\n", " ") or NO_SUBJECT


def requester_field(record: CaseRecord) -> str:
    """The "Solicitante" field: the requester's name and e-mail."""
    ticket = record.ticket
    name = t.escape_mrkdwn((ticket.requester_name or "").strip() or "(sin nombre)")
    email = (ticket.requester_email or "").strip()
    lines = [f"*Solicitante*\n{name}"]
    if email:
        lines.append(t.escape_mrkdwn(email))
    return t.truncate_mrkdwn("\n".join(lines), SECTION_FIELD_MAX)


def organization_name(record: CaseRecord, catalog: Catalog) -> str:
    """The ticket's organisation (escaped): Zendesk's name for it, else the catalogue's."""
    ticket = record.ticket
    name = ticket.organization_name
    if not name and ticket.organization_id is not None:
        org = catalog.organization(ticket.organization_id)
        name = org.name if org else None
    return t.escape_mrkdwn(name) if name else "Sin organización"


def organization_field(record: CaseRecord, catalog: Catalog) -> str:
    """The "Organización" field of the card and the escalation message."""
    shown = organization_name(record, catalog)
    return t.truncate_mrkdwn(f"*Organización*\n{shown}", SECTION_FIELD_MAX)


def products_field(record: CaseRecord, catalog: Catalog) -> str:
    """The "Productos con soporte" field: the products the organization has support for."""
    products = catalog.products_for_organization(record.ticket.organization_id)
    names = ", ".join(t.escape_mrkdwn(p.name) for p in products) or "ninguno registrado"
    return t.truncate_mrkdwn(f"*Productos con soporte*\n{names}", SECTION_FIELD_MAX)


def report_excerpt(record: CaseRecord, limit: int = EXCERPT_CHARS) -> str:
    """What the user wrote, quoted and cut to `limit` characters."""
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


def ticket_facts(record: CaseRecord) -> str | None:
    """Zendesk's priority (when not urgent: that one leads the first line), type and tags."""
    ticket = record.ticket
    parts: list[str] = []
    if ticket.priority and ticket.priority != "urgent":
        parts.append(glossary.PRIORITY_LABELS.get(ticket.priority, ticket.priority))
    if ticket.type:
        parts.append(glossary.TYPE_LABELS.get(ticket.type, ticket.type))
    tags = [tag for tag in ticket.tags if not tag.startswith("soporte")]
    if tags:
        shown = ", ".join(f"`{t.escape_mrkdwn(tag)}`" for tag in tags[:TAGS_ON_CARD])
        more = f" +{len(tags) - TAGS_ON_CARD}" if len(tags) > TAGS_ON_CARD else ""
        parts.append(f"🏷️ {shown}{more}")
    if not parts:
        return None
    return t.truncate_mrkdwn(" · ".join(parts), CONTEXT_TEXT_MAX)


def attachments_line(record: CaseRecord) -> str | None:
    """The report's files, linked to Zendesk: "📎 captura.png · log.txt"."""
    files = record.ticket.attachments or ()
    if not files:
        return None
    shown = [
        t.link(f.url, t.truncate(f.name, ATTACHMENT_NAME_CHARS))
        if f.url
        else t.escape_mrkdwn(f.name)
        for f in files[:ATTACHMENTS_ON_CARD]
    ]
    more = f" (+{len(files) - ATTACHMENTS_ON_CARD} más)" if len(files) > ATTACHMENTS_ON_CARD else ""
    label = "1 archivo" if len(files) == 1 else f"{len(files)} archivos"
    return t.truncate_mrkdwn(f"📎 *{label}:* {' · '.join(shown)}{more}", CONTEXT_TEXT_MAX)
