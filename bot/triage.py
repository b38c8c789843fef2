"""The desk's decisions on a case: each is one atomic transition plus the jobs that carry it out."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

from redis.client import Pipeline

from bot.lifecycle import Event, State, apply
from bot.records import CaseRecord, Reply
from bot.replies import with_closing_window
from bot.runtime import Runtime
from workers.queue import enqueue

WINDOW_DECISIONS = frozenset(
    {
        Event.REFER_TO_PERSON,
        Event.UNSUPPORTED_PRODUCT,
        Event.RESOLVE_WITH_INFORMATION,
        Event.RESOLVE_WITH_ACTION,
    }
)


class CaseBusy(Exception):
    """A reply for this case is still on its way; the next step must wait."""


@dataclass(frozen=True)
class Decision:
    """What the agent decided, with the reply the end user will get (None: no reply)."""

    event: Event
    reply: str | None = None
    product: str | None = None
    detail: str = ""


def window_job_id(ticket_id: int, generation: int) -> str:
    return f"window-{ticket_id}-{generation}"


def _enqueue_followups(rt: Runtime, pipe: Pipeline, record: CaseRecord, event: Event) -> None:
    tid = record.ticket_id
    queue = rt.queue
    if record.replies and record.replies[-1].sent_at is None and record.replies[-1].kind == event:
        reply_id = record.replies[-1].reply_id
        enqueue(
            queue,
            "workers.replies.send_reply",
            tid,
            reply_id,
            job_id=f"reply-{reply_id}",
            pipeline=pipe,
        )
    elif event is Event.MARK_SPAM:
        enqueue(queue, "workers.replies.close_as_spam", tid, job_id=f"spam-{tid}", pipeline=pipe)
    case = record.case
    if case.state is State.AWAITING_CONFIRMATION and case.window_deadline:
        gen = case.window_generation
        enqueue(
            queue,
            "workers.timers.expire_window",
            tid,
            gen,
            at=case.window_deadline,
            job_id=window_job_id(tid, gen),
            pipeline=pipe,
        )
    enqueue(
        queue,
        "workers.cards.refresh_card",
        tid,
        job_id=f"card-{tid}-{len(case.timeline)}",
        pipeline=pipe,
    )


def decide(
    rt: Runtime, ticket_id: int, decision: Decision, actor: str, now: datetime
) -> CaseRecord:
    """Take a triage decision; raises IllegalTransition if the case moved on, CaseBusy if busy."""
    window = rt.settings.resolution_window if decision.event in WINDOW_DECISIONS else None

    def change(record: CaseRecord) -> CaseRecord:
        if record.pending_replies:
            raise CaseBusy(ticket_id)
        reason = decision.detail or (decision.reply or "")[:200]
        case = apply(record.case, decision.event, actor, now, reason, window=window)
        replies = record.replies
        if decision.reply is not None:
            body = decision.reply
            if window is not None:
                body = with_closing_window(body, rt.catalog, window)
            reply = Reply(uuid.uuid4().hex, decision.event.value, body, actor, now)
            replies = (*replies, reply)
        return dataclasses.replace(
            record, case=case, replies=replies, product=decision.product or record.product
        )

    return rt.store.update(
        ticket_id, change, lambda pipe, rec: _enqueue_followups(rt, pipe, rec, decision.event)
    )


def confirm_resolution(rt: Runtime, ticket_id: int, actor: str, now: datetime) -> CaseRecord:
    """The agent records that the end user confirmed: the case is RESOLVED."""

    def change(record: CaseRecord) -> CaseRecord:
        if record.pending_replies:
            raise CaseBusy(ticket_id)
        case = apply(record.case, Event.USER_CONFIRMED, actor, now, "el usuario confirmó")
        return dataclasses.replace(record, case=case)

    def then(pipe: Pipeline, record: CaseRecord) -> None:
        tid = record.ticket_id
        enqueue(
            rt.queue,
            "workers.timers.solve_ticket",
            tid,
            len(record.case.timeline),
            job_id=f"solve-{tid}",
            pipeline=pipe,
        )
        enqueue(
            rt.queue,
            "workers.cards.refresh_card",
            tid,
            job_id=f"card-{tid}-{len(record.case.timeline)}",
            pipeline=pipe,
        )

    return rt.store.update(ticket_id, change, then)
