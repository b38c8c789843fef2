"""bot/domain/estimates.py: free-text time estimates read against the team's time zone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.estimates import Estimate, EstimateError, parse_estimate

TZ = ZoneInfo("America/Santiago")
NOW = datetime(2026, 11, 24, 10, 30, tzinfo=TZ)


def at(year: int, month: int, day: int, hour: int = 18, minute: int = 0) -> datetime:
    """A wall-clock moment in the team's time zone."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def assert_moment(actual: datetime, expected: datetime) -> None:
    """Same instant, same wall clock and the team's zone."""
    assert actual.tzinfo is TZ
    assert actual.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert actual.utcoffset() == expected.utcoffset()


ACCEPTED = [
    ("3 días", at(2026, 11, 27, 10, 30)),
    ("3 dias", at(2026, 11, 27, 10, 30)),
    ("  3 DÍAS  ", at(2026, 11, 27, 10, 30)),
    ("3d", at(2026, 11, 27, 10, 30)),
    ("en 3 días", at(2026, 11, 27, 10, 30)),
    ("1 día", at(2026, 11, 25, 10, 30)),
    ("un día", at(2026, 11, 25, 10, 30)),
    ("2 semanas", at(2026, 12, 8, 10, 30)),
    ("1 semana", at(2026, 12, 1, 10, 30)),
    ("2 sem", at(2026, 12, 8, 10, 30)),
    ("4 horas", at(2026, 11, 24, 14, 30)),
    ("2h", at(2026, 11, 24, 12, 30)),
    ("90 minutos", at(2026, 11, 24, 12, 0)),
    ("1 mes", at(2026, 12, 24, 10, 30)),
    ("2 meses", at(2027, 1, 24, 10, 30)),
    ("3 días hábiles", at(2026, 11, 27, 10, 30)),
    ("4 dias habiles", at(2026, 11, 30, 10, 30)),
    ("5 días hábiles", at(2026, 12, 1, 10, 30)),
    ("hoy", at(2026, 11, 24)),
    ("mañana", at(2026, 11, 25)),
    ("Manana", at(2026, 11, 25)),
    ("pasado mañana", at(2026, 11, 26)),
    ("fin de mes", at(2026, 11, 30)),
    ("viernes", at(2026, 11, 27)),
    ("el viernes", at(2026, 11, 27)),
    ("este viernes", at(2026, 11, 27)),
    ("próximo lunes", at(2026, 11, 30)),
    ("martes", at(2026, 12, 1)),
    ("miércoles", at(2026, 11, 25)),
    ("viernes 15:00", at(2026, 11, 27, 15)),
    ("viernes a las 15", at(2026, 11, 27, 15)),
    ("viernes 15 hrs", at(2026, 11, 27, 15)),
    ("vie 3pm", at(2026, 11, 27, 15)),
    ("viernes 4 de diciembre", at(2026, 12, 4)),
    ("mañana 9am", at(2026, 11, 25, 9)),
    ("hoy a las 17", at(2026, 11, 24, 17)),
    ("a las 15", at(2026, 11, 24, 15)),
    ("en 2 días a las 10", at(2026, 11, 26, 10)),
    ("2026-12-04", at(2026, 12, 4)),
    ("2026-12-04 15:00", at(2026, 12, 4, 15)),
    ("2026-12-04T15:00", at(2026, 12, 4, 15)),
    ("04-12-2026", at(2026, 12, 4)),
    ("4/12/2026", at(2026, 12, 4)),
    ("4.12.26", at(2026, 12, 4)),
    ("4/12", at(2026, 12, 4)),
    ("4 de diciembre", at(2026, 12, 4)),
    ("4 de Diciembre de 2026", at(2026, 12, 4)),
    ("diciembre 4", at(2026, 12, 4)),
    ("4 dic", at(2026, 12, 4)),
    ("4/12 15:00", at(2026, 12, 4, 15)),
    ("4 de diciembre a las 15", at(2026, 12, 4, 15)),
    ("4/12 15 hrs", at(2026, 12, 4, 15)),
    ("4/12 3pm", at(2026, 12, 4, 15)),
    ("4/12 15h30", at(2026, 12, 4, 15, 30)),
    ("2027-01-12", at(2027, 1, 12)),
    ("12-01-2027", at(2027, 1, 12)),
    ("01-12-2026", at(2026, 12, 1)),
    ("4/1", at(2027, 1, 4)),
    ("4 de enero", at(2027, 1, 4)),
    ("23/11", at(2027, 11, 23)),
    ("24/11", at(2026, 11, 24)),
    ("4 mar", at(2027, 3, 4)),
    ("1 de set", at(2027, 9, 1)),
    ("731 días", at(2028, 11, 24, 10, 30)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_inputs(text: str, expected: datetime) -> None:
    estimate = parse_estimate(text, NOW, TZ)
    assert_moment(estimate.at, expected)
    assert estimate.text == text.strip()


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (at(2026, 4, 2, 10, 30), "3 días", at(2026, 4, 5, 10, 30)),
        (at(2026, 4, 2, 10, 30), "72 horas", at(2026, 4, 5, 9, 30)),
        (at(2026, 4, 2, 10, 30), "domingo", at(2026, 4, 5)),
        (at(2026, 4, 2, 10, 30), "2 días hábiles", at(2026, 4, 6, 10, 30)),
        (at(2026, 9, 3, 10, 30), "3 días", at(2026, 9, 6, 10, 30)),
        (at(2026, 9, 3, 10, 30), "72 horas", at(2026, 9, 6, 11, 30)),
        (at(2026, 9, 4, 0, 30), "2 días", at(2026, 9, 6, 1, 30)),
        (at(2026, 9, 4, 0, 30), "6/9 00:30", at(2026, 9, 6, 1, 30)),
    ],
)
def test_santiago_dst_changes(now: datetime, text: str, expected: datetime) -> None:
    assert_moment(parse_estimate(text, now, TZ).at, expected)


def test_dst_keeps_wall_clock_for_days_but_not_for_hours() -> None:
    before = at(2026, 4, 2, 10, 30)
    days = parse_estimate("3 días", before, TZ).at
    hours = parse_estimate("72 horas", before, TZ).at
    assert before.utcoffset() == timedelta(hours=-3)
    assert days.utcoffset() == timedelta(hours=-4)
    assert days.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=73)
    assert hours.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=72)


def test_now_in_another_zone_is_read_in_the_team_zone() -> None:
    estimate = parse_estimate("3 días", NOW.astimezone(UTC), TZ)
    assert_moment(estimate.at, at(2026, 11, 27, 10, 30))


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware") as raised:
        parse_estimate("3 días", NOW.replace(tzinfo=None), TZ)
    assert not isinstance(raised.value, EstimateError)


REFUSED = [
    ("", "Escribe una estimación"),
    ("   ", "Escribe una estimación"),
    ("pronto", "No entendí «pronto»"),
    ("no sé", "No entendí «no sé»"),
    ("asdf", "No entendí"),
    ("fin de semana", "No entendí"),
    ("2 semanas hábiles", "No entendí"),
    ("2026-12-04T15:00-03:00", "No entendí"),
    ("0 días", "mayor que cero"),
    ("-3 días", "mayor que cero"),
    ("0 horas", "mayor que cero"),
    ("hoy 9:00", "La fecha estimada ya pasó: martes 24 de noviembre de 2026, 09:00"),
    ("2026-11-24 10:30", "ya pasó"),
    ("2026-11-20", "ya pasó"),
    ("1/1/2020", "ya pasó"),
    ("24/11 9:00", "ya pasó"),
    ("2029-01-01", "más de 2 años: lunes 1 de enero de 2029, 18:00"),
    ("3 años", "más de 2 años"),
    ("732 días", "más de 2 años"),
    ("999999 meses", "más de 2 años"),
    ("99999 días hábiles", "más de 2 años"),
    ("25:00", "La hora en «25:00» no es válida"),
    ("mañana 13pm", "no es válida"),
    ("4/12 15:75", "no es válida"),
    ("15", "Falta el día o el mes"),
    ("viernes 15", "Falta el día o el mes"),
    ("diciembre", "Falta el día o el mes"),
    ("31/2", "no existe"),
    ("4/13", "no existe"),
    ("2026-13-04", "no existe"),
    ("viernes 5 de diciembre", "El 5 de diciembre de 2026 es sábado, no viernes"),
]


@pytest.mark.parametrize(("text", "fragment"), REFUSED)
def test_refused_inputs(text: str, fragment: str) -> None:
    with pytest.raises(EstimateError) as raised:
        parse_estimate(text, NOW, TZ)
    assert fragment in raised.value.message
    assert str(raised.value) == raised.value.message


def test_unreadable_text_is_told_what_to_write() -> None:
    with pytest.raises(EstimateError) as raised:
        parse_estimate("pronto", NOW, TZ)
    for example in ("«3 días»", "«viernes 15:00»", "«4/12»", "«2026-12-04 15:00»"):
        assert example in raised.value.message


@pytest.mark.parametrize("now", [at(2026, 11, 24, 18, 0), at(2026, 11, 24, 18, 30)])
def test_today_is_refused_once_the_working_day_is_over(now: datetime) -> None:
    with pytest.raises(EstimateError, match="ya pasó"):
        parse_estimate("hoy", now, TZ)


def test_weekday_is_never_today() -> None:
    friday = at(2026, 11, 27, 9, 0)
    assert_moment(parse_estimate("viernes", friday, TZ).at, at(2026, 12, 4))


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("2026-12-04 15:00", "viernes 4 de diciembre de 2026, 15:00"),
        ("mañana", "miércoles 25 de noviembre de 2026, 18:00"),
        ("sábado 9:05", "sábado 28 de noviembre de 2026, 09:05"),
        ("4/1", "lunes 4 de enero de 2027, 18:00"),
        ("1 de septiembre", "miércoles 1 de septiembre de 2027, 18:00"),
    ],
)
def test_echo_in_spanish(text: str, echo: str) -> None:
    assert parse_estimate(text, NOW, TZ).echo() == echo


def test_estimate_is_frozen() -> None:
    estimate = Estimate("viernes", at(2026, 11, 27))
    with pytest.raises(dataclasses.FrozenInstanceError):
        estimate.text = "lunes"  # type: ignore[misc]
