"""How the desk hands work to RQ: job ids, retries, timeouts."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from redis.client import Pipeline
from rq import Callback, Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

# Slack and Zendesk outages are retried for about an hour before a job is left as failed.
RETRY = Retry(max=10, interval=[1, 3, 10, 30, 60, 120, 300, 600, 900, 1200])
JOB_TIMEOUT = 600
# Ends a job that Zendesk or Slack refused for good, and tells the agents (workers/refusals.py).
ON_FAILURE = Callback("workers.refusals.on_failure")


def enqueue(
    queue: Queue,
    func: str,
    *args: Any,
    job_id: str,
    pipeline: Pipeline | None = None,
    at: datetime | None = None,
    on_failure: bool = True,
) -> Job:
    """Enqueue `func` (dotted path) now or `at` a time, retried on failure unless it was
    refused for good (then a person is told)."""
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
        return queue.enqueue_at(not_before(at), func, *args, **options)
    return queue.enqueue(func, *args, **options)


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
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in {"queued", "scheduled", "started", "deferred"}


def cancel(queue: Queue, job_id: str) -> None:
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(job_id, connection=queue.connection).cancel()
