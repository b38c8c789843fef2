"""bot/domain/lifecycle.py: legal and illegal transitions, guards, timeline."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.domain.lifecycle import (
    FINAL_STATES,
    TRIAGE_DECISIONS,
    Case,
    Event,
    IllegalTransition,
    State,
    Transition,
    allowed_events,
    allowed_now,
    apply,
)

S, E = State, Event
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
AGENT = "U0AGENT001"
MAINTAINER = "U0MANT0001"

# The expected table, written out by hand so that a change in the module fails a test.
EXPECTED_TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.NEW, E.MARK_SPAM): S.SPAM,
    (S.NEW, E.WRONG_RECIPIENT): S.SPAM,
    (S.NEW, E.REFER_TO_PERSON): S.AWAITING_CONFIRMATION,
    (S.NEW, E.UNSUPPORTED_PRODUCT): S.AWAITING_CONFIRMATION,
    (S.NEW, E.RESOLVE_WITH_INFORMATION): S.AWAITING_CONFIRMATION,
    (S.NEW, E.RESOLVE_WITH_ACTION): S.AWAITING_CONFIRMATION,
    (S.NEW, E.ESCALATE): S.ESCALATED,
    (S.ESCALATED, E.TAKE_CASE): S.ASSIGNED,
    (S.ASSIGNED, E.DIAGNOSE): S.DIAGNOSED,
    (S.ESCALATED, E.ACKNOWLEDGE): S.ESCALATED,
    (S.ASSIGNED, E.ACKNOWLEDGE): S.ASSIGNED,
    (S.DIAGNOSED, E.DIAGNOSE): S.DIAGNOSED,
    (S.IN_PROGRESS, E.DIAGNOSE): S.IN_PROGRESS,
    (S.DIAGNOSED, E.RESPOND_INITIAL): S.IN_PROGRESS,
    (S.IN_PROGRESS, E.SEND_UPDATE): S.IN_PROGRESS,
    (S.FIXED, E.SEND_UPDATE): S.FIXED,
    (S.IN_PROGRESS, E.MARK_FIXED): S.FIXED,
    (S.FIXED, E.PROPOSE_RESOLUTION): S.AWAITING_CONFIRMATION,
    (S.IN_PROGRESS, E.PROPOSE_RESOLUTION): S.AWAITING_CONFIRMATION,
    (S.AWAITING_CONFIRMATION, E.USER_CONFIRMED): S.RESOLVED,
    (S.AWAITING_CONFIRMATION, E.WINDOW_EXPIRED): S.RESOLVED,
    (S.AWAITING_CONFIRMATION, E.REOPENED): S.NEW,
    (S.AWAITING_CONFIRMATION, E.USER_REPLIED): S.USER_ANSWERED,
    (S.RESOLVED, E.USER_REPLIED): S.USER_ANSWERED,
    (S.USER_ANSWERED, E.USER_REPLIED): S.USER_ANSWERED,
    (S.USER_ANSWERED, E.USER_CONFIRMED): S.RESOLVED,
    (S.USER_ANSWERED, E.NOT_FIXED): S.NEW,
    (S.USER_ANSWERED, E.PROPOSE_RESOLUTION): S.AWAITING_CONFIRMATION,
    (S.NEW, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.ESCALATED, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.ASSIGNED, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.DIAGNOSED, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.IN_PROGRESS, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.FIXED, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.AWAITING_CONFIRMATION, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
    (S.USER_ANSWERED, E.CLOSED_IN_ZENDESK): S.CLOSED_IN_ZENDESK,
}
# Finished cases that hear nothing more (RESOLVED hears the user, see below).
SILENT_FINAL = FINAL_STATES - {S.RESOLVED}
ILLEGAL = sorted(
    set(itertools.product(State, Event)) - set(EXPECTED_TRANSITIONS),
    key=lambda pair: (pair[0].value, pair[1].value),
)
RESOLVING_EVENTS = {E.USER_CONFIRMED, E.WINDOW_EXPIRED}


def pair_id(pair: tuple[State, Event]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def in_state(state: State, generation: int = 1) -> Case:
    """A case placed directly in `state` (AWAITING_CONFIRMATION gets an open window)."""
    case = Case(ticket_id=42, state=state, opened_at=NOW - timedelta(hours=1))
    if state is S.AWAITING_CONFIRMATION:
        case = dataclasses.replace(case, window_deadline=NOW + WINDOW, window_generation=generation)
    return case


def fire(case: Case, event: Event, at: datetime = NOW, **kwargs) -> Case:
    """Apply `event` with whatever its guards need to pass."""
    kwargs.setdefault("window", WINDOW)
    if event is E.WINDOW_EXPIRED:
        kwargs.setdefault("window_generation", case.window_generation)
        at = case.window_deadline or at
    return apply(case, event, AGENT, at, **kwargs)


def escalated_awaiting() -> Case:
    """ESCALATE → TAKE_CASE → DIAGNOSE → RESPOND_INITIAL → PROPOSE_RESOLUTION."""
    case = Case(ticket_id=7, opened_at=NOW)
    steps = [E.ESCALATE, E.TAKE_CASE, E.DIAGNOSE, E.RESPOND_INITIAL, E.PROPOSE_RESOLUTION]
    for minute, event in enumerate(steps):
        case = fire(case, event, NOW + timedelta(minutes=minute))
    assert case.state is S.AWAITING_CONFIRMATION
    return case


def triaged_awaiting() -> Case:
    case = fire(Case(ticket_id=8, opened_at=NOW), E.RESOLVE_WITH_INFORMATION)
    assert case.state is S.AWAITING_CONFIRMATION
    return case


# --- the table -------------------------------------------------------------------------------


def test_table_covers_every_state_and_event() -> None:
    """Each state has a way out unless it is silently final; each event is legal somewhere."""
    for state in State:
        assert bool(allowed_events(state)) != (state in SILENT_FINAL), state
    # REPLY_REFUSED goes back to where the refused reply's step started (tested below).
    assert {event for (_, event) in EXPECTED_TRANSITIONS} == set(Event) - {E.REPLY_REFUSED}


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_allowed_events_matches_the_expected_table(state: State) -> None:
    expected = {event for (src, event) in EXPECTED_TRANSITIONS if src is state}
    assert allowed_events(state) == expected


@pytest.mark.parametrize(
    ("pair", "target"), list(EXPECTED_TRANSITIONS.items()), ids=map(pair_id, EXPECTED_TRANSITIONS)
)
def test_legal_transition(pair: tuple[State, Event], target: State) -> None:
    state, event = pair
    after = fire(in_state(state), event)
    assert after.state is target
    assert after.timeline[-1].event is event
    assert after.timeline[-1].from_state is state
    assert after.timeline[-1].to_state is target


@pytest.mark.parametrize("pair", ILLEGAL, ids=map(pair_id, ILLEGAL))
def test_illegal_transition_raises(pair: tuple[State, Event]) -> None:
    state, event = pair
    case = in_state(state)
    with pytest.raises(IllegalTransition) as info:
        fire(case, event)
    assert info.value.state is state
    assert info.value.event is event
    assert str(case.ticket_id) in str(info.value)


def test_illegal_and_legal_partition_the_product() -> None:
    assert len(ILLEGAL) + len(EXPECTED_TRANSITIONS) == len(State) * len(Event)


def test_a_resolved_case_hears_only_the_user() -> None:
    """A requester's comment reopens a solved ticket in Zendesk: the case goes back to the
    agent, who records whether the user confirms; nothing else moves a resolved case."""
    resolved = fire(triaged_awaiting(), E.USER_CONFIRMED)
    assert resolved.is_final and allowed_events(S.RESOLVED) == {E.USER_REPLIED}
    back = fire(resolved, E.USER_REPLIED, NOW + timedelta(days=2), reason="sigue fallando")
    assert back.state is S.USER_ANSWERED and not back.is_final
    assert back.timeline[-1].reason == "sigue fallando"
    assert fire(back, E.USER_CONFIRMED).state is S.RESOLVED
    assert fire(back, E.NOT_FIXED).state is S.NEW


@pytest.mark.parametrize("state", sorted(SILENT_FINAL), ids=lambda s: s.value)
def test_final_states_accept_nothing(state: State) -> None:
    case = in_state(state)
    assert case.is_final
    for event in Event:
        with pytest.raises(IllegalTransition):
            fire(case, event)


# --- "RESOLVED only by USER_CONFIRMED or WINDOW_EXPIRED" -------------------------------------


@pytest.mark.parametrize(
    "event", sorted(set(Event) - RESOLVING_EVENTS, key=str), ids=lambda e: e.value
)
@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_only_confirmation_or_expiry_resolves(state: State, event: Event) -> None:
    for case in (in_state(state), escalated_awaiting(), triaged_awaiting()):
        if case.state is not state:
            continue
        try:
            after = fire(case, event)
        except IllegalTransition:
            continue
        assert after.state is not S.RESOLVED


@pytest.mark.parametrize("event", sorted(RESOLVING_EVENTS, key=str), ids=lambda e: e.value)
def test_resolving_events_resolve_only_while_the_user_is_heard(event: Event) -> None:
    """Expiry only from a running window; the user's confirmation, recorded by the agent,
    also after the user answered (by e-mail, during the window or after it)."""
    sources = {S.AWAITING_CONFIRMATION} | (
        {S.USER_ANSWERED} if event is E.USER_CONFIRMED else set()
    )
    for state in State:
        if state in sources:
            assert fire(in_state(state), event).state is S.RESOLVED
        else:
            with pytest.raises(IllegalTransition):
                fire(in_state(state), event)


# --- WINDOW_EXPIRED guards -------------------------------------------------------------------


def test_window_expired_refused_before_deadline() -> None:
    case = triaged_awaiting()
    with pytest.raises(IllegalTransition, match="not expired"):
        apply(
            case,
            E.WINDOW_EXPIRED,
            "timer",
            case.window_deadline - timedelta(seconds=1),
            window_generation=case.window_generation,
        )


@pytest.mark.parametrize("generation", [None, 0, 2, 99], ids=lambda g: f"gen-{g}")
def test_window_expired_refused_for_another_generation(generation: int | None) -> None:
    case = triaged_awaiting()
    assert case.window_generation == 1
    with pytest.raises(IllegalTransition, match="earlier window"):
        apply(
            case,
            E.WINDOW_EXPIRED,
            "timer",
            case.window_deadline + timedelta(days=1),
            window_generation=generation,
        )


def test_window_expired_refused_for_a_timer_of_a_reopened_window() -> None:
    first = triaged_awaiting()
    old_generation = first.window_generation
    answered = fire(first, E.USER_REPLIED, NOW + timedelta(hours=1))
    back = fire(answered, E.NOT_FIXED, NOW + timedelta(hours=1))
    second = fire(back, E.RESOLVE_WITH_INFORMATION, NOW + timedelta(hours=2))
    assert second.window_generation == old_generation + 1
    with pytest.raises(IllegalTransition):
        apply(
            second,
            E.WINDOW_EXPIRED,
            "timer",
            second.window_deadline,
            window_generation=old_generation,
        )


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1), timedelta(days=30)])
def test_window_expired_accepted_at_or_after_deadline(late: timedelta) -> None:
    case = triaged_awaiting()
    at = case.window_deadline + late
    after = apply(case, E.WINDOW_EXPIRED, "timer", at, "plazo vencido", window_generation=1)
    assert after.state is S.RESOLVED
    assert after.window_deadline is None
    assert after.timeline[-1] == Transition(
        E.WINDOW_EXPIRED, S.AWAITING_CONFIRMATION, S.RESOLVED, "timer", at, "plazo vencido"
    )


# --- the closing window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        E.REFER_TO_PERSON,
        E.UNSUPPORTED_PRODUCT,
        E.RESOLVE_WITH_INFORMATION,
        E.RESOLVE_WITH_ACTION,
    ],
    ids=lambda e: e.value,
)
@pytest.mark.parametrize(
    "window", [None, timedelta(0), timedelta(seconds=-1)], ids=["none", "zero", "negative"]
)
def test_entering_awaiting_confirmation_needs_a_positive_window(event, window) -> None:
    with pytest.raises(IllegalTransition, match="positive"):
        apply(Case(1), event, AGENT, NOW, window=window)


@pytest.mark.parametrize("window", [None, timedelta(0)], ids=["none", "zero"])
def test_proposing_resolution_needs_a_positive_window(window) -> None:
    with pytest.raises(IllegalTransition, match="positive"):
        apply(in_state(S.IN_PROGRESS), E.PROPOSE_RESOLUTION, AGENT, NOW, window=window)


def test_entering_awaiting_confirmation_sets_deadline_and_bumps_generation() -> None:
    window = timedelta(hours=36)
    case = dataclasses.replace(in_state(S.FIXED), window_generation=4)
    after = apply(case, E.PROPOSE_RESOLUTION, AGENT, NOW, window=window)
    assert after.state is S.AWAITING_CONFIRMATION
    assert after.window_deadline == NOW + window
    assert after.window_generation == 5


def test_window_is_ignored_for_transitions_that_do_not_open_it() -> None:
    after = apply(in_state(S.IN_PROGRESS), E.SEND_UPDATE, AGENT, NOW, window=WINDOW)
    assert after.window_deadline is None
    assert after.window_generation == 0


@pytest.mark.parametrize(
    "event",
    [E.USER_CONFIRMED, E.WINDOW_EXPIRED, E.USER_REPLIED, E.REOPENED],
    ids=lambda e: e.value,
)
def test_leaving_awaiting_confirmation_clears_the_deadline(event: Event) -> None:
    case = triaged_awaiting()
    assert case.window_deadline is not None
    after = fire(case, event)
    assert after.window_deadline is None
    assert after.window_generation == case.window_generation


def test_each_new_window_gets_a_new_generation() -> None:
    case = escalated_awaiting()
    generations = [case.window_generation]
    for hour in range(1, 4):
        case = fire(case, E.USER_REPLIED, NOW + timedelta(hours=hour))
        case = fire(case, E.PROPOSE_RESOLUTION, NOW + timedelta(hours=hour, minutes=1))
        generations.append(case.window_generation)
    assert generations == [1, 2, 3, 4]


# --- back from the window --------------------------------------------------------------------


def back_to_work(case: Case, event: Event) -> Case:
    """NOT_FIXED (after the user's reply) or REOPENED (the ticket reopened in Zendesk)."""
    if event is E.NOT_FIXED:
        case = fire(case, E.USER_REPLIED, NOW + timedelta(minutes=30))
        assert case.state is S.USER_ANSWERED and case.window_deadline is None
    return fire(case, event, NOW + timedelta(hours=1))


@pytest.mark.parametrize("event", [E.NOT_FIXED, E.REOPENED], ids=lambda e: e.value)
def test_never_escalated_case_goes_back_to_new(event: Event) -> None:
    case = triaged_awaiting()
    assert not case.was_escalated
    after = back_to_work(case, event)
    assert after.state is S.NEW
    assert after.timeline[-1].to_state is S.NEW


@pytest.mark.parametrize("event", [E.NOT_FIXED, E.REOPENED], ids=lambda e: e.value)
def test_escalated_case_goes_back_to_in_progress(event: Event) -> None:
    case = escalated_awaiting()
    assert case.was_escalated
    after = back_to_work(case, event)
    assert after.state is S.IN_PROGRESS
    assert after.timeline[-1].to_state is S.IN_PROGRESS
    # and work continues from there
    assert fire(after, E.SEND_UPDATE).state is S.IN_PROGRESS


def test_escalated_path_states() -> None:
    case = escalated_awaiting()
    assert [(s.event, s.from_state, s.to_state) for s in case.timeline] == [
        (E.ESCALATE, S.NEW, S.ESCALATED),
        (E.TAKE_CASE, S.ESCALATED, S.ASSIGNED),
        (E.DIAGNOSE, S.ASSIGNED, S.DIAGNOSED),
        (E.RESPOND_INITIAL, S.DIAGNOSED, S.IN_PROGRESS),
        (E.PROPOSE_RESOLUTION, S.IN_PROGRESS, S.AWAITING_CONFIRMATION),
    ]


# --- timeline, decided_by, decision ----------------------------------------------------------


def test_timeline_records_event_from_to_actor_at_reason() -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=-3)))
    after = apply(Case(5), E.ESCALATE, AGENT, at, "no sé qué pasa")
    assert after.timeline == (
        Transition(
            event=E.ESCALATE,
            from_state=S.NEW,
            to_state=S.ESCALATED,
            actor=AGENT,
            at=at,
            reason="no sé qué pasa",
        ),
    )
    assert after.timeline[0].to_dict() == {
        "event": "escalate",
        "from": "new",
        "to": "escalated",
        "actor": AGENT,
        "at": "2026-03-02T09:30:00-03:00",
        "reason": "no sé qué pasa",
    }


def test_timeline_grows_in_order() -> None:
    case = Case(5)
    case = apply(case, E.ESCALATE, AGENT, NOW)
    case = apply(case, E.TAKE_CASE, MAINTAINER, NOW + timedelta(minutes=5), "lo tomo")
    assert [(s.actor, s.at, s.reason) for s in case.timeline] == [
        (AGENT, NOW, ""),
        (MAINTAINER, NOW + timedelta(minutes=5), "lo tomo"),
    ]


@pytest.mark.parametrize("event", TRIAGE_DECISIONS, ids=lambda e: e.value)
def test_triage_decisions_set_decided_by_and_decision(event: Event) -> None:
    case = Case(3)
    assert case.decided_by is None
    assert case.decision is None
    after = apply(case, event, AGENT, NOW, window=WINDOW)
    assert after.decided_by == AGENT
    assert after.decision is event


def test_non_triage_events_do_not_change_decided_by() -> None:
    case = apply(Case(3), E.ESCALATE, AGENT, NOW)
    case = apply(case, E.TAKE_CASE, MAINTAINER, NOW)
    case = apply(case, E.DIAGNOSE, MAINTAINER, NOW)
    assert case.decided_by == AGENT
    assert case.decision is E.ESCALATE


def test_decision_is_the_latest_triage_decision() -> None:
    case = triaged_awaiting()
    case = fire(fire(case, E.USER_REPLIED), E.NOT_FIXED)
    case = apply(case, E.ESCALATE, "U0AGENT002", NOW + timedelta(hours=1))
    assert case.decision is E.ESCALATE
    assert case.decided_by == "U0AGENT002"  # the latest triage decision's author


# --- serialisation and immutability ----------------------------------------------------------


def test_to_dict_from_dict_round_trip() -> None:
    santiago = timezone(timedelta(hours=-3))
    case = Case(99, opened_at=datetime(2026, 3, 1, 8, 0, tzinfo=santiago))
    case = apply(case, E.ESCALATE, AGENT, NOW, "revisar")
    case = apply(case, E.TAKE_CASE, MAINTAINER, NOW + timedelta(minutes=1))
    case = apply(case, E.DIAGNOSE, MAINTAINER, NOW + timedelta(minutes=2), "bug en login")
    case = apply(case, E.RESPOND_INITIAL, AGENT, NOW + timedelta(minutes=3))
    case = apply(
        case,
        E.PROPOSE_RESOLUTION,
        AGENT,
        datetime(2026, 3, 2, 10, 0, tzinfo=santiago),
        window=WINDOW,
    )
    data = case.to_dict()
    assert data["state"] == "awaiting_confirmation"
    assert data["window_deadline"] == "2026-03-09T10:00:00-03:00"
    assert len(data["timeline"]) == 5
    back = Case.from_dict(data)
    assert back == case
    assert back.opened_at.utcoffset() == timedelta(hours=-3)
    assert back.window_deadline.tzinfo is not None
    assert all(step.at.tzinfo is not None for step in back.timeline)
    assert back.to_dict() == data


def test_round_trip_of_a_fresh_case() -> None:
    case = Case(1)
    assert case.to_dict()["opened_at"] is None
    assert Case.from_dict(case.to_dict()) == case


def test_from_dict_accepts_string_ticket_id_and_missing_optional_keys() -> None:
    case = Case.from_dict({"ticket_id": "12", "state": "new"})
    assert case == Case(12)


def test_apply_returns_a_new_case_and_leaves_the_original_unchanged() -> None:
    case = Case(5, opened_at=NOW)
    snapshot = case.to_dict()
    after = apply(case, E.RESOLVE_WITH_INFORMATION, AGENT, NOW, window=WINDOW)
    assert after is not case
    assert case.to_dict() == snapshot
    assert case.state is S.NEW
    assert case.timeline == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.state = S.RESOLVED  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        after.timeline[0].actor = "someone else"  # type: ignore[misc]


def test_failed_apply_leaves_the_case_unchanged() -> None:
    case = triaged_awaiting()
    snapshot = case.to_dict()
    with pytest.raises(IllegalTransition):
        apply(case, E.WINDOW_EXPIRED, "timer", NOW, window_generation=1)
    assert case.to_dict() == snapshot


def test_the_user_is_told_the_case_is_being_examined_once() -> None:
    """ "Avisar al usuario" (issue 12): the state machine refuses a second acknowledgement."""
    case = fire(Case(ticket_id=9, opened_at=NOW), E.ESCALATE)
    case = fire(case, E.ACKNOWLEDGE)
    assert case.state is S.ESCALATED
    assert E.ACKNOWLEDGE not in allowed_now(case)
    with pytest.raises(IllegalTransition):
        fire(case, E.ACKNOWLEDGE)
    assert E.ACKNOWLEDGE not in allowed_now(fire(case, E.TAKE_CASE))
