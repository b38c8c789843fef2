"""`/soporte` answers: pure Block Kit builders over case summaries (the Home: blocks/home.py).

Within Slack's limits by construction: at most 50 blocks in a message and 100 in a view,
every text at most 3,000 characters (a field 2,000); long lists end with "…y N más".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from blocks import ids
from blocks.layout import (
    LIST_ITEMS,
    context,
    header,
    pack,
    paged_sections,
    render,
    section,
    text_size,
)
from blocks.limits import FALLBACK_TEXT_MAX, FIELDS_MAX, MESSAGE_BLOCKS_MAX, MESSAGE_TEXT_BUDGET
from blocks.ticket_lines import NO_SUBJECT
from bot.domain import dashboard as d
from bot.domain import glossary, sla
from bot.domain import mrkdwn as t
from bot.domain.catalog import Catalog

MINE_PAGE = 20  # cases a page of /soporte mios lists
SUBJECT_CHARS = 70
NO_CASES = f"No tienes casos abiertos como {glossary.AGENT} ni como {glossary.MAINTAINER}."

USAGE = (
    "*Uso de `/soporte`:*\n"
    "• `/soporte estado` — la cola: casos por estado, el más antiguo sin clasificar, "
    "escalamientos sin tomar, estimaciones vencidas, casos por confirmar y tiempos de atención "
    "(últimos 7 y 30 días).\n"
    "• `/soporte estado 1234` (o la URL del ticket en Zendesk) — el detalle de un caso y su "
    "historial: quién hizo qué, cuándo y por qué.\n"
    f"• `/soporte mios` — todos tus casos abiertos (como {glossary.AGENT} o "
    f"{glossary.MAINTAINER}) y qué espera cada uno, de {MINE_PAGE} en {MINE_PAGE}.\n"
    "• `/soporte calibración` — cuánto se cumplen las estimaciones de los "
    f"{glossary.MAINTAINERS}, por producto y por {glossary.MAINTAINER}, según la confianza "
    "con que se dieron.\n"
    "• `/soporte ayuda` — esta ayuda.\n"
    "La pestaña *Inicio* de la app empieza por lo que te toca ahora, con botones para actuar.\n\n"
    "*Cómo clasificar un caso nuevo* (la cadena del modelo de soporte: prueba en este orden "
    "y usa la primera que corresponda):\n"
    f"{glossary.chain_text()}"
)
USAGE_PLAIN = (
    "Uso de /soporte: «estado», «estado 1234» (o la URL del ticket), «mios», «calibración», "
    "«ayuda»."
)


# --- small pieces ---------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    """A compact Spanish duration: "menos de 1 min", "45 min", "3 h 05 min", "2 d 4 h"."""
    if seconds is None:
        return "—"
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "menos de 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins:02d} min" if mins else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def card_url(summary: d.Summary) -> str | None:
    """The card's permalink (chat.getPermalink, kept on the case when the card was posted)."""
    return summary.get("card_url") or None


def case_ref(summary: d.Summary) -> str:
    """`#1234` linked to its card (plain when the card is not posted yet)."""
    label = f"#{summary['id']}"
    url = card_url(summary)
    return t.link(url, label) if url else label


def subject(summary: d.Summary, limit: int = SUBJECT_CHARS) -> str:
    text = " ".join(str(summary.get("subject") or "").split()) or NO_SUBJECT
    return t.escape_mrkdwn(t.truncate(text, limit))


def case_line(summary: d.Summary, detail: str) -> str:
    return f"• {case_ref(summary)} {subject(summary)} — {detail}"


def product_name(key: str | None, catalog: Catalog | None) -> str:
    if not key:
        return "sin producto"
    product = catalog.product(key) if catalog else None
    return t.escape_mrkdwn(product.name if product else key)


# --- the summary of the desk ----------------------------------------------------------------


def counts_block(ov: d.Overview) -> SectionBlock:
    fields = [
        MarkdownTextObject(text=f"*{d.STATE_LABELS[state].capitalize()}*\n{n}")
        for state, n in ov.counts.items()
    ]
    return SectionBlock(fields=fields[:FIELDS_MAX])


def oldest_text(ov: d.Overview) -> str:
    s = ov.oldest_new
    if s is None:
        return "✅ No hay casos por clasificar."
    waited = duration(ov.now.timestamp() - s["created"])
    return (
        f"⏳ *Más antiguo sin clasificar:* {case_ref(s)} {subject(s)} — "
        f"llegó hace {waited} ({t.slack_date(_dt(s['created']))})"
    )


def unclaimed_text(ov: d.Overview, catalog: Catalog | None, max_items: int = LIST_ITEMS) -> str:
    now = ov.now.timestamp()
    lines = [
        case_line(
            s,
            f"{product_name(s.get('product'), catalog)} · escalado hace "
            f"{duration(now - (s.get('escalated') or s['created']))}",
        )
        for s in ov.unclaimed[:max_items]
    ]
    title = f"🆙 *Escalamientos sin tomar* ({len(ov.unclaimed)})"
    if not lines:
        return f"{title}\nNinguno."
    return pack(title, lines, len(ov.unclaimed), max_items)


def overdue_text(ov: d.Overview, max_items: int = LIST_ITEMS) -> str:
    now = ov.now.timestamp()
    lines = [
        case_line(
            s,
            f"{t.user_mention(s.get('maintainer'))} · estimación vencida hace "
            f"{duration(now - s['estimate'])} ({t.slack_date(_dt(s['estimate']))})",
        )
        for s in ov.overdue[:max_items]
    ]
    title = f"⏰ *Estimaciones vencidas* ({len(ov.overdue)})"
    if not lines:
        return f"{title}\nNinguna."
    return pack(title, lines, len(ov.overdue), max_items)


def awaiting_text(ov: d.Overview, max_items: int = LIST_ITEMS) -> str:
    lines = []
    for s in ov.awaiting[:max_items]:
        deadline = s.get("deadline")
        when = f" (vence {t.slack_date(_dt(deadline))})" if deadline else ""
        lines.append(case_line(s, f"{d.window_phrase(deadline, ov.now)}{when}"))
    title = f"✉️ *Esperando confirmación del usuario* ({len(ov.awaiting)})"
    if not lines:
        return f"{title}\nNinguno."
    return pack(title, lines, len(ov.awaiting), max_items)


SLA_LABELS = {
    "triage": glossary.capitalized(glossary.TRIAGE),
    "response": "Respuesta inicial",
    "resolution": "Resolución",
}


def _figure(fig: sla.SlaFigure) -> str:
    if fig.count == 0:
        return "sin casos"
    cases = "1 caso" if fig.count == 1 else f"{fig.count} casos"
    return (
        f"la mitad en menos de {duration(fig.median)} · 9 de cada 10 en menos de "
        f"{duration(fig.p90)} ({cases})"
    )


def sla_block(ov: d.Overview) -> SectionBlock:
    windows = list(ov.sla)[:2]
    fields = [MarkdownTextObject(text=f"*Últimos {days} días*") for days in windows]
    for metric, label in SLA_LABELS.items():
        for days in windows:
            fields.append(MarkdownTextObject(text=f"*{label}*\n{_figure(ov.sla[days][metric])}"))
    return SectionBlock(
        text=MarkdownTextObject(text="📈 *Tiempos de atención* (desde la creación del ticket)"),
        fields=fields[:FIELDS_MAX],
    )


def sla_note(ov: d.Overview) -> str:
    return (
        "Cuánto tardaron la mitad y 9 de cada 10 de los casos clasificados, respondidos o "
        f"resueltos en cada período. Actualizado {t.slack_date(ov.now)}."
    )


def overview_blocks(
    ov: d.Overview, catalog: Catalog | None, max_items: int = LIST_ITEMS
) -> list[Block]:
    """The summary shared by `/soporte estado` and the Home tab (10 blocks)."""
    return [
        section("*Casos abiertos por estado*"),
        counts_block(ov),
        section(oldest_text(ov)),
        section(unclaimed_text(ov, catalog, max_items)),
        section(overdue_text(ov, max_items)),
        section(awaiting_text(ov, max_items)),
        DividerBlock(),
        sla_block(ov),
        context(sla_note(ov)),
    ]


def overview_fallback(ov: d.Overview) -> str:
    parts = [f"{d.STATE_LABELS[state]}: {n}" for state, n in ov.counts.items()]
    return t.truncate("Cola de soporte — " + ", ".join(parts), FALLBACK_TEXT_MAX)


def status_message(ov: d.Overview, catalog: Catalog | None = None) -> dict[str, Any]:
    """`/soporte estado`."""
    blocks = [header("Cola de soporte"), *overview_blocks(ov, catalog)]
    return {"text": overview_fallback(ov), "blocks": render(blocks[:MESSAGE_BLOCKS_MAX])}


# --- my cases ------------------------------------------------------------------------------


def mine_line(summary: d.Summary, user: str, now: datetime) -> str:
    state = d.state_of(summary)
    who = " y ".join(d.roles(summary, user))
    return case_line(summary, f"*{d.STATE_LABELS[state]}* ({who}) → {d.next_action(summary, now)}")


def page_count(total: int, size: int = MINE_PAGE) -> int:
    return max(1, -(-total // size))


def _page_buttons(page: int, pages: int) -> ActionsBlock | None:
    buttons = []
    if page > 1:
        buttons.append(_page_button("← Anteriores", page - 1))
    if page < pages:
        buttons.append(_page_button("Siguientes →", page + 1))
    return ActionsBlock(block_id=ids.Block.MINE_PAGES, elements=buttons) if buttons else None


def _page_button(label: str, page: int) -> ButtonElement:
    return ButtonElement(
        action_id=ids.mine_page_action(page),
        text=PlainTextObject(text=label, emoji=True),
        value=str(page),
    )


def mine_message(cases: list[d.Summary], user: str, now: datetime, page: int = 1) -> dict[str, Any]:
    """`/soporte mios`: every one of the caller's open cases and what each is waiting on,
    MINE_PAGE a page, with "Siguientes"/"Anteriores" buttons."""
    if not cases:
        return {"text": NO_CASES, "blocks": render([section(f"*Tus casos*\n{NO_CASES}")])}
    pages = page_count(len(cases))
    page = min(max(1, page), pages)
    first = (page - 1) * MINE_PAGE
    shown = cases[first : first + MINE_PAGE]
    lines = [mine_line(s, user, now) for s in shown]
    title = f"Tus casos abiertos ({len(cases)})"
    blocks: list[Block] = [header(title)]
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 2
    budget = MESSAGE_TEXT_BUDGET - text_size(blocks) - 300
    blocks += paged_sections("*Qué espera cada uno*", lines, room, budget)
    if pages > 1:
        last = first + len(shown)
        blocks.append(context(f"Página {page} de {pages} · casos {first + 1} a {last}"))
    buttons = _page_buttons(page, pages)
    if buttons is not None:
        blocks.append(buttons)
    return {
        "text": t.truncate(f"Tienes {len(cases)} casos abiertos.", FALLBACK_TEXT_MAX),
        "blocks": render(blocks[:MESSAGE_BLOCKS_MAX]),
    }


# --- help and errors -----------------------------------------------------------------------


def usage_message(problem: str | None = None) -> dict[str, Any]:
    """The usage, after what was wrong with the command (already escaped) if anything."""
    text = f"{problem}\n\n{USAGE}" if problem else USAGE
    fallback = f"{problem} {USAGE_PLAIN}" if problem else USAGE_PLAIN
    return {
        "text": t.truncate(fallback, FALLBACK_TEXT_MAX * 2),
        "blocks": render([section(text)]),
    }


def unknown_case_message(ticket_id: int) -> dict[str, Any]:
    return usage_message(
        f"⚠️ No hay un caso para el ticket #{ticket_id} en esta mesa de soporte: o no existe, "
        "o es de otra mesa, o ya se archivó (los casos cerrados se guardan 30 días)."
    )
