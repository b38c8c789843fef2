"""What a case offers to whom: every state × every role, against the state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blocks import ids
from blocks.buttons import step_buttons
from bot.adapters.catalog_reader import load_catalog
from bot.domain.case import CaseRecord, Escalation, Reply, Ticket
from bot.domain.case_summary import summarize
from bot.domain.lifecycle import TRIAGE_DECISIONS, Case, Event, State, allowed_events, apply
from bot.domain.offers import CaseFacts, Role, offers, roles_for, roles_of

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "catalog.example.toml")
AGENT, MAINTAINER, OTHER_MAINTAINER, STRANGER = "U0AGENT001", "U0MANT0001", "U0MANT0003", "U0X"

S, E = State, Event
NOBODY: frozenset[Role] = frozenset()
# The process, state by state: who may do what now. Anything missing offers nothing.
TABLE: dict[tuple[State, Role], set[Event]] = {
    (S.NEW, Role.AGENT): set(TRIAGE_DECISIONS),
    # "Avisar al usuario": the early word while the maintainers work (once a case).
    (S.ESCALATED, Role.AGENT): {E.ACKNOWLEDGE},
    (S.ASSIGNED, Role.AGENT): {E.ACKNOWLEDGE},
    (S.ESCALATED, Role.PRODUCT_MAINTAINER): {E.TAKE_CASE},
    (S.ESCALATED, Role.CHANNEL_MEMBER): {E.TAKE_CASE},
    (S.ASSIGNED, Role.MAINTAINER): {E.DIAGNOSE},
    (S.DIAGNOSED, Role.AGENT): {E.RESPOND_INITIAL},
    # The fix comes after the user had the initial response: not from DIAGNOSED.
    (S.DIAGNOSED, Role.MAINTAINER): {E.DIAGNOSE},
    (S.IN_PROGRESS, Role.AGENT): {E.SEND_UPDATE, E.PROPOSE_RESOLUTION},
    (S.IN_PROGRESS, Role.MAINTAINER): {E.DIAGNOSE, E.MARK_FIXED},
    (S.FIXED, Role.AGENT): {E.SEND_UPDATE, E.PROPOSE_RESOLUTION},
    (S.AWAITING_CONFIRMATION, Role.AGENT): {E.USER_CONFIRMED},
    (S.USER_ANSWERED, Role.AGENT): {E.USER_CONFIRMED, E.NOT_FIXED, E.PROPOSE_RESOLUTION},
}
CELLS = [(state, role) for state in State for role in Role]


@pytest.mark.parametrize(("state", "role"), CELLS)
def test_every_state_and_role(state: State, role: Role) -> None:
    expected = TABLE.get((state, role), set())
    assert offers(CaseFacts(state, escalated=True, maintainer=MAINTAINER), {role}) == expected


@pytest.mark.parametrize(("state", "role"), CELLS)
def test_a_reply_on_its_way_holds_the_agents_work_only(state: State, role: Role) -> None:
    busy = offers(CaseFacts(state, busy=True, escalated=True, maintainer=MAINTAINER), {role})
    expected = set() if role is Role.AGENT else TABLE.get((state, role), set())
    assert busy == expected


@pytest.mark.parametrize("state", list(State))
def test_anyone_else_is_offered_nothing(state: State) -> None:
    assert offers(CaseFacts(state), NOBODY) == set()


@pytest.mark.parametrize("state", list(State))
def test_an_escalations_work_needs_its_record(state: State) -> None:
    """A case in an escalation's state without the escalation's record offers nothing; the
    others offer the same either way."""
    without = offers(CaseFacts(state, maintainer=MAINTAINER), Role)
    with_it = offers(CaseFacts(state, escalated=True, maintainer=MAINTAINER), Role)
    needs_it = {S.ESCALATED, S.ASSIGNED, S.DIAGNOSED, S.IN_PROGRESS, S.FIXED}
    assert without == (set() if state in needs_it else with_it)


@pytest.mark.parametrize("state", list(State))
def test_nothing_offered_that_the_state_machine_refuses(state: State) -> None:
    everything = offers(CaseFacts(state, escalated=True, maintainer=MAINTAINER), Role)
    assert everything <= allowed_events(state)
    for event in everything:
        after = apply(Case(1, state), event, AGENT, NOW, window=timedelta(days=7))
        assert after.timeline[-1].event is event


def test_roles_come_from_the_catalogue_and_the_case() -> None:
    escalated = CaseFacts(S.IN_PROGRESS, maintainer=MAINTAINER, product="pulso")
    assert roles_of(CATALOG, AGENT, escalated) == {Role.AGENT}
    assert roles_of(CATALOG, MAINTAINER, escalated) == {Role.MAINTAINER, Role.PRODUCT_MAINTAINER}
    assert roles_of(CATALOG, OTHER_MAINTAINER, escalated) == set(), "another product's"
    assert roles_of(CATALOG, STRANGER, escalated) == set()
    assert roles_of(CATALOG, "", escalated) == set()
    member = CaseFacts(S.IN_PROGRESS, maintainer="U0MEMBER01", product="pulso")
    assert roles_of(CATALOG, "U0MEMBER01", member) == {Role.MAINTAINER}


def test_who_may_press_each_button() -> None:
    maintainers = {Role.PRODUCT_MAINTAINER, Role.CHANNEL_MEMBER}
    for action in ids.Action:
        if action is ids.Action.SEE_DETAIL:  # reading a finished card takes no step
            assert action not in ids.ACTION_EVENTS
            continue
        who = roles_for(ids.ACTION_EVENTS[action])
        if action is ids.Action.TAKE_CASE:
            assert who == maintainers
        elif action in (ids.Action.DIAGNOSE, ids.Action.MARK_FIXED):
            assert who == {Role.MAINTAINER}
        else:
            assert who == {Role.AGENT}, action


def test_every_offered_event_has_one_button() -> None:
    for state in State:
        events = offers(CaseFacts(state, escalated=True, maintainer=MAINTAINER), Role)
        buttons = step_buttons(events, state, 42)
        assert len(buttons) == len(events), state
        for button in buttons:
            assert ids.ACTION_EVENTS[ids.Action(button.action_id)] & events
            assert button.value == "42"


ESCALATED_PATH = (E.ESCALATE, E.TAKE_CASE, E.DIAGNOSE, E.RESPOND_INITIAL, E.MARK_FIXED)


def record_after(events: tuple[Event, ...], *, pending: bool) -> CaseRecord:
    case = Case(7, opened_at=NOW)
    for event in events:
        case = apply(case, event, AGENT, NOW, window=timedelta(days=7))
    ticket = Ticket(7, "Asunto", 1, "Rosa", "r@example.com", 2, "Muni", "Texto", NOW, "u")
    escalated = E.ESCALATE in events
    taken = E.TAKE_CASE in events
    reply = Reply("r1", "update", "Hola", AGENT, NOW)
    return CaseRecord(
        case,
        ticket,
        product="pulso" if escalated else None,
        escalation=Escalation("pulso", "", maintainer=MAINTAINER if taken else None)
        if escalated
        else None,
        replies=(reply,) if pending else (),
    )


@pytest.mark.parametrize("pending", [False, True])
@pytest.mark.parametrize("steps", range(len(ESCALATED_PATH) + 1))
def test_the_home_reads_the_same_facts_as_the_card(steps: int, pending: bool) -> None:
    """The Home offers from a case's summary what the card offers from the case itself."""
    record = record_after(ESCALATED_PATH[:steps], pending=pending)
    assert CaseFacts.of_summary(summarize(record)) == CaseFacts.of(record)
