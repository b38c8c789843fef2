"""When a case's targets are checked: the warning and the deadline jobs of each open target."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.adapters import keys
from bot.adapters.queue import FollowUp, Job
from bot.composition import Runtime, utcnow
from bot.domain.case import CaseRecord
from bot.domain.case_targets import case_times
from bot.domain.targets import Target, targets_of


def targets_of_case(rt: Runtime, record: CaseRecord) -> list[Target]:
    return targets_of(case_times(record), rt.catalog.targets, rt.catalog.calendar)


def stamp(at: datetime) -> int:
    return int(at.timestamp())


def schedule_target_timers(rt: Runtime, record: CaseRecord) -> None:
    """The warning and the deadline check of every open target of the case (idempotent)."""
    now = utcnow()
    tid = record.ticket_id
    for target in targets_of_case(rt, record):
        if target.reached is not None or target.metric in record.targets_missed:
            continue
        deadline, metric = stamp(target.deadline), target.metric.value
        args = (tid, metric, deadline)
        if now <= target.deadline:
            job_id = keys.target_warn_job(tid, metric, deadline)
            rt.jobs.schedule(FollowUp(Job.WARN_TARGET, args, job_id, target.warn_time))
        job_id = keys.target_miss_job(tid, metric, deadline)
        at = target.deadline + timedelta(seconds=1)
        rt.jobs.schedule(FollowUp(Job.MISS_TARGET, args, job_id, at))
