"""What must never reach a log: the desk's secrets, as the test desks are configured."""

from __future__ import annotations

from testkit.example_desk import WEBHOOK_SECRET
from testkit.fakes import slack_api, zendesk_api
from testkit.slack_requests import SIGNING_SECRET

APP_LOGGERS = ("soporte", "app", "bot", "handlers", "workers", "blocks")


def desk_secrets(env: dict[str, str] | None = None) -> dict[str, str]:
    """The secrets of a desk's environment `env` (by default, the test desks')."""
    env = env or {}
    return {
        "SLACK_BOT_TOKEN": env.get("SLACK_BOT_TOKEN") or slack_api.TOKEN,
        "SLACK_SIGNING_SECRET": env.get("SLACK_SIGNING_SECRET") or SIGNING_SECRET,
        "ZENDESK_TOKEN": env.get("ZENDESK_TOKEN") or zendesk_api.TOKEN,
        "ZENDESK_WEBHOOK_SECRET": env.get("ZENDESK_WEBHOOK_SECRET") or WEBHOOK_SECRET,
    }


def leaks_in(texts: dict[str, str], secrets: dict[str, str]) -> list[tuple[str, str]]:
    """(secret's name, where) for every secret found in `texts` ({where: text})."""
    return [
        (name, where)
        for name, value in secrets.items()
        for where, text in texts.items()
        if value in text
    ]
