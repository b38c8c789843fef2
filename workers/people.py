"""Names of Slack users for notes written to Zendesk (cached in Redis)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime

log = logging.getLogger(__name__)


def display_name(rt: Runtime, user_id: str) -> str:
    key = f"soporte:user-name:{user_id}"
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
