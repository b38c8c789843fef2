"""The card read in one glance (issue 12): the first line, Zendesk's facts, the files, the
buttons per state, the soft claim, the returning user and the collapsed finished card."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from blocks import ids
from blocks.card import detail_modal, ticket_card, when
from blocks.targets import countdown_line
from bot.adapters.catalog_reader import load_catalog
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain.case import Attachment, CaseRecord, Escalation, Ticket
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Case, Event, State, apply
from testkit.fakes import slack_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "catalog.example.toml"
NOW = datetime(2026, 12, 2, 10, 35, tzinfo=UTC)
AGENT = "U0AGENT001"
MAINTAINER = "U0MANT0001"
WINDOW = timedelta(days=7)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(EXAMPLE)


def ticket(**changes: Any) -> Ticket:
    base = Ticket(
        id=812,
        subject="El informe mensual no exporta",
        requester_id=5,
        requester_name="Ana Soto",
        requester_email="ana@muni.cl",
        organization_id=360000001,
        organization_name="Municipalidad de Ejemplo",
        excerpt="Al exportar el informe de noviembre sale un error.",
        created_at=NOW - timedelta(hours=2),
        url="https://unholster.zendesk.com/agent/tickets/812",
        priority="normal",
        type="problem",
        tags=("pulso", "informes", "soporte_escalado"),
        attachments=(
            Attachment("captura.png", "https://unholster.zendesk.com/attachments/token/a/"),
            Attachment("log.txt", "https://unholster.zendesk.com/attachments/token/b/"),
        ),
    )
    return dataclasses.replace(base, **changes)


def record(*events: Event, escalated: bool = False, **changes: Any) -> CaseRecord:
    tk = changes.pop("ticket", None) or ticket()
    case = Case(tk.id, opened_at=tk.created_at)
    for i, event in enumerate(events):
        actor = MAINTAINER if event in (Event.TAKE_CASE, Event.DIAGNOSE) else AGENT
        at = NOW + timedelta(minutes=i)
        case = apply(case, event, actor, at, window=WINDOW, window_generation=1)
    escalation = None
    if escalated:
        maintainer = MAINTAINER if Event.TAKE_CASE in events else None
        escalation = Escalation(
            "pulso", "Sospecho del worker", "C0PULSO001", "1.1", maintainer, permalink="https://x"
        )
    return CaseRecord(case=case, ticket=tk, escalation=escalation, **changes)


def blocks_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    return card["blocks"]


def first_line(card: dict[str, Any]) -> str:
    [line] = [b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_FIRST]
    return line["elements"][0]["text"]


def action_ids(card: dict[str, Any]) -> list[str]:
    found = [b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_ACTIONS]
    return [e["action_id"] for b in found for e in b["elements"]]


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def assert_slack_takes(card: dict[str, Any]) -> None:
    assert slack_rules.message_errors(card["text"], card["blocks"]) is None


# --- the first line ---------------------------------------------------------------------


def test_first_line_of_a_new_card_says_state_age_and_nobody_has_it(catalog: Catalog) -> None:
    card = ticket_card(record(), catalog)
    assert blocks_of(card)[0]["type"] == "header"
    line = first_line(card)
    assert blocks_of(card)[1]["block_id"] == ids.Block.CARD_FIRST, "right under the header"
    assert line.startswith("*🆕 Por clasificar* · llegó <!date^")
    assert "{ago}" in line and " · sin asignar" in line
    assert_slack_takes(card)


def test_urgent_ticket_leads_with_the_siren(catalog: Catalog) -> None:
    card = ticket_card(record(ticket=ticket(priority="urgent")), catalog)
    assert first_line(card).startswith("*:rotating_light: Urgente* · *🆕 Por clasificar*")
    assert "Prioridad" not in shown(card), "urgent is said once, first"


def test_priority_type_and_tags_briefly(catalog: Catalog) -> None:
    many = tuple(f"etiqueta{n}" for n in range(9))
    card = ticket_card(record(ticket=ticket(tags=many)), catalog)
    text = shown(card)
    assert "Prioridad normal · Problema · 🏷️ `etiqueta0`" in text
    assert "`etiqueta5` +3" in text and "etiqueta6" not in text
    plain = ticket_card(record(), catalog)
    assert "`pulso`, `informes`" in shown(plain)
    assert "soporte_escalado" not in shown(plain), "the desk's own tags are noise"


def test_attachments_are_listed_with_zendesk_links(catalog: Catalog) -> None:
    text = shown(ticket_card(record(), catalog))
    assert "📎 *2 archivos:*" in text
    assert "<https://unholster.zendesk.com/attachments/token/a/|captura.png>" in text
    none = ticket_card(record(ticket=ticket(attachments=())), catalog)
    assert "📎" not in shown(none)


def test_soft_claim_shows_who_is_answering(catalog: Catalog) -> None:
    card = ticket_card(record(), catalog, claimed_by="U0AGENT002")
    assert "✍️ <@U0AGENT002> está respondiendo…" in first_line(card)
    assert "sin asignar" not in first_line(card)


def test_the_targets_countdown_ends_the_first_line(catalog: Catalog) -> None:
    rec = record()
    countdown = countdown_line(rec, catalog, NOW)
    assert countdown
    card = ticket_card(rec, catalog, NOW)
    [line] = [b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_FIRST]
    assert line["elements"][-1]["text"] == countdown


# --- the buttons per state ----------------------------------------------------------------


def test_new_card_buttons(catalog: Catalog) -> None:
    assert action_ids(ticket_card(record(), catalog)) == [
        ids.Action.INFORMATION,
        ids.Action.DOCUMENTED_ACTION,
        ids.Action.ESCALATE,
        ids.Action.MORE_OPTIONS,
        ids.Action.SPAM,
    ]


def test_escalated_card_offers_to_tell_the_user_once(catalog: Catalog) -> None:
    card = ticket_card(record(Event.ESCALATE, escalated=True), catalog)
    assert action_ids(card) == [ids.Action.ACKNOWLEDGE]
    assert "lo tiene <@U0AGENT001>" in first_line(card)
    told = record(Event.ESCALATE, Event.ACKNOWLEDGE, escalated=True)
    assert action_ids(ticket_card(told, catalog)) == []


def test_assigned_card_says_the_maintainer_has_it(catalog: Catalog) -> None:
    card = ticket_card(record(Event.ESCALATE, Event.TAKE_CASE, escalated=True), catalog)
    assert first_line(card).startswith("*🛠️ Asignado*")
    assert "lo tiene <@U0MANT0001>" in first_line(card)
    assert "Responsable técnico: <@U0MANT0001>" in shown(card)
    assert action_ids(card) == [ids.Action.ACKNOWLEDGE]


def test_awaiting_confirmation_button_is_not_primary(catalog: Catalog) -> None:
    card = ticket_card(record(Event.RESOLVE_WITH_INFORMATION), catalog)
    [actions] = [b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_ACTIONS]
    [button] = actions["elements"]
    assert button["action_id"] == ids.Action.USER_CONFIRMED and "style" not in button


# --- dates ------------------------------------------------------------------------------


def test_decided_card_never_says_el_hoy(catalog: Catalog) -> None:
    """Slack's {date_short_pretty} says "hoy"/"ayer" itself: no "el" before it."""
    card = ticket_card(record(Event.RESOLVE_WITH_INFORMATION), catalog)
    text = shown(card)
    assert f"respondido por <@{AGENT}> <!date^" in text
    assert " el <!date" not in text


def test_when_reads_for_every_date_form() -> None:
    recent = when(NOW - timedelta(hours=3), NOW)
    assert recent == t.slack_date(NOW - timedelta(hours=3))  # Slack says "hoy 07:35"
    older = when(NOW - timedelta(days=3), NOW)
    assert older.startswith("el <!date^") and "{date_short} {time}" in older  # "el 29 nov 07:35"


# --- the returning user --------------------------------------------------------------------


def test_user_answered_card_shows_the_new_message_first(catalog: Catalog) -> None:
    rec = record(Event.UNSUPPORTED_PRODUCT, Event.USER_REPLIED, user_words="Ya funciona, gracias")
    card = ticket_card(rec, catalog)
    second = blocks_of(card)[2]["text"]["text"]
    assert second.startswith("💬 *Nuevo mensaje del usuario*") and "Ya funciona" in second
    assert "*Mensaje original*" in shown(card)
    ids_ = action_ids(card)
    assert ids_[0] == ids.Action.PROPOSE_RESOLUTION
    assert ids.Action.SPAM not in ids_ and ids.Action.WRONG_RECIPIENT not in ids_


def test_returning_user_back_in_triage_is_offered_no_spam(catalog: Catalog) -> None:
    rec = record(
        Event.UNSUPPORTED_PRODUCT,
        Event.USER_REPLIED,
        Event.NOT_FIXED,
        user_words="Sigue sin funcionar",
    )
    card = ticket_card(rec, catalog)
    assert "Sigue sin funcionar" in blocks_of(card)[2]["text"]["text"]
    assert ids.Action.SPAM not in action_ids(card)
    more = [e for b in card["blocks"] for e in b.get("elements", []) if e.get("options")]
    assert [o["value"].split("|")[0] for o in more[0]["options"]] == [
        ids.Action.PERSON,
        ids.Action.UNSUPPORTED,
    ]


# --- finished cards --------------------------------------------------------------------


@pytest.mark.parametrize(
    "events", [(Event.MARK_SPAM,), (Event.RESOLVE_WITH_INFORMATION, Event.USER_CONFIRMED)]
)
def test_finished_card_collapses_and_keeps_everything_behind_see_detail(
    catalog: Catalog, events: tuple[Event, ...]
) -> None:
    rec = record(*events)
    card = ticket_card(rec, catalog)
    assert len(card["blocks"]) == 2
    status, about = card["blocks"]
    assert status["accessory"]["action_id"] == ids.Action.SEE_DETAIL
    assert status["accessory"]["text"]["text"] == glossary.SEE_DETAIL
    assert "#812 · El informe mensual no exporta" in about["elements"][0]["text"]
    detail = detail_modal(rec, catalog, NOW)
    assert slack_rules.view_errors(detail) == []
    full = shown(detail)
    for kept in ("Ana Soto", "captura.png", "Al exportar el informe", "Abrir en Zendesk"):
        assert kept in full, kept
    assert_slack_takes(card)


def test_every_state_renders_within_slack_limits(catalog: Catalog) -> None:
    paths = [
        (),
        (Event.ESCALATE,),
        (Event.ESCALATE, Event.TAKE_CASE),
        (Event.RESOLVE_WITH_ACTION,),
        (Event.RESOLVE_WITH_ACTION, Event.USER_REPLIED),
        (Event.RESOLVE_WITH_ACTION, Event.USER_CONFIRMED),
        (Event.WRONG_RECIPIENT,),
    ]
    huge = ticket(subject="S" * 400, tags=tuple("t" * 80 for _ in range(50)))
    files = tuple(Attachment("f" * 300, "https://z/" + "a" * 500) for _ in range(40))
    for events in paths:
        for tk in (ticket(), dataclasses.replace(huge, attachments=files)):
            rec = record(*events, escalated=Event.ESCALATE in events, ticket=tk)
            card = ticket_card(rec, catalog, NOW, claimed_by="U0AGENT002")
            assert_slack_takes(card)
            assert rec.case.state in State


def test_soft_claim_shows_on_an_escalated_card_too_but_never_on_a_finished_one(
    catalog: Catalog,
) -> None:
    escalated_card = ticket_card(
        record(Event.ESCALATE, Event.TAKE_CASE, escalated=True), catalog, claimed_by=AGENT
    )
    assert f"<@{AGENT}> está respondiendo…" in first_line(escalated_card)
    done = ticket_card(record(Event.MARK_SPAM), catalog, claimed_by=AGENT)
    assert "está respondiendo" not in shown(done)
