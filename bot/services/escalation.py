"""Escalation steps: escalate, take the case, diagnose, answer the user, fix, propose resolution."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from bot.composition import Runtime
from bot.domain.case import CaseRecord, Diagnosis, Escalation
from bot.domain.lifecycle import Event, State
from bot.services.transitions import FollowUp, advance


def escalating_agent(record: CaseRecord) -> str | None:
    """Who escalated the case (the agent who follows it with the user)."""
    for step in record.case.timeline:
        if step.event is Event.ESCALATE:
            return step.actor
    return None


def _escalation(record: CaseRecord) -> Escalation:
    if record.escalation is None:
        raise ValueError(f"ticket {record.ticket_id} was never escalated")
    return record.escalation


def _with_escalation(record: CaseRecord, **changes: object) -> CaseRecord:
    return dataclasses.replace(
        record, escalation=dataclasses.replace(_escalation(record), **changes)
    )


def escalate(
    rt: Runtime, ticket_id: int, product: str, notes: str, actor: str, now: datetime
) -> CaseRecord:
    def update(record: CaseRecord) -> CaseRecord:
        return dataclasses.replace(
            record, product=product, escalation=Escalation(product=product, notes=notes)
        )

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        yield FollowUp("workers.escalation.open_thread", (tid,), f"escalate-{tid}")
        yield FollowUp(
            "workers.reminders.remind_unclaimed",
            (tid, 1),
            f"remind-unclaimed-{tid}-1",
            at=rt.catalog.calendar.after(now, rt.settings.unclaimed_reminder),
        )

    return advance(
        rt, ticket_id, Event.ESCALATE, actor, now, reason=notes, update=update, followups=jobs
    )


def take_case(rt: Runtime, ticket_id: int, maintainer: str, now: datetime) -> CaseRecord:
    """The first maintainer to press "Tomar caso" owns it; raises IllegalTransition after."""

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        yield FollowUp("workers.escalation.record_owner", (tid,), f"owner-{tid}")
        yield FollowUp(
            "workers.reminders.remind_undiagnosed",
            (tid,),
            f"remind-diagnosis-{tid}",
            at=rt.catalog.calendar.after(now, rt.settings.diagnosis_reminder),
        )

    return advance(
        rt,
        ticket_id,
        Event.TAKE_CASE,
        maintainer,
        now,
        reason="tomó el caso",
        update=lambda r: _with_escalation(r, maintainer=maintainer),
        followups=jobs,
    )


def diagnose(rt: Runtime, ticket_id: int, diagnosis: Diagnosis, now: datetime) -> CaseRecord:
    """Record the maintainer's diagnosis (or a revision); every revision stays in the record."""

    def update(record: CaseRecord) -> CaseRecord:
        esc = _escalation(record)
        return _with_escalation(record, diagnoses=(*esc.diagnoses, diagnosis))

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        index = len(_escalation(record).diagnoses)
        yield FollowUp(
            "workers.escalation.publish_diagnosis", (tid, index), f"diagnosis-{tid}-{index}"
        )
        yield FollowUp(
            "workers.reminders.remind_estimate",
            (tid, index),
            f"remind-estimate-{tid}-{index}",
            at=diagnosis.estimate_at,
        )

    reason = f"{diagnosis.summary[:200]} (certeza {diagnosis.certainty})"
    return advance(
        rt,
        ticket_id,
        Event.DIAGNOSE,
        diagnosis.author,
        now,
        reason=reason,
        update=update,
        followups=jobs,
    )


def answer_user(rt: Runtime, ticket_id: int, body: str, actor: str, now: datetime) -> CaseRecord:
    """The initial response (after a diagnosis) or an update, on the five topics."""
    record = rt.store.get(ticket_id)
    state = record.case.state if record else None
    event = Event.RESPOND_INITIAL if state is State.DIAGNOSED else Event.SEND_UPDATE

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid, n = record.ticket_id, len(record.replies)
        yield FollowUp(
            "workers.reminders.remind_user_update",
            (tid, n),
            f"remind-update-{tid}-{n}",
            at=rt.catalog.calendar.after(now, rt.settings.update_reminder),
        )

    return advance(
        rt,
        ticket_id,
        event,
        actor,
        now,
        reason=body,
        reply=body,
        update=lambda r: _with_escalation(r, last_user_update=now),
        followups=jobs,
    )


def acknowledge(rt: Runtime, ticket_id: int, body: str, actor: str, now: datetime) -> CaseRecord:
    """ "Avisar al usuario": the early word that the case is being examined (once a case;
    the state machine refuses a second one)."""
    return advance(
        rt,
        ticket_id,
        Event.ACKNOWLEDGE,
        actor,
        now,
        reason=body,
        reply=body,
        update=lambda r: _with_escalation(r, last_user_update=now),
    )


def mark_fixed(
    rt: Runtime, ticket_id: int, note: str, maintainer: str, now: datetime
) -> CaseRecord:
    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        yield FollowUp(
            "workers.escalation.announce_fix", (tid,), f"fixed-{tid}-{len(record.case.timeline)}"
        )
        steps = len(record.case.timeline)
        yield FollowUp("workers.targets.measure_fix", (tid,), f"calibration-{tid}-{steps}")

    return advance(
        rt,
        ticket_id,
        Event.MARK_FIXED,
        maintainer,
        now,
        reason=note,
        update=lambda r: _with_escalation(r, fix_note=note),
        followups=jobs,
    )


def propose_resolution(
    rt: Runtime, ticket_id: int, body: str, actor: str, now: datetime
) -> CaseRecord:
    """The resolution message: it opens the closing window of the foundation unchanged (also
    the agent's answer to a user who wrote back, escalated or not)."""

    def update(record: CaseRecord) -> CaseRecord:
        record = dataclasses.replace(record, user_words=None)
        return _with_escalation(record, last_user_update=now) if record.escalation else record

    return advance(
        rt,
        ticket_id,
        Event.PROPOSE_RESOLUTION,
        actor,
        now,
        reason=body,
        reply=body,
        window=rt.settings.resolution_window,
        update=update,
    )
