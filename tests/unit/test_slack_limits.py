"""Builders against Slack's limits, judged by the Slack fake's own rules (tests/fakes/slack_rules):
truncation with emoji, combining marks and right-to-left text at every limit, and the card,
the escalation message and every modal with hostile ticket data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import regex

from blocks import modals
from blocks.card import ticket_card
from blocks.escalation import escalation_message
from bot.adapters.catalog_reader import load_catalog
from bot.domain import mrkdwn as t
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import State
from testkit.fakes import slack_rules
from tests.support.block_kit import escalated, make_record, make_ticket

SAMPLES = {
    "emoji": "🔥",
    "family": "👩\u200d👩\u200d👧\u200d👦",
    "flag": "🇨🇱",
    "skin tone": "👍🏽",
    "combining": "e\u0301n\u0303",
    "hebrew": "שלום ",
    "arabic with marks": "\u200fمرحبا ",
    "mixed": "Año 🐛 נ\u05b8 x",
}
LIMITS = (24, 75, 150, 2000, 3000)
GRAPHEME = regex.compile(r"\X")
EXAMPLE = Path(__file__).resolve().parents[2] / "catalog.example.toml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(str(EXAMPLE))


@pytest.mark.parametrize("limit", LIMITS)
@pytest.mark.parametrize("kind", SAMPLES)
def test_truncate_fits_as_slack_counts_and_keeps_whole_graphemes(kind: str, limit: int) -> None:
    text = SAMPLES[kind] * (limit + 5)
    for cut in (t.truncate(text, limit), t.truncate_mrkdwn(text, limit)):
        assert slack_rules.slack_length(cut) <= limit
        assert cut.endswith("…")
        kept = cut[:-1]
        assert text.startswith(kept)
        assert GRAPHEME.findall(kept) == GRAPHEME.findall(text)[: len(GRAPHEME.findall(kept))]
        assert not kept.endswith(("\u200d", "\u200f", " ")), "nothing dangles at the cut"


@pytest.mark.parametrize("kind", SAMPLES)
def test_text_that_fits_is_left_alone(kind: str) -> None:
    text = SAMPLES[kind] * 3
    assert t.truncate(text, slack_rules.slack_length(text)) == text


def test_slack_len_never_counts_less_than_the_fake() -> None:
    for sample in SAMPLES.values():
        assert t.slack_len(sample) >= slack_rules.slack_length(sample)
        assert t.slack_len(sample) >= len(sample)


def hostile(kind: str) -> dict[str, str]:
    s = SAMPLES[kind]
    return {
        "subject": s * 200,
        "requester_name": s * 300,
        "organization_name": s * 200,
        "excerpt": s * 3000,
    }


@pytest.mark.parametrize("kind", SAMPLES)
def test_card_escalation_and_modals_with_hostile_text_are_accepted(catalog, kind: str) -> None:
    ticket = make_ticket(**hostile(kind))
    record = make_record(ticket=ticket)
    card = ticket_card(record, catalog)
    assert slack_rules.message_errors(card["text"], card["blocks"]) is None
    esc = escalated(State.IN_PROGRESS, ticket=ticket)
    esc = dataclasses.replace(
        esc, escalation=dataclasses.replace(esc.escalation, notes=SAMPLES[kind] * 3000)
    )
    for message in (ticket_card(esc, catalog), escalation_message(esc, catalog)):
        assert slack_rules.message_errors(message["text"], message["blocks"]) is None
    for build in (modals.person_modal, modals.unsupported_modal, modals.information_modal):
        assert slack_rules.view_errors(build(record, catalog)) == [], build.__name__
    assert slack_rules.view_errors(modals.wrong_recipient_modal(record, catalog)) == []
    assert slack_rules.view_errors(modals.action_modal(record, catalog)) == []
