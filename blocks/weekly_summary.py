"""The Monday message in the agents' channel: the week that ended at the desk's opening. Pure.

- cases in: tickets that arrived during the week, and how each was decided in triage;
- targets: met and missed during the week (as `/soporte estado` counts them);
- open escalations, by product and by how long ago they were escalated;
- calibration that changed: per product, the estimates met by confidence before the week
  and now, for the products with fixes measured during the week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
)

from blocks.layout import header, section
from blocks.targets import figure_lines
from bot.domain import mrkdwn as t
from bot.domain.business_time import BusinessCalendar
from bot.domain.calibration import LEVELS, FixOutcome, by_product
from bot.domain.case_targets import times_from_summary
from bot.domain.catalog import Catalog
from bot.domain.desk_texts import DECISION_LABELS
from bot.domain.lifecycle import State
from bot.domain.targets import TargetPolicy, target_figures

WEEK = timedelta(days=7)
ESCALATED_STATES = frozenset(
    s.value
    for s in (State.ESCALATED, State.ASSIGNED, State.DIAGNOSED, State.IN_PROGRESS, State.FIXED)
)
AGES = ((timedelta(days=1), "menos de 1 día"), (timedelta(days=3), "1 a 3 días"))
OLDER = "más de 3 días"


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def cases_in(summaries: Iterable[dict[str, Any]], since: datetime, until: datetime) -> str:
    arrived = [s for s in summaries if _ts(since) <= (s.get("created") or 0) < _ts(until)]
    if not arrived:
        return "*Casos recibidos:* ninguno."
    decided = Counter(s.get("decision") for s in arrived)
    lines = [f"*Casos recibidos:* {len(arrived)}"]
    for event, label in DECISION_LABELS.items():
        if decided.get(event.value):
            lines.append(f"• {label}: {decided[event.value]}")
    if decided.get(None):
        lines.append(f"• Sin decisión todavía: {decided[None]}")
    return "\n".join(lines)


def _age(delta: timedelta) -> str:
    return next((label for limit, label in AGES if delta < limit), OLDER)


def open_escalations(summaries: Iterable[dict[str, Any]], catalog: Catalog, now: datetime) -> str:
    by_product: dict[str, Counter[str]] = {}
    for s in summaries:
        if s["state"] in ESCALATED_STATES and s.get("escalated"):
            age = _age(now - datetime.fromtimestamp(s["escalated"], now.tzinfo))
            by_product.setdefault(s.get("product") or "?", Counter())[age] += 1
    if not by_product:
        return "*Escalamientos abiertos:* ninguno."
    lines = ["*Escalamientos abiertos* (desde que se escalaron):"]
    for key, ages in sorted(by_product.items()):
        product = catalog.product(key)
        name = t.escape_mrkdwn(product.name if product else key)
        shown = ", ".join(
            f"{ages[label]} de {label}" for label in (*(a for _, a in AGES), OLDER) if ages[label]
        )
        lines.append(f"• {name}: {sum(ages.values())} ({shown})")
    return "\n".join(lines)


def calibration_changes(
    outcomes: Sequence[FixOutcome], catalog: Catalog, since: datetime, until: datetime
) -> str:
    """Per product with fixes measured in the week: the estimates met, before and now."""
    new = [o for o in outcomes if since <= o.fixed_at < until]
    if not new:
        return "*Calibración:* sin correcciones medidas esta semana."
    before = by_product([o for o in outcomes if o.fixed_at < since])
    now = by_product([o for o in outcomes if o.fixed_at < until])
    lines = ["*Calibración que cambió* (estimaciones cumplidas):"]
    for key in sorted({o.product for o in new}):
        product = catalog.product(key)
        name = t.escape_mrkdwn(product.name if product else key)
        changes = []
        for level in LEVELS:
            after = now[key].met[level]
            earlier = before[key].met[level].phrase() if key in before else "sin casos"
            if after.total and after.phrase() != earlier:
                changes.append(f"confianza {level}: {earlier} → {after.phrase()}")
        if changes:
            lines.append(f"• {name}: {'; '.join(changes)}")
    return "\n".join(lines) if len(lines) > 1 else "*Calibración:* sin cambios esta semana."


def weekly_summary(
    summaries: Sequence[dict[str, Any]],
    outcomes: Sequence[FixOutcome],
    catalog: Catalog,
    policy: TargetPolicy,
    calendar: BusinessCalendar,
    until: datetime,
) -> dict[str, Any]:
    """The message for the week ending at `until` (the Monday opening)."""
    since = until - WEEK
    times = [x for s in summaries if (x := times_from_summary(s)) is not None]
    figures = target_figures(times, policy, calendar, until, windows=(7,))
    local = since.astimezone(calendar.tz)
    title = f"Resumen semanal de soporte · semana del {local.day}/{local.month}"
    blocks: list[Block] = [
        header(title),
        section(cases_in(summaries, since, until)),
        section("\n".join(figure_lines(figures))),
        section(open_escalations(summaries, catalog, until)),
        section(calibration_changes(outcomes, catalog, since, until)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Semana hasta la apertura de hoy, en el horario de la mesa. "
                    "`/soporte estado` y `/soporte calibración` tienen el detalle."
                )
            ]
        ),
    ]
    return {"text": title, "blocks": [b.to_dict() for b in blocks]}
