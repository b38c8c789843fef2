"""The one path every step of a case takes: the state machine, the write, and the step's
follow-ups in the same Redis transaction.

The follow-ups of every step are the same: the reply it queued (if any), the closing window's
timer (when it opened one), the card, the escalation message, the Home of the case's people,
and the notes in the card's and the escalation's threads that the step asks for. Whoever
takes the step — a listener, a timer, the intake, a refusal — calls `advance`; a change that
is not a transition but shows on the card (a reply went out) calls `amend`. Nothing else
applies a transition or queues these jobs.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters import keys
from bot.adapters.queue import FollowUp, Job
from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord, Reply
from bot.domain.lifecycle import DESK_EVENTS, Event, State, allowed_events, apply
from bot.domain.user_replies import with_closing_window
from bot.services.ports import Ports

__all__ = [
    "CaseBusy",
    "FollowUp",
    "advance",
    "amend",
    "close_in_desk",
    "home_refresh",
    "open_case",
    "surfaces",
    "window_job_id",
]

window_job_id = keys.window_job
HOME_DEBOUNCE_SECONDS = 2


class CaseBusy(Exception):
    """A reply for this case is still on its way; the next step must wait."""


def home_refresh(ticket_id: int, at: datetime) -> FollowUp:
    """Republish the App Home of the case's agent and Mantenedor (workers/home.py).

    Debounced by its job id: every step of the case within one HOME_DEBOUNCE_SECONDS slot
    schedules the same job id for the start of the slot (already due). RQ keeps one entry per
    id in its scheduled registry, so the steps that land before the scheduler's next pass
    (about a second) make a single refresh, which reads the latest state when it runs; a
    step after that pass re-schedules the id and the Home is refreshed once more."""
    slot = int(at.timestamp() // HOME_DEBOUNCE_SECONDS)
    run_at = datetime.fromtimestamp(slot * HOME_DEBOUNCE_SECONDS, UTC)
    return FollowUp(Job.REFRESH_HOMES, (ticket_id,), keys.home_job(ticket_id, slot), run_at)


def surfaces(record: CaseRecord, at: datetime, tag: int | str) -> list[FollowUp]:
    """The jobs that show the case as it is now wherever it appears: its card, the
    escalation message in the product's channel (once posted), the Home of its people.
    `tag` names the change (the step's number, or what else changed) in their job ids."""
    tid = record.ticket_id
    jobs = [FollowUp(Job.REFRESH_CARD, (tid,), keys.card_job(tid, tag))]
    if record.escalation and record.escalation.ts:
        jobs.append(FollowUp(Job.REFRESH_ESCALATION, (tid,), keys.escalation_message_job(tid, tag)))
    jobs.append(home_refresh(tid, at))
    return jobs


def _step_followups(
    record: CaseRecord,
    reply: Reply | None,
    at: datetime,
    thread: str | None,
    escalation_note: str | None,
) -> list[FollowUp]:
    tid, step = record.ticket_id, len(record.case.timeline)
    jobs: list[FollowUp] = []
    if reply is not None:
        jobs.append(FollowUp(Job.SEND_REPLY, (tid, reply.reply_id), keys.reply_job(reply.reply_id)))
    case = record.case
    if case.state is State.AWAITING_CONFIRMATION and case.window_deadline:
        gen = case.window_generation
        jobs.append(
            FollowUp(Job.EXPIRE_WINDOW, (tid, gen), keys.window_job(tid, gen), case.window_deadline)
        )
    jobs += surfaces(record, at, step)
    if thread:
        jobs.append(FollowUp(Job.POST_IN_THREAD, (tid, thread), keys.thread_job(tid, step)))
    if escalation_note and record.escalation and record.escalation.ts:
        jobs.append(
            FollowUp(
                Job.POST_IN_ESCALATION,
                (tid, escalation_note),
                keys.escalation_thread_job(tid, step),
            )
        )
    return jobs


def advance(
    ports: Ports,
    ticket_id: int,
    event: Event,
    actor: str,
    now: datetime | None = None,
    *,
    reason: str = "",
    reply: str | None = None,
    window: timedelta | None = None,
    window_generation: int | None = None,
    refused: Event | None = None,
    thread: str | None = None,
    escalation_note: str | None = None,
    update: Callable[[CaseRecord], CaseRecord] | None = None,
    followups: Callable[[CaseRecord], Iterable[FollowUp]] | None = None,
    if_allowed: bool = False,
) -> CaseRecord:
    """Take one step of the case and queue its follow-ups, atomically.

    Raises IllegalTransition if the case moved on, CaseBusy if a reply is still on its way
    (the desk's own steps, DESK_EVENTS, never wait). A `reply` is queued for the end user
    (with the closing-window text when `window` is given); `update` changes the record in
    the same transaction; `thread` and `escalation_note` are told in the card's and the
    escalation's threads. With `if_allowed`, a case that cannot take `event` keeps its state
    and still gets `update` and the notes."""
    at = now or ports.now()
    new_reply: list[Reply] = []
    before: list[State] = []

    def change(record: CaseRecord) -> CaseRecord:
        new_reply.clear()
        before[:] = [record.case.state]
        if record.pending_replies and event not in DESK_EVENTS:
            raise CaseBusy(ticket_id)
        if not if_allowed or event in allowed_events(record.case.state):
            case = apply(
                record.case,
                event,
                actor,
                at,
                reason[:300],
                window=window,
                window_generation=window_generation,
                refused=refused,
            )
            record = dataclasses.replace(record, case=case)
        if reply is not None:
            body = with_closing_window(reply, ports.catalog, window) if window else reply
            new_reply.append(Reply(uuid.uuid4().hex, event.value, body, actor, at))
            record = dataclasses.replace(record, replies=(*record.replies, *new_reply))
        return update(record) if update else record

    def then(tx: Any, record: CaseRecord) -> None:
        sent = new_reply[0] if new_reply else None
        jobs = _step_followups(record, sent, at, thread, escalation_note)
        jobs += list(followups(record)) if followups else []
        for job in jobs:
            ports.jobs.schedule(job, tx)

    record = ports.store.update(ticket_id, change, then)
    closed_window = before == [State.AWAITING_CONFIRMATION] and (
        record.case.state is not State.AWAITING_CONFIRMATION
    )
    if closed_window and event is not Event.WINDOW_EXPIRED:  # that timer is the one running
        ports.jobs.cancel(keys.window_job(ticket_id, record.case.window_generation))
    return record


def amend(
    ports: Ports,
    ticket_id: int,
    change: Callable[[CaseRecord], CaseRecord],
    tag: str,
) -> CaseRecord:
    """A change that is not a step but shows on the case's surfaces (a reply went out, a
    target was missed); `tag` names it in the jobs' ids."""
    at = ports.now()

    def then(tx: Any, record: CaseRecord) -> None:
        for job in surfaces(record, at, tag):
            ports.jobs.schedule(job, tx)

    return ports.store.update(ticket_id, change, then)


def open_case(ports: Ports, record: CaseRecord, tell_earlier: bool) -> bool:
    """A new ticket becomes a case, and its card is queued in the same transaction (and a
    note in the thread of the earlier ticket it follows up, when `tell_earlier`). False if
    the case existed already."""
    tid, ticket = record.ticket_id, record.ticket

    def then(tx: Any, _: CaseRecord) -> None:
        ports.jobs.schedule(FollowUp(Job.POST_CARD, (tid,), keys.post_card_job(tid)), tx)
        earlier = ticket.follow_up_of
        if earlier and tell_earlier:
            text = texts.follow_up_thread(tid, ticket.url)
            job = FollowUp(Job.POST_IN_THREAD, (earlier, text), keys.follow_up_job(earlier, tid))
            ports.jobs.schedule(job, tx)

    return ports.store.create(record, then)


def close_in_desk(
    ports: Ports,
    ticket_id: int,
    reason: str,
    change: Callable[[CaseRecord], CaseRecord] | None = None,
) -> CaseRecord:
    """The ticket was solved, closed or deleted in Zendesk by someone else (or by Zendesk):
    the case ends in the desk without another write, and the card and its thread say so.
    A case already finished (spam, resolved) keeps its state; `change` still applies."""
    return advance(
        ports,
        ticket_id,
        Event.CLOSED_IN_ZENDESK,
        "zendesk",
        reason=reason,
        thread=texts.closed_in_zendesk_thread(reason),
        update=change,
        if_allowed=True,
    )
