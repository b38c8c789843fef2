"""Jobs of the response targets: the one warning before a target is missed, the record of a
missed target, and reminders held until the desk opens.

`schedule_target_timers` runs whenever the card is rendered (every step of the case): for
each open target it schedules a warning at the target's warning time and a check at its
deadline. Their job ids name the target and its deadline, so rendering again schedules the
same jobs, and a target whose deadline moved gets new ones while the old ones find the
target changed and do nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from bot.adapters import keys
from bot.adapters.calibration_store import record_fixes
from bot.adapters.queue import FollowUp, Job
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain import target_texts
from bot.domain.case import CaseRecord
from bot.domain.case_targets import measured_fix
from bot.domain.targets import Metric, Target
from bot.services.escalation import escalating_agent
from bot.services.transitions import amend, surfaces
from workers.cards import post_in_thread
from workers.escalation import post_in_escalation
from workers.target_timers import stamp, targets_of_case

log = logging.getLogger(__name__)
WARNED_TTL = 90 * 86400


def _current(rt: Runtime, ticket_id: int, metric: str, deadline: int) -> Target | str:
    """The open target the job was scheduled for, or why there is nothing to do."""
    record = rt.store.get(ticket_id)
    if record is None:
        return "no case"
    target = next((t for t in targets_of_case(rt, record) if t.metric.value == metric), None)
    if target is None or target.reached is not None:
        return "target reached or no longer applies"
    if stamp(target.deadline) != deadline:
        return "target changed"
    return target


def _warned_key(ticket_id: int, target: Target) -> str:
    return keys.target_warned(ticket_id, target.metric.value, stamp(target.start))


def warn_target(ticket_id: int, metric: str, deadline: int) -> str:
    """Warn once, in the thread, that a target is about to be missed: the agent in the card's
    thread, the Mantenedor (or the product's maintainers) in the escalation's for the
    diagnosis."""
    rt = get_runtime()
    target = _current(rt, ticket_id, metric, deadline)
    if isinstance(target, str):
        return target
    now = utcnow()
    if not target.warning_due(now):
        return "not due" if now < target.warn_time else "already missed"
    if held := held_until_open(rt, Job.WARN_TARGET, ticket_id, metric, deadline):
        return held  # due at a closing time, or run late: nobody is pinged after hours
    key = _warned_key(ticket_id, target)
    if not rt.redis.set(key, "1", nx=True, ex=WARNED_TTL):
        return "already warned"
    record = rt.store.get(ticket_id)
    assert record is not None
    try:
        _post_warning(rt, record, target, now)
    except Exception:
        rt.redis.delete(key)  # not posted: the retry warns
        raise
    _refresh(rt, record, f"warn-{metric}")  # the countdown says how little is left
    return "warned"


def _tag(record: CaseRecord, why: str) -> str:
    return f"{len(record.case.timeline)}-{why}"


def _refresh(rt: Runtime, record: CaseRecord, why: str) -> None:
    """The card, the escalation message and the Home show the target's news."""
    for job in surfaces(record, utcnow(), _tag(record, why)):
        rt.jobs.schedule(job)


def _post_warning(rt: Runtime, record: CaseRecord, target: Target, now: datetime) -> None:
    calendar = rt.catalog.calendar
    escalation = record.escalation
    if target.metric is Metric.DIAGNOSIS and escalation is not None and escalation.ts:
        if escalation.maintainer:
            who = f"<@{escalation.maintainer}>"
        else:
            product = rt.catalog.product(escalation.product)
            who = " ".join(f"<@{u}>" for u in product.maintainers) if product else ""
        post_in_escalation(record.ticket_id, target_texts.warning(target, now, calendar, who))
        return
    agent = escalating_agent(record) or record.case.decided_by
    who = f"<@{agent}>" if agent else ""
    post_in_thread(record.ticket_id, target_texts.warning(target, now, calendar, who))


def miss_target(ticket_id: int, metric: str, deadline: int) -> str:
    """The deadline passed without the target's end: record it on the case and show it."""
    rt = get_runtime()
    target = _current(rt, ticket_id, metric, deadline)
    if isinstance(target, str):
        return target
    now = utcnow()
    if now <= target.deadline:
        return "not due"

    def change(record: CaseRecord) -> CaseRecord:
        if metric in record.targets_missed:
            return record
        return dataclasses.replace(record, targets_missed=(*record.targets_missed, metric))

    before = rt.store.get(ticket_id)
    if before is None or metric in before.targets_missed:
        return "already recorded"
    amend(rt, ticket_id, change, _tag(before, f"miss-{metric}"))
    return "missed"


def held_until_open(rt: Runtime, func: Job, *args: Any) -> str | None:
    """None while the desk is open; otherwise the reminder `func(*args)` is scheduled again
    for the next opening (a reminder due at night fires then) and the reason is returned."""
    now = utcnow()
    calendar = rt.catalog.calendar
    if calendar.is_open(now):
        return None
    opening = calendar.next_opening(now)
    name = func.value.rsplit(".", 1)[-1]
    shown = "-".join(str(a) for a in args)
    rt.jobs.schedule(FollowUp(func, args, keys.held_job(name, shown, stamp(opening)), opening))
    return f"held until {opening.isoformat()}"


def measure_fix(ticket_id: int) -> str:
    """The Mantenedor marked the case fixed: measure the first and latest estimate against
    the fix, in business time, and keep it for the calibration."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    outcome = measured_fix(record, rt.catalog.calendar) if record else None
    if outcome is None:
        return "nothing to measure"
    record_fixes(rt.redis, {ticket_id: outcome})
    return "met" if outcome.latest.met else "missed"
