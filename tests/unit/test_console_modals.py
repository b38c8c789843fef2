"""Replies seen before they go (issue 12): every decision modal shows the whole reply in an
editable field; slots the agent must fill; the initial response's date picker."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from blocks import escalation_modals as em
from blocks import ids, modals
from bot.adapters.catalog_reader import load_catalog
from bot.domain import user_replies as replies
from bot.domain.case import CaseRecord, Diagnosis, Escalation, Ticket
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Case, Event, apply
from handlers.modal_input import ModalInput
from handlers.modal_refill import untouched
from testkit.fakes import slack_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "catalog.example.toml"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
MULTI_ORG = 360000001  # Pulso + Portal de Transparencia
SINGLE_ORG = 360000002


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(EXAMPLE)


def record(org: int | None = MULTI_ORG, *events: Event, **changes: Any) -> CaseRecord:
    ticket = Ticket(
        id=77,
        subject="No carga el tablero",
        requester_id=1,
        requester_name="Ana Soto",
        requester_email="ana@muni.cl",
        organization_id=org,
        organization_name=None,
        excerpt="No carga.",
        created_at=NOW - timedelta(hours=1),
        url="https://z/agent/tickets/77",
    )
    case = Case(77, opened_at=ticket.created_at)
    for i, event in enumerate(events):
        case = apply(case, event, "U0AGENT001", NOW + timedelta(minutes=i))
    return CaseRecord(case=case, ticket=ticket, **changes)


def reply_block(view: dict[str, Any]) -> dict[str, Any]:
    [found] = [b for b in view["blocks"] if b.get("block_id", "").split("~")[0] == ids.Block.REPLY]
    assert found["element"]["multiline"] is True
    return found


def reply_of(view: dict[str, Any]) -> str:
    return reply_block(view)["element"].get("initial_value", "")


def test_information_prefill_for_several_products_has_slots_not_blanks(catalog: Catalog) -> None:
    """Today's bug: "…su consulta sobre ." and an empty docs link for a multi-product org."""
    view = modals.information_modal(record(), catalog)
    text = reply_of(view)
    assert "sobre ." not in text and "producto: \n" not in text
    assert replies.unfilled_slots(text) == ["producto", "enlace a la documentación"]
    assert reply_block(view)["hint"]["text"].startswith("Completa o borra")
    product = next(b for b in view["blocks"] if b.get("block_id") == ids.Block.PRODUCT)
    assert product["dispatch_action"] is True, "a pick refills the reply"
    assert slack_rules.view_errors(view) == []


def test_information_refill_shows_the_product_under_a_new_block_id(catalog: Catalog) -> None:
    pulso = catalog.product("pulso")
    view = modals.information_modal(record(), catalog, chosen=pulso, version="abc")
    block = reply_block(view)
    assert block["block_id"] == "reply~abc" and block["element"]["action_id"] == ids.Block.REPLY
    text = reply_of(view)
    assert "Pulso" in text and pulso.docs_url in text and replies.unfilled_slots(text) == []
    kept = modals.information_modal(record(), catalog, chosen=pulso, reply="Mi texto", version="a")
    assert reply_of(kept) == "Mi texto"


def test_single_product_org_starts_filled(catalog: Catalog) -> None:
    text = reply_of(modals.information_modal(record(SINGLE_ORG), catalog))
    assert replies.unfilled_slots(text) == []


def test_untouched_tells_a_prefill_from_the_agents_words(catalog: Catalog) -> None:
    prefills = modals.information_prefills(record(), catalog)
    assert untouched(prefills[0], prefills) and untouched("  ", prefills)
    assert not untouched(prefills[0] + " Además revise su navegador.", prefills)


def test_person_modal_shows_the_whole_reply_and_refills_for_the_pick(catalog: Catalog) -> None:
    view = modals.person_modal(record(), catalog)
    assert replies.unfilled_slots(reply_of(view)) == [
        "nombre de la persona",
        "correo de la persona",
    ]
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.Block.PERSON)
    assert picker["dispatch_action"] is True
    person = catalog.people[0]
    picked = modals.person_modal(record(), catalog, chosen=person.email, version="x")
    assert person.email in reply_of(picked) and person.name in reply_of(picked)
    assert picker_initial(picked) == person.email
    nobody = modals.person_modal(record(), catalog, chosen=ids.NO_PERSON_VALUE, version="y")
    assert catalog.general_contact in reply_of(nobody)
    assert slack_rules.view_errors(picked) == []


def picker_initial(view: dict[str, Any]) -> str:
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.Block.PERSON)
    return picker["element"]["initial_option"]["value"]


def test_action_modal_reply_names_the_procedure_and_asks_for_the_summary(
    catalog: Catalog,
) -> None:
    view = modals.action_modal(record(), catalog)
    assert "[[procedimiento]]" in reply_of(view) and "[[resumen de lo realizado]]" in reply_of(view)
    found = modals.find_procedure(catalog, "pulso:reset-password")
    assert found is not None
    picked = modals.action_modal(record(), catalog, chosen=found, version="p")
    text = reply_of(picked)
    assert found[1].title in text and replies.unfilled_slots(text) == ["resumen de lo realizado"]
    assert slack_rules.view_errors(picked) == []


@pytest.mark.parametrize(
    "build",
    [modals.wrong_recipient_modal, modals.unsupported_modal],
)
def test_other_triage_modals_show_the_reply_as_sent(catalog: Catalog, build: Any) -> None:
    view = build(record(), catalog)
    assert reply_of(view).startswith("Hola Ana")
    assert slack_rules.view_errors(view) == []


def test_modal_input_reads_a_refilled_block() -> None:
    form = ModalInput({"state": {"values": {"reply~abc": {ids.Block.REPLY: {"value": " Hola "}}}}})
    assert form.text(ids.Block.REPLY, required=True, what="x") == "Hola"
    form.refuse(ids.Block.REPLY, "no")
    assert form.errors == {"reply~abc": "no"}, "the error shows under the field Slack has"


# --- escalated cases ------------------------------------------------------------------------


def escalated_record(*events: Event) -> CaseRecord:
    diagnosis = Diagnosis(
        "OOM en el worker de exportación; falta paginar la consulta.",
        "alta",
        "viernes",
        datetime(2026, 12, 4, 18, 0, tzinfo=UTC),
        "media",
        "U0MANT0001",
        NOW,
    )
    escalation = Escalation("pulso", "notas", "C0PULSO001", "1.1", "U0MANT0001")
    escalation = dataclasses.replace(escalation, diagnoses=(diagnosis,))
    return record(MULTI_ORG, *events, escalation=escalation)


def test_initial_response_has_a_date_picker_and_the_diagnosis_as_reference(
    catalog: Catalog,
) -> None:
    rec = escalated_record(Event.ESCALATE, Event.TAKE_CASE, Event.DIAGNOSE)
    view = em.response_modal(rec, catalog, initial=True)
    date = next(b for b in view["blocks"] if b.get("block_id") == ids.Block.EXPECTED_DATE)
    assert date["element"]["type"] == "datepicker"
    assert date["element"]["initial_date"] == "2026-12-04"  # 15:00 in Santiago
    plain = next(b for b in view["blocks"] if b.get("block_id") == ids.Block.PLAIN_DIAGNOSIS)
    assert "initial_value" not in plain["element"], "plain words are the agent's, not a copy"
    assert "sin términos técnicos" in plain["hint"]["text"]
    reference = [b for b in view["blocks"] if b["type"] == "context"]
    assert any("OOM en el worker" in b["elements"][0]["text"] for b in reference)
    assert view["submit"]["text"] == "Revisar"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "Mientras tanto: solución temporal" in labels
    assert not any("workaround" in label.lower() for label in labels)
    assert slack_rules.view_errors(view) == []


def test_response_preview_is_the_whole_message_editable(catalog: Catalog) -> None:
    rec = escalated_record(Event.ESCALATE, Event.TAKE_CASE, Event.DIAGNOSE)
    body = replies.user_update(
        rec.ticket,
        required_info="",
        useful_info="",
        plain_diagnosis="El informe es muy grande.",
        expected_date="viernes 4 de diciembre",
        workaround="",
        initial=True,
    )
    view = em.response_preview(rec, Event.RESPOND_INITIAL, body)
    assert view["callback_id"] == ids.View.RESPONSE_PREVIEW
    assert reply_of(view) == body and "viernes 4 de diciembre" in body
    assert slack_rules.view_errors(view) == []


def test_acknowledgement_modal(catalog: Catalog) -> None:
    rec = escalated_record(Event.ESCALATE)
    view = em.acknowledge_modal(rec)
    assert view["callback_id"] == ids.View.ACKNOWLEDGE
    text = reply_of(view)
    assert text.startswith("Hola Ana:") and "equipo técnico" in text and "«No carga" in text
    assert replies.unfilled_slots(text) == []
    assert slack_rules.view_errors(view) == []
