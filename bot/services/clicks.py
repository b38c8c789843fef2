"""The buttons that take a step at once (no modal): the request puts the click in the clicks
inbox and acks (bot/adapters/click_inbox.py); a worker takes the step here, and tells the
clicker when the case moved on.

So the web process sends one Redis command per click (the clicks go ahead of the desk's
other work: workers read the click queue first), and a click that was acked is never lost to
a web process that stops after the ack: it waits in Redis for a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Event, IllegalTransition
from bot.domain.offers import held_by_reply, offered
from bot.services import escalation
from bot.services.ports import Ports
from bot.services.transitions import CaseBusy
from bot.services.triage import Decision, confirm_resolution, decide, not_fixed


class ClickedStep(StrEnum):
    """A step one click takes, by the event it applies."""

    MARK_SPAM = Event.MARK_SPAM.value
    USER_CONFIRMED = Event.USER_CONFIRMED.value
    NOT_FIXED = Event.NOT_FIXED.value
    TAKE_CASE = Event.TAKE_CASE.value


def take_click(
    ports: Ports, ticket_id: int, step: ClickedStep, user: str, at: datetime
) -> str | None:
    """Take the clicked step as of `at` (when the click came); the answer for the clicker
    when it was not taken (None: it was)."""
    record = ports.store.get(ticket_id)
    if record is None:
        return texts.UNKNOWN_CASE.format(ticket_id=ticket_id)
    return _TAKE[step](ports, record, user, at)


def not_offered(
    catalog: Catalog, record: CaseRecord, user: str, events: frozenset[Event]
) -> str | None:
    """Why the case does not offer `user` any of `events` now (None: it does)."""
    if offered(catalog, record, user, events):
        return None
    if held_by_reply(catalog, record, user, events):
        return texts.CASE_BUSY.format(ticket_id=record.ticket_id)
    return texts.moved_on(record)


def _spam(ports: Ports, record: CaseRecord, user: str, at: datetime) -> str | None:
    why = not_offered(ports.catalog, record, user, frozenset({Event.MARK_SPAM}))
    if why:
        return why
    try:
        decide(ports, record.ticket_id, Decision(Event.MARK_SPAM), user, at)
    except (IllegalTransition, CaseBusy):
        return texts.moved_on(ports.store.get(record.ticket_id) or record)
    return None


def _user_answer(
    step: Callable[[Ports, int, str, datetime], CaseRecord],
) -> Callable[[Ports, CaseRecord, str, datetime], str | None]:
    """The agent records what the user answered: confirmed, or the problem persists."""

    def take(ports: Ports, record: CaseRecord, user: str, at: datetime) -> str | None:
        try:
            step(ports, record.ticket_id, user, at)
        except (IllegalTransition, CaseBusy, KeyError):
            return texts.NOT_AWAITING_CONFIRMATION
        return None

    return take


def _take_case(ports: Ports, record: CaseRecord, user: str, at: datetime) -> str | None:
    if record.escalation is None:
        return texts.NOT_AWAITING_MAINTAINER
    try:
        escalation.take_case(ports, record.ticket_id, user, at)
    except (IllegalTransition, CaseBusy):
        fresh = ports.store.get(record.ticket_id) or record
        owner = fresh.escalation.maintainer if fresh.escalation else None
        return texts.taken_by(owner) if owner else texts.NOT_AWAITING_MAINTAINER
    return None


_TAKE: dict[ClickedStep, Callable[[Ports, CaseRecord, str, datetime], str | None]] = {
    ClickedStep.MARK_SPAM: _spam,
    ClickedStep.USER_CONFIRMED: _user_answer(confirm_resolution),
    ClickedStep.NOT_FIXED: _user_answer(not_fixed),
    ClickedStep.TAKE_CASE: _take_case,
}
