"""The weekly summary: every Monday at the desk's opening, one message in the agents' channel.

`rq cron` runs `post_weekly_summary` every few minutes; it posts only once the week's
opening has come (Monday's, or the first opening after it when Monday is a holiday) and only
once a week, however often it runs and on however many cron processes:
- a Redis marker for the week is claimed atomically (SET NX) before posting, and marked
  posted after;
- a run that finds the marker claimed but never marked posted (its poster died, or lost
  Slack's answer) looks for the message by its metadata in the channel's history since the
  claim, and posts only when it is not there and the claim is old enough that nobody is
  still posting it.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from blocks.weekly_summary import weekly_summary
from bot.adapters import keys
from bot.adapters.calibration_store import measured_fixes
from bot.composition import Runtime, get_runtime, utcnow
from workers.pacing import post_message
from workers.slack_history import find_by_metadata

log = logging.getLogger(__name__)
EVENT = "soporte_weekly_summary"
INTERVAL = 300
LATE = timedelta(days=1)
"""After this long past the opening, the week's summary is no longer posted (workers down)."""
CLAIM_STALE = 120
MARKER_TTL = 40 * 86400


def week_opening(rt: Runtime, now: datetime) -> datetime:
    """The desk's first opening of the week `now` is in (from Monday 00:00, desk time)."""
    calendar = rt.catalog.calendar
    local = now.astimezone(calendar.tz)
    monday = (local - timedelta(days=local.weekday())).date()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=calendar.tz)
    return calendar.next_opening(start)


def _key(opening: datetime) -> str:
    return keys.weekly_summary(opening.date().isoformat())


def post_weekly_summary() -> str:
    rt = get_runtime()
    now = utcnow()
    opening = week_opening(rt, now)
    if now < opening:
        return "not yet"
    if now > opening + LATE:
        return "too late for this week"
    key, week = _key(opening), opening.date().isoformat()
    claimed = rt.redis.set(key, f"claimed {time.time()}", nx=True, ex=MARKER_TTL)
    channel = rt.catalog.agents_channel
    if not claimed:
        state, _, at = (rt.redis.get(key) or b"").decode().partition(" ")
        if state == "posted":
            return "already posted"
        if time.time() - float(at or 0) < CLAIM_STALE:
            return "being posted"
        found = find_by_metadata(rt.slack, channel, float(at or 0), EVENT, {"week": week})
        if found:
            rt.redis.set(key, f"posted {found}", ex=MARKER_TTL)
            return "already posted"
        rt.redis.set(key, f"claimed {time.time()}", ex=MARKER_TTL)
    message = weekly_summary(
        rt.store.summaries(),
        measured_fixes(rt.redis),
        rt.catalog,
        rt.catalog.targets,
        rt.catalog.calendar,
        opening,
    )
    response = post_message(
        rt,
        channel=channel,
        text=message["text"],
        blocks=message["blocks"],
        metadata={"event_type": EVENT, "event_payload": {"week": week}},
        unfurl_links=False,
    )
    rt.redis.set(key, f"posted {response['ts']}", ex=MARKER_TTL)
    return "posted"
