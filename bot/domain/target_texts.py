"""Spanish phrases for targets: business spans, deadlines and a target's countdown. Pure.

    responder al usuario antes de hoy 16:30 (quedan 2 h 10 min hábiles)
    diagnosticar antes del lunes 13:00 (quedan 5 h hábiles)
    proponer la resolución: plazo vencido el 4 de diciembre, 10:00

Business spans are said in hours and minutes only: a business "day" has no fixed length.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.business_time import BusinessCalendar
from bot.domain.estimates import MONTH_NAMES, WEEKDAY_NAMES
from bot.domain.targets import Metric, Outcome, Target

ACTIONS: Mapping[Metric, str] = {
    Metric.FIRST_REPLY: "responder al usuario",
    Metric.DIAGNOSIS: "diagnosticar",
    Metric.RESOLUTION: "proponer la resolución",
}
LABELS: Mapping[Metric, str] = {
    Metric.FIRST_REPLY: "primera respuesta",
    Metric.DIAGNOSIS: "diagnóstico",
    Metric.RESOLUTION: "propuesta de resolución",
}
_RELATIVE_DAYS = ("ayer", "hoy", "mañana")


def span_phrase(span: timedelta) -> str:
    """ "menos de 1 min", "45 min", "2 h", "2 h 10 min", "45 h" (a negative span as its size)."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 1:
        return "menos de 1 min"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def day_phrase(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """The moment as read in the desk: "hoy 16:30", "mañana 09:00", "ayer 17:00", "lunes
    13:00" (within a week), else "4 de diciembre, 10:00" (with the year when not this one)."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    days = (local.date() - today).days
    clock = f"{local:%H:%M}"
    if days in (-1, 0, 1):
        return f"{_RELATIVE_DAYS[days + 1]} {clock}"
    if 1 < days < 7:
        return f"{WEEKDAY_NAMES[local.weekday()]} {clock}"
    year = f" de {local.year}" if local.year != today.year else ""
    return f"{local.day} de {MONTH_NAMES[local.month - 1]}{year}, {clock}"


def _de(phrase: str) -> str:
    """ "de hoy 16:30", "del lunes 13:00", "del 4 de diciembre"."""
    return f"de {phrase}" if phrase.startswith(("hoy", "mañana", "ayer")) else f"del {phrase}"


def countdown(target: Target, now: datetime, calendar: BusinessCalendar) -> str:
    """One line for a target: what is due before when and the business time left, or how
    it ended."""
    metric = target.metric
    when = day_phrase(target.deadline, now, calendar.tz)
    on = when if when.startswith(_RELATIVE_DAYS) else f"el {when}"
    outcome = target.outcome(now)
    if outcome is Outcome.MET:
        return f"{LABELS[metric]}: a tiempo"
    if outcome is Outcome.MISSED and target.reached is not None:
        return f"{LABELS[metric]}: fuera de plazo (vencía {on})"
    if outcome is Outcome.MISSED:
        return f"{ACTIONS[metric]}: plazo vencido {on}"
    left = span_phrase(calendar.business_duration(now, target.deadline))
    if left in ("1 h", "1 min", "menos de 1 min"):
        return f"{ACTIONS[metric]} antes {_de(when)} (queda {left} hábil)"
    return f"{ACTIONS[metric]} antes {_de(when)} (quedan {left} hábiles)"


def warning(target: Target, now: datetime, calendar: BusinessCalendar, who: str) -> str:
    """The one warning of a target about to be missed, to `who` (a mention, or "")."""
    used = min(99, int(100 * target.used(calendar, now)))
    lead = f"{who} " if who else ""
    return (
        f"⏰ {lead}Se ha usado el {used} % del plazo para {ACTIONS[target.metric]}: "
        f"{countdown(target, now, calendar)}."
    )
