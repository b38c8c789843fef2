"""Who Slack users are: their names for notes, and their Zendesk agent (cached in Redis)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.adapters import keys
from bot.composition import Runtime

log = logging.getLogger(__name__)


def display_name(rt: Runtime, user_id: str) -> str:
    key = keys.user_name(user_id)
    cached = rt.redis.get(key)
    if cached:
        return cached.decode()
    try:
        user = rt.slack.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return user_id
    name = user.get("real_name") or user.get("name") or user_id
    rt.redis.set(key, name, ex=86400)
    return name


@dataclass(frozen=True)
class ZendeskAgent:
    """Who a Slack user is in Zendesk: their agent user, or the API user when none matches."""

    id: int
    matched: bool


AGENT_CACHE_SECONDS = 86400
NO_MATCH_CACHE_SECONDS = 3600


def api_user_id(rt: Runtime) -> int:
    """The Zendesk API user's id (users/me), cached."""
    key = keys.ZENDESK_ME
    cached = rt.redis.get(key)
    if cached:
        return int(cached)
    me = rt.zendesk.me()
    rt.redis.set(key, me["id"], ex=AGENT_CACHE_SECONDS)
    return int(me["id"])


def zendesk_agent(rt: Runtime, slack_user: str) -> ZendeskAgent:
    """The Zendesk agent with the Slack user's profile e-mail (users.info needs the
    users:read.email scope), else the API user. Cached a day (an hour when none matched)."""
    key = keys.zendesk_agent(slack_user)
    cached = rt.redis.get(key)
    if cached:
        data = json.loads(cached)
        return ZendeskAgent(int(data["id"]), bool(data["matched"]))
    email = _slack_email(rt, slack_user)
    user = rt.zendesk.agent_by_email(email) if email else None
    agent = ZendeskAgent(int(user["id"]), True) if user else ZendeskAgent(api_user_id(rt), False)
    ttl = AGENT_CACHE_SECONDS if agent.matched else NO_MATCH_CACHE_SECONDS
    rt.redis.set(key, json.dumps({"id": agent.id, "matched": agent.matched}), ex=ttl)
    if not agent.matched:
        log.info("no Zendesk agent for Slack user %s; writing as the API user", slack_user)
    return agent


def _slack_email(rt: Runtime, slack_user: str) -> str | None:
    try:
        user = rt.slack.users_info(user=slack_user)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed for %s: %s", slack_user, exc.response.get("error"))
        return None
    return ((user.get("profile") or {}).get("email") or "").strip() or None
