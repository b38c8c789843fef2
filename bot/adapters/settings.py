"""Settings from the environment, each checked against its bounds. Secrets live here only."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from croniter import croniter

MANIFEST_HINT = (
    "Create the Slack app from manifest.json (https://api.slack.com/apps → Create New App → "
    "From a manifest), install it, then export the variables. See README.md, 'Run it'."
)

SLACK_DEFAULT_API = "https://slack.com/api/"

# Durations: at least a second (the tests use windows of a few seconds), at most a year.
MIN_DURATION = timedelta(seconds=1)
MAX_DURATION = timedelta(days=365)
# Zendesk allows 10 incremental exports a minute: one every 10 s at the most.
INTAKE_INTERVAL_BOUNDS = (10, 3600)
CHANNEL_RATE_BOUNDS = (0.01, 1000.0)
HTTP = ("http", "https")
REDIS_SCHEMES = ("redis", "rediss", "unix")
WAITING = ("open", "hold")  # the Zendesk status of a case waiting on its maintainers
INTAKES = ("export", "webhook")  # webhook: no incremental export (a non-admin API user)

T = TypeVar("T")


class ConfigError(Exception):
    """The environment is wrong: one line per problem, each naming its variable."""

    def __init__(self, problems: list[str] | str, hint: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.hint = hint
        super().__init__("\n".join([*self.problems, *([hint] if hint else [])]))


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(raw: str, name: str) -> timedelta:
    """'7d', '36h', '90s', '2w' or plain seconds, between a second and a year."""
    match = _DURATION.match(raw)
    if not match:
        raise ConfigError(f"{name}={raw!r}: expected a duration such as 7d, 36h, 90s")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ConfigError(f"{name}={raw!r}: must be greater than zero")
    if not MIN_DURATION.total_seconds() <= seconds <= MAX_DURATION.total_seconds():
        raise ConfigError(f"{name}={raw!r}: must be between 1s and 365d")
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
    intake_interval: int = 60
    retention_cron: str = "17 4 * * *"
    unclaimed_reminder: timedelta = timedelta(hours=2)
    diagnosis_reminder: timedelta = timedelta(hours=4)
    update_reminder: timedelta = timedelta(days=3)
    channel_rate: float = 1.0
    zendesk_waiting_status: str = "open"
    zendesk_intake: str = "export"
    start_retries: int = 15

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


def _zendesk_url(env: Mapping[str, str]) -> str:
    if env.get("ZENDESK_URL"):
        return env["ZENDESK_URL"].rstrip("/")
    if env.get("ZENDESK_SUBDOMAIN"):
        return f"https://{env['ZENDESK_SUBDOMAIN']}.zendesk.com"
    return ""


class _Reader:
    """Reads variables, collecting every problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def get(self, name: str, default: str = "") -> str:
        return (self.env.get(name) or "").strip() or default

    def check(self, name: str, default: str, parse: Callable[[str], T], fallback: T) -> T:
        raw = self.get(name, default)
        try:
            return parse(raw)
        except ConfigError as exc:
            self.problems.extend(exc.problems)
        except (ValueError, OverflowError):
            self.problems.append(f"{name}={raw!r}: not a valid value")
        return fallback

    def duration(self, name: str, default: str) -> timedelta:
        return self.check(name, default, lambda raw: parse_duration(raw, name), timedelta(0))

    def integer(self, name: str, default: str, low: int, high: int, what: str) -> int:
        def parse(raw: str) -> int:
            if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
                raise ConfigError(f"{name}={raw!r}: expected {what} between {low} and {high}")
            return int(raw)

        return self.check(name, default, parse, low)


def _rate(raw: str) -> float:
    low, high = CHANNEL_RATE_BOUNDS
    try:
        rate = float(raw)
    except ValueError:
        rate = 0.0
    if not low <= rate <= high:
        raise ConfigError(
            f"SLACK_CHANNEL_RATE={raw!r}: expected messages a second between {low:g} and {high:g}"
        )
    return rate


def _url(name: str, schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.hostname or parts.scheme == "unix"):
            shown = f"{parts.scheme}://{parts.hostname}" if parts.hostname else "it"
            raise ConfigError(f"{name}: expected a {'/'.join(schemes)} URL, got {shown}")
        return raw

    return parse


def _optional(parse: Callable[[str], str]) -> Callable[[str], str]:
    return lambda raw: parse(raw) if raw else ""


def _cron(raw: str) -> str:
    if not croniter.is_valid(raw):
        raise ConfigError(f"RETENTION_CRON={raw!r}: expected a cron line such as '17 4 * * *'")
    return raw


def _app_token(raw: str) -> str | None:
    if raw and not raw.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN: expected an app-level token (xapp-…)")
    return raw or None


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read the settings, or raise `ConfigError` with one line per problem."""
    required = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "ZENDESK_EMAIL", "ZENDESK_TOKEN"]
    missing = [name for name in required if not env.get(name)]
    if not _zendesk_url(env):
        missing.append("ZENDESK_SUBDOMAIN (or ZENDESK_URL)")
    if missing:
        raise ConfigError(
            "Missing environment variables: " + ", ".join(missing) + ".", MANIFEST_HINT
        )
    r = _Reader(env)
    zendesk = _zendesk_url(env)
    api_url = r.check("SLACK_API_URL", SLACK_DEFAULT_API, _url("SLACK_API_URL", HTTP), "")
    redis_url = r.check("REDIS_URL", "", _optional(_url("REDIS_URL", REDIS_SCHEMES)), "")
    start = None
    if r.get("INTAKE_START_TIME"):
        start = r.integer("INTAKE_START_TIME", "", 0, 2**40, "a Unix time")
    settings = Settings(
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_signing_secret=env["SLACK_SIGNING_SECRET"],
        slack_app_token=r.check("SLACK_APP_TOKEN", "", _app_token, None),
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        zendesk_url=r.check("ZENDESK_URL", zendesk, _url("ZENDESK_URL", HTTP), "").rstrip("/"),
        zendesk_email=env["ZENDESK_EMAIL"],
        zendesk_token=env["ZENDESK_TOKEN"],
        zendesk_webhook_secret=env.get("ZENDESK_WEBHOOK_SECRET") or None,
        redis_url=redis_url or None,
        catalog_path=r.get("SOPORTE_CATALOG", "catalog.example.toml"),
        port=r.integer("PORT", "3000", 1, 65535, "a port number"),
        resolution_window=r.duration("RESOLUTION_WINDOW", "7d"),
        intake_start=start,
        intake_interval=r.integer(
            "INTAKE_INTERVAL_SECONDS", "60", *INTAKE_INTERVAL_BOUNDS, "seconds between intakes"
        ),
        retention_cron=r.check("RETENTION_CRON", "17 4 * * *", _cron, ""),
        unclaimed_reminder=r.duration("REMIND_UNCLAIMED_AFTER", "2h"),
        diagnosis_reminder=r.duration("REMIND_DIAGNOSIS_AFTER", "4h"),
        update_reminder=r.duration("REMIND_USER_UPDATE_AFTER", "3d"),
        channel_rate=r.check("SLACK_CHANNEL_RATE", "1", _rate, 1.0),
        start_retries=r.integer(
            "SOPORTE_START_RETRIES", "15", 1, 100, "attempts before ./run app gives up"
        ),
        zendesk_waiting_status=r.check(
            "ZENDESK_WAITING_STATUS", "open", _choice("ZENDESK_WAITING_STATUS", WAITING), "open"
        ),
        zendesk_intake=r.check(
            "ZENDESK_INTAKE", "export", _choice("ZENDESK_INTAKE", INTAKES), "export"
        ),
    )
    if r.problems:
        raise ConfigError(r.problems)
    return settings


def _choice(name: str, allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ConfigError(f"{name}={raw!r}: expected one of {', '.join(allowed)}")
        return value

    return parse
