"""The clicks inbox: how a click on a button that takes a step at once reaches a worker.

The web process pushes the click onto one Redis list (a single RPUSH, the request's only
Redis command) and, when the list was empty, queues one `drain_clicks` job. That job, in a
worker, turns each click into its own `take_click` job (retried, and told to a person when
refused for good, like every job) — so the cost of building RQ jobs is paid by the workers,
not between the ack and the web process's next request.

Nothing acked is lost: a drain moves one click at a time into a list of its own (named by
its job id) and removes it only in the transaction that queues its `take_click` job; a drain
killed half-way is retried by RQ under the same id and finishes its own list first, and the
periodic sweep (`sweep`) hands back the list of a drain that will not run again and drains
clicks whose drain was never queued (Redis failed between the push and the enqueue).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from redis import Redis, RedisError
from rq import Queue

from bot.adapters import keys
from bot.adapters.queue import Job, enqueue, job_pending

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Click:
    """One click: the step, who clicked, when, and where to answer them."""

    nonce: str
    ticket_id: int
    step: str
    user: str
    at: datetime
    channel: str | None
    response_url: str | None

    def to_json(self) -> str:
        return json.dumps({**vars(self), "at": self.at.isoformat()})  # asdict deep-copies

    @classmethod
    def from_json(cls, raw: bytes | str) -> Click:
        fields = json.loads(raw)
        return cls(**{**fields, "at": datetime.fromisoformat(fields["at"])})

    def take_args(self) -> tuple[object, ...]:
        """The arguments of its take_click job."""
        return (self.ticket_id, self.step, self.user, self.at, self.channel, self.response_url)


def new_nonce() -> str:
    return uuid.uuid4().hex


def record(redis: Redis, queue: Queue, click: Click) -> None:
    """Push the click; the first into an empty inbox also queues a drain. Once pushed, the
    click is kept: a drain that could not be queued is the sweep's to make up for."""
    if redis.rpush(keys.CLICKS_INBOX, click.to_json()) != 1:
        return
    try:
        enqueue(queue, Job.DRAIN_CLICKS, job_id=keys.drain_clicks_job(new_nonce()))
    except RedisError as exc:
        log.warning("click kept, its drain not queued (%s): the next sweep takes it", exc)


def waiting(redis: Redis) -> int:
    """Clicks in the inbox, not yet turned into jobs."""
    return int(redis.llen(keys.CLICKS_INBOX))


def drain(redis: Redis, queue: Queue, drain_id: str) -> int:
    """Turn every click of the inbox into its take_click job; how many it turned."""
    taking = keys.clicks_taking(drain_id)
    turned = 0
    while True:
        raw = redis.lindex(taking, 0) or redis.lmove(keys.CLICKS_INBOX, taking, "LEFT", "RIGHT")
        if raw is None:
            return turned
        with redis.pipeline() as pipe:
            try:
                click = Click.from_json(raw)
            except (ValueError, TypeError, KeyError):
                log.error("a click the desk did not write was in the inbox; dropped")
            else:
                job_id = keys.click_job(click.nonce)
                enqueue(queue, Job.TAKE_CLICK, *click.take_args(), job_id=job_id, pipeline=pipe)
                turned += 1
            pipe.lrem(taking, 1, raw)
            pipe.execute()


def sweep(redis: Redis, queue: Queue, drain_id: str) -> int:
    """Hand back what drains that will not run again were holding, then drain the inbox."""
    prefix = keys.clicks_taking("")
    for key in redis.scan_iter(f"{prefix}*"):
        held_by = key.decode()[len(prefix) :]
        if held_by != drain_id and not job_pending(queue, held_by):
            while redis.lmove(key, keys.CLICKS_INBOX, "RIGHT", "LEFT"):
                pass
    return drain(redis, queue, drain_id)
