"""Escalation steps: escalate, take the case, diagnose, answer the user, fix, propose resolution."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from bot.adapters import keys
from bot.adapters.queue import FollowUp, Job
from bot.domain.case import CaseRecord, Diagnosis, Escalation
from bot.domain.lifecycle import Event, State
from bot.services.ports import Ports
from bot.services.transitions import advance


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
    ports: Ports, ticket_id: int, product: str, notes: str, actor: str, now: datetime
) -> CaseRecord:
    def update(record: CaseRecord) -> CaseRecord:
        return dataclasses.replace(
            record, product=product, escalation=Escalation(product=product, notes=notes)
        )

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        yield FollowUp(Job.OPEN_THREAD, (tid,), keys.open_thread_job(tid))
        yield FollowUp(
            Job.REMIND_UNCLAIMED,
            (tid, 1),
            keys.remind_unclaimed_job(tid, 1),
            at=ports.catalog.calendar.after(now, ports.settings.unclaimed_reminder),
        )

    return advance(
        ports, ticket_id, Event.ESCALATE, actor, now, reason=notes, update=update, followups=jobs
    )


def take_case(ports: Ports, ticket_id: int, maintainer: str, now: datetime) -> CaseRecord:
    """The first maintainer to press "Tomar caso" owns it; raises IllegalTransition after."""

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        yield FollowUp(Job.RECORD_OWNER, (tid,), keys.record_owner_job(tid))
        yield FollowUp(
            Job.REMIND_UNDIAGNOSED,
            (tid,),
            keys.remind_diagnosis_job(tid),
            at=ports.catalog.calendar.after(now, ports.settings.diagnosis_reminder),
        )

    return advance(
        ports,
        ticket_id,
        Event.TAKE_CASE,
        maintainer,
        now,
        reason="tomó el caso",
        update=lambda r: _with_escalation(r, maintainer=maintainer),
        followups=jobs,
    )


def diagnose(ports: Ports, ticket_id: int, diagnosis: Diagnosis, now: datetime) -> CaseRecord:
    """Record the maintainer's diagnosis (or a revision); every revision stays in the record."""

    def update(record: CaseRecord) -> CaseRecord:
        esc = _escalation(record)
        return _with_escalation(record, diagnoses=(*esc.diagnoses, diagnosis))

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        index = len(_escalation(record).diagnoses)
        yield FollowUp(Job.PUBLISH_DIAGNOSIS, (tid, index), keys.diagnosis_job(tid, index))
        yield FollowUp(
            Job.REMIND_ESTIMATE,
            (tid, index),
            keys.remind_estimate_job(tid, index),
            at=diagnosis.estimate_at,
        )

    reason = f"{diagnosis.summary[:200]} (certeza {diagnosis.certainty})"
    return advance(
        ports,
        ticket_id,
        Event.DIAGNOSE,
        diagnosis.author,
        now,
        reason=reason,
        update=update,
        followups=jobs,
    )


def answer_user(ports: Ports, ticket_id: int, body: str, actor: str, now: datetime) -> CaseRecord:
    """The initial response (after a diagnosis) or an update, on the five topics."""
    record = ports.store.get(ticket_id)
    state = record.case.state if record else None
    event = Event.RESPOND_INITIAL if state is State.DIAGNOSED else Event.SEND_UPDATE

    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid, n = record.ticket_id, len(record.replies)
        yield FollowUp(
            Job.REMIND_USER_UPDATE,
            (tid, n),
            keys.remind_update_job(tid, n),
            at=ports.catalog.calendar.after(now, ports.settings.update_reminder),
        )

    return advance(
        ports,
        ticket_id,
        event,
        actor,
        now,
        reason=body,
        reply=body,
        update=lambda r: _with_escalation(r, last_user_update=now),
        followups=jobs,
    )


def acknowledge(ports: Ports, ticket_id: int, body: str, actor: str, now: datetime) -> CaseRecord:
    """ "Avisar al usuario": the early word that the case is being examined (once a case;
    the state machine refuses a second one)."""
    return advance(
        ports,
        ticket_id,
        Event.ACKNOWLEDGE,
        actor,
        now,
        reason=body,
        reply=body,
        update=lambda r: _with_escalation(r, last_user_update=now),
    )


def mark_fixed(
    ports: Ports, ticket_id: int, note: str, maintainer: str, now: datetime
) -> CaseRecord:
    def jobs(record: CaseRecord) -> Iterable[FollowUp]:
        tid = record.ticket_id
        step = len(record.case.timeline)
        yield FollowUp(Job.ANNOUNCE_FIX, (tid,), keys.fixed_job(tid, step))
        yield FollowUp(Job.MEASURE_FIX, (tid,), keys.calibration_job(tid, step))

    return advance(
        ports,
        ticket_id,
        Event.MARK_FIXED,
        maintainer,
        now,
        reason=note,
        update=lambda r: _with_escalation(r, fix_note=note),
        followups=jobs,
    )


def propose_resolution(
    ports: Ports, ticket_id: int, body: str, actor: str, now: datetime
) -> CaseRecord:
    """The resolution message: it opens the closing window of the foundation unchanged (also
    the agent's answer to a user who wrote back, escalated or not)."""

    def update(record: CaseRecord) -> CaseRecord:
        record = dataclasses.replace(record, user_words=None)
        return _with_escalation(record, last_user_update=now) if record.escalation else record

    return advance(
        ports,
        ticket_id,
        Event.PROPOSE_RESOLUTION,
        actor,
        now,
        reason=body,
        reply=body,
        window=ports.settings.resolution_window,
        update=update,
    )
