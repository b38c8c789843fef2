"""Slack allows one message a second per channel: workers share that pace through Redis.

Posts to a channel go one at a time (a Redis lock per channel), each at least one interval
after the previous post was *answered*. Slack counts a message when it arrives, which is
before its answer, so two arrivals can never be closer than the interval, whatever the
network does. `SLACK_CHANNEL_RATE` (messages a second, default 1) sets the pace.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import redis
from redis.exceptions import LockError
from slack_sdk.web import SlackResponse

from bot.adapters import keys
from bot.composition import Runtime

# A post normally takes well under a second. A worker killed mid-post leaves the lock for at
# most LOCK_TIMEOUT; a worker that cannot get it within LOCK_WAIT fails its job into the RQ
# retry instead of blocking.
LOCK_TIMEOUT = 5
LOCK_WAIT = 30


def _now(connection: redis.Redis) -> float:
    """Redis's clock, shared by every worker host."""
    seconds, micros = connection.time()
    return seconds + micros / 1_000_000


def post_message(rt: Runtime, **message: Any) -> SlackResponse:
    """chat.postMessage at Slack's pace for the channel (other workers included)."""
    channel = message["channel"]
    interval = 1.0 / rt.settings.channel_rate
    last_key = keys.pace(channel)
    lock = rt.redis.lock(keys.pace_lock(channel), timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT)
    if not lock.acquire():
        raise LockError(f"channel {channel} busy for {LOCK_WAIT} s; the job will retry")
    try:
        last = float(rt.redis.get(last_key) or 0)
        wait = last + interval - _now(rt.redis)
        if wait > 0:
            time.sleep(wait)
        try:
            return rt.slack.chat_postMessage(**message)
        finally:
            rt.redis.set(last_key, _now(rt.redis), ex=3600)
    finally:
        with contextlib.suppress(LockError):
            lock.release()
