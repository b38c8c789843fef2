"""Block Kit builders: the ticket card and the triage modals."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from blocks import ids, modals
from blocks.card import card_fallback_text, ticket_card
from bot.adapters.catalog_reader import load_catalog
from bot.domain import mrkdwn as t
from bot.domain.button_values import ModalContext
from bot.domain.case import Reply
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Event, State
from tests.support.block_kit import (
    AGENT,
    EXAMPLE,
    MULTI_ORG,
    NOW,
    SINGLE_ORG,
    WINDOW,
    assert_valid_blocks,
    assert_valid_view,
    block,
    card_texts,
    context_text,
    input_block,
    make_record,
    make_ticket,
    status,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(EXAMPLE)


# --- text helpers -----------------------------------------------------------------------


def test_escape_mrkdwn_neutralises_mentions_and_links() -> None:
    assert t.escape_mrkdwn("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_truncate_keeps_short_text_and_marks_cuts() -> None:
    assert t.truncate("hola", 10) == "hola"
    assert t.truncate("x" * 20, 10) == "x" * 9 + "…"
    assert len(t.truncate("x" * 20, 10)) == 10


def test_truncate_mrkdwn_never_splits_an_entity_or_token() -> None:
    cut = t.truncate_mrkdwn("ab &amp; cd", 6)
    assert cut == "ab…"
    token = t.user_mention("U0AGENT001")
    cut = t.truncate_mrkdwn(f"por {token} fin", 10)
    assert "<@" not in cut and len(cut) <= 10


def test_quote_prefixes_every_line() -> None:
    assert t.quote("uno\ndos") == "> uno\n> dos"


def test_slack_date_tokens_treat_naive_as_utc() -> None:
    naive = datetime(2026, 3, 2, 12, 0)
    expected = f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} {{time}}|2026-03-02 12:00 UTC>"
    assert t.slack_date(naive) == t.slack_date(NOW) == expected
    assert t.ago(NOW).startswith(f"<!date^{int(NOW.timestamp())}^{{ago}}|")


def test_user_mention_only_for_slack_user_ids() -> None:
    assert t.user_mention("U0AGENT001") == "<@U0AGENT001>"
    assert t.user_mention("W123ABC") == "<@W123ABC>"
    assert t.user_mention("<!here>") == "&lt;!here&gt;"
    assert t.user_mention("system") == "system"


# --- the card -------------------------------------------------------------------------


def test_new_card_offers_the_triage_chain_in_order(catalog: Catalog) -> None:
    """Likely decisions first (one primary), the rare ones behind "Más opciones…", spam last
    with a confirmation that says what Zendesk will do (issue 12)."""
    card = ticket_card(make_record(), catalog)
    actions = block(card, ids.Block.CARD_ACTIONS)
    assert actions is not None
    elements = actions["elements"]
    assert [b["action_id"] for b in elements] == [
        ids.Action.INFORMATION,
        ids.Action.DOCUMENTED_ACTION,
        ids.Action.ESCALATE,
        ids.Action.MORE_OPTIONS,
        ids.Action.SPAM,
    ]
    buttons = [e for e in elements if e["type"] == "button"]
    assert [b["text"]["text"] for b in buttons] == [
        "Resolver con información",
        "Aplicar procedimiento",
        "Escalar a responsable técnico",
        "Marcar como spam",
    ]
    assert {b["value"] for b in buttons} == {"4321"}
    assert [b.get("style") for b in buttons] == ["primary", None, None, "danger"]
    spam = buttons[-1]
    assert spam["confirm"]["title"]["text"] == "¿Marcar como spam?"
    assert "sin responder" in spam["confirm"]["text"]["text"]
    assert "suspende" not in spam["confirm"]["text"]["text"]
    more = elements[3]
    assert more["type"] == "static_select"
    assert [o["text"]["text"] for o in more["options"]] == [
        "Persona en la empresa",
        "Producto no soportado",
        "Destinatario equivocado",
    ]
    assert [o["value"] for o in more["options"]] == [
        f"{ids.Action.PERSON}|4321",
        f"{ids.Action.UNSUPPORTED}|4321",
        f"{ids.Action.WRONG_RECIPIENT}|4321",
    ]
    assert status(card) == "🆕 Por clasificar"
    assert_valid_blocks(card["blocks"])


def test_spam_confirm_says_it_suspends_the_requester_when_the_catalogue_does(
    catalog: Catalog,
) -> None:
    suspending = dataclasses.replace(catalog, spam_suspends_requester=True)
    card = ticket_card(make_record(), suspending)
    spam = block(card, ids.Block.CARD_ACTIONS)["elements"][-1]
    assert "suspende al remitente" in spam["confirm"]["text"]["text"]


def test_huge_html_excerpt_is_cut_to_slack_limits(catalog: Catalog) -> None:
    html = "<div><p>Hola & <b>chao</b></p></div>\n" * 1400
    ticket = make_ticket(subject="S" * 400, excerpt=html[:50_000])
    card = ticket_card(make_record(ticket=ticket), catalog)
    assert_valid_blocks(card["blocks"])
    assert len(card["blocks"][0]["text"]["text"]) <= 150
    assert card["blocks"][0]["text"]["text"].endswith("…")
    assert all(len(text) <= 3000 for text in card_texts(card))
    excerpt = next(
        b["text"]["text"] for b in card["blocks"] if b["type"] == "section" and "text" in b
    )
    assert excerpt.startswith("> &lt;div&gt;&lt;p&gt;Hola &amp;")
    assert excerpt.endswith("…")
    assert "<div>" not in excerpt
    assert len(card["text"]) <= 200


def test_mentions_in_user_text_never_ping(catalog: Catalog) -> None:
    ticket = make_ticket(
        subject="<!here> urgente",
        requester_name="<@U999> <!everyone>",
        excerpt="Aviso a <!channel> y a <@U123> y <https://evil.example|aquí>",
    )
    card = ticket_card(make_record(ticket=ticket), catalog)
    body = "\n".join(card_texts(card))
    assert "&lt;!channel&gt;" in body and "&lt;@U123&gt;" in body
    for raw in ("<!channel>", "<@U123>", "<@U999>", "<!everyone>", "<https://evil"):
        assert raw not in body
    assert "<!here>" not in card["text"]


def test_pending_reply_hides_the_buttons(catalog: Catalog) -> None:
    reply = Reply("r1", Event.REFER_TO_PERSON.value, "Hola", AGENT, NOW)
    record = make_record(Event.REFER_TO_PERSON, replies=(reply,))
    card = ticket_card(record, catalog)
    assert block(card, ids.Block.CARD_ACTIONS) is None
    assert (
        status(card) == "⏳ Enviando respuesta… (decisión: Persona en la empresa por <@U0AGENT001>)"
    )

    sent = dataclasses.replace(reply, sent_at=NOW + timedelta(seconds=5))
    card = ticket_card(dataclasses.replace(record, replies=(sent,)), catalog)
    actions = block(card, ids.Block.CARD_ACTIONS)
    assert actions is not None
    assert [b["action_id"] for b in actions["elements"]] == [ids.Action.USER_CONFIRMED]


def test_spam_status(catalog: Catalog) -> None:
    card = ticket_card(make_record(Event.MARK_SPAM), catalog)
    assert status(card) == f"🚫 Spam — marcado por <@{AGENT}> {t.slack_date(NOW)}"
    assert block(card, ids.Block.CARD_ACTIONS) is None


def test_wrong_recipient_status(catalog: Catalog) -> None:
    card = ticket_card(make_record(Event.WRONG_RECIPIENT), catalog)
    assert status(card) == (
        f"↩️ Destinatario equivocado: respondido y cerrado como spam por <@{AGENT}> "
        f"{t.slack_date(NOW)}"
    )
    assert block(card, ids.Block.CARD_ACTIONS) is None


@pytest.mark.parametrize(
    ("event", "label"),
    [
        (Event.REFER_TO_PERSON, "Persona en la empresa"),
        (Event.UNSUPPORTED_PRODUCT, "Producto no soportado"),
        (Event.RESOLVE_WITH_INFORMATION, "Resolver con información"),
        (Event.RESOLVE_WITH_ACTION, "Aplicar procedimiento"),
    ],
)
def test_awaiting_confirmation_status_and_button(
    catalog: Catalog, event: Event, label: str
) -> None:
    record = make_record(event)
    assert record.case.state is State.AWAITING_CONFIRMATION
    card = ticket_card(record, catalog)
    assert status(card) == (
        f"✉️ {label} — respondido por <@{AGENT}> {t.slack_date(NOW)}. "
        f"Esperando confirmación del usuario hasta {t.slack_date(NOW + WINDOW)}"
    )
    actions = block(card, ids.Block.CARD_ACTIONS)
    assert actions is not None
    (button,) = actions["elements"]
    assert button["action_id"] == ids.Action.USER_CONFIRMED
    assert button["text"]["text"] == "Usuario confirmó"
    assert "style" not in button, "not the green primary that invites an early close"
    assert button["value"] == "4321"
    assert button["confirm"]["text"]["text"] == "¿El usuario confirmó que el caso está resuelto?"
    assert_valid_blocks(card["blocks"])


def test_resolved_by_confirmation(catalog: Catalog) -> None:
    card = ticket_card(make_record(Event.RESOLVE_WITH_INFORMATION, Event.USER_CONFIRMED), catalog)
    confirmed_at = NOW + timedelta(minutes=1)
    assert status(card) == (
        "✅ Resuelto — confirmado por el usuario "
        f"(registrado por <@{AGENT}> {t.slack_date(confirmed_at)})"
    )
    assert block(card, ids.Block.CARD_ACTIONS) is None


def test_resolved_by_expiry(catalog: Catalog) -> None:
    card = ticket_card(make_record(Event.RESOLVE_WITH_ACTION, Event.WINDOW_EXPIRED), catalog)
    assert status(card) == "✅ Resuelto — plazo de confirmación vencido sin respuesta"
    assert block(card, ids.Block.CARD_ACTIONS) is None


def test_user_reply_in_the_window_shows_the_words_and_asks_the_agent(catalog: Catalog) -> None:
    record = make_record(Event.UNSUPPORTED_PRODUCT, Event.USER_REPLIED)
    record = dataclasses.replace(record, user_words="Sí, ya funciona <!channel>")
    assert record.case.state is State.USER_ANSWERED
    card = ticket_card(record, catalog)
    shown = status(card)
    assert shown.startswith("💬 *El usuario respondió*")
    words = card["blocks"][2]["text"]["text"]  # first after the header and the first line
    assert words.startswith("💬 *Nuevo mensaje del usuario*")
    assert "Sí, ya funciona &lt;!channel&gt;" in words and "<!channel>" not in words
    actions = block(card, ids.Block.CARD_ACTIONS)
    assert actions is not None
    assert [b["action_id"] for b in actions["elements"]] == [
        ids.Action.PROPOSE_RESOLUTION,
        ids.Action.USER_CONFIRMED,
        ids.Action.NOT_FIXED,
    ]


def test_not_fixed_brings_the_triage_buttons_back(catalog: Catalog) -> None:
    record = make_record(Event.UNSUPPORTED_PRODUCT, Event.USER_REPLIED, Event.NOT_FIXED)
    assert record.case.state is State.NEW
    card = ticket_card(record, catalog)
    assert "problema sigue" in status(card)
    actions = block(card, ids.Block.CARD_ACTIONS)
    elements = actions["elements"]
    assert [b["action_id"] for b in elements] == [
        ids.Action.INFORMATION,
        ids.Action.DOCUMENTED_ACTION,
        ids.Action.ESCALATE,
        ids.Action.MORE_OPTIONS,
    ], "a returning user is neither spam nor a wrong recipient"
    assert [o["value"].split("|")[0] for o in elements[-1]["options"]] == [
        ids.Action.PERSON,
        ids.Action.UNSUPPORTED,
    ]


@pytest.mark.parametrize(
    ("events", "prefix"),
    [
        ((Event.ESCALATE,), "🆙 Escalado por <@U0AGENT001> <!date"),
        ((Event.ESCALATE, Event.TAKE_CASE), "🛠️ Asignado a <@U0AGENT001> <!date"),
        ((Event.ESCALATE, Event.TAKE_CASE, Event.DIAGNOSE), "🔎 Diagnosticado — Diagnóstico por "),
    ],
)
def test_escalation_states_are_a_generic_line(
    catalog: Catalog, events: tuple[Event, ...], prefix: str
) -> None:
    card = ticket_card(make_record(*events), catalog)
    assert status(card).startswith(prefix)
    assert block(card, ids.Block.CARD_ACTIONS) is None


def test_fallback_text_is_short_and_escaped() -> None:
    record = make_record(ticket=make_ticket(subject="<!channel> " + "x" * 500, excerpt="secreto"))
    text = card_fallback_text(record)
    assert text.startswith("Ticket #4321 · &lt;!channel&gt; x")
    assert len(text) <= 200
    assert "secreto" not in text


# --- modals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "callback_id", "decision"),
    [
        (modals.person_modal, ids.View.PERSON, Event.REFER_TO_PERSON),
        (modals.unsupported_modal, ids.View.UNSUPPORTED, Event.UNSUPPORTED_PRODUCT),
        (modals.information_modal, ids.View.INFORMATION, Event.RESOLVE_WITH_INFORMATION),
        (modals.action_modal, ids.View.DOCUMENTED_ACTION, Event.RESOLVE_WITH_ACTION),
    ],
)
@pytest.mark.parametrize("org", [MULTI_ORG, SINGLE_ORG, None, 999])
def test_window_modals_are_valid_and_carry_their_context(
    catalog: Catalog, build: Any, callback_id: str, decision: Event, org: int | None
) -> None:
    record = make_record(ticket=make_ticket(organization_id=org, organization_name=None))
    view = build(record, catalog, "2 horas")
    assert_valid_view(view)
    assert view["type"] == "modal"
    assert view["callback_id"] == callback_id
    assert ModalContext.decode(view["private_metadata"]) == ModalContext(4321, decision.value)
    notes = context_text(view)
    assert "#4321" in notes
    assert "2 horas" in notes and "confirmación" in notes


def test_wrong_recipient_modal(catalog: Catalog) -> None:
    view = modals.wrong_recipient_modal(make_record(), catalog)
    assert_valid_view(view)
    assert view["callback_id"] == ids.View.WRONG_RECIPIENT
    assert ModalContext.decode(view["private_metadata"]).decision == Event.WRONG_RECIPIENT.value
    reply = input_block(view, ids.Block.REPLY)["element"]["initial_value"]
    assert reply.startswith("Hola Ana:")
    assert "spam" in context_text(view)


def test_person_modal_lists_the_directory_and_the_general_contact(catalog: Catalog) -> None:
    view = modals.person_modal(make_record(), catalog)
    person = input_block(view, ids.Block.PERSON)
    assert person.get("optional") is not True
    assert person["element"]["type"] == "external_select"
    assert person["element"]["min_query_length"] == 0, "the menu lists people when it opens"
    options = modals.person_options(catalog)["options"]
    assert options[0] == {
        "text": {
            "type": "plain_text",
            "text": "Nadie en particular (contacto general)",
            "emoji": True,
        },
        "value": ids.NO_PERSON_VALUE,
    }
    assert [(o["text"]["text"], o["value"]) for o in options[1:]] == [
        (f"{p.name} — {p.email}", p.email) for p in sorted(catalog.people, key=lambda p: p.name)
    ]
    found = modals.person_options(catalog, "maria GONZ")["options"]
    assert [o["value"] for o in found] == [ids.NO_PERSON_VALUE, "maria.gonzalez@unholster.com"]
    by_mail = modals.person_options(catalog, "juan.perez@")["options"]
    assert [o["value"] for o in by_mail][1:] == ["juan.perez@unholster.com"]
    reply = input_block(view, ids.Block.REPLY)  # the whole reply, before a pick: with slots
    assert reply["element"]["multiline"] is True
    assert "[[nombre de la persona]]" in reply["element"]["initial_value"]
    assert catalog.general_contact in context_text(view)
    assert "7 días" in context_text(view)


def test_unsupported_modal_lists_the_organisations_products(catalog: Catalog) -> None:
    view = modals.unsupported_modal(make_record(), catalog)
    reply = input_block(view, ids.Block.REPLY)
    assert reply.get("optional") is not True
    prefill = reply["element"]["initial_value"]
    assert "• Pulso: https://docs.unholster.com/pulso" in prefill
    assert "• Portal de Transparencia: https://docs.unholster.com/portal-transparencia" in prefill
    assert "Monitor Mercado Público" not in prefill
    assert "Pulso, Portal de Transparencia" in context_text(view)


def test_unsupported_modal_for_an_organisation_without_products(catalog: Catalog) -> None:
    record = make_record(ticket=make_ticket(organization_id=None, organization_name=None))
    view = modals.unsupported_modal(record, catalog)
    assert "Sin organización" in context_text(view)
    assert "ninguno registrado" in context_text(view)


def test_information_modal_with_one_product_preselects_it(catalog: Catalog) -> None:
    ticket = make_ticket(organization_id=SINGLE_ORG, organization_name="Ministerio de Ejemplo")
    view = modals.information_modal(make_record(ticket=ticket), catalog)
    product = input_block(view, ids.Block.PRODUCT)["element"]
    assert [o["value"] for o in product["options"]] == ["mercado-publico"]
    assert product["initial_option"]["value"] == "mercado-publico"
    prefill = input_block(view, ids.Block.REPLY)["element"]["initial_value"]
    assert "https://docs.unholster.com/mercado-publico" in prefill
    assert "Monitor Mercado Público" in prefill


def test_information_modal_uses_the_records_product(catalog: Catalog) -> None:
    view = modals.information_modal(make_record(product="portal-transparencia"), catalog)
    product = input_block(view, ids.Block.PRODUCT)["element"]
    assert [o["value"] for o in product["options"]] == ["pulso", "portal-transparencia"]
    assert product["initial_option"]["value"] == "portal-transparencia"
    prefill = input_block(view, ids.Block.REPLY)["element"]["initial_value"]
    assert "https://docs.unholster.com/portal-transparencia" in prefill
    assert "https://docs.unholster.com/pulso" in context_text(view)


def test_information_modal_offers_every_product_without_organisation(catalog: Catalog) -> None:
    record = make_record(ticket=make_ticket(organization_id=None, organization_name=None))
    view = modals.information_modal(record, catalog)
    product = input_block(view, ids.Block.PRODUCT)["element"]
    assert [o["value"] for o in product["options"]] == list(catalog.products)
    assert "initial_option" not in product


def test_action_modal_groups_procedures_by_product(catalog: Catalog) -> None:
    view = modals.action_modal(make_record(), catalog)
    select = input_block(view, ids.Block.PROCEDURE)["element"]
    assert select["type"] == "external_select" and select["min_query_length"] == 0
    products = modals.candidate_products(make_record(), catalog)
    groups = modals.procedure_options(products)["option_groups"]
    assert [g["label"]["text"] for g in groups] == ["Pulso", "Portal de Transparencia"]
    values = [o["value"] for g in groups for o in g["options"]]
    assert values == [
        "pulso:reset-password",
        "pulso:unlock-account",
        "portal-transparencia:republish-report",
        "portal-transparencia:grant-editor",
    ]
    assert all(len(o["description"]["text"]) <= 75 for g in groups for o in g["options"])
    checked = input_block(view, ids.Block.CHECKED)["element"]
    assert checked["type"] == "checkboxes"
    assert checked["options"] == [
        {
            "text": {
                "type": "plain_text",
                "text": "Verifiqué que el resultado es el esperado y resuelve el caso",
                "emoji": True,
            },
            "value": ids.CHECKED_VALUE,
        }
    ]
    reply = input_block(view, ids.Block.REPLY)  # the reply as sent, the summary a slot
    assert reply.get("optional") is not True
    assert "[[resumen de lo realizado]]" in reply["element"]["initial_value"]


def test_action_modal_without_organisation_offers_every_products_procedures(
    catalog: Catalog,
) -> None:
    record = make_record(ticket=make_ticket(organization_id=None, organization_name=None))
    products = modals.candidate_products(record, catalog)
    groups = modals.procedure_options(products)["option_groups"]
    assert [g["label"]["text"] for g in groups] == [p.name for p in catalog.products.values()]
    narrowed = modals.procedure_options(products, "contraseña")["option_groups"]
    assert [o["value"] for g in narrowed for o in g["options"]] == ["pulso:reset-password"]


def test_modal_text_from_the_ticket_is_escaped_and_prefills_fit(catalog: Catalog) -> None:
    ticket = make_ticket(subject="<!channel> " + "y" * 4000, requester_name="<@U1> " + "n" * 5000)
    view = modals.unsupported_modal(make_record(ticket=ticket), catalog)
    assert_valid_view(view)
    notes = context_text(view)
    assert "&lt;!channel&gt;" in notes and "<!channel>" not in notes
    assert all(len(text) <= 3000 for text in card_texts(view))
