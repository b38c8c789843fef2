"""Reminders in business time, end to end: scheduled after business hours have passed, and a
reminder that comes due while the desk is closed is held until it opens.

The desk here opens one day only, three days from today (desk time), 09:00-18:00: whatever
the hour the suite runs, the desk is closed now and its next opening is that day at 09:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from blocks import ids
from testkit.catalogs import WEEKDAYS
from tests.desk_calendar import desk_with
from tests.support.flows import escalate

SANTIAGO = ZoneInfo("America/Santiago")
OPEN_DAY = datetime.now(SANTIAGO).date() + timedelta(days=3)
OPENING = datetime.combine(OPEN_DAY, time(9), tzinfo=SANTIAGO)


def one_day_calendar() -> str:
    open_hours, closed = '["09:00-18:00"]', "[]"
    hours = "".join(
        f"{day} = {open_hours if n == OPEN_DAY.weekday() else closed}\n"
        for n, day in enumerate(WEEKDAYS)
    )
    return f"[calendar.hours]\n{hours}"


@pytest.fixture
def desk(desk_env, slack, zendesk, tmp_path) -> Iterator:
    with desk_with(desk_env, slack, zendesk, tmp_path, calendar=one_day_calendar()) as running:
        yield running


def scheduled(desk, prefix: str) -> dict[str, float]:
    """The scheduled jobs whose id starts with `prefix`, and when RQ will run them."""
    registry = desk.rt.queue.scheduled_job_registry.key
    return {
        job.decode(): score
        for job, score in desk.rt.redis.zrange(registry, 0, -1, withscores=True)
        if job.decode().startswith(prefix)
    }


def escalated_ticket(desk) -> int:
    user = desk.zendesk.add_user("Ana Pérez", "ana@example.com")
    tid = desk.zendesk.add_ticket("Error al exportar", "Sale error 500", user)
    desk.intake()
    escalate(desk, tid, notes="Falla el PDF.")
    return tid


def test_the_unclaimed_reminder_counts_business_hours(desk):
    tid = escalated_ticket(desk)
    due = scheduled(desk, f"remind-unclaimed-{tid}-1")
    # Closed now: two business hours from now end at 11:00 of the one open day.
    assert due == {f"remind-unclaimed-{tid}-1": (OPENING + timedelta(hours=2)).timestamp()}


def test_a_reminder_due_while_the_desk_is_closed_waits_for_the_opening(desk):
    tid = escalated_ticket(desk)
    before = len(desk.escalation_thread(tid))
    desk.rt.queue.enqueue("workers.reminders.remind_unclaimed", tid, 1)
    desk.run_jobs()
    assert len(desk.escalation_thread(tid)) == before, "nobody is pinged while the desk is closed"
    held = scheduled(desk, "held-remind_unclaimed-")
    assert held == {
        f"held-remind_unclaimed-{tid}-1-{int(OPENING.timestamp())}": OPENING.timestamp()
    }

    desk.click_in_thread(ids.Action.TAKE_CASE, tid, "U0MANT0001")
    desk.run_jobs()
    due = scheduled(desk, f"remind-diagnosis-{tid}")
    assert due == {f"remind-diagnosis-{tid}": (OPENING + timedelta(hours=4)).timestamp()}
    desk.rt.queue.enqueue("workers.reminders.remind_undiagnosed", tid)
    desk.run_jobs()
    assert not [m for m in desk.escalation_thread(tid) if "aún no tiene diagnóstico" in m["text"]]
    assert scheduled(desk, f"held-remind_undiagnosed-{tid}-")


@pytest.fixture
def open_desk(desk_env, slack, zendesk, tmp_path) -> Iterator:
    with desk_with(desk_env, slack, zendesk, tmp_path) as running:
        yield running


def test_the_same_reminder_pings_at_once_when_the_desk_is_open(open_desk):
    tid = escalated_ticket(open_desk)
    open_desk.rt.queue.enqueue("workers.reminders.remind_unclaimed", tid, 1)
    open_desk.run_jobs()
    assert [m for m in open_desk.escalation_thread(tid) if "nadie lo ha tomado" in m["text"]]
    assert not scheduled(open_desk, "held-")
