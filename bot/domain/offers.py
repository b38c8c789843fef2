"""What a case offers to whom, now: the one answer every button, Home row and permission reads.

A person's roles on a case (an agent of the desk, the case's Mantenedor, a catalogued
maintainer of its product, a member of its product's channel) give them a kind of work; the
state machine says which of it the case allows now. Nothing outside this module lists which
states or roles allow an action.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import TRIAGE_DECISIONS, Event, State, allowed_events, spent


class Role(StrEnum):
    AGENT = "agent"  # one of the catalogue's agents
    MAINTAINER = "maintainer"  # the case's Mantenedor: who took it
    PRODUCT_MAINTAINER = "product_maintainer"  # a catalogued maintainer of the case's product
    CHANNEL_MEMBER = "channel_member"  # in the product's channel (only Slack can say so)


# The work each role does on a case; the state machine decides when.
_WORK: dict[Role, frozenset[Event]] = {
    Role.AGENT: frozenset(
        {
            *TRIAGE_DECISIONS,
            Event.RESPOND_INITIAL,
            Event.SEND_UPDATE,
            Event.PROPOSE_RESOLUTION,
            Event.USER_CONFIRMED,
            Event.NOT_FIXED,
            Event.ACKNOWLEDGE,
        }
    ),
    Role.MAINTAINER: frozenset({Event.DIAGNOSE, Event.MARK_FIXED}),
    Role.PRODUCT_MAINTAINER: frozenset({Event.TAKE_CASE}),
    Role.CHANNEL_MEMBER: frozenset({Event.TAKE_CASE}),
}
# The agent's work waits while a reply to the user is on its way (the card says so).
_WAITS_FOR_REPLY = _WORK[Role.AGENT]
# The states only an escalation leads to: their work needs the escalation's record (its
# thread, its Mantenedor, the diagnosis the answers to the user start from).
_ESCALATION_STATES = frozenset(
    {State.ESCALATED, State.ASSIGNED, State.DIAGNOSED, State.IN_PROGRESS, State.FIXED}
)

EVERY_ROLE = frozenset(Role)
# Who works in the product's channel, where the escalation message is seen.
CHANNEL_ROLES = frozenset({Role.MAINTAINER, Role.PRODUCT_MAINTAINER, Role.CHANNEL_MEMBER})


@dataclass(frozen=True)
class CaseFacts:
    """What offers() needs of a case."""

    state: State
    busy: bool = False  # a reply to the end user is on its way
    escalated: bool = False  # the case has its escalation's record
    maintainer: str | None = None
    product: str | None = None
    spent: frozenset[Event] = frozenset()  # once-a-case steps already taken (lifecycle.spent)

    @classmethod
    def of(cls, record: CaseRecord) -> CaseFacts:
        escalation = record.escalation
        return cls(
            state=record.case.state,
            busy=bool(record.pending_replies),
            escalated=escalation is not None,
            maintainer=escalation.maintainer if escalation else None,
            product=record.product or (escalation.product if escalation else None),
            spent=spent(record.case),
        )

    @classmethod
    def of_summary(cls, summary: Mapping[str, Any]) -> CaseFacts:
        """The same facts from a case summary (bot.domain.case_summary.summarize)."""
        return cls(
            state=State(summary["state"]),
            busy=bool(summary.get("busy")),
            escalated=summary.get("escalated") is not None or bool(summary.get("maintainer")),
            maintainer=summary.get("maintainer"),
            product=summary.get("product"),
            spent=frozenset(Event(value) for value in summary.get("spent") or ()),
        )


def offers(facts: CaseFacts, roles: Iterable[Role]) -> frozenset[Event]:
    """The events a person with `roles` may take on the case now."""
    work = frozenset().union(*(_WORK[role] for role in roles))
    available = work & allowed_events(facts.state) - facts.spent
    if facts.busy:
        available -= _WAITS_FOR_REPLY
    if facts.state in _ESCALATION_STATES and not facts.escalated:
        return frozenset()
    return available


def roles_of(catalog: Catalog, user: str, facts: CaseFacts) -> frozenset[Role]:
    """`user`'s roles on the case that the catalogue and the case decide (not CHANNEL_MEMBER)."""
    if not user:
        return frozenset()
    roles = set()
    if catalog.is_agent(user):
        roles.add(Role.AGENT)
    if facts.maintainer == user:
        roles.add(Role.MAINTAINER)
    if facts.product and catalog.is_maintainer(facts.product, user):
        roles.add(Role.PRODUCT_MAINTAINER)
    return frozenset(roles)


def roles_for(events: Iterable[Event]) -> frozenset[Role]:
    """The roles whose work includes any of `events` (in some state)."""
    wanted = frozenset(events)
    return frozenset(role for role, work in _WORK.items() if work & wanted)


def offered(catalog: Catalog, record: CaseRecord, user: str, events: frozenset[Event]) -> bool:
    """Whether the case offers `user` one of `events` now."""
    facts = CaseFacts.of(record)
    return bool(events & offers(facts, roles_of(catalog, user, facts)))


def held_by_reply(
    catalog: Catalog, record: CaseRecord, user: str, events: frozenset[Event]
) -> bool:
    """Whether only the reply on its way to the user keeps `events` from being offered."""
    facts = CaseFacts.of(record)
    free = dataclasses.replace(facts, busy=False)
    return bool(events & offers(free, roles_of(catalog, user, facts)))
