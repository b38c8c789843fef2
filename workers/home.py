"""Jobs that publish the App Home: when a user opens it, and when one of their cases moves."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from blocks.calibration import home_calibration_blocks
from blocks.home import home_view
from blocks.targets import figures_blocks
from bot.adapters import keys
from bot.adapters.calibration_store import calibration_records
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain import access, dashboard
from bot.domain.case_summary import summarize
from bot.services.target_figures import for_a_job

log = logging.getLogger(__name__)

HOME_USERS = keys.HOME_USERS
# Errors a retry cannot fix: the job logs them and ends instead of retrying for an hour.
PERMANENT = frozenset(
    {"not_enabled", "user_not_found", "invalid_arguments", "invalid_blocks", "account_inactive"}
)


pending_key = keys.home_pending  # a publish for this user is queued


def build_home(
    rt: Runtime, user_id: str, summaries: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    mine = dashboard.my_cases(summaries, user_id)
    if not access.sees_queue(rt.catalog, user_id):  # the queue is the desk's, not everyone's
        return home_view(None, mine, user_id, rt.catalog, now=now)
    shown = access.visible(rt.catalog, summaries, user_id)
    figures = for_a_job(rt, user_id, summaries, now)
    sections = [*figures_blocks(figures)]
    maintains = any(user_id in p.maintainers for p in rt.catalog.products.values())
    if maintains or not rt.catalog.is_agent(user_id):  # a maintainer's own estimates
        sections += home_calibration_blocks(calibration_records(rt.redis), rt.catalog, user_id)
    overview = dashboard.overview(shown, now)
    return home_view(overview, mine, user_id, rt.catalog, sections=sections, desk=shown)


def _publish(rt: Runtime, user_id: str, view: dict[str, Any]) -> bool:
    try:
        rt.slack.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in PERMANENT:
            log.error("views.publish for %s refused: %s", user_id, error)
            return False
        raise
    return True


def publish_home(user_id: str) -> str:
    """Publish `user_id`'s Home: the desk's summary and their own cases with buttons."""
    rt = get_runtime()
    rt.redis.delete(pending_key(user_id))  # an open from now on queues a fresh publish
    view = build_home(rt, user_id, rt.store.summaries(), utcnow())
    return "published" if _publish(rt, user_id, view) else "refused"


def refresh_homes(ticket_id: int) -> str:
    """A case changed: republish the Home of its agent and Mantenedor, if they use it."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None:
        return "no case"
    summary = summarize(record)
    people = [u for u in dict.fromkeys((summary.get("agent"), summary.get("maintainer"))) if u]
    if not people:
        return "nobody to refresh"
    opened = rt.redis.smismember(HOME_USERS, people)
    users = [user for user, seen in zip(people, opened, strict=True) if seen]
    if not users:
        return "nobody has opened the Home"
    summaries, now = rt.store.summaries(), utcnow()
    done = [u for u in users if _publish(rt, u, build_home(rt, u, summaries, now))]
    return f"published for {', '.join(done) or 'nobody'}"
