"""Start-up checks: everything that would make the desk start "healthy" and then fail.

They run before any process is launched and report one line per problem, each naming the
variable (or the catalogue's file:line: field) to fix. `local_problems` needs nothing but the
environment; `service_problems` asks Redis, Slack (auth.test, and conversations.info for each
channel the desk posts in) and Zendesk (users/me) whether they take the desk's settings, with
short time-outs. An outage after start-up is /healthz's business, not these checks'.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.catalog_fields import CatalogError
from bot.adapters.catalog_locate import SourceMap, field_name
from bot.adapters.catalog_reader import load_catalog
from bot.adapters.settings import ConfigError, Settings, load_settings
from bot.adapters.zendesk import ZendeskGateway
from bot.adapters.zendesk_account import account_problems
from bot.composition import redis_client
from bot.domain.catalog import Catalog

TIMEOUT = 5.0


class StartupRefused(Exception):
    """The desk must not start: `problems` says why, one line each."""

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        self.problems = problems
        self.hint = hint
        super().__init__("\n".join(problems))

    def report(self) -> str:
        lines = ["soporte cannot start:", *(f"  {p}" for p in self.problems)]
        return "\n".join([*lines, *([self.hint] if self.hint else [])])


@dataclass(frozen=True)
class Checked:
    settings: Settings
    catalog: Catalog


def local_problems(env: Mapping[str, str]) -> Checked:
    """Settings and catalogue, or StartupRefused with every problem found."""
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        raise StartupRefused(exc.problems, exc.hint) from None
    try:
        catalog = load_catalog(settings.catalog_path)
    except CatalogError as exc:
        raise StartupRefused([f"SOPORTE_CATALOG: {exc}"]) from None
    except OSError as exc:
        raise StartupRefused(
            [f"SOPORTE_CATALOG={settings.catalog_path!r}: cannot read it ({exc.strerror})"]
        ) from None
    return Checked(settings, catalog)


def _where(url: str) -> str:
    """A URL without its credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"


def redis_problems(url: str) -> list[str]:
    try:
        redis_client(url).ping()
    except redis.AuthenticationError:
        return [f"REDIS_URL: {_where(url)} refused the password"]
    except redis.RedisError as exc:
        return [f"REDIS_URL: cannot reach Redis at {_where(url)} ({type(exc).__name__})"]
    return []


def slack_problems(settings: Settings, catalog: Catalog) -> list[str]:
    """The bot token, then the bot's membership of every channel the desk posts in."""
    quiet = logging.getLogger("soporte.preflight.slack")  # the one line below says it all
    quiet.setLevel(logging.CRITICAL)
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT,
        logger=quiet,
    )
    try:
        me = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        return [
            f"SLACK_BOT_TOKEN: Slack refused it ({error}); copy the Bot User OAuth Token "
            "from the app's OAuth & Permissions page"
        ]
    except Exception as exc:  # DNS, refused connection, time-out
        where = _where(settings.slack_api_url)
        return [f"SLACK_API_URL: cannot reach Slack at {where} ({type(exc).__name__})"]
    return channel_problems(client, catalog, me.get("user") or "soporte")


def _desk_channels(catalog: Catalog) -> dict[str, tuple[str | int, ...]]:
    """Each channel the desk posts in, with the catalogue field that first names it."""
    fields: dict[str, tuple[str | int, ...]] = {catalog.agents_channel: ("desk", "agents_channel")}
    for key, product in catalog.products.items():
        fields.setdefault(product.channel, ("products", key, "channel"))
    return fields


def channel_problems(client: WebClient, catalog: Catalog, bot_name: str) -> list[str]:
    """The desk's channels the bot is not in: its cards and escalations would be refused
    (`not_in_channel`) until someone invites it."""
    try:
        lines = SourceMap(catalog.source.read_text("utf-8"))
    except OSError:
        lines = None
    problems = []
    for channel, path in _desk_channels(catalog).items():
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "channel_not_found":
                reason = (
                    f"Slack shows the bot no channel {channel} (a private channel stays hidden "
                    f"until you /invite @{bot_name} there)"
                )
            else:
                reason = f"conversations.info refused {channel} ({error})"
        except Exception as exc:  # DNS, refused connection, time-out
            reason = f"could not ask Slack about {channel} ({type(exc).__name__})"
        else:
            if info.get("is_member"):
                continue
            name = info.get("name") or channel
            reason = f"the bot is not a member of #{name} ({channel}): /invite @{bot_name} there"
        line = lines.line(path) if lines else None
        problems.append(
            f"SOPORTE_CATALOG: {CatalogError(catalog.source, line, field_name(path), reason)}"
        )
    return problems


def zendesk_problems(settings: Settings, catalog: Catalog) -> list[str]:
    """The credentials, and whether this account lets the desk do its work."""
    gateway = ZendeskGateway(
        settings.zendesk_url,
        settings.zendesk_email,
        settings.zendesk_token,
        catalog.zendesk_agent_url,
    )
    gateway.client.tickets.timeout = TIMEOUT
    return account_problems(gateway, settings)


def port_problems(port: int) -> list[str]:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError as exc:
            return [f"PORT={port}: cannot listen on it ({exc.strerror})"]
    return []


def service_problems(checked: Checked, *, port: bool = True) -> list[str]:
    """Redis (when REDIS_URL is set), Slack, Zendesk and the HTTP port, in that order."""
    settings = checked.settings
    problems = redis_problems(settings.redis_url) if settings.redis_url else []
    problems += slack_problems(settings, checked.catalog)
    problems += zendesk_problems(settings, checked.catalog)
    return problems + (port_problems(settings.port) if port else [])


def preflight(env: Mapping[str, str], *, port: bool = True) -> Checked:
    """Every check; StartupRefused when anything would keep the desk from its work."""
    checked = local_problems(env)
    problems = service_problems(checked, port=port)
    if problems:
        raise StartupRefused(problems)
    return checked
