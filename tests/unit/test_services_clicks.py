"""The steps one click takes, as the worker takes them (bot/services/clicks.py), with
in-memory ports: taken as of the click's time, or the clicker's answer when the case moved on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.queue import Job
from bot.domain import desk_texts as texts
from bot.domain.case import CardRef, CaseRecord, Escalation, Reply, Ticket
from bot.domain.lifecycle import Case, Event, State, apply
from bot.services.clicks import ClickedStep, take_click
from tests.unit.memory_ports import MemoryPorts

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLICKED = datetime(2026, 3, 2, 10, 0, 0, 250000, tzinfo=UTC)
AGENT, OTHER_AGENT = "U0AGENT001", "U0AGENT002"
MAINTAINER, OTHER_MAINTAINER = "U0MANT0001", "U0MANT0002"
TID = 77


def _record(case: Case, **changes: object) -> CaseRecord:
    ticket = Ticket(TID, "Error 500", 7, "Ana", "ana@example.com", None, None, "x", OPENED, "u")
    record = CaseRecord(case=case, ticket=ticket, card=CardRef("C0AGENTS01", "1.0"))
    return dataclasses.replace(record, **changes)


def _new() -> Case:
    return Case(TID, opened_at=OPENED)


def _escalated(maintainer: str | None = None) -> CaseRecord:
    case = apply(_new(), Event.ESCALATE, AGENT, OPENED + timedelta(minutes=5), "")
    if maintainer:
        case = apply(case, Event.TAKE_CASE, maintainer, OPENED + timedelta(minutes=9), "")
    esc = Escalation("pulso", "notas", "C0PULSO001", "2.0", maintainer=maintainer)
    return _record(case, escalation=esc)


def _ports(record: CaseRecord | None) -> MemoryPorts:
    ports = MemoryPorts()
    if record is not None:
        ports.store.records[TID] = record
    return ports


def test_spam_is_taken_as_of_the_click_and_queues_its_follow_ups() -> None:
    ports = _ports(_record(_new()))
    assert take_click(ports, TID, ClickedStep.MARK_SPAM, AGENT, CLICKED) is None
    case = ports.store.records[TID].case
    assert case.state is State.SPAM and case.decided_by == AGENT
    assert case.timeline[-1].at == CLICKED
    assert Job.CLOSE_AS_SPAM in ports.jobs.funcs() and Job.REFRESH_CARD in ports.jobs.funcs()


def test_a_second_spam_click_is_told_who_took_the_case() -> None:
    ports = _ports(_record(_new()))
    take_click(ports, TID, ClickedStep.MARK_SPAM, AGENT, CLICKED)
    commits = len(ports.store.commits)
    answer = take_click(ports, TID, ClickedStep.MARK_SPAM, OTHER_AGENT, CLICKED)
    assert answer == texts.already_decided(TID, "Spam", AGENT)
    assert len(ports.store.commits) == commits


def test_a_click_while_a_reply_is_on_its_way_is_asked_to_wait() -> None:
    pending = Reply("r1", Event.RESOLVE_WITH_INFORMATION.value, "Hola", AGENT, OPENED)
    ports = _ports(_record(_new(), replies=(pending,)))
    answer = take_click(ports, TID, ClickedStep.MARK_SPAM, AGENT, CLICKED)
    assert answer == texts.CASE_BUSY.format(ticket_id=TID)
    assert ports.store.commits == []


def test_a_click_on_a_case_the_desk_no_longer_has() -> None:
    answer = take_click(_ports(None), TID, ClickedStep.MARK_SPAM, AGENT, CLICKED)
    assert answer == texts.UNKNOWN_CASE.format(ticket_id=TID)


@pytest.mark.parametrize("step", [ClickedStep.USER_CONFIRMED, ClickedStep.NOT_FIXED])
def test_the_users_answer_on_a_case_not_waiting_for_it(step: ClickedStep) -> None:
    ports = _ports(_record(_new()))
    assert take_click(ports, TID, step, AGENT, CLICKED) == texts.NOT_AWAITING_CONFIRMATION
    assert ports.store.commits == []


def test_the_users_confirmation_resolves_and_queues_the_solve() -> None:
    window = timedelta(days=7)
    case = apply(
        _new(),
        Event.RESOLVE_WITH_INFORMATION,
        AGENT,
        OPENED + timedelta(minutes=1),
        "",
        window=window,
    )
    ports = _ports(_record(case))
    assert take_click(ports, TID, ClickedStep.USER_CONFIRMED, AGENT, CLICKED) is None
    assert ports.store.records[TID].case.state is State.RESOLVED
    assert Job.SOLVE_TICKET in ports.jobs.funcs()


def test_the_first_maintainer_takes_the_case() -> None:
    ports = _ports(_escalated())
    assert take_click(ports, TID, ClickedStep.TAKE_CASE, MAINTAINER, CLICKED) is None
    record = ports.store.records[TID]
    assert record.escalation and record.escalation.maintainer == MAINTAINER
    assert record.case.timeline[-1].at == CLICKED


def test_the_second_maintainer_is_told_who_took_it() -> None:
    ports = _ports(_escalated(maintainer=MAINTAINER))
    answer = take_click(ports, TID, ClickedStep.TAKE_CASE, OTHER_MAINTAINER, CLICKED)
    assert answer == texts.taken_by(MAINTAINER)
    assert ports.store.commits == []


def test_taking_a_case_that_was_never_escalated() -> None:
    ports = _ports(_record(_new()))
    answer = take_click(ports, TID, ClickedStep.TAKE_CASE, MAINTAINER, CLICKED)
    assert answer == texts.NOT_AWAITING_MAINTAINER
