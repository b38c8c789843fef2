"""Replies seen before they go (issue 12), end to end: a pick inside a modal refills the
reply through Slack (dispatch_action → views.update), slots refuse the submission, the
initial response is reviewed whole, and "Avisar al usuario" is sent once."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from blocks import ids
from bot.composition import utcnow
from bot.domain.lifecycle import State
from tests.harness import AGENT, interactive_body, option, text_value
from tests.support.flows import escalate

MUNICIPALIDAD = 360000001  # supports Pulso and Portal de Transparencia
PULSO_CHANNEL = "C0PULSO001"
MAINTAINER = "U0MANT0001"


@pytest.fixture
def ticket(desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    assert org == MUNICIPALIDAD
    tid = desk.new_ticket(org_id=org, name="Ana Pérez", email="ana@example.com")
    desk.intake()
    return tid


def user_messages(desk, tid: int) -> list[str]:
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


def current_view(desk, callback_id: str) -> dict[str, Any]:
    """The open modal as Slack holds it now (after any views.update)."""
    views = [v for v in desk.slack.views.values() if v["callback_id"] == callback_id]
    assert views, f"no {callback_id} view"
    return views[-1]


def reply_block(view: dict[str, Any]) -> dict[str, Any]:
    [found] = [b for b in view["blocks"] if b.get("block_id", "").split("~")[0] == ids.Block.REPLY]
    return found


def state_of(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`view.state.values` as Slack sends it: {block_id: {action_id: element state}}; the
    reply carries what the field shows unless `values` says the agent typed something."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        base = block["block_id"].split("~")[0]
        element = block["element"]
        if base in values:
            state[block["block_id"]] = {element["action_id"]: values[base]}
        elif element["type"] == "plain_text_input":
            state[block["block_id"]] = {
                element["action_id"]: {
                    "type": "plain_text_input",
                    "value": element.get("initial_value"),
                }
            }
    return state


def pick(desk, view: dict[str, Any], block: str, chosen: dict[str, Any], typed=None) -> None:
    """The agent picks `chosen` in `block` of the open modal (a dispatch_action input)."""
    values = {block: chosen, **(typed or {})}
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": AGENT, "username": "agent", "team_id": "T0TEST"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "trigger_id": desk.slack.issue_trigger(),
        "container": {"type": "view", "view_id": view["id"]},
        "view": {
            "id": view["id"],
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "hash": view["hash"],
            "state": {"values": state_of(view, values)},
        },
        "actions": [
            {
                "type": chosen["type"],
                "action_id": block,
                "block_id": block,
                "selected_option": chosen.get("selected_option"),
                "action_ts": str(time.time()),
            }
        ],
    }
    response = desk.post_signed(interactive_body(payload), "application/x-www-form-urlencoded")
    assert response.status_code == 200


def submit_as_shown(desk, view: dict[str, Any], values: dict[str, dict[str, Any]]):
    """Submit the modal as Slack holds it, with the reply as the field shows it."""
    state = state_of(view, values)
    flat = {block: next(iter(element.values())) for block, element in state.items()}
    return desk.submit(view, flat)


def test_picking_the_product_refills_the_blank_reply(desk, ticket):
    """Today's bug: "…su consulta sobre ." for an organisation with two products."""
    desk.click(ids.Action.INFORMATION, ticket)
    opened = current_view(desk, ids.View.INFORMATION)
    before = reply_block(opened)["element"]["initial_value"]
    assert "sobre ." not in before and "[[producto]]" in before
    refused = submit_as_shown(desk, opened, {ids.Block.PRODUCT: option("pulso")}).json()
    assert refused["response_action"] == "errors"
    assert "[[producto]]" in next(iter(refused["errors"].values()))
    assert user_messages(desk, ticket) == []

    pick(desk, opened, ids.Block.PRODUCT, option("pulso"))
    assert desk.slack.count("views.update") == 1
    refilled = current_view(desk, ids.View.INFORMATION)
    block = reply_block(refilled)
    assert block["block_id"] != reply_block(opened)["block_id"], "a new block shows the refill"
    text = block["element"]["initial_value"]
    assert "Pulso" in text and "https://docs.unholster.com/pulso" in text and "[[" not in text

    submit_as_shown(desk, refilled, {ids.Block.PRODUCT: option("pulso")})
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert body.startswith(text.rstrip()) and "7 días" in body
    assert desk.case(ticket).case.state is State.AWAITING_CONFIRMATION


def test_a_second_pick_keeps_what_the_agent_wrote(desk, ticket):
    desk.click(ids.Action.INFORMATION, ticket)
    pick(desk, current_view(desk, ids.View.INFORMATION), ids.Block.PRODUCT, option("pulso"))
    refilled = current_view(desk, ids.View.INFORMATION)
    mine = text_value("Hola Ana: revise https://docs.unholster.com/pulso/acceso, paso 3.")
    pick(desk, refilled, ids.Block.PRODUCT, option("portal"), {ids.Block.REPLY: mine})
    kept = current_view(desk, ids.View.INFORMATION)
    assert reply_block(kept)["block_id"] == reply_block(refilled)["block_id"]
    assert reply_block(kept)["element"]["initial_value"] == mine["value"]


def test_person_pick_shows_the_whole_reply_before_it_goes(desk, ticket):
    desk.click(ids.Action.PERSON, ticket)
    opened = current_view(desk, ids.View.PERSON)
    assert "[[nombre de la persona]]" in reply_block(opened)["element"]["initial_value"]
    chosen = option("maria.gonzalez@unholster.com")
    chosen["type"] = "external_select"
    pick(desk, opened, ids.Block.PERSON, chosen)
    shown = reply_block(current_view(desk, ids.View.PERSON))["element"]["initial_value"]
    assert "María González" in shown and "maria.gonzalez@unholster.com" in shown
    edited = shown + "\n\nPD: también puede llamarla al anexo 204."
    submit_as_shown(
        desk,
        current_view(desk, ids.View.PERSON),
        {ids.Block.PERSON: chosen, ids.Block.REPLY: text_value(edited)},
    )
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert body.startswith(edited), "exactly what the agent saw and edited"


def test_procedure_pick_puts_it_in_the_reply_and_the_summary_is_a_slot(desk, ticket):
    desk.click(ids.Action.DOCUMENTED_ACTION, ticket)
    chosen = option("pulso:reset-password")
    chosen["type"] = "external_select"
    pick(desk, current_view(desk, ids.View.DOCUMENTED_ACTION), ids.Block.PROCEDURE, chosen)
    view = current_view(desk, ids.View.DOCUMENTED_ACTION)
    shown = reply_block(view)["element"]["initial_value"]
    assert "Restablecer contraseña" in shown and "[[resumen de lo realizado]]" in shown
    checked = {"type": "checkboxes", "selected_options": [{"value": ids.CHECKED_VALUE}]}
    values = {ids.Block.PROCEDURE: chosen, ids.Block.CHECKED: checked}
    refused = submit_as_shown(desk, view, values).json()
    assert "[[resumen de lo realizado]]" in next(iter(refused["errors"].values()))
    done = shown.replace("[[resumen de lo realizado]]", "Restablecí su contraseña.")
    submit_as_shown(desk, view, {**values, ids.Block.REPLY: text_value(done)})
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert "Restablecí su contraseña." in body and "[[" not in body


# --- escalated cases ------------------------------------------------------------------------


def test_avisar_al_usuario_is_sent_once(desk, ticket):
    escalate(desk, ticket, notes="Sospecho del PDF.")
    assert ids.Action.ACKNOWLEDGE in desk.card_text(ticket)
    desk.click(ids.Action.ACKNOWLEDGE, ticket)
    view = current_view(desk, ids.View.ACKNOWLEDGE)
    text = reply_block(view)["element"]["initial_value"]
    assert "equipo técnico" in text
    submit_as_shown(desk, view, {})
    desk.run_jobs()
    assert user_messages(desk, ticket) == [text]
    record = desk.case(ticket)
    assert record.case.state is State.ESCALATED
    assert ids.Action.ACKNOWLEDGE not in desk.card_text(ticket), "once only"
    desk.click(ids.Action.ACKNOWLEDGE, ticket)  # a stale button
    desk.run_jobs()
    assert len(user_messages(desk, ticket)) == 1, "never the same message twice"


def test_initial_response_is_reviewed_whole_then_sent(desk, ticket):
    escalate(desk, ticket, notes="Sospecho del PDF.")
    desk.click_in_thread(ids.Action.TAKE_CASE, ticket, MAINTAINER)
    desk.run_jobs()
    desk.click_in_thread(ids.Action.DIAGNOSE, ticket, MAINTAINER)
    desk.submit(
        desk.opened_view(),
        {
            ids.Block.DIAGNOSIS: text_value("OOM en el worker de PDF: falta paginar."),
            ids.Block.CERTAINTY: option("alta"),
            ids.Block.ESTIMATE: text_value("3 días"),
            ids.Block.CONFIDENCE: option("media"),
        },
        user=MAINTAINER,
    )
    desk.run_jobs()
    desk.click(ids.Action.RESPOND, ticket)
    opened = current_view(desk, ids.View.RESPONSE)
    date = next(b for b in opened["blocks"] if b.get("block_id") == ids.Block.EXPECTED_DATE)
    assert date["element"]["type"] == "datepicker" and date["element"]["initial_date"]
    plain = next(b for b in opened["blocks"] if b.get("block_id") == ids.Block.PLAIN_DIAGNOSIS)
    assert not plain["element"].get("initial_value"), "plain words are written, not copied"
    past = {"type": "datepicker", "selected_date": "2020-01-01"}
    topics = {
        ids.Block.PLAIN_DIAGNOSIS: text_value("El informe es muy grande para generarse."),
        ids.Block.EXPECTED_DATE: past,
    }
    refused = submit_as_shown(desk, opened, topics).json()
    assert refused["errors"] == {
        ids.Block.EXPECTED_DATE: refused["errors"][ids.Block.EXPECTED_DATE]
    }
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    topics[ids.Block.EXPECTED_DATE] = {"type": "datepicker", "selected_date": day}
    review = submit_as_shown(desk, opened, topics).json()
    assert review["response_action"] == "update"
    assert user_messages(desk, ticket) == [], "nothing goes before the review"
    preview = review["view"]
    composed = reply_block(preview)["element"]["initial_value"]
    assert composed.startswith("Hola Ana:") and "El informe es muy grande" in composed
    assert "Plazo estimado de resolución" in composed
    desk.submit(
        {**preview, "callback_id": ids.View.RESPONSE_PREVIEW},
        {
            ids.Block.REPLY: text_value(composed + "\nGracias por su paciencia."),
        },
    )
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert body == composed + "\nGracias por su paciencia."
    assert desk.case(ticket).case.state is State.IN_PROGRESS
