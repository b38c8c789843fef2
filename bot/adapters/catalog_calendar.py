"""The catalogue's `[calendar]` and `[targets]` tables, validated into a `BusinessCalendar` and
a `TargetPolicy`; anything malformed raises `CatalogError` with file:line: field: reason.

`parse_catalog` (bot/adapters/catalog_reader.py) allows the `TABLES` at the top level and
keeps both results on the `Catalog` (`catalog.calendar`, `catalog.targets`). Without the
tables the desk gets the defaults: Monday to Friday 09:00–18:00, no public holidays, and the
spans and warning of `bot.domain.targets`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from bot.adapters.catalog_fields import TableReader
from bot.adapters.catalog_locate import TomlPath, field_name
from bot.domain.business_time import (
    DEFAULT_WEEK,
    WEEKDAYS,
    BusinessCalendar,
    DayOff,
    Span,
    check_spans,
    holiday_region_problem,
)
from bot.domain.targets import DEFAULT_WARN_AT, PRIORITIES, Metric, Rules, TargetPolicy

TABLES = ("calendar", "targets")
MAX_SPAN_HOURS = 2000
MAX_DAYS_OFF_RANGE = 366

_INTERVAL = re.compile(r"\s*(\d{2}):(\d{2})\s*[-–]\s*(\d{2}):(\d{2})\s*")
_SPAN = re.compile(r"(?:(\d{1,4})\s*h)?\s*(?:(\d{1,6})\s*m(?:in)?)?")
_CODE = re.compile(r"[A-Z]{2}")
_SUBDIVISION = re.compile(r"[A-Z0-9]{1,4}")
_SPAN_EXAMPLE = "a business time such as '4h', '30m' or '1h30m'"


# --- [calendar] -----------------------------------------------------------------------------


def read_calendar(r: TableReader, data: Mapping[str, Any], timezone: str) -> BusinessCalendar:
    """The desk's calendar from `[calendar]` (in the desk's `timezone`), or the default."""
    path: TomlPath = ("calendar",)
    table = r.get(data, (), "calendar", dict, {})
    r.keys(table, path, (), ("country", "subdivision", "hours", "days_off"))
    country = r.get(table, path, "country", str, None)
    subdivision = r.get(table, path, "subdivision", str, None)
    if country is not None:
        r.check_pattern(country, (*path, "country"), _CODE, "an ISO 3166-1 alpha-2 code like 'CL'")
        if subdivision is not None:
            what = "a subdivision code like 'RM'"
            r.check_pattern(subdivision, (*path, "subdivision"), _SUBDIVISION, what)
        problem = holiday_region_problem(country, subdivision)
        if problem:
            raise r.error((*path, problem[0]), problem[1])
    elif subdivision is not None:
        raise r.error((*path, "subdivision"), "a subdivision needs a country")
    return BusinessCalendar(
        timezone=timezone,
        week=_week(r, r.get(table, path, "hours", dict, {})),
        country=country,
        subdivision=subdivision,
        days_off=_days_off(r, r.get(table, path, "days_off", list, [])),
    )


def _week(r: TableReader, table: dict[str, Any]) -> tuple[tuple[Span, ...], ...]:
    path: TomlPath = ("calendar", "hours")
    r.keys(table, path, (), WEEKDAYS)
    week = tuple(
        _intervals(r, table, path, day) if day in table else DEFAULT_WEEK[n]
        for n, day in enumerate(WEEKDAYS)
    )
    if not any(week):
        raise r.error(path, "the desk must be open some hours of the week")
    return week


def _intervals(r: TableReader, table: dict[str, Any], path: TomlPath, key: str) -> tuple[Span, ...]:
    """A list of "HH:MM-HH:MM" (a single string is one interval; [] is closed)."""
    raw = table[key]
    items = [raw] if isinstance(raw, str) else r.check_type(raw, (*path, key), list)
    spans: list[Span] = []
    for i, item in enumerate(items):
        where = (*path, key) if isinstance(raw, str) else (*path, key, i)
        text = r.check_type(item, where, str)
        match = _INTERVAL.fullmatch(text)
        if not match:
            raise r.error(where, f"{text!r} is not a time interval such as '09:00-18:00'")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise r.error(where, f"{text!r} has an hour that does not exist (00:00 to 24:00)")
        spans.append((h1 * 60 + m1, h2 * 60 + m2))
        problem = check_spans(spans)
        if problem:
            raise r.error(where, problem)
    return tuple(spans)


def _days_off(r: TableReader, items: list[Any]) -> tuple[DayOff, ...]:
    taken: dict[int, str] = {}
    entries = []
    for i, item in enumerate(items):
        path: TomlPath = ("calendar", "days_off", i)
        r.check_type(item, path, dict)
        r.keys(item, path, ("date",), ("until", "open", "reason"))
        first = _date(r, item, path, "date")
        last = _date(r, item, path, "until") if "until" in item else first
        if last < first:
            raise r.error((*path, "until"), f"{last} is before the date {first}")
        if (last - first).days >= MAX_DAYS_OFF_RANGE:
            raise r.error((*path, "until"), "a range of days off spans at most a year")
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            if ordinal in taken:
                day = date.fromordinal(ordinal)
                raise r.error((*path, "date"), f"{day} is already a day off in {taken[ordinal]}")
            taken[ordinal] = field_name(path)
        opens = _intervals(r, item, path, "open") if "open" in item else ()
        if "open" in item and not opens:
            raise r.error((*path, "open"), "leave `open` out for a whole day off")
        entries.append(DayOff(first, last, opens, r.text(item, path, "reason", "")))
    return tuple(entries)


def _date(r: TableReader, table: dict[str, Any], path: TomlPath, key: str) -> date:
    value = table[key]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    elif type(value) is date:
        return value
    raise r.error((*path, key), f"{value!r} is not a date; write it as 2026-12-24")


# --- [targets] ------------------------------------------------------------------------------

_METRICS = tuple(metric.value for metric in Metric)


def read_targets(
    r: TableReader, data: Mapping[str, Any], organizations: Mapping[str, int]
) -> TargetPolicy:
    """The response targets from `[targets]`, or the defaults; `organizations` maps the
    catalogue's organisation keys to their Zendesk ids."""
    path: TomlPath = ("targets",)
    table = r.get(data, (), "targets", dict, {})
    r.keys(table, path, (), ("warn_at", *_METRICS, "priority", "organizations"))
    per_org: dict[int, Rules] = {}
    orgs = r.get(table, path, "organizations", dict, {})
    for key in orgs:
        where: TomlPath = (*path, "organizations", key)
        if key not in organizations:
            known = ", ".join(organizations) or "none"
            reason = f"unknown organisation {key!r}; known organisations: {known}"
            raise r.error(where, reason)
        per_org[organizations[key]] = _rules(r, r.get(orgs, where[:-1], key, dict), where)
    return TargetPolicy(desk=_rules(r, table, path), organizations=per_org, warn_at=_warn(r, table))


def _warn(r: TableReader, table: dict[str, Any]) -> float:
    path: TomlPath = ("targets", "warn_at")
    if "warn_at" not in table:
        return DEFAULT_WARN_AT
    value = table["warn_at"]
    if type(value) not in (int, float) or not 1 <= value <= 99:
        raise r.error(path, f"{value!r} is not a percentage from 1 to 99, such as 80")
    return value / 100


def _rules(r: TableReader, table: dict[str, Any], path: TomlPath) -> Rules:
    if path != ("targets",):
        r.keys(table, path, (), (*_METRICS, "priority"))
    priorities = r.get(table, path, "priority", dict, {})
    r.keys(priorities, (*path, "priority"), (), PRIORITIES)
    by_priority = {}
    for name in priorities:
        where: TomlPath = (*path, "priority", name)
        spans = r.get(priorities, where[:-1], name, dict)
        r.keys(spans, where, (), _METRICS)
        by_priority[name] = _spans(r, spans, where)
    return Rules(spans=_spans(r, table, path), priorities=by_priority)


def _spans(r: TableReader, table: dict[str, Any], path: TomlPath) -> dict[Metric, timedelta]:
    spans = {}
    for metric in Metric:
        if metric.value not in table:
            continue
        where = (*path, metric.value)
        text = r.get(table, path, metric.value, str)
        match = _SPAN.fullmatch(text.strip())
        if not match or not any(match.groups()):
            hint = "; business time is counted in hours: a 09:00-18:00 day is '9h'"
            days = re.fullmatch(r"\s*\d+\s*d.*", text)
            raise r.error(where, f"{text!r} is not {_SPAN_EXAMPLE}{hint if days else ''}")
        hours, minutes = int(match.group(1) or 0), int(match.group(2) or 0)
        total = hours * 60 + minutes
        if not 0 < total <= MAX_SPAN_HOURS * 60:
            raise r.error(where, f"must be more than 0 and at most {MAX_SPAN_HOURS}h")
        spans[metric] = timedelta(minutes=total)
    return spans
