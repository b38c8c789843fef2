"""The example desk the tests and the benchmarks run: the people and channels of
catalog.example.toml, the environment of a desk wired to the local fakes, and the Slack
workspace seeded as the README's setup says (the bot invited to the agents' channel and
to every product channel of the catalogue; a default bot is in none: the fake answers
`not_in_channel`)."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.catalog_reader import load_catalog
from testkit.catalogs import always_open_catalog
from testkit.fakes import zendesk_api
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from testkit.slack_requests import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog.example.toml"
WEBHOOK_SECRET = "test-webhook-secret"
AGENT = "U0AGENT001"
OTHER_AGENT = "U0AGENT002"
STRANGER = "U0STRANGER"
AGENTS_CHANNEL = "C0AGENTS01"
PULSO_CHANNEL = "C0PULSO001"
MAINTAINER = "U0MANT0001"  # a Pulso maintainer in catalog.example.toml
CHANNEL_MEMBER = "U0MEMBER01"  # in the Pulso channel, not a catalogued maintainer
MUNICIPALIDAD_NAME = "Municipalidad de Ejemplo"  # supports Pulso in catalog.example.toml


def desk_environment(
    slack: SlackFake, zendesk: ZendeskFake, redis_url: str, **extra: str
) -> dict[str, str]:
    """The environment of a desk wired to these fakes and this Redis, with the default
    account's credentials (a fake built with another token refuses them), on the example
    catalogue open around the clock (the bench passes the example catalogue itself)."""
    return {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "ZENDESK_URL": zendesk.url,
        "ZENDESK_EMAIL": zendesk_api.EMAIL,
        "ZENDESK_TOKEN": zendesk_api.TOKEN,
        "ZENDESK_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REDIS_URL": redis_url,
        "SOPORTE_CATALOG": str(always_open_catalog()),  # the scenarios mean the same at any hour
        "RESOLUTION_WINDOW": "7d",
        "INTAKE_START_TIME": "0",
        "SLACK_CHANNEL_RATE": "1000",
        **extra,
    }


def invite_desk_bot(slack: SlackFake, catalog_path: Path | str = CATALOG) -> SlackFake:
    """Invite the bot to the channels of the catalogue at `catalog_path`."""
    catalog = load_catalog(str(catalog_path))
    slack.invite_bot(catalog.agents_channel, *(p.channel for p in catalog.products.values()))
    return slack
