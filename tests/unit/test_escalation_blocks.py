"""Block Kit builders of an escalated case: the product-channel message, the card, the modals."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View

from blocks import escalation_modals as em
from blocks import ids
from blocks.card import detail_modal, ticket_card
from blocks.escalation import diagnosis_text, escalation_message, estimate_echo
from bot.adapters.catalog_reader import load_catalog
from bot.domain import mrkdwn as t
from bot.domain import user_replies as replies
from bot.domain.button_values import ModalContext
from bot.domain.case import CaseRecord, Reply
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Case, Event, State, apply
from tests.support.block_kit import (
    AGENT,
    ESTIMATE_AT,
    EXAMPLE,
    MULTI_ORG,
    NOW,
    SINGLE_ORG,
    assert_valid_blocks,
    block,
    card_texts,
    context_text,
    escalated,
    input_block,
    make_diagnosis,
    make_ticket,
    status,
)

SANTIAGO = ZoneInfo("America/Santiago")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(EXAMPLE)


def texts(message: dict[str, Any]) -> str:
    return "\n".join(card_texts(message))


def buttons(message: dict[str, Any], block_id: str) -> list[tuple[str, str, str | None]]:
    found = block(message, block_id)
    if found is None:
        return []
    assert {b["value"] for b in found["elements"]} == {"4321"}
    return [(b["action_id"], b["text"]["text"], b.get("style")) for b in found["elements"]]


def assert_fits(message: dict[str, Any], max_blocks: int = 50) -> None:
    assert len(message["blocks"]) <= max_blocks
    assert_valid_blocks(message["blocks"])
    assert all(len(text) <= 3000 for text in card_texts(message))


def assert_valid_view(view: dict[str, Any], submit: str = "Enviar") -> None:
    View(**view).validate_json()
    assert view["type"] == "modal"
    assert len(view["blocks"]) <= 100
    assert_valid_blocks(view["blocks"])
    assert all(len(text) <= 3000 for text in card_texts(view))
    assert len(view["title"]["text"]) <= 24
    assert view["submit"]["text"] == submit
    assert view["close"]["text"] == "Cancelar"
    for b in view["blocks"]:
        element = b.get("element", {})
        if element.get("type") == "plain_text_input":
            assert element["max_length"] == 3000
            assert len(element.get("initial_value", "")) <= 3000
        if element.get("type") == "static_select":
            assert b["block_id"] == element["action_id"]


def metadata(view: dict[str, Any]) -> ModalContext:
    return ModalContext.decode(view["private_metadata"])


def initial_value(view: dict[str, Any], block_id: str) -> str | None:
    return input_block(view, block_id)["element"].get("initial_value")


# --- the product-channel message ------------------------------------------------------


def test_escalation_message_carries_the_report_and_the_agents_notes(catalog: Catalog) -> None:
    record = escalated(State.ESCALATED, tracker_url="https://www.pivotaltracker.com/story/1")
    message = escalation_message(record, catalog)
    assert message["blocks"][0]["type"] == "header"
    assert message["blocks"][0]["text"]["text"] == "Caso escalado #4321 · No puedo entrar a Pulso"
    assert message["text"] == "Caso escalado #4321 · No puedo entrar a Pulso"
    body = texts(message)
    for expected in (
        "Ana Soto",
        "Municipalidad de Ejemplo",
        "*Producto*\nPulso",
        "> Hola, desde ayer no puedo iniciar sesión.",
        "Escalado por <@U0AGENT001>",
        "> Creo que es el índice; pasó lo mismo en enero.",
        "<https://unholster.zendesk.com/agent/tickets/4321|Ticket #4321 en Zendesk>",
        "<https://www.pivotaltracker.com/story/1|Ver en la cola de desarrollo>",
        "Sin responsable técnico: ¿quién lo toma?",
        "<@U0MANT0001> <@U0MANT0002>",
    ):
        assert expected in body
    assert buttons(message, ids.Block.ESCALATION_ACTIONS) == [
        (ids.Action.TAKE_CASE, "Tomar caso", "primary")
    ]
    assert_fits(message)


def test_escalation_message_escapes_the_users_words_and_the_notes(catalog: Catalog) -> None:
    ticket = make_ticket(
        subject="<!here> urgente",
        requester_name="<@U999> <!everyone>",
        excerpt="Aviso a <!channel> y a <@U123> y <https://evil.example|aquí> & más",
    )
    record = escalated(State.ESCALATED, ticket=ticket, notes="Ojo <!channel> <@U0AGENT002> & co")
    message = escalation_message(record, catalog)
    body = texts(message)
    assert "> Aviso a &lt;!channel&gt; y a &lt;@U123&gt;" in body
    assert "&lt;https://evil.example|aquí&gt; &amp; más" in body
    assert "> Ojo &lt;!channel&gt; &lt;@U0AGENT002&gt; &amp; co" in body
    for raw in (
        "<!channel>",
        "<@U123>",
        "<@U999>",
        "<!everyone>",
        "<https://evil",
        "<@U0AGENT002>",
    ):
        assert raw not in body
    assert "<!here>" not in message["text"]


def test_escalation_message_cuts_a_long_report_and_notes(catalog: Catalog) -> None:
    ticket = make_ticket(subject="S" * 400, excerpt="<b>Hola</b> & chao\n" * 2000)
    record = escalated(State.IN_PROGRESS, ticket=ticket, notes="<x> " * 3000)
    message = escalation_message(record, catalog)
    assert_fits(message)
    report = next(x for x in card_texts(message) if x.startswith("*Reporte del usuario*"))
    assert report.endswith("…")
    assert len(report) < 3000
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    assert len(message["text"]) <= 200


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.ESCALATED, [(ids.Action.TAKE_CASE, "Tomar caso", "primary")]),
        (State.ASSIGNED, [(ids.Action.DIAGNOSE, "Diagnóstico", "primary")]),
        # The lifecycle only lets a fix be reported once the user had the initial response.
        (State.DIAGNOSED, [(ids.Action.DIAGNOSE, "Revisar diagnóstico", None)]),
        (
            State.IN_PROGRESS,
            [
                (ids.Action.DIAGNOSE, "Revisar diagnóstico", None),
                (ids.Action.MARK_FIXED, "Problema corregido", None),
            ],
        ),
        (State.FIXED, []),
        (State.AWAITING_CONFIRMATION, []),
        (State.RESOLVED, []),
    ],
)
def test_escalation_buttons_follow_the_state(
    catalog: Catalog, state: State, expected: list[tuple[str, str, str | None]]
) -> None:
    message = escalation_message(escalated(state), catalog)
    assert buttons(message, ids.Block.ESCALATION_ACTIONS) == expected
    assert_fits(message)


def test_escalation_status_names_the_maintainer_and_the_diagnosis(catalog: Catalog) -> None:
    assigned = texts(escalation_message(escalated(State.ASSIGNED), catalog))
    assert "🛠️ Responsable técnico: <@U0MANT0001>" in assigned
    assert "¿quién lo toma?" not in assigned
    assert "Falta el diagnóstico" in assigned

    diagnosed = texts(escalation_message(escalated(State.DIAGNOSED), catalog))
    assert diagnosis_text(make_diagnosis(), "viernes 4 de diciembre, 15:00") in diagnosed
    assert "Corregido" not in diagnosed

    fixed = texts(escalation_message(escalated(State.FIXED), catalog))
    assert "✅ Corregido: Reindexamos la búsqueda." in fixed
    assert "propondrá la resolución" in fixed

    resolved = texts(escalation_message(escalated(State.RESOLVED), catalog))
    assert "Caso resuelto" in resolved

    answered = texts(escalation_message(escalated(State.USER_ANSWERED), catalog))
    assert "El usuario respondió" in answered
    closed = texts(escalation_message(escalated(State.CLOSED_IN_ZENDESK), catalog))
    assert "terminó en Zendesk" in closed


def test_reopened_case_shows_the_earlier_fix_and_the_fix_button_again(catalog: Catalog) -> None:
    record = escalated(State.AWAITING_CONFIRMATION)
    answered = apply(record.case, Event.USER_REPLIED, "usuario", NOW + timedelta(hours=1))
    reopened = apply(answered, Event.NOT_FIXED, "U0AGENT001", NOW + timedelta(hours=1))
    record = dataclasses.replace(record, case=reopened)
    assert record.case.state is State.IN_PROGRESS
    message = escalation_message(record, catalog)
    assert "Corrección anterior (el problema persistió): Reindexamos" in texts(message)
    assert [b[0] for b in buttons(message, ids.Block.ESCALATION_ACTIONS)] == [
        ids.Action.DIAGNOSE,
        ids.Action.MARK_FIXED,
    ]


def test_diagnosis_text_format() -> None:
    text = diagnosis_text(make_diagnosis(), "viernes 4 de diciembre, 15:00")
    assert text == (
        "🩺 *Diagnóstico* (certeza alta)\n"
        "> El índice de búsqueda quedó desactualizado tras la migración.\n"
        "*Estimación:* viernes 4 de diciembre, 15:00 («viernes») — confianza media"
    )


def test_diagnosis_text_is_escaped_and_fits() -> None:
    diagnosis = make_diagnosis(summary="<!channel> rompe & <@U1>\n" * 500, estimate_text="<!here>")
    text = diagnosis_text(diagnosis, "lunes 7 de diciembre")
    assert len(text) <= 3000
    assert "<!channel>" not in text and "<@U1>" not in text and "<!here>" not in text
    assert text.endswith("*Estimación:* lunes 7 de diciembre («&lt;!here&gt;») — confianza media")


def test_estimate_echo_is_spanish_local_time() -> None:
    assert estimate_echo(ESTIMATE_AT, SANTIAGO) == "viernes 4 de diciembre, 15:00"
    midnight = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 00:00 in Santiago
    assert estimate_echo(midnight, SANTIAGO) == "lunes 7 de diciembre"
    next_year = datetime(2027, 1, 6, 13, 30, tzinfo=UTC)
    assert (
        estimate_echo(next_year, SANTIAGO, reference=NOW) == "miércoles 6 de enero de 2027, 10:30"
    )


# --- the card of an escalated case ----------------------------------------------------


@pytest.mark.parametrize(
    ("state", "line", "expected"),
    [
        (
            State.ESCALATED,
            "🆙 Escalado a <#C0PULSO001> — esperando responsable técnico",
            [(ids.Action.ACKNOWLEDGE, "Avisar al usuario", None)],
        ),
        (
            State.ASSIGNED,
            "🛠️ Caso tomado por <@U0MANT0001>",
            [(ids.Action.ACKNOWLEDGE, "Avisar al usuario", None)],
        ),
        (
            State.DIAGNOSED,
            "🔎 Diagnóstico recibido",
            [(ids.Action.RESPOND, "Responder al usuario", "primary")],
        ),
        (
            State.IN_PROGRESS,
            "🔧 En curso con <@U0MANT0001>",
            [
                (ids.Action.RESPOND, "Enviar actualización", None),
                (ids.Action.PROPOSE_RESOLUTION, "Proponer resolución", None),
            ],
        ),
        (
            State.FIXED,
            "🩹 Corregido en el producto",
            [  # the likely step first (issue 12)
                (ids.Action.PROPOSE_RESOLUTION, "Proponer resolución", "primary"),
                (ids.Action.RESPOND, "Enviar actualización", None),
            ],
        ),
        (
            State.AWAITING_CONFIRMATION,
            "✉️ Propuesta de resolución — respondido por",
            [(ids.Action.USER_CONFIRMED, "Usuario confirmó", None)],
        ),
        (State.RESOLVED, "✅ Resuelto", []),
    ],
)
def test_card_of_an_escalated_case(
    catalog: Catalog, state: State, line: str, expected: list[tuple[str, str, str | None]]
) -> None:
    card = ticket_card(escalated(state), catalog)
    assert status(card).startswith(line)
    assert buttons(card, ids.Block.CARD_ACTIONS) == expected
    body = texts(card)
    if state is State.RESOLVED:  # a finished card collapses; "Ver detalle" has the rest
        assert "Ver detalle" in body and "🧵" not in body
        body = texts(detail_modal(escalated(state), catalog, NOW))
    assert "🧵 Escalamiento en <#C0PULSO001>" in body
    link = "https://example.slack.com/archives/C0PULSO001/p1772452800123456"
    assert f"<{link}|Ver hilo del escalamiento>" in body
    assert_fits(card)


def test_card_shows_maintainer_diagnosis_fix_and_tracker(catalog: Catalog) -> None:
    record = escalated(State.FIXED, tracker_url="https://www.pivotaltracker.com/story/9")
    body = texts(ticket_card(record, catalog))
    assert "🛠️ Responsable técnico: <@U0MANT0001>" in body
    assert "🩺 *Diagnóstico* (certeza alta)" in body
    assert "*Estimación:* viernes 4 de diciembre, 15:00 («viernes») — confianza media" in body
    assert "✅ Corregido: Reindexamos la búsqueda." in body
    assert "<https://www.pivotaltracker.com/story/9|Ver en la cola de desarrollo>" in body


def test_card_before_the_escalation_is_posted(catalog: Catalog) -> None:
    card = ticket_card(escalated(State.ESCALATED, channel=None, ts=None, permalink=None), catalog)
    assert status(card) == "🆙 Escalado a <#C0PULSO001> — esperando responsable técnico"
    body = texts(card)
    assert "(publicando el escalamiento…)" in body
    assert "Responsable técnico: sin asignar" in body
    assert "slack.com/archives" not in body


def test_card_pending_reply_hides_the_escalated_buttons(catalog: Catalog) -> None:
    reply = Reply("r1", Event.SEND_UPDATE.value, "Hola", AGENT, NOW)
    card = ticket_card(dataclasses.replace(escalated(State.IN_PROGRESS), replies=(reply,)), catalog)
    assert block(card, ids.Block.CARD_ACTIONS) is None
    assert status(card).startswith("⏳ Enviando respuesta… (decisión: Actualización")


def test_card_escapes_maintainer_text(catalog: Catalog) -> None:
    diagnosis = make_diagnosis(summary="<!channel> " + "d" * 5000)
    record = escalated(State.FIXED, diagnoses=(diagnosis,), fix_note="<!here> " + "f" * 5000)
    card = ticket_card(record, catalog)
    body = texts(card)
    assert "<!channel>" not in body and "<!here>" not in body
    assert "&lt;!channel&gt;" in body and "&lt;!here&gt;" in body
    assert_fits(card)


# --- modals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "options", "initial"),
    [
        (MULTI_ORG, ["pulso", "portal-transparencia"], None),
        (SINGLE_ORG, ["mercado-publico"], "mercado-publico"),
        (None, ["pulso", "mercado-publico", "portal-transparencia"], None),
    ],
)
def test_escalate_modal_offers_the_organisations_products(
    catalog: Catalog, org: int | None, options: list[str], initial: str | None
) -> None:
    ticket = make_ticket(organization_id=org, organization_name=None)
    case = Case(ticket.id, opened_at=ticket.created_at)
    view = em.escalate_modal(CaseRecord(case=case, ticket=ticket), catalog)
    assert_valid_view(view)
    assert view["callback_id"] == ids.View.ESCALATE
    assert metadata(view) == ModalContext(4321, Event.ESCALATE.value)
    select = input_block(view, ids.Block.PRODUCT)["element"]
    assert [o["value"] for o in select["options"]] == options
    assert select.get("initial_option", {}).get("value") == initial
    notes = input_block(view, ids.Block.NOTES)
    assert notes.get("optional") is not True
    assert notes["element"]["multiline"] is True
    assert notes["label"]["text"] == "Antecedentes y sospechas para el responsable técnico"
    assert "canal del producto" in context_text(view)
    assert "#4321" in context_text(view)


def test_escalate_modal_names_the_product_channels(catalog: Catalog) -> None:
    case = Case(4321, opened_at=NOW)
    view = em.escalate_modal(CaseRecord(case=case, ticket=make_ticket()), catalog)
    notes = context_text(view)
    assert "Pulso → <#C0PULSO001>" in notes
    assert "Portal de Transparencia → <#C0TRANSP01>" in notes


def test_diagnosis_modal_first_time(catalog: Catalog) -> None:
    view = em.diagnosis_modal(escalated(State.ASSIGNED), "Hoy es lunes 2 de marzo, 09:00")
    assert_valid_view(view)
    assert view["callback_id"] == ids.View.DIAGNOSIS
    assert view["title"]["text"] == "Diagnóstico"
    assert metadata(view) == ModalContext(4321, Event.DIAGNOSE.value)
    summary = input_block(view, ids.Block.DIAGNOSIS)
    assert summary["element"]["multiline"] is True and summary.get("optional") is not True
    assert "initial_value" not in summary["element"]
    estimate = input_block(view, ids.Block.ESTIMATE)
    assert estimate.get("optional") is not True
    assert not estimate["element"].get("multiline")
    assert "Ej.: 3 días, viernes, 2026-12-04 15:00, 2 semanas" in estimate["hint"]["text"]
    assert "Hoy es lunes 2 de marzo, 09:00" in estimate["hint"]["text"]
    for block_id in (ids.Block.CERTAINTY, ids.Block.CONFIDENCE):
        select = input_block(view, block_id)["element"]
        assert select["type"] == "static_select"
        assert [o["value"] for o in select["options"]] == list(ids.LEVELS)
        assert "initial_option" not in select
    assert "resuelto" in context_text(view)


def test_diagnosis_modal_revision_starts_from_the_latest_diagnosis(catalog: Catalog) -> None:
    older = make_diagnosis(summary="Primera idea", certainty="baja", confidence="baja")
    latest = make_diagnosis(
        summary="Es el índice", certainty="media", estimate_text="2 semanas", confidence="alta"
    )
    view = em.diagnosis_modal(escalated(State.IN_PROGRESS, diagnoses=(older, latest)))
    assert_valid_view(view)
    assert view["title"]["text"] == "Revisar diagnóstico"
    assert initial_value(view, ids.Block.DIAGNOSIS) == "Es el índice"
    assert initial_value(view, ids.Block.ESTIMATE) == "2 semanas"
    certainty = input_block(view, ids.Block.CERTAINTY)["element"]["initial_option"]
    confidence = input_block(view, ids.Block.CONFIDENCE)["element"]["initial_option"]
    assert (certainty["value"], confidence["value"]) == ("media", "alta")


def test_initial_response_modal_is_prefilled_from_the_diagnosis(catalog: Catalog) -> None:
    view = em.response_modal(escalated(State.DIAGNOSED), catalog, initial=True)
    assert_valid_view(view, submit="Revisar")
    assert view["callback_id"] == ids.View.RESPONSE
    assert view["title"]["text"] == "Respuesta inicial"
    assert metadata(view) == ModalContext(4321, Event.RESPOND_INITIAL.value)
    topics = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert topics == [
        ids.Block.REQUIRED_INFO,
        ids.Block.USEFUL_INFO,
        ids.Block.PLAIN_DIAGNOSIS,
        ids.Block.EXPECTED_DATE,
        ids.Block.WORKAROUND,
    ]
    optional = {b: input_block(view, b).get("optional", False) for b in topics}
    assert optional == {
        ids.Block.REQUIRED_INFO: True,
        ids.Block.USEFUL_INFO: True,
        ids.Block.PLAIN_DIAGNOSIS: False,
        ids.Block.EXPECTED_DATE: False,
        ids.Block.WORKAROUND: True,
    }
    assert input_block(view, ids.Block.REQUIRED_INFO)["label"]["text"] == (
        "Información que el usuario DEBE aportar"
    )
    # the technical diagnosis is reference, not a prefill of the plain words (issue 12)
    assert initial_value(view, ids.Block.PLAIN_DIAGNOSIS) is None
    assert input_block(view, ids.Block.EXPECTED_DATE)["element"]["initial_date"] == "2026-12-04"
    assert initial_value(view, ids.Block.WORKAROUND) is None
    assert "🩺 *Diagnóstico* (certeza alta)" in context_text(view)


def test_update_modal_starts_from_the_last_values(catalog: Catalog) -> None:
    previous = {
        ids.Block.REQUIRED_INFO: "",
        ids.Block.USEFUL_INFO: "Una captura",
        ids.Block.PLAIN_DIAGNOSIS: "La búsqueda no encuentra sus datos",
        ids.Block.EXPECTED_DATE: "el viernes",
        ids.Block.WORKAROUND: "Use el filtro por fecha",
    }
    record = escalated(State.IN_PROGRESS, last_user_update=NOW + timedelta(hours=2))
    view = em.response_modal(record, catalog, initial=False, previous=previous)
    assert_valid_view(view, submit="Revisar")
    assert view["title"]["text"] == "Actualización"
    assert metadata(view) == ModalContext(4321, Event.SEND_UPDATE.value)
    for block_id, value in previous.items():
        if block_id != ids.Block.EXPECTED_DATE:  # a date picker, from the estimate
            assert initial_value(view, block_id) == (value or None)
    assert t.slack_date(NOW + timedelta(hours=2)) in context_text(view)


def test_update_modal_without_previous_values_uses_the_diagnosis(catalog: Catalog) -> None:
    view = em.response_modal(escalated(State.FIXED), catalog, initial=False)
    assert_valid_view(view, submit="Revisar")
    assert input_block(view, ids.Block.EXPECTED_DATE)["element"]["initial_date"] == "2026-12-04"


def test_fixed_modal(catalog: Catalog) -> None:
    view = em.fixed_modal(escalated(State.IN_PROGRESS))
    assert_valid_view(view, submit="Guardar")
    assert view["callback_id"] == ids.View.FIXED
    assert metadata(view) == ModalContext(4321, Event.MARK_FIXED.value)
    note = input_block(view, ids.Block.FIX_NOTE)
    assert note["label"]["text"] == "¿Qué se hizo?"
    assert note.get("optional") is not True and note["element"]["multiline"] is True


def test_resolution_modal_tells_the_user_it_was_fixed(catalog: Catalog) -> None:
    view = em.resolution_modal(escalated(State.FIXED), catalog, "7 días")
    assert_valid_view(view)
    assert view["callback_id"] == ids.View.RESOLUTION
    assert metadata(view) == ModalContext(4321, Event.PROPOSE_RESOLUTION.value)
    prefill = initial_value(view, ids.Block.REPLY) or ""
    assert prefill.startswith("Hola Ana:")
    assert "fue corregido" in prefill and "Reindexamos la búsqueda." in prefill
    notes = context_text(view)
    assert "7 días" in notes and "confirmación" in notes


def test_modals_fit_slack_limits_with_huge_text(catalog: Catalog) -> None:
    huge = "<!channel> " + "x" * 5000
    diagnosis = make_diagnosis(summary=huge, estimate_text="e" * 5000)
    record = escalated(
        State.FIXED,
        ticket=make_ticket(subject=huge, requester_name=huge),
        notes=huge,
        diagnoses=(diagnosis,),
        fix_note=huge,
    )
    previous = dict.fromkeys(
        (ids.Block.REQUIRED_INFO, ids.Block.PLAIN_DIAGNOSIS, ids.Block.WORKAROUND), huge
    )
    views = [
        (em.escalate_modal(record, catalog), "Enviar"),
        (em.diagnosis_modal(record, huge), "Enviar"),
        (em.response_modal(record, catalog, initial=True), "Revisar"),
        (em.response_modal(record, catalog, initial=False, previous=previous), "Revisar"),
        (em.fixed_modal(record), "Guardar"),
        (em.resolution_modal(record, catalog, "7 días"), "Enviar"),
    ]
    for view, submit in views:
        assert_valid_view(view, submit)
        assert "<!channel>" not in context_text(view)
    assert_fits(escalation_message(record, catalog))
    assert_fits(ticket_card(record, catalog))


# --- messages to the end user ---------------------------------------------------------


def test_user_update_lists_only_the_filled_topics_in_order() -> None:
    body = replies.user_update(
        make_ticket(),
        required_info="El número de RUT con que ingresa.",
        useful_info="  ",
        plain_diagnosis="La búsqueda no está encontrando sus registros.",
        expected_date="viernes 4 de diciembre",
        workaround="",
        initial=True,
    )
    assert body.startswith("Hola Ana:\n\nHemos revisado su caso")
    assert "ayudaría" not in body
    assert "Mientras tanto" not in body
    order = [
        body.index("Información necesaria"),
        body.index("El número de RUT"),
        body.index("Diagnóstico:\nLa búsqueda"),
        body.index("Plazo estimado de resolución:\nviernes 4 de diciembre"),
    ]
    assert order == sorted(order)
    assert body.endswith("Saludos cordiales,\nEquipo de Soporte Unholster")
    assert "\n\n\n" not in body


def test_user_update_for_an_update() -> None:
    body = replies.user_update(
        make_ticket(requester_name=None),
        required_info="",
        useful_info="Capturas de pantalla",
        plain_diagnosis="",
        expected_date="",
        workaround="Puede exportar desde el menú Reportes.",
        initial=False,
    )
    assert body.startswith("Hola estimado/a:\n\nLe escribimos con novedades sobre su caso")
    assert "Información necesaria" not in body and "Diagnóstico" not in body
    assert body.index("Capturas de pantalla") < body.index("Puede exportar")


def test_resolution_prefill_without_a_fix_note(catalog: Catalog) -> None:
    body = replies.resolution_prefill(catalog, make_ticket(), None)
    assert body.startswith("Hola Ana:")
    assert "corregido" not in body
    assert "síntomas" in body
