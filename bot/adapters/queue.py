"""How the desk hands work to RQ: the jobs it runs, retries, timeouts, the outbox port."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from redis.client import Pipeline
from rq import Callback, Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job as RqJob


class Job(StrEnum):
    """Every job the desk runs, by the path RQ imports it from (bot/ never imports
    workers/). The worker preloads each one's module (workers/worker.py)."""

    SEND_REPLY = "workers.replies.send_reply"
    CLOSE_AS_SPAM = "workers.replies.close_as_spam"
    POST_CARD = "workers.cards.post_card"
    REFRESH_CARD = "workers.cards.refresh_card"
    POST_IN_THREAD = "workers.cards.post_in_thread"
    NOTIFY_USER = "workers.cards.notify_user"
    RELAY_THREAD_MESSAGE = "workers.cards.relay_thread_message"
    TAKE_CLICK = "workers.clicks.take_click"
    DRAIN_CLICKS = "workers.clicks.drain_clicks"
    POLL_INTAKE = "workers.intake.poll_intake"
    INGEST_TICKET = "workers.intake.ingest_ticket"
    EXPIRE_WINDOW = "workers.timers.expire_window"
    SOLVE_TICKET = "workers.timers.solve_ticket"
    CHECK_TICKET_ACTIVITY = "workers.timers.check_ticket_activity"
    OPEN_THREAD = "workers.escalation.open_thread"
    REFRESH_ESCALATION = "workers.escalation.refresh_escalation"
    POST_IN_ESCALATION = "workers.escalation.post_in_escalation"
    RECORD_OWNER = "workers.escalation.record_owner"
    PUBLISH_DIAGNOSIS = "workers.escalation.publish_diagnosis"
    ANNOUNCE_FIX = "workers.escalation.announce_fix"
    REMIND_UNCLAIMED = "workers.reminders.remind_unclaimed"
    REMIND_UNDIAGNOSED = "workers.reminders.remind_undiagnosed"
    REMIND_ESTIMATE = "workers.reminders.remind_estimate"
    REMIND_USER_UPDATE = "workers.reminders.remind_user_update"
    REFRESH_HOMES = "workers.home.refresh_homes"
    PUBLISH_HOME = "workers.home.publish_home"
    ON_FAILURE = "workers.refusals.on_failure"
    TELL_REFUSAL = "workers.refusals.tell_refusal"
    EXPIRE_FINISHED = "workers.retention.expire_finished"
    PROBE_SERVICES = "workers.health.probe_services"
    WARN_TARGET = "workers.targets.warn_target"
    MISS_TARGET = "workers.targets.miss_target"
    MEASURE_FIX = "workers.targets.measure_fix"
    POST_WEEKLY_SUMMARY = "workers.weekly_summary.post_weekly_summary"

    @property
    def module(self) -> str:
        return self.value.rsplit(".", 1)[0]


@dataclass(frozen=True)
class FollowUp:
    """A job to enqueue in the same transaction as a step (at a time, if given)."""

    func: Job
    args: tuple[Any, ...]
    job_id: str
    at: datetime | None = None


# Slack and Zendesk outages are retried for about an hour before a job is left as failed.
RETRY = Retry(max=10, interval=[1, 3, 10, 30, 60, 120, 300, 600, 900, 1200])
JOB_TIMEOUT = 600
# Ends a job that Zendesk or Slack refused for good, and tells the agents (workers/refusals.py).
ON_FAILURE = Callback(Job.ON_FAILURE.value)


def enqueue(
    queue: Queue,
    func: Job,
    *args: Any,
    job_id: str,
    pipeline: Pipeline | None = None,
    at: datetime | None = None,
    on_failure: bool = True,
) -> RqJob:
    """Enqueue `func` now or `at` a time, retried on failure unless it was
    refused for good (then a person is told). Only a job of the registry can be queued."""
    func = Job(func)
    options: dict[str, Any] = {
        "job_id": job_id,
        "description": describe(func, args),
        "retry": RETRY,
        "job_timeout": JOB_TIMEOUT,
        "result_ttl": 86400,
        "failure_ttl": 30 * 86400,
        "pipeline": pipeline,
        "on_failure": ON_FAILURE if on_failure else None,
    }
    if at is not None:
        return queue.enqueue_at(not_before(at), func.value, *args, **options)
    return queue.enqueue(func.value, *args, **options)


def describe(func: str, args: tuple[Any, ...]) -> str:
    """What RQ logs for a job: the function and the ticket, never texts or response URLs."""
    shown = [repr(args[0])] if args and isinstance(args[0], int) else []
    if len(args) > len(shown):
        shown.append("…")
    return f"{func}({', '.join(shown)})"


def not_before(at: datetime) -> datetime:
    """`at` rounded up to a whole second: RQ keeps scheduled times in whole seconds, rounding
    down, which would run a timer up to a second early."""
    if at.microsecond:
        return at.replace(microsecond=0) + timedelta(seconds=1)
    return at


def job_pending(queue: Queue, job_id: str) -> bool:
    """Whether a job with this id is still waiting, scheduled or running."""
    try:
        job = RqJob.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in {"queued", "scheduled", "started", "deferred"}


def cancel(queue: Queue, job_id: str) -> None:
    with contextlib.suppress(NoSuchJobError):
        RqJob.fetch(job_id, connection=queue.connection).cancel()


class RqJobs:
    """The desk's job queue port over RQ: follow-ups join the caller's Redis transaction."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def schedule(self, job: FollowUp, tx: Pipeline | None = None) -> None:
        enqueue(self.queue, job.func, *job.args, job_id=job.job_id, pipeline=tx, at=job.at)

    def cancel(self, job_id: str) -> None:
        cancel(self.queue, job_id)

    def pending(self, job_id: str) -> bool:
        return job_pending(self.queue, job_id)
