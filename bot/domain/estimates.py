"""Read a maintainer's free-text time estimate ("3 días", "viernes 15:00", "4/12") as a date."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

END_OF_DAY = time(18, 0)
HORIZON = relativedelta(years=2)
MONTH_NAMES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
WEEKDAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")

_EXAMPLES = (
    "una duración («3 días», «2 semanas», «4 horas»), un día («mañana», «viernes 15:00») "
    "o una fecha («4/12», «4 de diciembre», «2026-12-04 15:00»)"
)
_MAX_BUSINESS_DAYS = 1000
_UNITS = {
    "days": ("d", "dia", "dias"),
    "weeks": ("sem", "semana", "semanas"),
    "months": ("mes", "meses"),
    "years": ("ano", "anos"),
    "hours": ("h", "hr", "hrs", "hora", "horas"),
    "minutes": ("min", "mins", "minuto", "minutos"),
}
_UNIT_OF = {word: unit for unit, words in _UNITS.items() for word in words}
_DURATION = re.compile(
    r"(?:(?:en|dentro de)\s+)?(?P<sign>-\s*)?(?P<count>\d{1,6}|un|una|uno)\s*"
    r"(?P<unit>[a-z]+)(?P<business>\s+habil(?:es)?)?"
)
_TIME = re.compile(
    r"(?:(?P<day>.*?)(?:\s+|(?<=\d)t))??(?P<las>(?:a\s+)?las?\s+)?"
    r"(?P<h>\d{1,2})(?:(?::|h)(?P<m>\d{2})(?::(?P<s>\d{2}))?)?"
    r"\s*(?P<suffix>am|pm|hrs?|horas?|h)?"
)
_WEEKDAY = re.compile(
    r"(?:(?:el proximo|el|este|proximo)\s+)?(?P<name>[a-z]+)(?:,?\s+(?P<rest>.+))?"
)
_YEAR_FIRST = re.compile(r"\d{4}[-/.]")
_NUMERIC_DATE = re.compile(
    r"\d{4}[-/.](?P<iso_month>\d{1,2})[-/.](?P<iso_day>\d{1,2})"
    r"|(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})(?:[-/.]\d{2,4})?"
)
_DEFAULTS = (datetime(2000, 1, 1, 0), datetime(2004, 3, 3, 1))


@dataclass(frozen=True)
class Estimate:
    """A parsed estimate: what was typed and the concrete moment it means."""

    text: str
    at: datetime

    def echo(self) -> str:
        """The moment in Spanish, e.g. "viernes 4 de diciembre de 2026, 15:00"."""
        return f"{WEEKDAY_NAMES[self.at.weekday()]} {spanish_date(self.at)}, {self.at:%H:%M}"


class EstimateError(ValueError):
    """An estimate we cannot accept; `message` is the inline error for the modal field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _SpanishInfo(dateparser.parserinfo):
    """dateutil vocabulary for Spanish dates, matched after accents are stripped."""

    JUMP = (" ", ".", ",", ";", "-", "/", "'", "de", "del", "el", "la", "a", "las")
    MONTHS = tuple(
        (name[:3], name, *(("sept", "set", "setiembre") if name == "septiembre" else ()))
        for name in MONTH_NAMES
    )
    # "mar" means marzo, so martes has no abbreviation.
    WEEKDAYS = (
        ("lun", "lunes"),
        ("martes",),
        ("mie", "miercoles"),
        ("jue", "jueves"),
        ("vie", "viernes"),
        ("sab", "sabado"),
        ("dom", "domingo"),
    )
    HMS = (("h", "hr", "hrs", "hora", "horas"), ("min", "minuto", "minutos"), ("s", "seg"))
    AMPM = (("am",), ("pm",))
    PERTAIN = ()


_WEEKDAY_WORDS = {word: day for day, words in enumerate(_SpanishInfo.WEEKDAYS) for word in words}


def spanish_date(day: date) -> str:
    """A date in Spanish without weekday, e.g. "4 de diciembre de 2026"."""
    return f"{day.day} de {MONTH_NAMES[day.month - 1]} de {day.year}"


def parse_estimate(text: str, now: datetime, tz: ZoneInfo) -> Estimate:
    """Interpret `text` relative to `now` in the team's time zone `tz`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    typed = text.strip()
    if not typed:
        raise EstimateError(f"Escribe una estimación: {_EXAMPLES}.")
    local_now = now.astimezone(tz)
    at = _interpret(_normalize(typed), local_now, typed)
    when = Estimate(typed, at).echo()
    if at.astimezone(UTC) <= local_now.astimezone(UTC):
        raise EstimateError(
            f"La fecha estimada ya pasó: {when}. Escribe una fecha futura, "
            "por ejemplo «mañana» o «viernes 15:00»."
        )
    if at.astimezone(UTC) > _localize(local_now + HORIZON).astimezone(UTC):
        raise _too_far(when)
    return Estimate(typed, at)


def _normalize(typed: str) -> str:
    """Lowercase, without accents, single spaces and no trailing punctuation."""
    decomposed = unicodedata.normalize("NFKD", typed.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split()).rstrip(".,;!")


def _unparseable(typed: str) -> EstimateError:
    """The error for text we could not read at all."""
    return EstimateError(f"No entendí «{typed}». Escribe {_EXAMPLES}.")


def _nonexistent(typed: str) -> EstimateError:
    """The error for a day and month that do not make a calendar date."""
    return EstimateError(f"La fecha «{typed}» no existe en el calendario.")


def _too_far(when: str | None = None) -> EstimateError:
    """The error for a moment beyond the two-year horizon."""
    shown = f": {when}" if when else ""
    return EstimateError(
        f"La fecha estimada está a más de 2 años{shown}. "
        "Escribe una fecha dentro de los próximos 2 años."
    )


def _localize(moment: datetime) -> datetime:
    """Resolve a wall-clock time in its zone, moving times in a DST gap forward."""
    tz = moment.tzinfo
    return moment.astimezone(UTC).astimezone(tz)


def _interpret(norm: str, local_now: datetime, typed: str) -> datetime:
    """The moment meant by normalized text: a duration, or a day with an optional time."""
    duration = _DURATION.fullmatch(norm)
    if duration and duration["unit"] in _UNIT_OF:
        return _after(duration, local_now, typed)
    day_part, clock = _split_time(norm, typed)
    day = _day_of(day_part, local_now, typed)
    return _localize(datetime.combine(day, clock or END_OF_DAY, tzinfo=local_now.tzinfo))


def _after(match: re.Match[str], local_now: datetime, typed: str) -> datetime:
    """Now plus a duration: hours and minutes exactly, longer units on the wall clock."""
    count = 1 if match["count"] in ("un", "una", "uno") else int(match["count"])
    if match["sign"] or count == 0:
        raise EstimateError("La duración debe ser mayor que cero, por ejemplo «3 días».")
    unit = _UNIT_OF[match["unit"]]
    if match["business"] and unit != "days":
        raise _unparseable(typed)
    try:
        if unit in ("hours", "minutes"):
            return (local_now.astimezone(UTC) + timedelta(**{unit: count})).astimezone(
                local_now.tzinfo
            )
        if match["business"]:
            return _localize(_add_business_days(local_now, count))
        return _localize(local_now + relativedelta(**{unit: count}))
    except (OverflowError, ValueError) as exc:
        raise _too_far() from exc


def _add_business_days(start: datetime, count: int) -> datetime:
    """`count` weekdays (Monday to Friday) after `start`, same wall-clock time."""
    if count > _MAX_BUSINESS_DAYS:
        raise OverflowError(count)
    moment = start
    while count:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            count -= 1
    return moment


def _split_time(norm: str, typed: str) -> tuple[str, time | None]:
    """Split off a trailing time of day ("15:00", "a las 15", "15 hrs", "3pm")."""
    match = _TIME.fullmatch(norm)
    if not match or not (match["m"] or match["suffix"] or match["las"]):
        return norm, None
    hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
    if match["suffix"] in ("am", "pm"):
        valid_hour = 1 <= hour <= 12
        hour = hour % 12 + (12 if match["suffix"] == "pm" else 0)
    else:
        valid_hour = hour <= 23
    if not valid_hour or minute > 59 or second > 59:
        raise EstimateError(
            f"La hora en «{typed}» no es válida. Usa, por ejemplo, «15:00», «a las 15» o «3pm»."
        )
    return (match["day"] or "").strip(), time(hour, minute, second)


def _day_of(part: str, local_now: datetime, typed: str) -> date:
    """The calendar day meant by the text before the time of day."""
    today = local_now.date()
    relative = {"": 0, "hoy": 0, "manana": 1, "pasado manana": 2}
    if part in relative:
        return today + timedelta(days=relative[part])
    if part == "fin de mes":
        return today + relativedelta(day=31)
    duration = _DURATION.fullmatch(part)
    if duration and _UNIT_OF.get(duration["unit"]) in ("days", "weeks", "months", "years"):
        return _after(duration, local_now, typed).date()
    weekday = _WEEKDAY.fullmatch(part)
    if weekday and weekday["name"] in _WEEKDAY_WORDS:
        wanted = _WEEKDAY_WORDS[weekday["name"]]
        if weekday["rest"] is None:
            return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
        day = _absolute(weekday["rest"], today, typed)
        if day.weekday() != wanted:
            raise EstimateError(
                f"El {spanish_date(day)} es {WEEKDAY_NAMES[day.weekday()]}, "
                f"no {WEEKDAY_NAMES[wanted]}. Revisa el día o la fecha."
            )
        return day
    return _absolute(part, today, typed)


def _absolute(part: str, today: date, typed: str) -> date:
    """A calendar date such as "4/12", "4 de diciembre de 2026" or "2026-12-04"."""
    numeric = _NUMERIC_DATE.fullmatch(part)
    if numeric:
        part = re.sub(r"[-.]", "/", part)
    info = _SpanishInfo(dayfirst=not _YEAR_FIRST.match(part))
    try:
        first, second = (dateparser.parse(part, parserinfo=info, default=d) for d in _DEFAULTS)
    except (OverflowError, ValueError) as exc:
        if numeric or "out of range" in str(exc):
            raise _nonexistent(typed) from exc
        raise _unparseable(typed) from exc
    if first.hour == second.hour or first.tzinfo is not None:
        raise _unparseable(typed)
    if numeric and (first.day, first.month) != (
        int(numeric["iso_day"] or numeric["day"]),
        int(numeric["iso_month"] or numeric["month"]),
    ):
        raise _nonexistent(typed)
    if first.day != second.day or first.month != second.month:
        raise EstimateError(
            f"Falta el día o el mes en «{typed}». Escribe, por ejemplo, «4/12» o «4 de diciembre»."
        )
    if first.year == second.year:
        return first.date()
    for year in range(today.year, today.year + 5):
        try:
            day = date(year, first.month, first.day)
        except ValueError:
            continue
        if day >= today:
            return day
    raise _unparseable(typed)
