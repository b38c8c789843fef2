"""The desk's business calendar: when it is open, and time counted only while it is. Pure.

A `BusinessCalendar` has a time zone, working hours per weekday (one or more intervals a day,
e.g. 09:00–13:00 and 14:00–18:00), the public holidays of a country (and optional
subdivision) from the `holidays` library, and the desk's own days off — whole days, ranges of
days, or half days that open only some hours.

Every instant in or out is a timezone-aware `datetime`; results are in UTC. The calendar
reads wall-clock hours in its own zone, so business time is real elapsed time while the desk
is open, correct across daylight-saving changes: a working interval that contains the
change is an hour longer or shorter than its wall-clock length. A wall-clock time that
occurs twice (clocks go back) means its first occurrence; one that does not exist (clocks
go forward) means the moment the clock jumps past it, the first moment the clock shows that
time or later.

What a day is open, in order: a day-off entry of the desk (closed, or open only its
`open` hours) wins; then a public holiday closes the day; otherwise the weekday's hours.

Arithmetic steps a day at a time over each day's intervals (computed once per day and
cached), never minute by minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

Span = tuple[int, int]
"""Minutes from local midnight: (start, end), 0 <= start < end <= 1440 (1440 is 24:00)."""

DAY_MINUTES = 1440
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OFFICE_HOURS: tuple[Span, ...] = ((9 * 60, 18 * 60),)
DEFAULT_WEEK: tuple[tuple[Span, ...], ...] = (OFFICE_HOURS,) * 5 + ((), ())
"""Monday to Friday 09:00–18:00."""
HORIZON_DAYS = 3660
"""How far (about 10 years) the arithmetic looks for open time before it gives up."""


@dataclass(frozen=True)
class DayOff:
    """The desk's own day off (or days, `first` to `last` inclusive); `open` makes it a half
    day: the desk works only those hours."""

    first: date
    last: date
    open: tuple[Span, ...] = ()
    reason: str = ""


def check_spans(spans: Sequence[Span]) -> str | None:
    """Why these intervals of one day cannot be used (out of range, unordered, overlapping)."""
    previous = 0
    for start, end in spans:
        if not 0 <= start < end <= DAY_MINUTES:
            return f"{clock(start)}-{clock(end)} is not an interval within one day"
        if start < previous:
            return f"{clock(start)}-{clock(end)} overlaps or precedes the interval before it"
        previous = end
    return None


def clock(minutes: int) -> str:
    """Minutes from midnight as "HH:MM" ("24:00" for the end of the day)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def holiday_region_problem(country: str, subdivision: str | None) -> tuple[str, str] | None:
    """("country" | "subdivision", reason) when `holidays` does not know the region."""
    supported = holidays.list_supported_countries()
    if country not in supported:
        return "country", (
            f"unknown country {country!r} for public holidays; "
            "use an ISO 3166-1 alpha-2 code such as 'CL'"
        )
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        return "subdivision", f"unknown subdivision {subdivision!r} of {country}; known: {known}"
    return None


def _utc_seconds(at: datetime) -> float:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at!r} must be timezone-aware")
    return at.timestamp()


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk is open; see the module docstring."""

    timezone: str = "America/Santiago"
    week: tuple[tuple[Span, ...], ...] = DEFAULT_WEEK
    country: str | None = None
    subdivision: str | None = None
    days_off: tuple[DayOff, ...] = ()
    tz: ZoneInfo = field(init=False, compare=False, repr=False)
    _off: dict[int, DayOff] = field(init=False, compare=False, repr=False)
    _cache: dict[Any, Any] = field(init=False, default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("week needs the hours of 7 days, Monday first")
        for name, spans in zip(WEEKDAYS, self.week, strict=True):
            problem = check_spans(spans)
            if problem:
                raise ValueError(f"{name}: {problem}")
        if not any(self.week):
            raise ValueError("the desk must be open some hours of the week")
        if self.country is not None:
            problem = holiday_region_problem(self.country, self.subdivision)
            if problem:
                raise ValueError(problem[1])
        elif self.subdivision is not None:
            raise ValueError("a subdivision needs a country")
        off: dict[int, DayOff] = {}
        for entry in self.days_off:
            problem = check_spans(entry.open)
            if problem or entry.last < entry.first:
                raise ValueError(f"day off {entry.first}: {problem or 'ends before it starts'}")
            for ordinal in range(entry.first.toordinal(), entry.last.toordinal() + 1):
                off.setdefault(ordinal, entry)
        object.__setattr__(self, "tz", ZoneInfo(self.timezone))
        object.__setattr__(self, "_off", off)

    # --- what a day is -----------------------------------------------------------------------

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on `day` (in the country's language), or None."""
        if self.country is None:
            return None
        key = ("holidays", day.year)
        names = self._cache.get(key)
        if names is None:
            region = holidays.country_holidays(self.country, subdiv=self.subdivision)
            # The country's own language, whatever the process's locale says.
            language = region.default_language
            names = dict(
                holidays.country_holidays(
                    self.country, subdiv=self.subdivision, years=day.year, language=language
                )
            )
            self._cache[key] = names
        return names.get(day)

    def day_off(self, day: date) -> DayOff | None:
        """The desk's own day-off entry covering `day`, or None."""
        return self._off.get(day.toordinal())

    def hours_on(self, day: date) -> tuple[Span, ...]:
        """The wall-clock intervals the desk is open on `day` (empty: closed)."""
        entry = self._off.get(day.toordinal())
        if entry is not None:
            return entry.open
        if self.holiday(day) is not None:
            return ()
        return self.week[day.weekday()]

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The real (UTC) intervals the desk is open on local `day`."""
        return [(_utc(a), _utc(b)) for a, b in self._day(day.toordinal())]

    # --- instants ----------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        t = _utc_seconds(at)
        return any(a <= t < b for a, b in self._day(self._ordinal(t)))

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when the desk is open, else the moment it next opens (a reminder due at
        night fires then)."""
        t = _utc_seconds(at)
        for a, b in self._forward(t):
            if b > t:
                return _utc(max(a, t))
        raise self._no_open_time()

    def business_duration(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants; negative when `end` is before `start`."""
        s, e = _utc_seconds(start), _utc_seconds(end)
        if e < s:
            return -self.business_duration(end, start)
        total = 0.0
        for ordinal in range(self._ordinal(s), self._ordinal(e) + 1):
            for a, b in self._day(ordinal):
                if b > s and a < e:
                    total += min(b, e) - max(a, s)
        return timedelta(seconds=total)

    def add_business(self, start: datetime, duration: timedelta) -> datetime:
        """The first instant at which `duration` of open time has passed since `start` (a
        deadline; it may be a closing time). A negative duration counts back, to the last
        instant that far before `start`. Zero gives `start`."""
        t = _utc_seconds(start)
        left = duration.total_seconds()
        if left == 0:
            return _utc(t)
        if left > 0:
            for a, b in self._forward(t):
                a = max(a, t)
                if b > a:
                    if b - a >= left:
                        return _utc(a + left)
                    left -= b - a
        else:
            left = -left
            for a, b in self._backward(t):
                b = min(b, t)
                if b > a:
                    if b - a >= left:
                        return _utc(b - left)
                    left -= b - a
        raise self._no_open_time()

    def after(self, start: datetime, span: timedelta) -> datetime:
        """When a reminder `span` after `start` is due: whole days are working days (the
        same wall-clock time that many open days later, or the next opening after it);
        anything else is business time."""
        days, rest = divmod(span, timedelta(days=1))
        if rest or not days:
            return self.add_business(start, span)
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(days):
            day += timedelta(days=1)
            for _ in range(HORIZON_DAYS):
                if self._day(day.toordinal()):
                    break
                day += timedelta(days=1)
            else:
                raise self._no_open_time()
        wall = datetime.combine(day, local.time().replace(tzinfo=None))
        return self.next_opening(wall.replace(tzinfo=self.tz))

    # --- internals ---------------------------------------------------------------------------

    def _ordinal(self, t: float) -> int:
        return datetime.fromtimestamp(t, self.tz).toordinal()

    def _forward(self, t: float) -> Iterable[tuple[float, float]]:
        first = self._ordinal(t)
        for ordinal in range(first, first + HORIZON_DAYS):
            yield from self._day(ordinal)

    def _backward(self, t: float) -> Iterable[tuple[float, float]]:
        last = self._ordinal(t)
        for ordinal in range(last, last - HORIZON_DAYS, -1):
            yield from reversed(self._day(ordinal))

    def _no_open_time(self) -> ValueError:
        return ValueError(f"the calendar has no open time within {HORIZON_DAYS} days")

    def _day(self, ordinal: int) -> tuple[tuple[float, float], ...]:
        spans = self._cache.get(ordinal)
        if spans is None:
            day = date.fromordinal(ordinal)
            real = ((self._instant(day, a), self._instant(day, b)) for a, b in self.hours_on(day))
            spans = tuple((a, b) for a, b in real if b > a)
            self._cache[ordinal] = spans
        return spans

    def _instant(self, day: date, minutes: int) -> float:
        """The real moment the wall clock of local `day` reads `minutes` (see the docstring)."""
        if minutes >= DAY_MINUTES:
            day, minutes = day + timedelta(days=1), minutes - DAY_MINUTES
        wall = datetime.combine(day, time(minutes // 60, minutes % 60))
        t = wall.replace(tzinfo=self.tz).timestamp()
        if datetime.fromtimestamp(t, self.tz).replace(tzinfo=None) == wall:
            return t
        # In a gap: fold=1 reads it with the offset after the change, an instant before the
        # jump. Find the jump: the first second whose wall clock reads `wall` or later.
        lo, hi = int(wall.replace(tzinfo=self.tz, fold=1).timestamp()), int(t)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self.tz).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid
        return float(hi)
