"""Settings from the environment. Secrets live here and nowhere else."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

MANIFEST_HINT = (
    "Create the Slack app from manifest.json (https://api.slack.com/apps → Create New App → "
    "From a manifest), install it, then export the variables. See README.md, 'Run it'."
)

SLACK_DEFAULT_API = "https://slack.com/api/"


class ConfigError(Exception):
    """The environment is missing something the app needs."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(raw: str, name: str) -> timedelta:
    """'7d', '36h', '90s', '2w' or plain seconds."""
    match = _DURATION.match(raw)
    if not match:
        raise ConfigError(f"{name}={raw!r}: expected a duration such as 7d, 36h, 90s")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ConfigError(f"{name}={raw!r}: must be greater than zero")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = SLACK_DEFAULT_API
    zendesk_url: str = ""
    zendesk_email: str = ""
    zendesk_token: str = field(default="", repr=False)
    zendesk_webhook_secret: str | None = field(default=None, repr=False)
    redis_url: str | None = field(default=None, repr=False)
    catalog_path: str = "catalog.example.toml"
    port: int = 3000
    resolution_window: timedelta = timedelta(days=7)
    intake_start: int | None = None
    unclaimed_reminder: timedelta = timedelta(hours=2)
    diagnosis_reminder: timedelta = timedelta(hours=4)
    update_reminder: timedelta = timedelta(days=3)
    channel_rate: float = 1.0
    zendesk_waiting_status: str = "open"
    zendesk_intake: str = "export"

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


def _zendesk_url(env: Mapping[str, str]) -> str:
    if env.get("ZENDESK_URL"):
        return env["ZENDESK_URL"].rstrip("/")
    if env.get("ZENDESK_SUBDOMAIN"):
        return f"https://{env['ZENDESK_SUBDOMAIN']}.zendesk.com"
    return ""


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read the settings, or raise `ConfigError` naming every missing variable."""
    required = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "ZENDESK_EMAIL", "ZENDESK_TOKEN"]
    missing = [name for name in required if not env.get(name)]
    if not _zendesk_url(env):
        missing.append("ZENDESK_SUBDOMAIN (or ZENDESK_URL)")
    if missing:
        raise ConfigError(
            "Missing environment variables: " + ", ".join(missing) + ".\n" + MANIFEST_HINT
        )
    api_url = env.get("SLACK_API_URL") or SLACK_DEFAULT_API
    port = env.get("PORT", "3000")
    if not port.isdigit():
        raise ConfigError(f"PORT={port!r}: expected a port number")
    start = env.get("INTAKE_START_TIME")
    return Settings(
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_signing_secret=env["SLACK_SIGNING_SECRET"],
        slack_app_token=env.get("SLACK_APP_TOKEN") or None,
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        zendesk_url=_zendesk_url(env),
        zendesk_email=env["ZENDESK_EMAIL"],
        zendesk_token=env["ZENDESK_TOKEN"],
        zendesk_webhook_secret=env.get("ZENDESK_WEBHOOK_SECRET") or None,
        redis_url=env.get("REDIS_URL") or None,
        catalog_path=env.get("SOPORTE_CATALOG") or "catalog.example.toml",
        port=int(port),
        resolution_window=_duration(env, "RESOLUTION_WINDOW", "7d"),
        intake_start=int(start) if start and start.isdigit() else None,
        unclaimed_reminder=_duration(env, "REMIND_UNCLAIMED_AFTER", "2h"),
        diagnosis_reminder=_duration(env, "REMIND_DIAGNOSIS_AFTER", "4h"),
        update_reminder=_duration(env, "REMIND_USER_UPDATE_AFTER", "3d"),
        channel_rate=_rate(env.get("SLACK_CHANNEL_RATE") or "1"),
        zendesk_waiting_status=_choice(env, "ZENDESK_WAITING_STATUS", ("open", "hold")),
        zendesk_intake=_choice(env, "ZENDESK_INTAKE", ("export", "webhook")),
    )


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed` (the first is the default)."""
    value = (env.get(name) or allowed[0]).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name}={value!r}: expected one of {', '.join(allowed)}")
    return value


def _rate(raw: str) -> float:
    try:
        rate = float(raw)
    except ValueError:
        rate = 0.0
    if rate <= 0:
        raise ConfigError(f"SLACK_CHANNEL_RATE={raw!r}: expected messages a second, e.g. 1")
    return rate


def _duration(env: Mapping[str, str], name: str, default: str) -> timedelta:
    return parse_duration(env.get(name) or default, name)
