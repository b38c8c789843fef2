"""The desk's business calendar: hours, weekends, holidays, days off and DST, hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.business_time import (
    DEFAULT_WEEK,
    BusinessCalendar,
    DayOff,
    Span,
    check_spans,
    holiday_region_problem,
)

SCL = ZoneInfo("America/Santiago")
NYC = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3, *, fold: int = 0) -> datetime:
    """A Santiago wall-clock moment in 2026 (March: Monday 2 to Friday 6, offset -03)."""
    return datetime(2026, month, day, hour, minute, tzinfo=SCL, fold=fold)


def hours(*spans: str) -> tuple[Span, ...]:
    out = []
    for span in spans:
        start, end = span.split("-")
        out.append(tuple(int(h) * 60 + int(m) for h, m in (start.split(":"), end.split(":"))))
    return tuple(out)


def week(**days: tuple[Span, ...]) -> tuple[tuple[Span, ...], ...]:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return tuple(days.get(name, ()) for name in names)


OFFICE = BusinessCalendar()
CHILE = BusinessCalendar(country="CL")
ALWAYS = BusinessCalendar(week=(hours("00:00-24:00"),) * 7)


# --- open or closed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2, 9), True),  # Monday at opening
        (at(2, 8, 59), False),
        (at(2, 17, 59), True),
        (at(2, 18), False),  # the closing minute is already closed
        (at(6, 12), True),  # Friday
        (at(7, 12), False),  # Saturday
        (at(8, 12), False),  # Sunday
    ],
)
def test_is_open_in_office_hours(moment: datetime, expected: bool) -> None:
    assert OFFICE.is_open(moment) is expected
    assert OFFICE.is_open(moment.astimezone(UTC)) is expected


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (at(2, 10), at(2, 10)),  # open: now
        (at(2, 7), at(2, 9)),  # before opening
        (at(2, 19), at(3, 9)),  # at night: next morning
        (at(6, 18), at(9, 9)),  # Friday closing: Monday
        (at(7, 3), at(9, 9)),  # Saturday night
    ],
)
def test_next_opening(moment: datetime, opening: datetime) -> None:
    result = OFFICE.next_opening(moment)
    assert result == opening
    assert result.tzinfo is UTC


def test_next_opening_skips_holidays_and_the_weekend() -> None:
    # Friday 18 and Saturday 19 September 2026 are Fiestas Patrias.
    assert CHILE.next_opening(at(17, 19, month=9)) == at(21, 9, month=9)
    assert OFFICE.next_opening(at(17, 19, month=9)) == at(18, 9, month=9)


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2, 10), at(2, 12, 30), 2 * H + 30 * M),  # same morning
        (at(2, 16), at(3, 11), 4 * H),  # across a night: 2 h + 2 h
        (at(6, 15), at(9, 10), 4 * H),  # across a weekend: 3 h + 1 h
        (at(2, 16), at(9, 11), 2 * H + 4 * 9 * H + 2 * H),  # a whole week
        (at(7, 12), at(9, 9, 30), 30 * M),  # starts on Saturday
        (at(2, 7), at(2, 20), 9 * H),  # starts before opening, ends after closing
        (at(6, 20), at(9, 8), timedelta(0)),  # entirely closed
        (at(2, 10), at(2, 10), timedelta(0)),  # zero span
    ],
)
def test_business_duration(start: datetime, end: datetime, expected: timedelta) -> None:
    assert OFFICE.business_duration(start, end) == expected


def test_business_duration_is_negative_when_end_comes_first() -> None:
    assert OFFICE.business_duration(at(3, 11), at(2, 16)) == -4 * H


def test_business_duration_with_a_lunch_gap() -> None:
    calendar = BusinessCalendar(week=week(monday=hours("09:00-13:00", "14:00-18:00")))
    assert calendar.business_duration(at(2, 12), at(2, 15)) == 2 * H
    assert not calendar.is_open(at(2, 13, 30))
    assert calendar.next_opening(at(2, 13, 30)) == at(2, 14)
    assert calendar.add_business(at(2, 12, 30), H) == at(2, 14, 30)


# --- deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "span", "deadline"),
    [
        (at(2, 10), 2 * H, at(2, 12)),
        (at(2, 16), 4 * H, at(3, 11)),  # across a night
        (at(6, 16), 4 * H, at(9, 11)),  # across a weekend: 2 h Friday, 2 h Monday
        (at(5, 17), 10 * H, at(6, 18)),  # Thursday 1 h + Friday 9 h: Friday closing time
        (at(5, 17), 10 * H + M, at(9, 9, 1)),  # one minute more: Monday 09:01
        (at(2, 14), 4 * H, at(2, 18)),  # exactly to closing time: today 18:00, not tomorrow
        (at(7, 10), H, at(9, 10)),  # starts on Saturday
        (at(2, 20), 30 * M, at(3, 9, 30)),  # starts at night
        (at(2, 10), timedelta(0), at(2, 10)),
        (at(7, 10), timedelta(0), at(7, 10)),  # zero from a closed moment stays put
        (at(9, 10), -2 * H, at(6, 17)),  # back across the weekend
        (at(3, 11), -2 * H, at(3, 9)),  # back to opening, not to yesterday's closing
    ],
)
def test_add_business(start: datetime, span: timedelta, deadline: datetime) -> None:
    result = OFFICE.add_business(start, span)
    assert result == deadline
    assert result.tzinfo is UTC


@pytest.mark.parametrize("start", [at(2, 10), at(6, 17, 45), at(7, 3), at(8, 23, 59)])
@pytest.mark.parametrize("span", [M, 4 * H, 9 * H, 13 * H + 7 * M, 100 * H])
def test_add_business_and_business_duration_agree(start: datetime, span: timedelta) -> None:
    for calendar in (OFFICE, CHILE):
        deadline = calendar.add_business(start, span)
        assert calendar.business_duration(start, deadline) == span
        assert calendar.add_business(deadline, -span) >= start


def test_a_target_across_a_night_and_a_weekend_with_a_holiday() -> None:
    # Thursday 17 September 2026, 16:00: 2 h that day, Friday and Saturday are holidays,
    # Sunday closed; the 4 h target ends Monday 21 at 11:00.
    assert CHILE.add_business(at(17, 16, month=9), 4 * H) == at(21, 11, month=9)
    assert CHILE.business_duration(at(17, 16, month=9), at(21, 11, month=9)) == 4 * H
    assert OFFICE.add_business(at(17, 16, month=9), 4 * H) == at(18, 11, month=9)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.is_open(datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.business_duration(at(2, 10), datetime(2026, 3, 2, 12))


# --- holidays and days off ------------------------------------------------------------------


def test_public_holidays_come_from_the_holidays_library_in_spanish() -> None:
    assert CHILE.holiday(date(2026, 9, 18)) == "Día de la Independencia"
    assert CHILE.holiday(date(2026, 9, 17)) is None
    assert CHILE.hours_on(date(2026, 9, 18)) == ()
    assert CHILE.hours_on(date(2026, 9, 17)) == DEFAULT_WEEK[3]
    assert OFFICE.holiday(date(2026, 9, 18)) is None


def test_a_regional_holiday_needs_the_subdivision() -> None:
    # 20 August: Nativity of Bernardo O'Higgins, in Ñuble's Chillán communes only.
    nuble = BusinessCalendar(country="CL", subdivision="NB")
    thursday = date(2026, 8, 20)
    assert nuble.hours_on(thursday) == ()
    assert CHILE.hours_on(thursday) == DEFAULT_WEEK[3]


def test_good_friday_and_the_april_clock_change_together() -> None:
    # Thursday 2 April 17:00 (-03) to Monday 6 April 10:00 (-04): Friday 3 is Good Friday.
    start, end = at(2, 17, month=4), at(6, 10, month=4)
    assert CHILE.business_duration(start, end) == 2 * H
    assert OFFICE.business_duration(start, end) == H + 9 * H + H


DESK_DAYS_OFF = BusinessCalendar(
    country="CL",
    days_off=(
        DayOff(date(2026, 3, 6), date(2026, 3, 6), reason="Aniversario"),
        DayOff(date(2026, 2, 16), date(2026, 2, 20), reason="Vacaciones colectivas"),
        DayOff(date(2026, 12, 24), date(2026, 12, 24), open=hours("09:00-13:00")),
        DayOff(date(2026, 9, 19), date(2026, 9, 19), open=hours("10:00-12:00")),
    ),
)


def test_a_whole_day_off() -> None:
    assert DESK_DAYS_OFF.day_off(date(2026, 3, 6)).reason == "Aniversario"
    assert DESK_DAYS_OFF.business_duration(at(5, 17), at(9, 10)) == 2 * H
    assert DESK_DAYS_OFF.add_business(at(5, 17), 2 * H) == at(9, 10)


def test_a_week_off() -> None:
    assert DESK_DAYS_OFF.next_opening(at(13, 18, month=2)) == at(23, 9, month=2)
    assert DESK_DAYS_OFF.business_duration(at(13, 17, month=2), at(23, 10, month=2)) == 2 * H


def test_a_half_day() -> None:
    # Thursday 24 December opens 09:00-13:00 only; the 25th is Christmas.
    start = datetime(2026, 12, 24, 12, tzinfo=SCL)
    assert DESK_DAYS_OFF.is_open(start)
    assert not DESK_DAYS_OFF.is_open(datetime(2026, 12, 24, 14, tzinfo=SCL))
    assert DESK_DAYS_OFF.add_business(start, 2 * H) == datetime(2026, 12, 28, 10, tzinfo=SCL)


def test_the_desks_own_entry_wins_over_a_public_holiday() -> None:
    saturday = date(2026, 9, 19)  # Día de las Glorias del Ejército
    assert DESK_DAYS_OFF.holiday(saturday) is not None
    assert DESK_DAYS_OFF.hours_on(saturday) == hours("10:00-12:00")
    assert DESK_DAYS_OFF.is_open(at(19, 11, month=9))


# --- daylight-saving changes in Santiago ----------------------------------------------------
# 2026: Saturday 4 April at 24:00 (-03) the clock goes back to 23:00 (-04), so 23:00-24:00
# happens twice; Sunday 6 September at 00:00 (-04) it jumps to 01:00 (-03).


def test_a_day_with_25_hours_and_one_with_23() -> None:
    assert ALWAYS.business_duration(at(4, 12, month=4), at(5, 12, month=4)) == 25 * H
    assert ALWAYS.business_duration(at(5, 12, month=9), at(6, 12, month=9)) == 23 * H
    ((opens, closes),) = ALWAYS.open_intervals(date(2026, 4, 4))
    assert (opens, closes) == (
        datetime(2026, 4, 4, 3, tzinfo=UTC),
        datetime(2026, 4, 5, 4, tzinfo=UTC),
    )


def test_a_working_interval_that_contains_the_april_change() -> None:
    evening = BusinessCalendar(week=week(saturday=hours("20:00-24:00")))
    saturday = date(2026, 4, 4)
    assert evening.business_duration(at(4, 0, month=4), at(6, 0, month=4)) == 5 * H
    # 20:00 -03 plus 4 h 30 is 23:30 the second time, -04.
    deadline = evening.add_business(at(4, 20, month=4), 4 * H + 30 * M)
    assert deadline == datetime(2026, 4, 5, 3, 30, tzinfo=UTC)
    local = deadline.astimezone(SCL)  # (aware datetimes in a repeated hour never compare ==)
    assert (local.day, local.hour, local.minute, local.fold) == (4, 23, 30, 1)
    assert evening.is_open(at(4, 23, 30, month=4, fold=1))
    assert evening.next_opening(datetime(2026, 4, 5, 4, tzinfo=UTC)) == at(11, 20, month=4)
    # An ordinary Saturday evening is 4 hours.
    assert evening.business_duration(at(11, 0, month=4), at(12, 0, month=4)) == 4 * H
    assert len(evening.open_intervals(saturday)) == 1


def test_an_ambiguous_opening_time_means_its_first_occurrence() -> None:
    late = BusinessCalendar(week=week(saturday=hours("23:30-24:00")))
    ((opens, closes),) = late.open_intervals(date(2026, 4, 4))
    assert opens == datetime(2026, 4, 5, 2, 30, tzinfo=UTC)  # 23:30 -03
    assert closes == datetime(2026, 4, 5, 4, tzinfo=UTC)  # midnight -04
    assert late.business_duration(at(4, 12, month=4), at(5, 12, month=4)) == 90 * M
    assert late.is_open(at(4, 23, 15, month=4, fold=1))  # the repeated hour is open


def test_a_working_interval_that_contains_the_september_change() -> None:
    night = BusinessCalendar(week=week(saturday=hours("20:00-24:00"), sunday=hours("00:00-06:00")))
    # Saturday 20:00-24:00 -04 is 4 h; Sunday opens when the clock jumps to 01:00 -03.
    assert night.open_intervals(date(2026, 9, 6)) == [
        (datetime(2026, 9, 6, 4, tzinfo=UTC), datetime(2026, 9, 6, 9, tzinfo=UTC))
    ]
    assert night.business_duration(at(5, 12, month=9), at(6, 12, month=9)) == 9 * H
    assert night.add_business(at(5, 20, month=9), 5 * H) == at(6, 2, month=9)
    assert night.add_business(at(5, 20, month=9), 4 * H) == at(6, 1, month=9)


def test_a_nonexistent_opening_time_opens_when_the_clock_jumps_past_it() -> None:
    half_past = BusinessCalendar(week=week(sunday=hours("00:30-06:00")))
    assert half_past.next_opening(at(5, 22, month=9)) == at(6, 1, month=9)
    assert half_past.business_duration(at(5, 22, month=9), at(7, 0, month=9)) == 5 * H
    # An interval entirely inside the skipped hour does not happen that day.
    skipped = BusinessCalendar(week=week(sunday=hours("00:15-00:45"), monday=hours("09:00-10:00")))
    assert skipped.open_intervals(date(2026, 9, 6)) == []
    assert skipped.next_opening(at(5, 22, month=9)) == at(7, 9, month=9)
    assert skipped.business_duration(at(13, 0, month=9), at(14, 0, month=9)) == 30 * M


def test_new_york_changes_at_two_in_the_morning() -> None:
    night = BusinessCalendar(timezone="America/New_York", week=week(sunday=hours("00:00-06:00")))
    march = datetime(2026, 3, 8, tzinfo=NYC)
    november = datetime(2026, 11, 1, tzinfo=NYC)
    assert night.business_duration(march, march + timedelta(days=1)) == 5 * H
    assert night.business_duration(november, november + timedelta(days=1)) == 7 * H
    assert night.add_business(march, 3 * H) == datetime(2026, 3, 8, 4, tzinfo=NYC)


# --- construction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "problem"),
    [
        (hours("09:00-18:00"), None),
        (hours("09:00-13:00", "14:00-18:00"), None),
        (hours("18:00-09:00"), "18:00-09:00 is not an interval within one day"),
        (hours("09:00-13:00", "12:00-18:00"), "12:00-18:00 overlaps"),
        (((0, 1441),), "00:00-24:01 is not an interval"),
    ],
)
def test_check_spans(spans: tuple[Span, ...], problem: str | None) -> None:
    found = check_spans(spans)
    assert found == problem if problem is None else found.startswith(problem)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="open some hours"):
        BusinessCalendar(week=((),) * 7)
    with pytest.raises(ValueError, match="tuesday: 12:00-18:00 overlaps"):
        BusinessCalendar(week=week(tuesday=hours("09:00-13:00", "12:00-18:00")))
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        BusinessCalendar(country="XX")
    with pytest.raises(ValueError, match="needs a country"):
        BusinessCalendar(subdivision="RM")


def test_holiday_region_problem() -> None:
    assert holiday_region_problem("CL", None) is None
    assert holiday_region_problem("CL", "RM") is None
    field, reason = holiday_region_problem("CL", "XX")
    assert field == "subdivision"
    assert "known: AI, AN, AP" in reason
    assert holiday_region_problem("cl", None)[0] == "country"


def test_no_open_time_at_all_is_an_error_not_a_hang() -> None:
    closed = BusinessCalendar(days_off=(DayOff(date(2000, 1, 1), date(2100, 1, 1)),))
    with pytest.raises(ValueError, match="no open time"):
        closed.next_opening(at(2, 10))
    assert closed.business_duration(at(2, 10), at(9, 10)) == timedelta(0)
