"""REPLY_REFUSED in the state machine: a reply Zendesk refused for good takes its step back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.lifecycle import (
    REPLY_EVENTS,
    Case,
    Event,
    IllegalTransition,
    State,
    allowed_events,
    apply,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
E, S = Event, State


def walk(*events: Event) -> Case:
    case = Case(ticket_id=5, opened_at=NOW)
    for minute, event in enumerate(events):
        case = apply(case, event, "U0AGENT001", NOW + timedelta(minutes=minute), window=WINDOW)
    return case


ESCALATED = (E.ESCALATE, E.TAKE_CASE, E.DIAGNOSE)
# (steps up to and including the refused reply's, the state the case goes back to)
CASES = [
    ((E.RESOLVE_WITH_INFORMATION,), S.NEW),
    ((E.REFER_TO_PERSON,), S.NEW),
    ((E.UNSUPPORTED_PRODUCT,), S.NEW),
    ((E.RESOLVE_WITH_ACTION,), S.NEW),
    ((E.WRONG_RECIPIENT,), S.NEW),
    ((*ESCALATED, E.RESPOND_INITIAL), S.DIAGNOSED),
    ((*ESCALATED, E.RESPOND_INITIAL, E.SEND_UPDATE), S.IN_PROGRESS),
    ((*ESCALATED, E.RESPOND_INITIAL, E.PROPOSE_RESOLUTION), S.IN_PROGRESS),
    ((*ESCALATED, E.RESPOND_INITIAL, E.MARK_FIXED, E.PROPOSE_RESOLUTION), S.FIXED),
    (
        (E.RESOLVE_WITH_INFORMATION, E.USER_REPLIED, E.PROPOSE_RESOLUTION),
        S.USER_ANSWERED,
    ),
]


@pytest.mark.parametrize(("steps", "back_to"), CASES, ids=lambda v: getattr(v, "value", None))
def test_a_refused_reply_takes_its_step_back(steps: tuple[Event, ...], back_to: State) -> None:
    case = walk(*steps)
    after = apply(
        case, E.REPLY_REFUSED, "zendesk", NOW + timedelta(hours=1), "422", refused=steps[-1]
    )
    assert after.state is back_to
    assert after.window_deadline is None, "a window the reply opened is voided"
    assert after.timeline[-1].event is E.REPLY_REFUSED and after.timeline[-1].reason == "422"
    assert after.state is not S.RESOLVED


def test_every_reply_event_is_covered() -> None:
    assert {steps[-1] for steps, _ in CASES} == REPLY_EVENTS


def test_refused_needs_the_reply_step_and_a_case_that_did_not_move_on() -> None:
    case = walk(E.RESOLVE_WITH_INFORMATION)
    with pytest.raises(IllegalTransition, match="no reply step"):
        apply(case, E.REPLY_REFUSED, "zendesk", NOW)
    with pytest.raises(IllegalTransition, match="moved on"):
        apply(case, E.REPLY_REFUSED, "zendesk", NOW, refused=E.RESPOND_INITIAL)
    expired = apply(case, E.USER_CONFIRMED, "U0AGENT001", NOW + timedelta(minutes=5))
    with pytest.raises(IllegalTransition, match="moved on"):
        apply(expired, E.REPLY_REFUSED, "zendesk", NOW, refused=E.RESOLVE_WITH_INFORMATION)


def test_refused_is_never_offered_as_an_action() -> None:
    assert all(E.REPLY_REFUSED not in allowed_events(state) for state in State)
