"""The card as a busy agent uses it (issue 12), end to end: the soft claim while a modal is
open, the returning user's card, the report's files, "Más opciones…", "Ver detalle"."""

from __future__ import annotations

import json
from typing import Any

from blocks import ids
from bot.adapters.soft_claim import CLAIM_TTL, claim_key
from bot.domain.lifecycle import State
from tests.harness import AGENT, AGENTS_CHANNEL, OTHER_AGENT, interactive_body, text_value
from tests.support.flows import escalate

PULSO_CHANNEL = "C0PULSO001"


def new_case(desk, files=()) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    user = desk.zendesk.add_user("Ana Pérez", "ana@example.com", organization_id=org)
    tid = desk.zendesk.add_ticket("No exporta el informe", "Sale un error 500.", user, files=files)
    desk.intake()
    return tid


def first_line(desk, tid: int) -> str:
    card = desk.card_of(tid)
    [line] = [b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_FIRST]
    return line["elements"][0]["text"]


def card_actions(desk, tid: int) -> list[str]:
    card = desk.card_of(tid)
    found = [b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_ACTIONS]
    return [e["action_id"] for b in found for e in b["elements"]]


def close_modal(desk, view: dict[str, Any], user: str = AGENT) -> None:
    """The agent presses Cancelar: Slack sends view_closed (the view asked notify_on_close)."""
    assert view.get("notify_on_close") is True
    payload = {
        "type": "view_closed",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEST"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "view": {
            "id": view.get("id", "V0TEST"),
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
        },
        "is_cleared": False,
    }
    response = desk.post_signed(interactive_body(payload), "application/x-www-form-urlencoded")
    assert response.status_code == 200


def test_opening_a_decision_modal_shows_who_is_answering(desk):
    tid = new_case(desk)
    assert "sin asignar" in first_line(desk, tid)
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.run_jobs()
    assert f"✍️ <@{AGENT}> está respondiendo…" in first_line(desk, tid)
    assert 0 < desk.rt.redis.ttl(claim_key(tid)) <= CLAIM_TTL, "a soft claim expires by itself"
    view = desk.opened_view()
    close_modal(desk, view)
    desk.run_jobs()
    assert "está respondiendo" not in first_line(desk, tid), "cancelled: the claim is gone"

    desk.click(ids.Action.UNSUPPORTED, tid, user=OTHER_AGENT)
    desk.run_jobs()
    assert f"<@{OTHER_AGENT}> está respondiendo…" in first_line(desk, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro.")}, OTHER_AGENT)
    desk.run_jobs()
    assert "está respondiendo" not in first_line(desk, tid), "submitted: the claim is gone"
    assert desk.rt.redis.get(claim_key(tid)) is None
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION


def test_the_double_submit_guard_stays_under_the_soft_claim(desk):
    tid = new_case(desk)
    desk.click(ids.Action.UNSUPPORTED, tid)
    first = desk.opened_view()
    desk.click(ids.Action.UNSUPPORTED, tid, user=OTHER_AGENT)  # the claim never stops anyone
    second = desk.opened_view()
    desk.submit(first, {ids.Block.REPLY: text_value("Primera respuesta.")})
    late = desk.submit(second, {ids.Block.REPLY: text_value("Segunda.")}, OTHER_AGENT).json()
    assert late["response_action"] == "errors"
    desk.run_jobs()
    [_, sent] = desk.zendesk.public_comments(tid)
    assert sent["body"].startswith("Primera")


def test_the_user_who_writes_back_is_shown_first_with_the_actions_that_fit(desk):
    tid = new_case(desk)
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro.")})
    desk.run_jobs()
    desk.zendesk.add_user_comment(tid, "Perdón, sí es de Pulso: el informe de ventas.")
    desk.intake()
    assert desk.case(tid).case.state is State.USER_ANSWERED
    card = desk.card_of(tid)
    third = card["blocks"][2]["text"]["text"]
    assert third.startswith("💬 *Nuevo mensaje del usuario*")
    assert "sí es de Pulso" in third
    actions = card_actions(desk, tid)
    assert actions[0] == ids.Action.PROPOSE_RESOLUTION
    assert ids.Action.SPAM not in actions and ids.Action.MORE_OPTIONS not in actions
    desk.click(ids.Action.NOT_FIXED, tid)  # back to triage: still no spam for this user
    desk.run_jobs()
    actions = card_actions(desk, tid)
    assert ids.Action.INFORMATION in actions and ids.Action.SPAM not in actions
    text = json.dumps(desk.card_of(tid)["blocks"], ensure_ascii=False)
    assert "sí es de Pulso" in text and ids.Action.WRONG_RECIPIENT not in text


def test_the_reports_files_are_on_the_card_and_in_the_escalation(desk):
    tid = new_case(desk, files=[("captura.png", "image/png"), ("error.log", "text/plain")])
    [comment] = desk.zendesk.public_comments(tid)
    urls = [a["content_url"] for a in comment["attachments"]]
    text = desk.card_text(tid)
    assert f"<{urls[0]}|captura.png>" in text and f"<{urls[1]}|error.log>" in text
    escalate(desk, tid, notes="Ver la captura.")
    [message] = [m for m in desk.slack.messages(PULSO_CHANNEL) if not m.get("thread_ts")]
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert f"<{urls[0]}|captura.png>" in shown, "the maintainers need the screenshots"
    reads = [r for r in desk.zendesk.requests if r.path.endswith(f"/{tid}/comments.json")]
    assert len(reads) == 1, "read once, when the card was posted"


def test_more_options_opens_the_rare_decisions(desk):
    tid = new_case(desk)
    record = desk.case(tid)
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": AGENT, "username": "agent", "team_id": "T0TEST"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "trigger_id": desk.slack.issue_trigger(),
        "container": {
            "type": "message",
            "message_ts": record.card.ts,
            "channel_id": AGENTS_CHANNEL,
        },
        "channel": {"id": AGENTS_CHANNEL, "name": "soporte"},
        "message": {"ts": record.card.ts, "text": "card"},
        "actions": [
            {
                "type": "static_select",
                "action_id": ids.Action.MORE_OPTIONS,
                "block_id": ids.Block.CARD_ACTIONS,
                "selected_option": {"value": f"{ids.Action.WRONG_RECIPIENT}|{tid}"},
                "action_ts": "1.0",
            }
        ],
    }
    desk.post_signed(interactive_body(payload), "application/x-www-form-urlencoded")
    assert desk.opened_view()["callback_id"] == ids.View.WRONG_RECIPIENT
    assert desk.opened_view()["title"]["text"] == "Destinatario equivocado"


def test_a_finished_card_collapses_and_ver_detalle_shows_it_all(desk):
    tid = new_case(desk, files=[("captura.png", "image/png")])
    desk.click(ids.Action.SPAM, tid)
    desk.run_jobs()
    card = desk.card_of(tid)
    assert len(card["blocks"]) == 2
    assert "Spam — marcado por" in card["blocks"][0]["text"]["text"]
    desk.click(ids.Action.SEE_DETAIL, tid)
    detail = json.dumps(desk.opened_view(), ensure_ascii=False)
    for kept in ("Ana Pérez", "Sale un error 500.", "captura.png", "Abrir en Zendesk"):
        assert kept in detail, kept
    assert desk.slack.calls_to("views.open")[-1].failed is False
