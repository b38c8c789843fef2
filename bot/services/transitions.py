"""One step of a case: an atomic transition in Redis plus the jobs that carry it out."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.client import Pipeline

from bot.adapters.queue import cancel, enqueue
from bot.composition import Runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.case import CaseRecord, Reply
from bot.domain.lifecycle import Event, State, allowed_events, apply
from bot.domain.user_replies import with_closing_window


class CaseBusy(Exception):
    """A reply for this case is still on its way; the next step must wait."""


@dataclass(frozen=True)
class FollowUp:
    """A job to enqueue in the same transaction as the step (at a time, if given)."""

    func: str
    args: tuple[Any, ...]
    job_id: str
    at: datetime | None = None


def schedule(rt: Runtime, job: FollowUp, pipeline: Pipeline | None = None) -> None:
    """Enqueue a follow-up (in `pipeline`'s transaction when given)."""
    enqueue(rt.queue, job.func, *job.args, job_id=job.job_id, pipeline=pipeline, at=job.at)


def window_job_id(ticket_id: int, generation: int) -> str:
    return f"window-{ticket_id}-{generation}"


HOME_DEBOUNCE_SECONDS = 2


def home_refresh(ticket_id: int, at: datetime) -> FollowUp:
    """Republish the App Home of the case's agent and Mantenedor (workers/home.py).

    Debounced by its job id: every step of the case within one HOME_DEBOUNCE_SECONDS slot
    schedules the same job id for the start of the slot (already due). RQ keeps one entry per
    id in its scheduled registry, so the steps that land before the scheduler's next pass
    (about a second) make a single refresh, which reads the latest state when it runs; a
    step after that pass re-schedules the id and the Home is refreshed once more."""
    slot = int(at.timestamp() // HOME_DEBOUNCE_SECONDS)
    run_at = datetime.fromtimestamp(slot * HOME_DEBOUNCE_SECONDS, UTC)
    return FollowUp("workers.home.refresh_homes", (ticket_id,), f"home-{ticket_id}-{slot}", run_at)


def _standard_followups(record: CaseRecord, reply: Reply | None) -> list[FollowUp]:
    tid = record.ticket_id
    steps = len(record.case.timeline)
    jobs: list[FollowUp] = []
    if reply is not None:
        jobs.append(
            FollowUp("workers.replies.send_reply", (tid, reply.reply_id), f"reply-{reply.reply_id}")
        )
    case = record.case
    if case.state is State.AWAITING_CONFIRMATION and case.window_deadline:
        gen = case.window_generation
        jobs.append(
            FollowUp(
                "workers.timers.expire_window",
                (tid, gen),
                window_job_id(tid, gen),
                at=case.window_deadline,
            )
        )
    jobs.append(FollowUp("workers.cards.refresh_card", (tid,), f"card-{tid}-{steps}"))
    if record.escalation and record.escalation.ts:
        jobs.append(
            FollowUp("workers.escalation.refresh_escalation", (tid,), f"esc-msg-{tid}-{steps}")
        )
    if case.timeline:
        jobs.append(home_refresh(tid, case.timeline[-1].at))
    return jobs


def advance(
    rt: Runtime,
    ticket_id: int,
    event: Event,
    actor: str,
    now: datetime,
    *,
    reason: str = "",
    reply: str | None = None,
    window: timedelta | None = None,
    update: Callable[[CaseRecord], CaseRecord] | None = None,
    followups: Callable[[CaseRecord], Iterable[FollowUp]] | None = None,
) -> CaseRecord:
    """Apply `event`; raises IllegalTransition if the case moved on, CaseBusy if a reply is
    still on its way. A `reply` is queued for the end user (with the closing-window text
    when `window` is given); `update` changes the record in the same transaction."""
    new_reply: list[Reply] = []

    def change(record: CaseRecord) -> CaseRecord:
        new_reply.clear()
        if record.pending_replies:
            raise CaseBusy(ticket_id)
        case = apply(record.case, event, actor, now, reason[:300], window=window)
        record = dataclasses.replace(record, case=case)
        if reply is not None:
            body = with_closing_window(reply, rt.catalog, window) if window else reply
            new_reply.append(Reply(uuid.uuid4().hex, event.value, body, actor, now))
            record = dataclasses.replace(record, replies=(*record.replies, *new_reply))
        return update(record) if update else record

    def then(pipe: Pipeline, record: CaseRecord) -> None:
        jobs = _standard_followups(record, new_reply[0] if new_reply else None)
        jobs += list(followups(record)) if followups else []
        for job in jobs:
            schedule(rt, job, pipe)

    return rt.store.update(ticket_id, change, then)


def announce(
    rt: Runtime, ticket_id: int, thread: str, escalation_text: str | None = None
) -> Callable[[Pipeline, CaseRecord], None]:
    """The jobs of a step the desk takes on its own (the user wrote, the window expired, the
    ticket was finished in Zendesk): the card, a note in its thread, the Home, and the
    escalation thread when there is one — all in the step's transaction."""

    def then(pipe: Pipeline, record: CaseRecord) -> None:
        steps = len(record.case.timeline)
        jobs = [
            home_refresh(ticket_id, record.case.timeline[-1].at),
            FollowUp("workers.cards.refresh_card", (ticket_id,), f"card-{ticket_id}-{steps}"),
            FollowUp(
                "workers.cards.post_in_thread", (ticket_id, thread), f"thread-{ticket_id}-{steps}"
            ),
        ]
        if escalation_text and record.escalation and record.escalation.ts:
            jobs.append(
                FollowUp(
                    "workers.escalation.post_in_escalation",
                    (ticket_id, escalation_text),
                    f"esc-thread-{ticket_id}-{steps}",
                )
            )
        for job in jobs:
            schedule(rt, job, pipe)

    return then


def close_in_desk(
    rt: Runtime,
    ticket_id: int,
    reason: str,
    change: Callable[[CaseRecord], CaseRecord] | None = None,
) -> CaseRecord:
    """The ticket was solved, closed or deleted in Zendesk by someone else (or by Zendesk):
    the case ends in the desk without another write, and the card and its thread say so.
    A case already finished (spam, resolved) keeps its state; `change` still applies."""

    def finish(record: CaseRecord) -> CaseRecord:
        record = change(record) if change else record
        if Event.CLOSED_IN_ZENDESK in allowed_events(record.case.state):
            case = apply(record.case, Event.CLOSED_IN_ZENDESK, "zendesk", utcnow(), reason)
            record = dataclasses.replace(record, case=case)
        return record

    thread = texts.closed_in_zendesk_thread(reason)
    record = rt.store.update(ticket_id, finish, announce(rt, ticket_id, thread))
    cancel(rt.queue, window_job_id(ticket_id, record.case.window_generation))
    return record
