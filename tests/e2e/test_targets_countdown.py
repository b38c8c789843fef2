"""Response targets on the card and the escalation message, end to end: the countdown, the one
warning before a target is missed, and a missed target recorded and shown.

The desk's calendar is open around the clock here, so every deadline is its span after its
start in plain clock time, and the expected texts are computed by hand from that.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from blocks import ids
from bot.domain.lifecycle import State
from tests.desk_calendar import desk_with
from tests.harness import option, text_value
from tests.support.flows import escalate, respond

SANTIAGO = ZoneInfo("America/Santiago")
MAINTAINER = "U0MANT0001"


@pytest.fixture
def desk(desk_env, slack, zendesk, tmp_path) -> Iterator:
    with desk_with(desk_env, slack, zendesk, tmp_path) as running:
        yield running


def ticket_created(desk, ago: timedelta) -> tuple[int, datetime]:
    """A ticket that arrived `ago` (to the second), taken in by the intake."""
    created = (datetime.now(UTC) - ago).replace(microsecond=0)
    user = desk.zendesk.add_user("Ana Pérez", "ana@example.com")
    tid = desk.zendesk.add_ticket("No puedo entrar", "Error 500", user, created_at=created)
    desk.intake()
    return tid, created


def said(moment: datetime) -> str:
    """A deadline as the desk says it (the tests' deadlines are within a day or two)."""
    local, today = moment.astimezone(SANTIAGO), datetime.now(SANTIAGO).date()
    days = (local.date() - today).days
    word = {-1: "ayer", 0: "hoy", 1: "mañana"}[days]
    return f"{word} {local:%H:%M}"


def countdowns(message_blocks: list[dict]) -> list[str]:
    return [
        e["text"]
        for b in message_blocks
        if b["type"] == "context"
        for e in b["elements"]
        if "⏱️" in e["text"] or "⚠️" in e["text"]
    ]


def warnings(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m["text"].startswith("⏰")]


def test_the_card_counts_down_to_the_first_reply_and_then_to_the_resolution(desk):
    tid, created = ticket_created(desk, timedelta(hours=1))
    [line] = countdowns(desk.card_of(tid)["blocks"])
    assert line.startswith(f"⏱️ responder al usuario antes de {said(created + timedelta(hours=4))}")
    assert "hábiles)" in line and ("quedan 2 h 5" in line or "quedan 3 h" in line)

    escalate(desk, tid, notes="Error al entrar.")
    escalated = desk.case(tid).case.timeline[-1].at
    record = desk.case(tid)
    message = desk.slack.message(record.escalation.channel, record.escalation.ts)
    [esc_line] = countdowns(message["blocks"])
    assert esc_line.startswith(f"⏱️ diagnosticar antes de {said(escalated + timedelta(hours=8))}")

    desk.click_in_thread(ids.Action.TAKE_CASE, tid, MAINTAINER)
    desk.run_jobs()
    desk.click_in_thread(ids.Action.DIAGNOSE, tid, MAINTAINER)
    desk.submit(
        desk.opened_view(),
        {
            ids.Block.DIAGNOSIS: text_value("Sesiones vencidas en el balanceador."),
            ids.Block.CERTAINTY: option("alta"),
            ids.Block.ESTIMATE: text_value("2 días"),
            ids.Block.CONFIDENCE: option("media"),
        },
        user=MAINTAINER,
    )
    desk.run_jobs()
    respond(desk, tid, "Un problema de sesiones.", expected="2099-01-01")
    desk.run_jobs()
    assert desk.case(tid).case.state is State.IN_PROGRESS
    [line] = countdowns(desk.card_of(tid)["blocks"])
    resolution = created + timedelta(hours=40)
    local = resolution.astimezone(SANTIAGO)
    assert line.startswith("⏱️ proponer la resolución antes de"), line
    assert f"{local:%H:%M}" in line
    assert "responder al usuario" not in line, "the first reply was sent: the next target shows"


def test_a_target_about_to_be_missed_warns_the_agent_once(desk):
    tid, created = ticket_created(desk, timedelta(hours=3, minutes=30))
    [warning] = warnings(desk.thread(tid))
    assert warning.startswith("⏰ ")
    assert "87 % del plazo para responder al usuario" in warning
    assert f"antes de {said(created + timedelta(hours=4))}" in warning

    for _ in range(2):  # every step re-renders the card, which schedules the same timers
        desk.rt.queue.enqueue("workers.cards.refresh_card", tid)
        desk.run_jobs()
    assert len(warnings(desk.thread(tid))) == 1, "warned once, however often it is scheduled"
    assert desk.case(tid).targets_missed == ()


def test_a_missed_target_is_recorded_on_the_case_and_shown(desk):
    tid, created = ticket_created(desk, timedelta(hours=4, minutes=30))
    deadline = created + timedelta(hours=4)
    assert desk.case(tid).targets_missed == ("first_reply",)
    assert not warnings(desk.thread(tid)), "no warning for a target already missed"
    [line] = countdowns(desk.card_of(tid)["blocks"])
    assert line == f"⚠️ responder al usuario: plazo vencido {said(deadline)}"

    desk.click(ids.Action.INFORMATION, tid)
    desk.submit(
        desk.opened_view(),
        {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value("Vea la guía.")},
    )
    desk.run_jobs()
    [line] = countdowns(desk.card_of(tid)["blocks"])
    assert line == "⚠️ fuera de plazo: primera respuesta"
    summary = json.loads(desk.rt.redis.hget("soporte:summaries", str(tid)))
    assert summary["targets_missed"] == ["first_reply"]


@pytest.fixture
def quick_desk(desk_env, slack, zendesk, tmp_path) -> Iterator:
    """A diagnosis target of one minute, warned at 1 % of it (0.6 s after the escalation)."""
    targets = '[targets]\nwarn_at = 1\nfirst_reply = "4h"\ndiagnosis = "1m"\nresolution = "40h"\n'
    with desk_with(desk_env, slack, zendesk, tmp_path, targets=targets) as running:
        yield running


def test_the_diagnosis_warning_goes_to_the_maintainers_in_the_escalation_thread(quick_desk):
    desk = quick_desk
    tid, _ = ticket_created(desk, timedelta(minutes=1))
    desk.click(ids.Action.ESCALATE, tid)
    desk.submit(
        desk.opened_view(),
        {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value("Error al entrar.")},
    )
    desk.run_jobs(horizon=2)
    [warning] = warnings(desk.escalation_thread(tid))
    assert "<@U0MANT0001> <@U0MANT0002>" in warning, "nobody took it: the product's maintainers"
    assert "del plazo para diagnosticar" in warning
    assert not warnings(desk.thread(tid)), "the agent's target is not the one warned"
    desk.rt.queue.enqueue("workers.escalation.refresh_escalation", tid)
    desk.rt.queue.enqueue("workers.cards.refresh_card", tid)
    desk.run_jobs(horizon=2)
    assert len(warnings(desk.escalation_thread(tid))) == 1
