"""The case state machine: the only place that decides whether a transition is legal.

Pure by design: no Slack, Zendesk, Redis or RQ. Every transition returns a new `Case`
with the step recorded in its timeline (who, when, why).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class State(StrEnum):
    NEW = "new"
    SPAM = "spam"
    ESCALATED = "escalated"
    ASSIGNED = "assigned"
    DIAGNOSED = "diagnosed"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    USER_ANSWERED = "user_answered"
    RESOLVED = "resolved"
    CLOSED_IN_ZENDESK = "closed_in_zendesk"


# Finished cases. RESOLVED still hears the user: a requester's comment reopens a solved
# ticket in Zendesk, and the case comes back to the agent (USER_REPLIED → USER_ANSWERED).
FINAL_STATES = frozenset({State.SPAM, State.RESOLVED, State.CLOSED_IN_ZENDESK})


class Event(StrEnum):
    MARK_SPAM = "mark_spam"
    WRONG_RECIPIENT = "wrong_recipient"
    REFER_TO_PERSON = "refer_to_person"
    UNSUPPORTED_PRODUCT = "unsupported_product"
    RESOLVE_WITH_INFORMATION = "resolve_with_information"
    RESOLVE_WITH_ACTION = "resolve_with_action"
    ESCALATE = "escalate"
    TAKE_CASE = "take_case"
    DIAGNOSE = "diagnose"
    RESPOND_INITIAL = "respond_initial"
    SEND_UPDATE = "send_update"
    MARK_FIXED = "mark_fixed"
    PROPOSE_RESOLUTION = "propose_resolution"
    USER_CONFIRMED = "user_confirmed"
    WINDOW_EXPIRED = "window_expired"
    USER_REPLIED = "user_replied"
    NOT_FIXED = "not_fixed"
    REOPENED = "reopened"
    CLOSED_IN_ZENDESK = "closed_in_zendesk"
    ACKNOWLEDGE = "acknowledge"
    REPLY_REFUSED = "reply_refused"


TRIAGE_DECISIONS = (
    Event.MARK_SPAM,
    Event.WRONG_RECIPIENT,
    Event.REFER_TO_PERSON,
    Event.UNSUPPORTED_PRODUCT,
    Event.RESOLVE_WITH_INFORMATION,
    Event.RESOLVE_WITH_ACTION,
    Event.ESCALATE,
)

# Steps that send the end user a reply; a reply Zendesk refuses for good takes its step back.
REPLY_EVENTS = frozenset(
    {
        Event.WRONG_RECIPIENT,
        Event.REFER_TO_PERSON,
        Event.UNSUPPORTED_PRODUCT,
        Event.RESOLVE_WITH_INFORMATION,
        Event.RESOLVE_WITH_ACTION,
        Event.RESPOND_INITIAL,
        Event.SEND_UPDATE,
        Event.PROPOSE_RESOLUTION,
    }
)
# Steps the desk takes on its own (what the user, Zendesk or the clock did): they never wait
# for a reply that is still on its way, unlike the steps people take.
DESK_EVENTS = frozenset(
    {
        Event.WINDOW_EXPIRED,
        Event.USER_REPLIED,
        Event.REOPENED,
        Event.CLOSED_IN_ZENDESK,
        Event.REPLY_REFUSED,
    }
)

_S, _E = State, Event
# The states a person can still work on: a ticket solved or closed in Zendesk by someone else
# (or by Zendesk) ends the case there, without the desk writing anything more.
_WORKED_ON = (
    _S.NEW,
    _S.ESCALATED,
    _S.ASSIGNED,
    _S.DIAGNOSED,
    _S.IN_PROGRESS,
    _S.FIXED,
    _S.AWAITING_CONFIRMATION,
    _S.USER_ANSWERED,
)
# (from, event) -> to. NOT_FIXED and REOPENED go back to IN_PROGRESS for escalated cases.
_TRANSITIONS: dict[tuple[State, Event], State] = {
    (_S.NEW, _E.MARK_SPAM): _S.SPAM,
    (_S.NEW, _E.WRONG_RECIPIENT): _S.SPAM,
    (_S.NEW, _E.REFER_TO_PERSON): _S.AWAITING_CONFIRMATION,
    (_S.NEW, _E.UNSUPPORTED_PRODUCT): _S.AWAITING_CONFIRMATION,
    (_S.NEW, _E.RESOLVE_WITH_INFORMATION): _S.AWAITING_CONFIRMATION,
    (_S.NEW, _E.RESOLVE_WITH_ACTION): _S.AWAITING_CONFIRMATION,
    (_S.NEW, _E.ESCALATE): _S.ESCALATED,
    (_S.ESCALATED, _E.TAKE_CASE): _S.ASSIGNED,
    (_S.ASSIGNED, _E.DIAGNOSE): _S.DIAGNOSED,
    # "Avisar al usuario": an early word that the case is being examined, once per case.
    (_S.ESCALATED, _E.ACKNOWLEDGE): _S.ESCALATED,
    (_S.ASSIGNED, _E.ACKNOWLEDGE): _S.ASSIGNED,
    (_S.DIAGNOSED, _E.DIAGNOSE): _S.DIAGNOSED,
    (_S.IN_PROGRESS, _E.DIAGNOSE): _S.IN_PROGRESS,
    (_S.DIAGNOSED, _E.RESPOND_INITIAL): _S.IN_PROGRESS,
    (_S.IN_PROGRESS, _E.SEND_UPDATE): _S.IN_PROGRESS,
    (_S.FIXED, _E.SEND_UPDATE): _S.FIXED,
    (_S.IN_PROGRESS, _E.MARK_FIXED): _S.FIXED,
    (_S.FIXED, _E.PROPOSE_RESOLUTION): _S.AWAITING_CONFIRMATION,
    (_S.IN_PROGRESS, _E.PROPOSE_RESOLUTION): _S.AWAITING_CONFIRMATION,
    (_S.AWAITING_CONFIRMATION, _E.USER_CONFIRMED): _S.RESOLVED,
    (_S.AWAITING_CONFIRMATION, _E.WINDOW_EXPIRED): _S.RESOLVED,
    (_S.AWAITING_CONFIRMATION, _E.REOPENED): _S.NEW,
    # The user wrote back: the clock stops and the agent reads the words and records whether
    # they confirm; the desk never decides it by itself.
    (_S.AWAITING_CONFIRMATION, _E.USER_REPLIED): _S.USER_ANSWERED,
    (_S.RESOLVED, _E.USER_REPLIED): _S.USER_ANSWERED,
    (_S.USER_ANSWERED, _E.USER_REPLIED): _S.USER_ANSWERED,
    (_S.USER_ANSWERED, _E.USER_CONFIRMED): _S.RESOLVED,
    (_S.USER_ANSWERED, _E.NOT_FIXED): _S.NEW,
    (_S.USER_ANSWERED, _E.PROPOSE_RESOLUTION): _S.AWAITING_CONFIRMATION,
    **{(state, _E.CLOSED_IN_ZENDESK): _S.CLOSED_IN_ZENDESK for state in _WORKED_ON},
}
# Not in the table: REPLY_REFUSED (Zendesk refused a reply for good) takes the case back to
# where the reply's step started, from whichever state that step led to.


class IllegalTransition(Exception):
    """The event is not allowed from the case's current state (or its guard failed)."""

    def __init__(self, case: Case, event: Event, reason: str) -> None:
        super().__init__(f"ticket {case.ticket_id}: {event} not allowed in {case.state}: {reason}")
        self.state = case.state
        self.event = event
        self.reason = reason


@dataclass(frozen=True)
class Transition:
    event: Event
    from_state: State
    to_state: State
    actor: str
    at: datetime
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event.value,
            "from": self.from_state.value,
            "to": self.to_state.value,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transition:
        return cls(
            event=Event(data["event"]),
            from_state=State(data["from"]),
            to_state=State(data["to"]),
            actor=data["actor"],
            at=datetime.fromisoformat(data["at"]),
            reason=data.get("reason", ""),
        )


@dataclass(frozen=True)
class Case:
    """A support case: one Zendesk ticket as the desk handles it."""

    ticket_id: int
    state: State = State.NEW
    opened_at: datetime | None = None
    window_deadline: datetime | None = None
    window_generation: int = 0
    decided_by: str | None = None
    timeline: tuple[Transition, ...] = field(default_factory=tuple)

    @property
    def decision(self) -> Event | None:
        """The latest triage decision taken on the card, if any."""
        for step in reversed(self.timeline):
            if step.event in TRIAGE_DECISIONS:
                return step.event
        return None

    @property
    def was_escalated(self) -> bool:
        return any(step.event is Event.ESCALATE for step in self.timeline)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "state": self.state.value,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "window_deadline": self.window_deadline.isoformat() if self.window_deadline else None,
            "window_generation": self.window_generation,
            "decided_by": self.decided_by,
            "timeline": [step.to_dict() for step in self.timeline],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        deadline = data.get("window_deadline")
        opened = data.get("opened_at")
        return cls(
            ticket_id=int(data["ticket_id"]),
            state=State(data["state"]),
            opened_at=datetime.fromisoformat(opened) if opened else None,
            window_deadline=datetime.fromisoformat(deadline) if deadline else None,
            window_generation=int(data.get("window_generation", 0)),
            decided_by=data.get("decided_by"),
            timeline=tuple(Transition.from_dict(s) for s in data.get("timeline", [])),
        )


def allowed_events(state: State) -> frozenset[Event]:
    """Events that are legal from `state`."""
    return frozenset(event for (src, event) in _TRANSITIONS if src is state)


# Steps a case takes at most once, whatever its state ("Avisar al usuario").
ONCE_A_CASE = frozenset({Event.ACKNOWLEDGE})


def spent(case: Case) -> frozenset[Event]:
    """The once-a-case steps this case already took."""
    return frozenset(step.event for step in case.timeline if step.event in ONCE_A_CASE)


def allowed_now(case: Case) -> frozenset[Event]:
    """Events legal for this case now: its state's, less the once-a-case steps it took."""
    return allowed_events(case.state) - spent(case)


def _target(case: Case, event: Event, refused: Event | None) -> State:
    if event is Event.REPLY_REFUSED:
        return _refused_step(case, refused).from_state
    target = _TRANSITIONS.get((case.state, event))
    if target is None:
        raise IllegalTransition(case, event, "no such transition")
    if event not in allowed_now(case):
        raise IllegalTransition(case, event, "the user was already told")
    if event in (Event.NOT_FIXED, Event.REOPENED) and case.was_escalated:
        return State.IN_PROGRESS
    return target


def _refused_step(case: Case, refused: Event | None) -> Transition:
    """The step that queued the refused reply; the case must not have moved on since."""
    if refused not in REPLY_EVENTS:
        raise IllegalTransition(case, Event.REPLY_REFUSED, "no reply step named")
    step = next((s for s in reversed(case.timeline) if s.event is refused), None)
    if step is None or step.to_state is not case.state:
        raise IllegalTransition(case, Event.REPLY_REFUSED, "the case moved on since that reply")
    return step


def apply(
    case: Case,
    event: Event,
    actor: str,
    at: datetime,
    reason: str = "",
    *,
    window: timedelta | None = None,
    window_generation: int | None = None,
    refused: Event | None = None,
) -> Case:
    """Return `case` after `event`, or raise `IllegalTransition`.

    Entering AWAITING_CONFIRMATION needs `window` (the closing window's length).
    WINDOW_EXPIRED needs the `window_generation` its timer was scheduled for, and is refused
    before the deadline or for a window that has since been closed or reopened.
    REPLY_REFUSED needs the event whose reply was `refused`; it takes that step back (a
    closing window it opened is voided).
    """
    target = _target(case, event, refused)
    changes: dict[str, Any] = {"state": target}
    if target is State.AWAITING_CONFIRMATION:
        if window is None or window <= timedelta(0):
            raise IllegalTransition(case, event, "the closing window needs a positive length")
        changes["window_deadline"] = at + window
        changes["window_generation"] = case.window_generation + 1
    elif case.state is State.AWAITING_CONFIRMATION:
        changes["window_deadline"] = None
    if event is Event.WINDOW_EXPIRED:
        if window_generation != case.window_generation:
            raise IllegalTransition(case, event, "timer belongs to an earlier window")
        if case.window_deadline is None or at < case.window_deadline:
            raise IllegalTransition(case, event, "the closing window has not expired yet")
    if event in TRIAGE_DECISIONS:
        changes["decided_by"] = actor
    step = Transition(event, case.state, target, actor, at, reason)
    changes["timeline"] = (*case.timeline, step)
    return dataclasses.replace(case, **changes)
