"""The targets wired into the desk, one pure function at a time: reminders in working days,
the example catalogue's calendar across a night and a weekend, a case's moments from its
record and from its summary, the countdown line, the figures, the weekly summary's parts and
the measured fixes as Redis keeps them. Every expected value is computed by hand."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blocks.targets import countdown_line, figure_lines
from blocks.weekly_summary import calibration_changes, cases_in, open_escalations
from bot.adapters.catalog_reader import load_catalog
from bot.domain.business_time import BusinessCalendar
from bot.domain.calibration import (
    GivenEstimate,
    measure_fix,
    outcome_from_dict,
    outcome_to_dict,
)
from bot.domain.case import CaseRecord, Diagnosis, Escalation, Reply, Ticket
from bot.domain.case_summary import summarize
from bot.domain.case_targets import case_times, measured_fix, times_from_summary
from bot.domain.lifecycle import Case, Event, apply
from bot.domain.targets import (
    Metric,
    TargetFigures,
    figures_from_dict,
    figures_to_dict,
    targets_of,
)

SCL = ZoneInfo("America/Santiago")
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = load_catalog(ROOT / "catalog.example.toml")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CHILE = BusinessCalendar(country="CL")  # Monday to Friday 09:00-18:00, Chile's holidays


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A Santiago wall-clock moment in 2026 (March: Monday 2 to Friday 6, then 9 to 13)."""
    return datetime(2026, month, day, hour, minute, tzinfo=SCL)


# --- reminders: business hours, and whole days as working days ------------------------------


@pytest.mark.parametrize(
    ("start", "span", "due"),
    [
        (at(6, 17), 2 * H, at(9, 10)),  # Friday 17:00 + 2 h: one hour Friday, one Monday
        (at(2, 20), 2 * H, at(3, 11)),  # at night: counted from Tuesday's opening
        (at(2, 15), timedelta(days=3), at(5, 15)),  # Monday + 3 working days: Thursday
        (at(5, 15), timedelta(days=3), at(10, 15)),  # Thursday + 3: over the weekend
        (at(2, 20), timedelta(days=1), at(4, 9)),  # Tuesday 20:00 is closed: Wednesday 09:00
        (at(17, 15, month=9), timedelta(days=1), at(21, 15, month=9)),  # Fiestas Patrias
        # Good Friday, then the clocks go back on Sunday: Monday 15:00 is 15:00 at -04.
        (at(2, 15, month=4), timedelta(days=1), at(6, 15, month=4)),
        (at(2, 17, month=4), 2 * H, at(6, 10, month=4)),  # and 2 business hours: Monday 10:00
    ],
)
def test_a_reminder_is_due_after_business_time(start, span, due) -> None:
    assert CHILE.after(start, span) == due


def test_the_example_calendar_across_a_night_a_weekend_and_the_lunch_break() -> None:
    """A ticket on Friday at 16:30 with a 4 h first-reply target: 1 h 30 min on Friday, then
    Monday 09:00-11:30. Its warning (80 %, 3 h 12 min): Monday 10:42."""
    calendar = EXAMPLE.calendar
    ticket = case_times(record(created=at(6, 16, 30)))
    first_reply, _ = targets_of(ticket, EXAMPLE.targets, calendar)
    assert first_reply.metric is Metric.FIRST_REPLY
    assert first_reply.deadline == at(9, 11, 30)
    assert first_reply.warn_time == at(9, 10, 42)
    # At 12:30 Monday a ticket due in 2 h is due at 15:30: lunch (13:00-14:00) does not count.
    noon = case_times(
        record(created=at(9, 10, 30), organization_id=None, priority="high")
    )  # high: 2 h
    assert targets_of(noon, EXAMPLE.targets, calendar)[0].deadline == at(9, 12, 30)
    late = case_times(record(created=at(9, 12, 30), priority="high"))
    assert targets_of(late, EXAMPLE.targets, calendar)[0].deadline == at(9, 15, 30)


def test_the_example_calendar_observes_the_desks_half_day() -> None:
    """Christmas Eve 2026 is a Thursday: open 09:00-13:00 only; Christmas is a holiday."""
    ticket = case_times(record(created=at(24, 12, month=12)))
    first_reply, _ = targets_of(ticket, EXAMPLE.targets, EXAMPLE.calendar)
    assert first_reply.deadline == at(28, 12, month=12)  # 1 h Thursday, 3 h Monday 28


# --- a case's moments -----------------------------------------------------------------------


MONDAY_9 = at(2, 9)


def record(
    created: datetime = MONDAY_9,
    organization_id: int | None = None,
    priority: str | None = None,
    **changes: object,
) -> CaseRecord:
    ticket = Ticket(
        4321,
        "No puedo entrar",
        99,
        "Ana",
        "ana@example.com",
        organization_id,
        None,
        "Hola",
        created,
        "https://example.zendesk.com/agent/tickets/4321",
        priority=priority,
    )
    return dataclasses.replace(CaseRecord(Case(4321, opened_at=created), ticket), **changes)


def escalated_record() -> CaseRecord:
    """Escalated Monday 10:00, taken 10:30, diagnosed 11:00, answered 11:30 (sent 11:31)."""
    case = Case(4321, opened_at=at(2, 9))
    case = apply(case, Event.ESCALATE, "U0AGENT001", at(2, 10), "notas")
    case = apply(case, Event.TAKE_CASE, "U0MANT0001", at(2, 10, 30))
    case = apply(case, Event.DIAGNOSE, "U0MANT0001", at(2, 11))
    case = apply(case, Event.DIAGNOSE, "U0MANT0001", at(2, 11, 15))  # a revision
    case = apply(case, Event.RESPOND_INITIAL, "U0AGENT001", at(2, 11, 30))
    reply = Reply("r1", "respond_initial", "Hola", "U0AGENT001", at(2, 11, 30), at(2, 11, 31))
    dropped = Reply("r0", "x", "-", "U0AGENT001", at(2, 9, 30), dropped="cerrado")
    diagnoses = (
        Diagnosis("Índice", "alta", "mañana", at(3, 12), "media", "U0MANT0001", at(2, 11)),
        Diagnosis("Caché", "media", "jueves", at(5, 12), "alta", "U0MANT0001", at(2, 11, 15)),
    )
    escalation = Escalation(
        "pulso", "notas", "C0PULSO001", "1.0", "U0MANT0001", diagnoses=diagnoses
    )
    return record(case=case, replies=(dropped, reply), escalation=escalation, product="pulso")


def test_a_cases_moments_from_its_record_and_from_its_summary() -> None:
    times = case_times(escalated_record())
    assert (times.escalated, times.diagnosed, times.first_reply) == (
        at(2, 10),
        at(2, 11),
        at(2, 11, 31),
    ), "the first diagnosis after the escalation; the first reply sent, not the dropped one"
    assert times.resolution_proposed is None and times.finished is None
    assert times_from_summary(summarize(escalated_record())) == times


def test_a_reply_on_its_way_already_counts_as_the_first_reply() -> None:
    queued = Reply("r1", "resolve_with_information", "Vea", "U0AGENT001", at(2, 9, 40))
    assert case_times(record(replies=(queued,))).first_reply == at(2, 9, 40)


def test_the_fix_measured_against_the_first_and_the_latest_estimate() -> None:
    fixed = escalated_record()
    case = apply(fixed.case, Event.MARK_FIXED, "U0MANT0001", at(5, 15))
    outcome = measured_fix(dataclasses.replace(fixed, case=case), CHILE)
    assert outcome is not None and outcome.revisions == 1
    assert (outcome.first.met, outcome.first.miss) == (False, 2 * 9 * H + 3 * H)  # Tue 12 → Thu 15
    assert (outcome.latest.met, outcome.latest.miss) == (False, 3 * H)
    assert outcome.sure_diagnoses == (("U0MANT0001", True),), "certeza alta, then another summary"
    assert outcome_from_dict(outcome_to_dict(outcome)) == outcome
    assert measured_fix(escalated_record(), CHILE) is None, "not fixed yet"


# --- the countdown line -----------------------------------------------------------------------


def test_the_countdown_of_a_new_ticket() -> None:
    line = countdown_line(record(created=at(2, 9)), EXAMPLE, at(2, 10))
    assert line == "⏱️ responder al usuario antes de hoy 13:00 (quedan 3 h hábiles)"


def test_the_escalation_message_shows_the_diagnosis_first() -> None:
    case = apply(Case(4321, opened_at=at(2, 9)), Event.ESCALATE, "U0AGENT001", at(2, 9, 30))
    escalated = record(case=case, escalation=Escalation("pulso", "notas"))
    line = countdown_line(escalated, EXAMPLE, at(2, 10), Metric.DIAGNOSIS)
    # 8 h from Monday 09:30 with the lunch break: 3 h 30 min + 4 h Monday, 30 min Tuesday.
    assert line == "⏱️ diagnosticar antes de mañana 09:30 (quedan 7 h 30 min hábiles)"
    assert countdown_line(escalated, EXAMPLE, at(2, 10)).startswith("⏱️ responder al usuario")


def test_an_overdue_target_and_a_missed_one_that_no_longer_applies() -> None:
    overdue = countdown_line(record(created=at(2, 9)), EXAMPLE, at(3, 9, 30))
    assert overdue == "⚠️ responder al usuario: plazo vencido ayer 13:00"
    spam = apply(Case(4321, opened_at=at(2, 9)), Event.MARK_SPAM, "U0AGENT001", at(3, 9))
    finished = record(case=spam, targets_missed=("first_reply",))
    assert countdown_line(finished, EXAMPLE, at(3, 10)) == "⚠️ fuera de plazo: primera respuesta"
    assert countdown_line(record(case=spam), EXAMPLE, at(3, 10)) is None


# --- figures and the weekly summary -----------------------------------------------------------


def test_figure_lines_say_half_and_nine_in_ten() -> None:
    none = TargetFigures(0, 0, None, None, None, None)
    some = TargetFigures(3, 1, 2 * H, 5 * H, 20 * H, 3 * 24 * H)
    figures = {7: {Metric.FIRST_REPLY: some, Metric.DIAGNOSIS: none}}
    assert figures_from_dict(json.loads(json.dumps(figures_to_dict(figures)))) == figures
    lines = figure_lines(figures)
    assert lines == [
        "*Plazos · últimos 7 días*",
        "• Primera respuesta: 3 a tiempo, 1 fuera de plazo · la mitad en 2 h hábiles (20 h de "
        "reloj), 9 de cada 10 en 5 h hábiles (72 h de reloj)",
        "• Diagnóstico: sin casos",
    ]


NOW = datetime(2026, 3, 9, 12, tzinfo=UTC)


def summary(created: datetime, **keys: object) -> dict:
    return {"state": "new", "created": int(created.timestamp()), **keys}


def test_cases_in_the_week_and_how_each_was_decided() -> None:
    week = [
        summary(NOW - 2 * 24 * H, decision="escalate"),
        summary(NOW - 3 * 24 * H, decision="escalate"),
        summary(NOW - 24 * H, decision="mark_spam"),
        summary(NOW - H),
        summary(NOW - 8 * 24 * H, decision="mark_spam"),  # the week before
    ]
    assert cases_in(week, NOW - 7 * 24 * H, NOW) == (
        "*Casos recibidos:* 4\n• Spam: 1\n• Escalar a responsable técnico: 2\n"
        "• Sin decisión todavía: 1"
    )


def test_open_escalations_by_product_and_age() -> None:
    def escalated(state: str, product: str, ago: timedelta) -> dict:
        when = int((NOW - ago).timestamp())
        return summary(NOW - ago, state=state, product=product, escalated=when)

    cases = [
        escalated("escalated", "pulso", 2 * H),
        escalated("in_progress", "pulso", 2 * 24 * H),
        escalated("assigned", "pulso", 5 * 24 * H),
        escalated("resolved", "pulso", 5 * 24 * H),  # finished: not open
        escalated("fixed", "mercado-publico", 4 * 24 * H),
    ]
    assert open_escalations(cases, EXAMPLE, NOW) == (
        "*Escalamientos abiertos* (desde que se escalaron):\n"
        "• Monitor Mercado Público: 1 (1 de más de 3 días)\n"
        "• Pulso: 3 (1 de menos de 1 día, 1 de 1 a 3 días, 1 de más de 3 días)"
    )


def test_calibration_that_changed_during_the_week() -> None:
    def fix(days_ago: float, late: timedelta, confidence: str = "alta"):
        fixed = NOW - timedelta(days=days_ago)
        due = fixed - late
        estimate = GivenEstimate(due - H, due, "media", confidence, "U0MANT0001")
        return measure_fix("pulso", [estimate], fixed, BusinessCalendar(week=(((0, 1440),),) * 7))

    history = [fix(20, -H), fix(10, H), fix(2, -H), fix(1, H, "baja")]
    since = NOW - 7 * 24 * H
    assert calibration_changes(history, EXAMPLE, since, NOW) == (
        "*Calibración que cambió* (estimaciones cumplidas):\n"
        "• Pulso: confianza alta: 1 de 2 → 2 de 3; confianza baja: sin casos → 0 de 1"
    )
    assert calibration_changes(history[:2], EXAMPLE, since, NOW) == (
        "*Calibración:* sin correcciones medidas esta semana."
    )


def test_estado_keeps_the_figures_a_minute_and_recomputes_them_behind_the_answer() -> None:
    import threading

    from bot.composition import Runtime
    from bot.services.target_figures import FRESH, target_figures

    rt = Runtime(settings=None, catalog=EXAMPLE, redis=None)  # type: ignore[arg-type]
    answered = summarize(
        record(created=NOW - 2 * H, replies=(Reply("r", "x", "Hola", "U0AGENT001", NOW - H),))
    )
    one = target_figures(rt, "U0AGENT001", [answered], NOW)
    assert one[7][Metric.FIRST_REPLY].met == 1, "the first call computes them"
    assert target_figures(rt, "U0AGENT001", [], NOW + timedelta(seconds=FRESH - 1)) == one
    later = NOW + timedelta(seconds=FRESH)
    assert target_figures(rt, "U0AGENT001", [], later) == one, "the last figures, at once"
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon:
            thread.join(timeout=10)
    assert target_figures(rt, "U0AGENT001", [], later)[7][Metric.FIRST_REPLY].met == 0
    assert target_figures(rt, "U0MANT0001", [answered], later)[7][Metric.FIRST_REPLY].met == 0, (
        "a maintainer's own scope: this case is not of their products"
    )
