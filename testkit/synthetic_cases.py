"""Cases in any state written straight into the store, without the clicks that bring
them there: the dashboard's benchmark seeds 10,000 of them, and the tests use them for
cases that are slow to reach through clicks (a 31-day-old resolved case, a closing window
half gone). Each follows the real state machine (`bot.domain.lifecycle.apply`)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.domain.case import CardRef, CaseRecord, Diagnosis, Escalation, Reply, Ticket
from bot.domain.lifecycle import Case, Event, State, apply
from testkit.example_desk import AGENT, AGENTS_CHANNEL

MAINTAINER = "U0MANT0001"
MAINTAINERS = ("U0MANT0001", "U0MANT0002", "U0MANT0003")
PRODUCT_CHANNELS = {
    "pulso": "C0PULSO001",
    "mercado-publico": "C0MERCADO1",
    "portal-transparencia": "C0TRANSP01",
}
WINDOW = timedelta(days=7)

_ESCALATED_PATH = (Event.ESCALATE, Event.TAKE_CASE, Event.DIAGNOSE, Event.RESPOND_INITIAL,
                   Event.MARK_FIXED, Event.PROPOSE_RESOLUTION)  # fmt: skip
_MAINTAINER_EVENTS = frozenset({Event.TAKE_CASE, Event.DIAGNOSE, Event.MARK_FIXED})
_REPLY_EVENTS = frozenset(
    {Event.RESOLVE_WITH_INFORMATION, Event.RESPOND_INITIAL, Event.PROPOSE_RESOLUTION}
)
_ESCALATED_STATES = {
    State.ESCALATED: 1,
    State.ASSIGNED: 2,
    State.DIAGNOSED: 3,
    State.IN_PROGRESS: 4,
    State.FIXED: 5,
}


def path(state: State, escalated: bool = True) -> tuple[Event, ...]:
    """The events that bring a new case to `state` (through escalation or straight from
    triage for AWAITING_CONFIRMATION and RESOLVED when `escalated` is False)."""
    if state is State.NEW:
        return ()
    if state is State.SPAM:
        return (Event.MARK_SPAM,)
    if state in _ESCALATED_STATES:
        return _ESCALATED_PATH[: _ESCALATED_STATES[state]]
    window = _ESCALATED_PATH if escalated else (Event.RESOLVE_WITH_INFORMATION,)
    if state is State.AWAITING_CONFIRMATION:
        return window
    return (*window, Event.USER_CONFIRMED)


def synthetic_record(
    ticket_id: int,
    state: State,
    created: datetime,
    *,
    step: timedelta = timedelta(hours=1),
    escalated: bool = True,
    agent: str = AGENT,
    maintainer: str = MAINTAINER,
    product: str = "pulso",
    estimate: datetime | None = None,
    subject: str | None = None,
    card: bool = True,
) -> CaseRecord:
    """A case in `state`, its events `step` apart from `created` (the first one at
    `created + step`), each reply to the user sent a minute after its step."""
    ticket = Ticket(
        id=ticket_id,
        subject=subject or f"No puedo exportar el informe ({ticket_id})",
        requester_id=1000 + ticket_id,
        requester_name="Ana Pérez",
        requester_email=f"ana{ticket_id}@example.com",
        organization_id=360000001,
        organization_name="Municipalidad de Ejemplo",
        excerpt="Al exportar sale error 500.",
        created_at=created,
        url=f"https://unholster.zendesk.com/agent/tickets/{ticket_id}",
    )
    case = Case(ticket_id, opened_at=created)
    replies: list[Reply] = []
    escalation: Escalation | None = None
    for n, event in enumerate(path(state, escalated), start=1):
        at = created + n * step
        actor = maintainer if event in _MAINTAINER_EVENTS else agent
        window = (
            WINDOW if event in (Event.RESOLVE_WITH_INFORMATION, Event.PROPOSE_RESOLUTION) else None
        )
        case = apply(case, event, actor, at, f"paso {n}: {event.value}", window=window)
        if event in _REPLY_EVENTS:
            sent = at + timedelta(minutes=1)
            replies.append(Reply(f"r{ticket_id}-{n}", event.value, "…", agent, at, sent))
        if event is Event.ESCALATE:
            channel = PRODUCT_CHANNELS.get(product, "C0PULSO001")
            thread_ts = f"{1_700_000_000 + ticket_id}.000200"
            escalation = Escalation(
                product,
                "Sospecho del generador de PDF.",
                channel,
                thread_ts,
                permalink=_permalink(channel, thread_ts),
            )
        elif escalation is not None and event is Event.TAKE_CASE:
            escalation = dataclasses.replace(escalation, maintainer=maintainer)
        elif escalation is not None and event is Event.DIAGNOSE:
            promised = estimate or at + timedelta(days=3)
            summary = "El generador de PDF se queda sin memoria."
            diagnosis = Diagnosis(summary, "alta", "3 días", promised, "media", maintainer, at)
            escalation = dataclasses.replace(escalation, diagnoses=(diagnosis,))
        elif escalation is not None and event is Event.MARK_FIXED:
            escalation = dataclasses.replace(escalation, fix_note="Subimos la memoria.")
    card_ts = (AGENTS_CHANNEL, f"{1_700_000_000 + ticket_id}.000100")
    return CaseRecord(
        case=case,
        ticket=ticket,
        card=CardRef(card_ts[0], card_ts[1], _permalink(*card_ts)) if card else None,
        product=product if (escalation or state is not State.NEW) else None,
        replies=tuple(replies),
        escalation=escalation,
    )


def _permalink(channel: str, ts: str) -> str:
    """What chat.getPermalink answers on the Slack fake (the bench never calls it)."""
    return f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
