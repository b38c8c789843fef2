"""The maintainer's diagnosis and estimate as mrkdwn, shared by the product-channel message,
the agents' card, the case detail and the modals. Pure.

Kept apart from `blocks.escalation` because the card (which `blocks.escalation` builds on)
needs the same lines: the Spanish estimate echo and the diagnosis text.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from blocks.limits import SECTION_TEXT_MAX
from bot.domain import mrkdwn as t
from bot.domain.case import Diagnosis
from bot.domain.estimates import MONTH_NAMES, WEEKDAY_NAMES


def estimate_echo(at: datetime, tz: tzinfo, *, reference: datetime | None = None) -> str:
    """A date as a Chilean reader says it: "viernes 4 de diciembre, 15:00".

    Naive datetimes are UTC. The year is added when it differs from `reference`'s year
    (e.g. the moment of the diagnosis); the time is left out when it is exactly midnight.
    """
    local = t.as_utc(at).astimezone(tz)
    text = f"{WEEKDAY_NAMES[local.weekday()]} {local.day} de {MONTH_NAMES[local.month - 1]}"
    if reference is not None and t.as_utc(reference).astimezone(tz).year != local.year:
        text += f" de {local.year}"
    if (local.hour, local.minute) != (0, 0):
        text += f", {local:%H:%M}"
    return text


def diagnosis_estimate_echo(diagnosis: Diagnosis, tz: tzinfo) -> str:
    """The diagnosis's estimate as a Spanish date, relative to when it was given."""
    return estimate_echo(diagnosis.estimate_at, tz, reference=diagnosis.at)


def estimate_line(diagnosis: Diagnosis, echo: str) -> str:
    """`*Estimación:* viernes 4 de diciembre, 15:00 («viernes») — confianza media`."""
    typed = t.escape_mrkdwn(t.clean_body(diagnosis.estimate_text).replace("\n", " "))
    shown = t.escape_mrkdwn(echo.strip())
    if shown and typed and typed.casefold() != shown.casefold():
        when = f"{shown} («{typed}»)"
    else:
        when = shown or f"«{typed}»"
    line = f"*Estimación:* {when} — confianza {t.escape_mrkdwn(diagnosis.confidence)}"
    return t.truncate_mrkdwn(line, 500)


def diagnosis_text(diagnosis: Diagnosis, echo: str, limit: int = SECTION_TEXT_MAX) -> str:
    """The diagnosis as mrkdwn, escaped, at most `limit` characters:

    🩺 *Diagnóstico* (certeza alta)
    > …the summary…
    *Estimación:* viernes 4 de diciembre, 15:00 («viernes») — confianza media
    """
    head = f"🩺 *Diagnóstico* (certeza {t.escape_mrkdwn(diagnosis.certainty)})"
    tail = estimate_line(diagnosis, echo)
    room = max(0, limit - t.slack_len(head) - t.slack_len(tail) - 2)
    summary = t.clean_body(diagnosis.summary) or "(sin resumen)"
    body = t.truncate_mrkdwn(t.quote(t.escape_mrkdwn(summary)), room)
    return f"{head}\n{body}\n{tail}"
