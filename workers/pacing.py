"""Slack allows one message a second per channel: workers share that pace through Redis.

`SLACK_CHANNEL_RATE` (messages a second, default 1) sets it; tests raise it.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from slack_sdk.web import SlackResponse

from bot.runtime import Runtime

# Reserve the next free slot of a channel atomically; returns how long to wait (ms).
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
redis.call('SET', KEYS[1], slot + interval, 'PX', interval * 4 + 60000)
return slot - now
"""


def wait_for_channel(connection: redis.Redis, channel: str, per_second: float = 1.0) -> float:
    """Block until this worker's turn to post in `channel`; returns the seconds waited."""
    now_ms = int(time.time() * 1000)
    interval_ms = max(1, int(1000 / per_second))
    wait_ms = int(connection.eval(_RESERVE, 1, f"soporte:pace:{channel}", now_ms, interval_ms))
    if wait_ms > 0:
        time.sleep(wait_ms / 1000)
    return wait_ms / 1000


def post_message(rt: Runtime, **message: Any) -> SlackResponse:
    """chat.postMessage at Slack's pace for the channel (other workers included)."""
    wait_for_channel(rt.redis, message["channel"], rt.settings.channel_rate)
    return rt.slack.chat_postMessage(**message)
