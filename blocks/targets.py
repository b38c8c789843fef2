"""The response targets as the card and the escalation message show them, and the figures of
`/soporte estado` and the Home. Pure.

    ⏱️ responder al usuario antes de hoy 16:30 (quedan 2 h 10 min hábiles)
    ⏱️ diagnosticar: plazo vencido hoy 10:00 · fuera de plazo: primera respuesta
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from blocks.limits import SECTION_TEXT_MAX
from bot.domain import mrkdwn as t
from bot.domain.case import CaseRecord
from bot.domain.case_targets import case_times
from bot.domain.catalog import Catalog
from bot.domain.target_texts import LABELS, countdown, span_phrase
from bot.domain.targets import Metric, Outcome, TargetFigures, targets_of

WINDOW_NAMES: Mapping[int, str] = {7: "últimos 7 días", 30: "últimos 30 días"}


def countdown_line(
    record: CaseRecord, catalog: Catalog, now: datetime, prefer: Metric | None = None
) -> str | None:
    """The next target of the case as a countdown in business time, and the targets it
    already missed; None when no target applies. `prefer` shows that target first while it
    is open (the escalation message: the diagnosis)."""
    calendar = catalog.calendar
    targets = targets_of(case_times(record), catalog.targets, calendar)
    pending = [t for t in targets if t.reached is None]
    if prefer is not None and any(t.metric is prefer for t in pending):
        pending = [t for t in pending if t.metric is prefer]
    shown = min(pending, key=lambda t: t.deadline, default=None)
    missed: list[Metric] = []
    for target in targets:
        late = target.outcome(now) is Outcome.MISSED or target.metric in record.targets_missed
        if target is not shown and late:
            missed.append(target.metric)
    for value in record.targets_missed:  # recorded, though it no longer applies (finished)
        metric = Metric(value)
        if metric not in missed and (shown is None or metric is not shown.metric):
            missed.append(metric)
    parts = [countdown(shown, now, calendar)] if shown is not None else []
    if missed:
        parts.append("fuera de plazo: " + ", ".join(LABELS[m] for m in missed))
    if not parts:
        return None
    overdue = shown is not None and shown.outcome(now) is Outcome.MISSED
    return f"{'⚠️' if missed or overdue else '⏱️'} {' · '.join(parts)}"


# --- figures ----------------------------------------------------------------------------------


def _time(value: timedelta | None) -> str:
    return span_phrase(value) if value is not None else "—"


def figure_lines(figures: Mapping[int, Mapping[Metric, TargetFigures]]) -> list[str]:
    """Per window and target: met and missed, and how long half and nine in ten of the cases
    took, in business time beside calendar time."""
    lines = []
    for days, per_metric in figures.items():
        lines.append(f"*Plazos · {WINDOW_NAMES.get(days, f'últimos {days} días')}*")
        for metric, f in per_metric.items():
            if not f.met and not f.missed:
                lines.append(f"• {LABELS[metric].capitalize()}: sin casos")
                continue
            line = f"• {LABELS[metric].capitalize()}: {f.met} a tiempo, {f.missed} fuera de plazo"
            if f.business_p50 is not None:
                line += (
                    f" · la mitad en {_time(f.business_p50)} hábiles ({_time(f.calendar_p50)}"
                    f" de reloj), 9 de cada 10 en {_time(f.business_p90)} hábiles"
                    f" ({_time(f.calendar_p90)} de reloj)"
                )
            lines.append(line)
    return lines


FIGURES_NOTE = (
    "Plazos en horario hábil del calendario de la mesa. Cuenta cada plazo en el período en "
    "que se supo: cumplido al llegar su fin, incumplido al vencer. «La mitad en» y «9 de cada "
    "10 en» dicen cuánto tardaron los casos que llegaron a ese paso en el período."
)


def figures_blocks(figures: Mapping[int, Mapping[Metric, TargetFigures]]) -> list[Block]:
    """The targets' figures for `/soporte estado` and the Home: one section a window and a
    note on how they are counted (len(figures) + 1 blocks)."""
    blocks: list[Block] = []
    lines = figure_lines(figures)
    per_window = len(lines) // max(1, len(figures))
    for i in range(0, len(lines), per_window or 1):
        text = t.truncate_mrkdwn("\n".join(lines[i : i + per_window]), SECTION_TEXT_MAX)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=FIGURES_NOTE)]))
    return blocks
