"""Response targets: spans per organisation and priority, deadlines, warnings, outcomes, figures
and their Spanish phrases, checked against hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.business_time import BusinessCalendar
from bot.domain.target_texts import countdown, day_phrase, span_phrase
from bot.domain.targets import (
    DEFAULT_SPANS,
    CaseTimes,
    Metric,
    Outcome,
    Rules,
    TargetFigures,
    TargetPolicy,
    nearest_rank,
    next_target,
    target_figures,
    targets_of,
)

SCL = ZoneInfo("America/Santiago")
H = timedelta(hours=1)
M = timedelta(minutes=1)
OFFICE = BusinessCalendar()  # Monday to Friday 09:00-18:00, no holidays
CHILE = BusinessCalendar(country="CL")
DEFAULTS = TargetPolicy()
ACME, BETA = 101, 102


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A Santiago wall-clock moment in 2026 (March: Monday 2, 9, 16, 23, 30)."""
    return datetime(2026, month, day, hour, minute, tzinfo=SCL)


POLICY = TargetPolicy(
    desk=Rules(
        spans={Metric.FIRST_REPLY: 3 * H},
        priorities={"urgent": {Metric.FIRST_REPLY: H, Metric.DIAGNOSIS: 2 * H}},
    ),
    organizations={
        ACME: Rules(
            spans={Metric.FIRST_REPLY: 2 * H},
            priorities={"urgent": {Metric.FIRST_REPLY: 30 * M}},
        ),
        BETA: Rules(spans={Metric.RESOLUTION: 90 * H}),
    },
    warn_at=0.5,
)


@pytest.mark.parametrize(
    ("metric", "org", "priority", "span"),
    [
        (Metric.FIRST_REPLY, None, None, 3 * H),  # the desk's table
        (Metric.FIRST_REPLY, None, "normal", 3 * H),  # no table for normal
        (Metric.FIRST_REPLY, None, "urgent", H),  # the desk's priority table
        (Metric.FIRST_REPLY, 999, "urgent", H),  # an organisation without a table
        (Metric.FIRST_REPLY, ACME, None, 2 * H),  # the organisation's table
        (Metric.FIRST_REPLY, ACME, "high", 2 * H),
        (Metric.FIRST_REPLY, ACME, "urgent", 30 * M),  # the organisation's priority table
        (Metric.DIAGNOSIS, ACME, "urgent", 2 * H),  # not set for ACME: the desk's urgent
        (Metric.DIAGNOSIS, ACME, None, DEFAULT_SPANS[Metric.DIAGNOSIS]),  # built-in default
        (Metric.FIRST_REPLY, BETA, "urgent", H),  # BETA sets only resolution
        (Metric.RESOLUTION, BETA, "urgent", 90 * H),
    ],
)
def test_span_most_specific_table_first(metric, org, priority, span) -> None:
    assert POLICY.span(metric, org, priority) == span


def test_built_in_defaults() -> None:
    assert DEFAULTS.warn_at == 0.8
    assert DEFAULTS.span(Metric.FIRST_REPLY, None, None) == 4 * H
    assert DEFAULTS.span(Metric.DIAGNOSIS, ACME, "urgent") == 9 * H
    assert DEFAULTS.span(Metric.RESOLUTION, None, "low") == 45 * H


# --- one case -------------------------------------------------------------------------------


def test_a_new_ticket_has_the_first_reply_and_resolution_targets() -> None:
    case = CaseTimes(created=at(2, 10))  # Monday 10:00
    first, resolution = targets_of(case, DEFAULTS, OFFICE)
    assert first.metric is Metric.FIRST_REPLY
    assert (first.span, first.start, first.deadline) == (4 * H, at(2, 10), at(2, 14))
    assert first.warn_time == at(2, 13, 12)  # 80 % of 4 h is 3 h 12 min
    # 45 h: Monday 8 h, Tuesday to Friday 36 h, and 1 h the next Monday.
    assert resolution.metric is Metric.RESOLUTION
    assert resolution.deadline == at(9, 10)
    assert next_target(case, DEFAULTS, OFFICE) == first


def test_a_ticket_on_friday_afternoon_is_due_on_monday() -> None:
    case = CaseTimes(created=at(6, 16))
    first = next_target(case, DEFAULTS, OFFICE)
    assert first.deadline == at(9, 11)  # Friday 2 h, Monday 2 h
    assert first.warn_time == at(9, 10, 12)  # Friday 2 h, Monday 1 h 12 min
    assert first.used(OFFICE, at(7, 12)) == 0.5  # Saturday: nothing more used
    assert first.used(OFFICE, at(9, 10)) == 0.75


def test_a_ticket_at_night_before_fiestas_patrias() -> None:
    case = CaseTimes(created=at(17, 20, month=9))  # Thursday night; Friday 18 is a holiday
    assert next_target(case, DEFAULTS, CHILE).deadline == at(21, 13, month=9)
    assert next_target(case, DEFAULTS, OFFICE).deadline == at(18, 13, month=9)


def test_the_next_target_follows_the_case() -> None:
    created = CaseTimes(created=at(2, 10), escalated=at(2, 11))
    # Both the first reply (14:00) and the diagnosis (9 h: Tuesday 11:00) are due.
    assert [t.metric for t in targets_of(created, DEFAULTS, OFFICE)] == list(Metric)
    assert next_target(created, DEFAULTS, OFFICE).metric is Metric.FIRST_REPLY
    replied = CaseTimes(created=at(2, 10), escalated=at(2, 11), first_reply=at(2, 12))
    diagnosis = next_target(replied, DEFAULTS, OFFICE)
    assert (diagnosis.metric, diagnosis.deadline) == (Metric.DIAGNOSIS, at(3, 11))
    diagnosed = CaseTimes(
        created=at(2, 10), escalated=at(2, 11), first_reply=at(2, 12), diagnosed=at(3, 9)
    )
    assert next_target(diagnosed, DEFAULTS, OFFICE).metric is Metric.RESOLUTION
    proposed = CaseTimes(
        created=at(2, 10),
        escalated=at(2, 11),
        first_reply=at(2, 12),
        diagnosed=at(3, 9),
        resolution_proposed=at(5, 9),
    )
    assert next_target(proposed, DEFAULTS, OFFICE) is None


def test_an_overdue_target_comes_before_one_still_running() -> None:
    case = CaseTimes(created=at(2, 10), escalated=at(4, 10))
    assert next_target(case, DEFAULTS, OFFICE).metric is Metric.FIRST_REPLY


def test_a_finished_case_has_no_target_it_did_not_reach() -> None:
    spam = CaseTimes(created=at(2, 10), finished=at(2, 10, 5))
    assert targets_of(spam, DEFAULTS, OFFICE) == []
    resolved = CaseTimes(
        created=at(2, 10), first_reply=at(2, 11), resolution_proposed=at(2, 11), finished=at(9, 11)
    )
    assert [t.metric for t in targets_of(resolved, DEFAULTS, OFFICE)] == [
        Metric.FIRST_REPLY,
        Metric.RESOLUTION,
    ]
    assert next_target(resolved, DEFAULTS, OFFICE) is None


def test_the_organisation_and_priority_choose_the_span() -> None:
    case = CaseTimes(created=at(2, 17, 45), organization_id=ACME, priority="urgent")
    first = next_target(case, POLICY, OFFICE)
    assert first.span == 30 * M
    assert first.deadline == at(3, 9, 15)  # 15 min Monday, 15 min Tuesday
    assert first.warn_time == at(2, 18)  # warn_at 0.5: the first 15 min end at closing


@pytest.mark.parametrize(
    ("reached", "now", "outcome"),
    [
        (at(2, 13), at(2, 13), Outcome.MET),
        (at(2, 14), at(2, 20), Outcome.MET),  # exactly at the deadline
        (at(2, 14, 1), at(2, 20), Outcome.MISSED),
        (None, at(2, 14), Outcome.OPEN),
        (None, at(2, 14, 1), Outcome.MISSED),
        (None, at(2, 20), Outcome.MISSED),
    ],
)
def test_outcomes(reached: datetime | None, now: datetime, outcome: Outcome) -> None:
    case = CaseTimes(created=at(2, 10), first_reply=reached)
    (first, _) = targets_of(case, DEFAULTS, OFFICE)
    assert first.outcome(now) is outcome


@pytest.mark.parametrize(
    ("now", "share", "warn"),
    [
        (at(2, 10), 0.0, False),
        (at(2, 13), 0.75, False),
        (at(2, 13, 11), 0.7958, False),
        (at(2, 13, 12), 0.8, True),
        (at(2, 14), 1.0, True),
        (at(2, 14, 1), 1.0042, False),  # missed: no longer a warning
        (at(3, 10), 2.25, False),  # Monday 8 h and Tuesday 1 h used of 4 h
    ],
)
def test_share_used_and_the_warning(now: datetime, share: float, warn: bool) -> None:
    first = next_target(CaseTimes(created=at(2, 10)), DEFAULTS, OFFICE)
    assert first.used(OFFICE, now) == pytest.approx(share, abs=1e-4)
    assert first.warning_due(now) is warn


def test_a_reached_target_uses_no_more_and_warns_no_more() -> None:
    (first, _) = targets_of(CaseTimes(created=at(2, 10), first_reply=at(2, 11)), DEFAULTS, OFFICE)
    assert first.used(OFFICE, at(5, 10)) == 0.25
    assert not first.warning_due(at(2, 13, 30))


# --- figures --------------------------------------------------------------------------------

NOW = at(27, 18)  # Friday 27 March 2026, 18:00; 7 days back: Friday 20, 18:00
SEEDED = [
    # met, 1 h (calendar 1 h)
    CaseTimes(created=at(26, 9), first_reply=at(26, 10)),
    # met, 2 h: 17-18 and 09-10 (calendar 17 h)
    CaseTimes(created=at(25, 17), first_reply=at(26, 10)),
    # met exactly at the deadline, 4 h: Friday 1 h, Monday 3 h (calendar 67 h)
    CaseTimes(created=at(20, 17), first_reply=at(23, 12)),
    # missed at Monday 13:00, answered 15:00: 6 h (calendar 6 h)
    CaseTimes(created=at(23, 9), first_reply=at(23, 15)),
    # met on the 10th, 1 h 30 (only in 30 days)
    CaseTimes(created=at(10, 9), first_reply=at(10, 10, 30)),
    # open, due Monday 10:00: counts nowhere yet
    CaseTimes(created=at(27, 15)),
    # never answered, missed on the 12th at 14:00 (only in 30 days, no time)
    CaseTimes(created=at(12, 10)),
    # spam: no target
    CaseTimes(created=at(26, 9), finished=at(26, 9, 5)),
    # January: outside both windows
    CaseTimes(created=at(5, 9, month=1), first_reply=at(5, 10, month=1)),
    # missed on the 18th at 13:00 (30 days), answered Monday 23 at 09:00 (7 days):
    # 27 h of business time, 120 h of calendar time
    CaseTimes(created=at(18, 9), first_reply=at(23, 9)),
]


def test_first_reply_figures_over_7_and_30_days() -> None:
    figures = target_figures(SEEDED, DEFAULTS, OFFICE, NOW)
    assert set(figures) == {7, 30}
    # 7 days: met 1 h, 2 h, 4 h; missed the 6 h one. Reached in it: 1, 2, 4, 6, 27 h.
    assert figures[7][Metric.FIRST_REPLY] == TargetFigures(
        met=3,
        missed=1,
        business_p50=4 * H,
        business_p90=27 * H,
        calendar_p50=17 * H,
        calendar_p90=120 * H,
    )
    # 30 days: also the 1 h 30 met, and the two missed on the 12th and the 18th.
    assert figures[30][Metric.FIRST_REPLY] == TargetFigures(
        met=4,
        missed=3,
        business_p50=2 * H,
        business_p90=27 * H,
        calendar_p50=6 * H,
        calendar_p90=120 * H,
    )


def test_diagnosis_figures() -> None:
    cases = [
        # 9 h exactly: met (Tuesday 10:00 to Wednesday 10:00)
        CaseTimes(
            created=at(24, 9), first_reply=at(24, 9), escalated=at(24, 10), diagnosed=at(25, 10)
        ),
        # 1 h: met
        CaseTimes(
            created=at(26, 9), first_reply=at(26, 9), escalated=at(26, 9), diagnosed=at(26, 10)
        ),
        # not escalated: no diagnosis target
        CaseTimes(created=at(26, 9), first_reply=at(26, 9)),
        # escalated Monday 23 at 09:00, still without diagnosis: missed Monday 18:00
        CaseTimes(created=at(23, 9), first_reply=at(23, 9), escalated=at(23, 9)),
    ]
    diagnosis = target_figures(cases, DEFAULTS, OFFICE, NOW, windows=(7,))[7][Metric.DIAGNOSIS]
    assert diagnosis == TargetFigures(2, 1, H, 9 * H, H, 24 * H)


def test_no_cases_no_figures() -> None:
    empty = target_figures([], DEFAULTS, OFFICE, NOW)
    assert empty[30][Metric.RESOLUTION] == TargetFigures(0, 0, None, None, None, None)


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [([], 50, None), ([5.0], 90, 5.0), ([4.0, 1.0, 3.0, 2.0], 50, 2.0), ([1.0, 2.0], 90, 2.0)],
)
def test_nearest_rank(values: list[float], pct: float, expected: float | None) -> None:
    assert nearest_rank(values, pct) == expected


# --- phrases --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "phrase"),
    [
        (timedelta(seconds=30), "menos de 1 min"),
        (M, "1 min"),
        (45 * M, "45 min"),
        (2 * H, "2 h"),
        (2 * H + 10 * M, "2 h 10 min"),
        (45 * H, "45 h"),
        (-90 * M, "1 h 30 min"),
    ],
)
def test_span_phrase(span: timedelta, phrase: str) -> None:
    assert span_phrase(span) == phrase


@pytest.mark.parametrize(
    ("moment", "phrase"),
    [
        (at(2, 16, 30), "hoy 16:30"),
        (at(3, 9), "mañana 09:00"),
        (at(1, 17), "ayer 17:00"),
        (at(6, 13), "viernes 13:00"),
        (at(9, 13), "9 de marzo, 13:00"),
        (datetime(2027, 1, 4, 10, tzinfo=SCL), "4 de enero de 2027, 10:00"),
        (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "hoy 20:30"),
    ],
)
def test_day_phrase(moment: datetime, phrase: str) -> None:
    assert day_phrase(moment, at(2, 10), SCL) == phrase


def test_countdowns() -> None:
    case = CaseTimes(created=at(2, 10), escalated=at(2, 10))
    first, diagnosis, _ = targets_of(case, DEFAULTS, OFFICE)
    assert countdown(first, at(2, 11, 50), OFFICE) == (
        "responder al usuario antes de hoy 14:00 (quedan 2 h 10 min hábiles)"
    )
    assert countdown(first, at(2, 13), OFFICE) == (
        "responder al usuario antes de hoy 14:00 (queda 1 h hábil)"
    )
    assert countdown(diagnosis, at(2, 17), OFFICE) == (
        "diagnosticar antes de mañana 10:00 (quedan 2 h hábiles)"
    )
    assert countdown(first, at(2, 15), OFFICE) == "responder al usuario: plazo vencido hoy 14:00"
    slow = TargetPolicy(desk=Rules(spans={Metric.FIRST_REPLY: 20 * H}))
    wednesday = next_target(CaseTimes(created=at(2, 10)), slow, OFFICE)
    assert countdown(wednesday, at(2, 10), OFFICE) == (
        "responder al usuario antes del miércoles 12:00 (quedan 20 h hábiles)"
    )
    late, on_time = (
        targets_of(CaseTimes(created=at(2, 10), first_reply=reply), DEFAULTS, OFFICE)[0]
        for reply in (at(2, 15), at(2, 11))
    )
    assert countdown(late, at(9, 10), OFFICE) == (
        "primera respuesta: fuera de plazo (vencía el 2 de marzo, 14:00)"
    )
    assert countdown(on_time, at(9, 10), OFFICE) == "primera respuesta: a tiempo"
