"""The Slack workspace the example desk runs in, seeded on the Slack fake.

As the README's setup says, the bot is invited to the agents' channel and to every product
channel of the catalogue; a default bot is in none (the fake answers `not_in_channel`).
"""

from __future__ import annotations

from pathlib import Path

from bot.adapters.catalog_reader import load_catalog
from tests.fakes.slack_api import SlackFake

CATALOG = Path(__file__).resolve().parent.parent / "catalog.example.toml"


def invite_desk_bot(slack: SlackFake, catalog_path: Path | str = CATALOG) -> SlackFake:
    """Invite the bot to the channels of the catalogue at `catalog_path`."""
    catalog = load_catalog(str(catalog_path))
    slack.invite_bot(catalog.agents_channel, *(p.channel for p in catalog.products.values()))
    return slack
