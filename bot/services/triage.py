"""The desk's triage decisions and the user's confirmation, as steps of the case."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from bot.adapters import keys
from bot.adapters.queue import FollowUp, Job
from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import Event
from bot.services.ports import Ports
from bot.services.transitions import CaseBusy, advance, window_job_id

__all__ = [
    "WINDOW_EVENTS",
    "CaseBusy",
    "Decision",
    "confirm_resolution",
    "decide",
    "not_fixed",
    "window_job_id",
]

WINDOW_EVENTS = frozenset(
    {
        Event.REFER_TO_PERSON,
        Event.UNSUPPORTED_PRODUCT,
        Event.RESOLVE_WITH_INFORMATION,
        Event.RESOLVE_WITH_ACTION,
        Event.PROPOSE_RESOLUTION,
    }
)


@dataclass(frozen=True)
class Decision:
    """What the agent decided, with the reply the end user will get (None: no reply)."""

    event: Event
    reply: str | None = None
    product: str | None = None
    detail: str = ""


def decide(
    ports: Ports, ticket_id: int, decision: Decision, actor: str, now: datetime
) -> CaseRecord:
    """Take a triage decision; raises IllegalTransition if the case moved on, CaseBusy if busy."""
    window = ports.settings.resolution_window if decision.event in WINDOW_EVENTS else None

    def spam(record: CaseRecord) -> list[FollowUp]:
        if decision.event is not Event.MARK_SPAM:
            return []
        tid = record.ticket_id
        return [FollowUp(Job.CLOSE_AS_SPAM, (tid,), keys.spam_job(tid))]

    def with_product(record: CaseRecord) -> CaseRecord:
        product = decision.product or record.product
        return dataclasses.replace(record, product=product)

    return advance(
        ports,
        ticket_id,
        decision.event,
        actor,
        now,
        reason=decision.detail or (decision.reply or ""),
        reply=decision.reply,
        window=window,
        update=with_product,
        followups=spam,
    )


def confirm_resolution(ports: Ports, ticket_id: int, actor: str, now: datetime) -> CaseRecord:
    """The agent records that the end user confirmed: the case is RESOLVED."""

    def solve(record: CaseRecord) -> list[FollowUp]:
        tid, steps = record.ticket_id, len(record.case.timeline)
        return [FollowUp(Job.SOLVE_TICKET, (tid, steps), keys.solve_job(tid))]

    return advance(
        ports,
        ticket_id,
        Event.USER_CONFIRMED,
        actor,
        now,
        reason="el usuario confirmó",
        followups=solve,
    )


def not_fixed(ports: Ports, ticket_id: int, actor: str, now: datetime) -> CaseRecord:
    """The agent records that the user says the problem persists: back to triage, or back
    to work with the Mantenedor for an escalated case (who is told in the thread)."""

    def tell_maintainer(record: CaseRecord) -> list[FollowUp]:
        if not (record.escalation and record.escalation.ts):
            return []
        tid, steps = record.ticket_id, len(record.case.timeline)
        text = texts.user_said_not_fixed_for_maintainer(record.user_words)
        return [FollowUp(Job.POST_IN_ESCALATION, (tid, text), keys.not_fixed_job(tid, steps))]

    return advance(
        ports,
        ticket_id,
        Event.NOT_FIXED,
        actor,
        now,
        reason="el usuario indica que el problema sigue",
        followups=tell_maintainer,
    )
