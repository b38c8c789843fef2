"""Response targets in business time: which applies to a case, its deadline, the share used,
the warning, met or missed, and the figures over 7 and 30 days. Pure.

The three targets of the support process, each a span of business time (the desk's
`BusinessCalendar`) from a start to an end event of the case:

| target        | from                 | to                                       |
|---------------|----------------------|------------------------------------------|
| `first_reply` | the ticket's arrival | the first reply sent to the end user     |
| `diagnosis`   | the escalation       | the Mantenedor's first diagnosis         |
| `resolution`  | the ticket's arrival | the first resolution proposal sent       |

A triage reply that opens the closing window (decisions 3 to 6) is both the first reply and
the resolution proposal. A target applies once its start has happened; it no longer applies
to a case that finished (spam, resolved) without reaching its end.

Deadline: the instant its span of business time has passed since the start
(`BusinessCalendar.add_business`). A target is met when its end happened at or before the
deadline, missed when the deadline passed first (it stays missed when the end comes later).
The warning is due once `warn_at` of the span (default 80 %) has been used.

Spans come from the catalogue's `[targets]`, most specific first: the organisation's
priority table, the organisation's table, the desk's priority table, the desk's table, and
the defaults below. Zendesk priorities: urgent, high, normal, low (a ticket without one uses
the tables without priority).

Figures: a target counts in a window (the last 7 or 30 days) when its outcome was decided
in it — a met target when its end happened, a missed one at its deadline. The p50/p90 are of
the targets whose end happened in the window, in business time and in calendar time.
Percentiles are nearest-rank, as in `/soporte estado`: the p-th of n sorted values is the one
at rank ⌈p/100 · n⌉, so every figure is a time some case really took.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from bot.domain.business_time import BusinessCalendar


class Metric(StrEnum):
    FIRST_REPLY = "first_reply"
    DIAGNOSIS = "diagnosis"
    RESOLUTION = "resolution"


class Outcome(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"


PRIORITIES = ("urgent", "high", "normal", "low")
DEFAULT_SPANS: Mapping[Metric, timedelta] = {
    Metric.FIRST_REPLY: timedelta(hours=4),
    Metric.DIAGNOSIS: timedelta(hours=9),  # one working day of 09:00-18:00
    Metric.RESOLUTION: timedelta(hours=45),  # five such days
}
DEFAULT_WARN_AT = 0.8
WINDOWS = (7, 30)
_BOUNDS: Mapping[Metric, tuple[str, str]] = {
    Metric.FIRST_REPLY: ("created", "first_reply"),
    Metric.DIAGNOSIS: ("escalated", "diagnosed"),
    Metric.RESOLUTION: ("created", "resolution_proposed"),
}

T = TypeVar("T", float, timedelta)


def nearest_rank(values: Iterable[T], pct: float) -> T | None:
    """Nearest-rank percentile (see the module docstring); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


@dataclass(frozen=True)
class CaseTimes:
    """The moments of one case that the targets measure (all timezone-aware)."""

    created: datetime
    organization_id: int | None = None
    priority: str | None = None
    first_reply: datetime | None = None
    escalated: datetime | None = None
    diagnosed: datetime | None = None
    resolution_proposed: datetime | None = None
    finished: datetime | None = None
    """When it became spam or resolved."""


@dataclass(frozen=True)
class Rules:
    """The spans one level of `[targets]` sets (possibly some), and its priority tables."""

    spans: Mapping[Metric, timedelta] = field(default_factory=dict)
    priorities: Mapping[str, Mapping[Metric, timedelta]] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetPolicy:
    """The desk's targets: spans per organisation (Zendesk id) and priority, and `warn_at`."""

    desk: Rules = field(default_factory=Rules)
    organizations: Mapping[int, Rules] = field(default_factory=dict)
    warn_at: float = DEFAULT_WARN_AT

    def span(self, metric: Metric, organization_id: int | None, priority: str | None) -> timedelta:
        """The span of `metric` for a ticket, most specific table first."""
        org = self.organizations.get(organization_id) if organization_id is not None else None
        for rules in (org, self.desk):
            if rules is None:
                continue
            by_priority = rules.priorities.get(priority) if priority else None
            if by_priority and metric in by_priority:
                return by_priority[metric]
            if metric in rules.spans:
                return rules.spans[metric]
        return DEFAULT_SPANS[metric]


@dataclass(frozen=True)
class Target:
    """One target of one case: its span, start, deadline, warning time and end (None: open)."""

    metric: Metric
    span: timedelta
    start: datetime
    deadline: datetime
    warn_time: datetime
    reached: datetime | None

    def outcome(self, now: datetime) -> Outcome:
        if self.reached is not None:
            return Outcome.MET if self.reached <= self.deadline else Outcome.MISSED
        return Outcome.MISSED if now > self.deadline else Outcome.OPEN

    def used(self, calendar: BusinessCalendar, at: datetime) -> float:
        """Share of the span used at `at` (or when reached); above 1 once it is late."""
        until = at if self.reached is None else min(at, self.reached)
        return calendar.business_duration(self.start, until) / self.span

    def warning_due(self, now: datetime) -> bool:
        """Open, past its warning time and not yet missed: time to warn (once)."""
        return self.reached is None and self.warn_time <= now <= self.deadline


def targets_of(case: CaseTimes, policy: TargetPolicy, calendar: BusinessCalendar) -> list[Target]:
    """Every target that applies to the case, in the order of the process."""
    return [t for metric in Metric if (t := _target(case, metric, policy, calendar))]


def next_target(case: CaseTimes, policy: TargetPolicy, calendar: BusinessCalendar) -> Target | None:
    """The open target with the nearest deadline (an overdue one first), or None."""
    open_targets = [t for t in targets_of(case, policy, calendar) if t.reached is None]
    return min(open_targets, key=lambda t: t.deadline, default=None)


def _bounds(case: CaseTimes, metric: Metric) -> tuple[datetime | None, datetime | None]:
    start, end = _BOUNDS[metric]
    return getattr(case, start), getattr(case, end)


def _target(
    case: CaseTimes,
    metric: Metric,
    policy: TargetPolicy,
    calendar: BusinessCalendar,
    *,
    warn: bool = True,
) -> Target | None:
    start, reached = _bounds(case, metric)
    if start is None or (reached is None and case.finished is not None):
        return None
    span = policy.span(metric, case.organization_id, case.priority)
    deadline = calendar.add_business(start, span)
    warn_time = calendar.add_business(start, span * policy.warn_at) if warn else deadline
    return Target(metric, span, start, deadline, warn_time, reached)


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetFigures:
    """One target over one window: outcomes decided in it, and how long the reached ones took."""

    met: int
    missed: int
    business_p50: timedelta | None
    business_p90: timedelta | None
    calendar_p50: timedelta | None
    calendar_p90: timedelta | None


@dataclass(frozen=True)
class _Decided:
    at: datetime
    """When the outcome became known: the end for a met target, else the deadline."""
    met: bool
    reached: datetime | None
    business: timedelta
    wall: timedelta


def target_figures(
    cases: Iterable[CaseTimes],
    policy: TargetPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    windows: Iterable[int] = WINDOWS,
) -> dict[int, dict[Metric, TargetFigures]]:
    """{days: {metric: TargetFigures}} for each window ending at `now`, in one pass."""
    windows = tuple(windows)
    oldest = now - timedelta(days=max(windows, default=0))
    decided: dict[Metric, list[_Decided]] = {metric: [] for metric in Metric}
    for case in cases:
        for metric in Metric:
            start, reached = _bounds(case, metric)
            if start is None or (reached is not None and reached < oldest):
                continue
            target = _target(case, metric, policy, calendar, warn=False)
            if target is None:
                continue
            outcome = target.outcome(now)
            if reached is not None:
                took = calendar.business_duration(start, reached)
                when = reached if outcome is Outcome.MET else target.deadline
                decided[metric].append(
                    _Decided(when, outcome is Outcome.MET, reached, took, reached - start)
                )
            elif outcome is Outcome.MISSED:
                zero = timedelta(0)
                decided[metric].append(_Decided(target.deadline, False, None, zero, zero))
    figures: dict[int, dict[Metric, TargetFigures]] = {}
    for days in windows:
        since = now - timedelta(days=days)
        figures[days] = {}
        for metric, rows in decided.items():
            counted = [r for r in rows if since <= r.at <= now]
            timed = [r for r in rows if r.reached is not None and since <= r.reached <= now]
            business = [r.business for r in timed]
            wall = [r.wall for r in timed]
            figures[days][metric] = TargetFigures(
                met=sum(1 for r in counted if r.met),
                missed=sum(1 for r in counted if not r.met),
                business_p50=nearest_rank(business, 50),
                business_p90=nearest_rank(business, 90),
                calendar_p50=nearest_rank(wall, 50),
                calendar_p90=nearest_rank(wall, 90),
            )
    return figures


def figures_to_dict(figures: Mapping[int, Mapping[Metric, TargetFigures]]) -> dict[str, Any]:
    """The figures as JSON-ready data (spans in seconds)."""

    def seconds(value: timedelta | None) -> float | None:
        return value.total_seconds() if value is not None else None

    return {
        str(days): {
            metric.value: [
                f.met,
                f.missed,
                *map(seconds, (f.business_p50, f.business_p90, f.calendar_p50, f.calendar_p90)),
            ]
            for metric, f in per_metric.items()
        }
        for days, per_metric in figures.items()
    }


def figures_from_dict(data: Mapping[str, Any]) -> dict[int, dict[Metric, TargetFigures]]:
    def span(value: float | None) -> timedelta | None:
        return timedelta(seconds=value) if value is not None else None

    return {
        int(days): {
            Metric(metric): TargetFigures(row[0], row[1], *map(span, row[2:]))
            for metric, row in per_metric.items()
        }
        for days, per_metric in data.items()
    }
