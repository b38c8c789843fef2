"""The one step path (bot/services/transitions.py) with in-memory ports: every event of the
state machine refreshes every surface of the case in the step's own transaction."""

from __future__ import annotations

import ast
import dataclasses
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters import keys
from bot.adapters.queue import Job
from bot.domain.case import CardRef, CaseRecord, Escalation, Reply, Ticket
from bot.domain.lifecycle import (
    DESK_EVENTS,
    REPLY_EVENTS,
    Case,
    Event,
    IllegalTransition,
    State,
    allowed_events,
    apply,
)
from bot.services.transitions import CaseBusy, advance, close_in_desk
from tests.unit.memory_ports import MemoryPorts

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
AGENT, MAINTAINER = "U0AGENT001", "U0MANT0001"
TID = 4242


def _fire(case: Case, event: Event) -> Case:
    at = case.timeline[-1].at + timedelta(minutes=1) if case.timeline else START
    if event is Event.WINDOW_EXPIRED:
        at = case.window_deadline or at
    return apply(case, event, AGENT, at, window=WINDOW, window_generation=case.window_generation)


def reach(state: State, escalated: bool) -> Case | None:
    """A case brought to `state` by real steps from NEW (through an escalation, or never)."""
    start = Case(TID, opened_at=START)
    seen = {(start.state, False)}
    todo = deque([start])
    while todo:
        case = todo.popleft()
        if case.state is state and case.was_escalated is escalated:
            return case
        for event in sorted(allowed_events(case.state)):
            after = _fire(case, event)
            node = (after.state, after.was_escalated)
            if node not in seen and (escalated or not after.was_escalated):
                seen.add(node)
                todo.append(after)
    return None


def record_of(case: Case) -> CaseRecord:
    ticket = Ticket(TID, "Error 500", 7, "Ana", "ana@example.com", None, None, "x", START, "u")
    record = CaseRecord(case=case, ticket=ticket, card=CardRef("C0AGENTS01", "1.0"))
    if case.was_escalated:
        esc = Escalation("pulso", "notas", "C0PULSO001", "2.0", maintainer=MAINTAINER)
        record = dataclasses.replace(record, escalation=esc)
    return record


def take(ports: MemoryPorts, record: CaseRecord, event: Event, **kwargs) -> CaseRecord:
    ports.store.records[TID] = record
    ports.jobs.clear()
    case = record.case
    now = case.timeline[-1].at + timedelta(minutes=1) if case.timeline else START
    if event is Event.WINDOW_EXPIRED:
        now = case.window_deadline
        kwargs["window_generation"] = case.window_generation
    return advance(ports, TID, event, AGENT, now, window=WINDOW, **kwargs)


STEPS = sorted(
    {
        (state, event, escalated)
        for state in State
        for event in allowed_events(state)
        for escalated in (False, True)
        if reach(state, escalated) is not None
    }
)


def test_every_event_of_the_state_machine_is_taken_below() -> None:
    taken = {event for _, event, _ in STEPS} | {Event.REPLY_REFUSED}
    assert taken == set(Event)


def assert_every_surface(ports: MemoryPorts, record: CaseRecord) -> None:
    funcs = ports.jobs.funcs()
    assert ports.jobs.outside == [], "follow-ups are queued in the step's transaction"
    assert Job.REFRESH_CARD in funcs, "the card shows the new state"
    assert Job.REFRESH_HOMES in funcs, "the Home of the case's people shows it"
    if record.escalation and record.escalation.ts:
        assert Job.REFRESH_ESCALATION in funcs, "the product channel's message shows it"
    ids = [j.job_id for j in ports.jobs.in_transactions]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize(
    ("state", "event", "escalated"),
    STEPS,
    ids=[f"{s.value}-{e.value}-{'esc' if x else 'triage'}" for s, e, x in STEPS],
)
def test_every_step_refreshes_every_surface(state: State, event: Event, escalated: bool) -> None:
    ports = MemoryPorts()
    case = reach(state, escalated)
    assert case is not None
    after = take(ports, record_of(case), event)
    assert after.case.timeline[-1].event is event
    assert_every_surface(ports, after)


@pytest.mark.parametrize("kind", sorted(REPLY_EVENTS), ids=lambda e: e.value)
def test_a_refused_reply_refreshes_every_surface(kind: Event) -> None:
    ports = MemoryPorts()
    escalated = kind in (Event.RESPOND_INITIAL, Event.SEND_UPDATE, Event.PROPOSE_RESOLUTION)
    state = next(s for s in State if kind in allowed_events(s) and reach(s, escalated))
    case = _fire(reach(state, escalated), kind)
    reply = Reply("r1", kind.value, "hola", AGENT, case.timeline[-1].at)
    record = dataclasses.replace(record_of(case), replies=(reply,))
    after = take(ports, record, Event.REPLY_REFUSED, refused=kind, thread="rechazada")
    assert after.case.state is state
    assert_every_surface(ports, after)
    assert Job.POST_IN_THREAD in ports.jobs.funcs(), "the agent is told in the card thread"
    if case.state is State.AWAITING_CONFIRMATION:
        assert ports.jobs.cancelled == [keys.window_job(TID, case.window_generation)]


def test_entering_the_window_schedules_its_timer_and_leaving_it_cancels_it() -> None:
    ports = MemoryPorts()
    opened = take(ports, record_of(reach(State.NEW, False)), Event.RESOLVE_WITH_INFORMATION)
    [timer] = [j for j in ports.jobs.in_transactions if j.func is Job.EXPIRE_WINDOW]
    assert timer.at == opened.case.window_deadline
    assert timer.job_id == keys.window_job(TID, opened.case.window_generation)
    take(ports, opened, Event.USER_REPLIED)
    assert ports.jobs.cancelled == [timer.job_id]
    expired = take(ports, opened, Event.WINDOW_EXPIRED)
    assert expired.case.state is State.RESOLVED
    assert ports.jobs.cancelled == [], "the expiry is the timer itself"


def test_people_wait_for_a_reply_on_its_way_the_desk_does_not() -> None:
    case = reach(State.AWAITING_CONFIRMATION, True)
    reply = Reply("r1", Event.PROPOSE_RESOLUTION.value, "hola", AGENT, START)
    busy = dataclasses.replace(record_of(case), replies=(reply,))
    for event in sorted(allowed_events(case.state)):
        ports = MemoryPorts()
        if event in DESK_EVENTS:
            assert take(ports, busy, event).case.state is not case.state
        else:
            with pytest.raises(CaseBusy):
                take(ports, busy, event)
            assert ports.jobs.in_transactions == []


def test_an_illegal_step_writes_and_queues_nothing() -> None:
    ports = MemoryPorts()
    record = record_of(reach(State.NEW, False))
    with pytest.raises(IllegalTransition):
        take(ports, record, Event.TAKE_CASE)
    assert ports.store.records[TID] == record and ports.jobs.in_transactions == []


def test_closed_in_zendesk_keeps_a_finished_case_and_still_says_so() -> None:
    ports = MemoryPorts()
    ports.store.records[TID] = record_of(reach(State.SPAM, False))
    after = close_in_desk(ports, TID, "el ticket fue eliminado en Zendesk")
    assert after.case.state is State.SPAM
    assert Job.POST_IN_THREAD in ports.jobs.funcs()


def _imports(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text())
    return {
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_only_the_step_path_applies_transitions() -> None:
    """Nothing outside bot/services/transitions.py applies a transition by itself."""
    sources = [ROOT / "app.py", *(ROOT / d for d in ("bot", "handlers", "workers", "blocks"))]
    files = [p for s in sources for p in ([s] if s.is_file() else s.rglob("*.py"))]
    appliers = {
        p.relative_to(ROOT).as_posix()
        for p in files
        if ("bot.domain.lifecycle", "apply") in _imports(p)
    }
    assert appliers == {"bot/services/transitions.py"}
