"""The catalogue's [calendar] and [targets] tables: a full example parsed through
bot/adapters/catalog_calendar.py, defaults, and every refusal with its file:line: field: reason."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.adapters.catalog_calendar import TABLES, read_calendar, read_targets
from bot.adapters.catalog_fields import CatalogError, TableReader
from bot.adapters.catalog_reader import parse_catalog
from bot.domain.business_time import DEFAULT_WEEK, BusinessCalendar, DayOff
from bot.domain.targets import Metric, Rules, TargetPolicy

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path("catalog.toml")
TZ = "America/Santiago"
ORGS = {"municipalidad-ejemplo": 360000001, "ministerio-ejemplo": 360000002}
H = timedelta(hours=1)
M = timedelta(minutes=1)

# The commented example of both tables (as it goes into catalog.example.toml).
EXAMPLE = """\
# When the desk is open: business time (targets, reminders, estimates) runs only then.
# The calendar reads hours in [desk].timezone. Without this table: Monday to Friday
# 09:00-18:00, no public holidays.
[calendar]
country = "CL"        # public holidays of this country (ISO 3166-1 code, python-holidays)
# subdivision = "RM"  # and those of one region, where it has its own (Chile: AP, NB…)

  # Working hours per weekday, "HH:MM-HH:MM" (several intervals for a lunch break; "24:00"
  # ends at midnight). A day listed here replaces the default; [] closes it.
  [calendar.hours]
  monday = ["09:00-13:00", "14:00-18:00"]
  tuesday = ["09:00-13:00", "14:00-18:00"]
  wednesday = ["09:00-13:00", "14:00-18:00"]
  thursday = ["09:00-13:00", "14:00-18:00"]
  friday = ["09:00-13:00", "14:00-17:00"]
  # saturday = ["10:00-13:00"]

  # The desk's own days off: a day, a range (`until`, inclusive) or a half day (`open`:
  # the only hours it works that day). An entry here wins over a public holiday.
  [[calendar.days_off]]
  date = 2026-12-24
  open = ["09:00-13:00"]
  reason = "Nochebuena"

  [[calendar.days_off]]
  date = 2027-02-15
  until = 2027-02-19
  reason = "Vacaciones de verano"


# Response targets, in business time: "4h", "30m", "1h30m" (a 09:00-18:00 day is "9h").
#   first_reply  ticket arrival -> the first reply sent to the user
#   diagnosis    escalation -> the Mantenedor's diagnosis
#   resolution   ticket arrival -> the resolution proposal (the closing-window message)
# The most specific table wins: [targets.organizations.X.priority.P], then
# [targets.organizations.X], [targets.priority.P], [targets], and the defaults
# (4h, 9h, 45h). Priorities are Zendesk's: urgent, high, normal, low.
[targets]
warn_at = 80          # warn once when this percentage of a target is used (default 80)
first_reply = "4h"
diagnosis = "9h"
resolution = "45h"

  [targets.priority.urgent]
  first_reply = "1h"
  diagnosis = "3h"
  resolution = "18h"

  [targets.priority.high]
  first_reply = "2h"

  # Per organisation: its key under [organizations].
  [targets.organizations.municipalidad-ejemplo]
  first_reply = "2h"

  [targets.organizations.municipalidad-ejemplo.priority.urgent]
  first_reply = "30m"
"""


def read(text: str, organizations: dict[str, int] = ORGS) -> tuple[BusinessCalendar, TargetPolicy]:
    r = TableReader(text, SOURCE)
    data = tomllib.loads(text)
    return read_calendar(r, data, TZ), read_targets(r, data, organizations)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_full_example() -> None:
    calendar, targets = read(EXAMPLE)
    lunch = ((9 * 60, 13 * 60), (14 * 60, 18 * 60))
    assert calendar == BusinessCalendar(
        timezone=TZ,
        week=(lunch, lunch, lunch, lunch, ((540, 780), (840, 1020)), (), ()),
        country="CL",
        days_off=(
            DayOff(date(2026, 12, 24), date(2026, 12, 24), ((540, 780),), "Nochebuena"),
            DayOff(date(2027, 2, 15), date(2027, 2, 19), (), "Vacaciones de verano"),
        ),
    )
    assert calendar.hours_on(date(2026, 9, 18)) == ()  # Fiestas Patrias
    assert calendar.hours_on(date(2027, 2, 17)) == ()
    assert targets == TargetPolicy(
        desk=Rules(
            spans={Metric.FIRST_REPLY: 4 * H, Metric.DIAGNOSIS: 9 * H, Metric.RESOLUTION: 45 * H},
            priorities={
                "urgent": {
                    Metric.FIRST_REPLY: H,
                    Metric.DIAGNOSIS: 3 * H,
                    Metric.RESOLUTION: 18 * H,
                },
                "high": {Metric.FIRST_REPLY: 2 * H},
            },
        ),
        organizations={
            360000001: Rules(
                spans={Metric.FIRST_REPLY: 2 * H},
                priorities={"urgent": {Metric.FIRST_REPLY: 30 * M}},
            )
        },
        warn_at=0.8,
    )
    assert targets.span(Metric.FIRST_REPLY, 360000001, "urgent") == 30 * M
    assert targets.span(Metric.DIAGNOSIS, 360000001, "urgent") == 3 * H
    assert targets.span(Metric.FIRST_REPLY, 360000002, "high") == 2 * H


def test_the_example_beside_the_rest_of_the_catalogue() -> None:
    """Hooked into the real catalogue: the same reader, lines counted in the whole file."""
    base = (ROOT / "catalog.example.toml").read_text(encoding="utf-8")
    catalog = parse_catalog(base, SOURCE)
    organizations = {o.key: o.zendesk_id for o in catalog.organizations.values()}
    # (Once catalog.example.toml carries the tables itself, it is read as it is.)
    text = base if "[calendar]" in base else base + "\n\n" + EXAMPLE
    calendar, targets = read(text, organizations)
    assert calendar.country == "CL"
    assert calendar.timezone == catalog.timezone
    assert targets.span(Metric.FIRST_REPLY, 360000001, None) == 2 * H
    broken = text.replace('first_reply = "30m"', 'first_reply = "30 minutos"')
    with pytest.raises(CatalogError) as info:
        read(broken, organizations)
    assert str(info.value) == (
        f"catalog.toml:{line_of(broken, '30 minutos')}: targets.organizations"
        ".municipalidad-ejemplo.priority.urgent.first_reply: '30 minutos' is not a business"
        " time such as '4h', '30m' or '1h30m'"
    )
    assert set(TABLES) == {"calendar", "targets"}


def test_without_the_tables_the_defaults() -> None:
    calendar, targets = read("[desk]\n")
    assert calendar == BusinessCalendar(timezone=TZ)
    assert calendar.week == DEFAULT_WEEK
    assert calendar.country is None
    assert targets == TargetPolicy()
    empty_calendar, empty_targets = read("[calendar]\n[targets]\n")
    assert (empty_calendar, empty_targets) == (calendar, targets)


def test_a_listed_day_replaces_the_default_and_others_keep_it() -> None:
    calendar, _ = read('[calendar.hours]\nsaturday = "10:00-13:00"\nfriday = []\n')
    assert calendar.week[0] == DEFAULT_WEEK[0]
    assert calendar.week[4] == ()
    assert calendar.week[5] == ((600, 780),)


def test_a_subdivision_and_a_night_until_midnight() -> None:
    text = (
        '[calendar]\ncountry = "CL"\nsubdivision = "NB"\n'
        '[calendar.hours]\nsunday = ["18:00-24:00"]\n'
    )
    calendar, _ = read(text)
    assert calendar.hours_on(date(2026, 8, 20)) == ()  # Ñuble's own holiday
    assert calendar.week[6] == ((1080, 1440),)


def test_dates_as_strings_are_accepted() -> None:
    calendar, _ = read('[[calendar.days_off]]\ndate = "2026-03-06"\n')
    assert calendar.day_off(date(2026, 3, 6)) == DayOff(date(2026, 3, 6), date(2026, 3, 6))


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (
            'country = "CL"',
            'country = "XX"',
            "calendar.country",
            "unknown country 'XX' for public holidays; use an ISO 3166-1 alpha-2 code such as 'CL'",
        ),
        (
            'country = "CL"',
            'country = "chile"',
            "calendar.country",
            "'chile' is not an ISO 3166-1 alpha-2 code like 'CL'",
        ),
        (
            '# subdivision = "RM"',
            'subdivision = "ZZ"',
            "calendar.subdivision",
            "unknown subdivision 'ZZ' of CL; known: AI, AN, AP, AR, AT, BI, CO, LI, LL, LR, MA,"
            " ML, NB, RM, TA, VS",
        ),
        (
            'country = "CL"',
            'subdivision = "RM"',
            "calendar.subdivision",
            "a subdivision needs a country",
        ),
        (
            "[calendar]",
            "[calendar]\ntimezone = 'UTC'",
            "calendar.timezone",
            "unknown key; allowed keys: country, subdivision, hours, days_off",
        ),
        (
            'monday = ["09:00-13:00", "14:00-18:00"]',
            'monday = ["9-13", "14:00-18:00"]',
            "calendar.hours.monday[0]",
            "'9-13' is not a time interval such as '09:00-18:00'",
        ),
        (
            'monday = ["09:00-13:00", "14:00-18:00"]',
            'monday = [\n    "09:00-13:00",\n    "12:00-18:00",\n  ]',
            "calendar.hours.monday[1]",
            "12:00-18:00 overlaps or precedes the interval before it",
        ),
        (
            'tuesday = ["09:00-13:00", "14:00-18:00"]',
            'tuesday = "18:00-09:00"',
            "calendar.hours.tuesday",
            "18:00-09:00 is not an interval within one day",
        ),
        (
            'friday = ["09:00-13:00", "14:00-17:00"]',
            'friday = ["09:00-13:00", "14:00-24:30"]',
            "calendar.hours.friday[1]",
            "'14:00-24:30' has an hour that does not exist (00:00 to 24:00)",
        ),
        (
            'friday = ["09:00-13:00", "14:00-17:00"]',
            "friday = [9]",
            "calendar.hours.friday[0]",
            "expected a string, got an integer",
        ),
        (
            "# saturday",
            "satruday = []\n# saturday",
            "calendar.hours.satruday",
            "unknown key; did you mean 'saturday'? allowed keys: monday, tuesday, wednesday,"
            " thursday, friday, saturday, sunday",
        ),
        (
            "date = 2026-12-24",
            'date = "24/12/2026"',
            "calendar.days_off[0].date",
            "'24/12/2026' is not a date; write it as 2026-12-24",
        ),
        (
            "date = 2026-12-24",
            "date = 2026-12-24T10:00:00",
            "calendar.days_off[0].date",
            "datetime.datetime(2026, 12, 24, 10, 0) is not a date; write it as 2026-12-24",
        ),
        (
            "until = 2027-02-19",
            "until = 2027-02-14",
            "calendar.days_off[1].until",
            "2027-02-14 is before the date 2027-02-15",
        ),
        (
            "until = 2027-02-19",
            "until = 2028-02-19",
            "calendar.days_off[1].until",
            "a range of days off spans at most a year",
        ),
        (
            "date = 2027-02-15",
            "date = 2026-12-20",
            "calendar.days_off[1].date",
            "2026-12-24 is already a day off in calendar.days_off[0]",
        ),
        (
            'open = ["09:00-13:00"]',
            "open = []",
            "calendar.days_off[0].open",
            "leave `open` out for a whole day off",
        ),
        (
            'reason = "Nochebuena"',
            'motivo = "Nochebuena"',
            "calendar.days_off[0].motivo",
            "unknown key; allowed keys: date, until, open, reason",
        ),
        (
            "warn_at = 80 ",
            "warn_at = 0.8 ",
            "targets.warn_at",
            "0.8 is not a percentage from 1 to 99, such as 80",
        ),
        (
            'first_reply = "4h"',
            'first_reply = "2d"',
            "targets.first_reply",
            "'2d' is not a business time such as '4h', '30m' or '1h30m'; business time is"
            " counted in hours: a 09:00-18:00 day is '9h'",
        ),
        (
            'first_reply = "4h"',
            'first_reply = "0h"',
            "targets.first_reply",
            "must be more than 0 and at most 2000h",
        ),
        (
            'resolution = "45h"',
            'resolution = "2001h"',
            "targets.resolution",
            "must be more than 0 and at most 2000h",
        ),
        (
            'first_reply = "4h"',
            "first_reply = 4",
            "targets.first_reply",
            "expected a string, got an integer",
        ),
        (
            'diagnosis = "9h"',
            'diagnostico = "9h"',
            "targets.diagnostico",
            "unknown key; did you mean 'diagnosis'? allowed keys: warn_at, first_reply,"
            " diagnosis, resolution, priority, organizations",
        ),
        (
            "[targets.priority.high]",
            "[targets.priority.critical]",
            "targets.priority.critical",
            "unknown key; allowed keys: urgent, high, normal, low",
        ),
        (
            "[targets.organizations.municipalidad-ejemplo]",
            "[targets.organizations.nadie]",
            "targets.organizations.nadie",
            "unknown organisation 'nadie'; known organisations: municipalidad-ejemplo,"
            " ministerio-ejemplo",
        ),
        (
            '  first_reply = "2h"\n\n  [targets.organizations.municipalidad-ejemplo.priority',
            "  warn_at = 50\n\n  [targets.organizations.municipalidad-ejemplo.priority",
            "targets.organizations.municipalidad-ejemplo.warn_at",
            "unknown key; allowed keys: first_reply, diagnosis, resolution, priority",
        ),
    ],
)
def test_refusals_name_the_line_field_and_reason(old: str, new: str, field: str, reason: str):
    assert old in EXAMPLE
    text = EXAMPLE.replace(old, new, 1)
    with pytest.raises(CatalogError) as info:
        read(text)
    assert str(info.value) == f"catalog.toml:{line_of(text, needle(new, field))}: {field}: {reason}"


def needle(new: str, field: str) -> str:
    """The text of the line the error must point at: the bad element or key in `new`."""
    if field == "calendar.hours.monday[1]":
        return '"12:00-18:00"'
    key = field.rsplit(".", 1)[-1].split("[")[0]
    return next(line for line in new.splitlines() if key in line).strip()


def test_a_whole_week_closed() -> None:
    text = "[calendar.hours]\n" + "".join(
        f"{day} = []\n" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    )
    with pytest.raises(CatalogError) as info:
        read(text)
    assert str(info.value) == (
        "catalog.toml:1: calendar.hours: the desk must be open some hours of the week"
    )
