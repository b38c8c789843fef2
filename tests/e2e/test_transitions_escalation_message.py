"""The product channel's escalation message follows the case when the desk moves it on its
own: the closing window expires, or the user writes back."""

from __future__ import annotations

import json
import time

import pytest

from blocks import ids
from bot.adapters.queue import not_before
from bot.domain.lifecycle import State
from tests.harness import Desk, text_value
from tests.support.flows import diagnose, escalate, respond, take

WAITING = "esperando su confirmación"


def escalation_message(desk: Desk, tid: int) -> str:
    esc = desk.case(tid).escalation
    message = desk.slack.message(esc.channel, esc.ts)
    assert message is not None
    return json.dumps(message["blocks"], ensure_ascii=False)


def resolution_proposed(desk: Desk) -> int:
    """An escalated case, fixed by its Mantenedor, whose resolution the agent proposed."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(subject="Error al exportar", body="Sale error 500", org_id=org)
    desk.intake()
    escalate(desk, tid, notes="Falla el PDF.")
    take(desk, tid)
    diagnose(desk, tid)
    desk.run_jobs()
    respond(desk, tid)
    desk.run_jobs()
    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("Ya quedó corregido.")})
    desk.run_jobs()
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
    assert WAITING in escalation_message(desk, tid)
    return tid


@pytest.mark.window("2s")
def test_an_expired_window_shows_the_case_resolved_in_the_product_channel(desk: Desk) -> None:
    tid = resolution_proposed(desk)
    due = not_before(desk.case(tid).case.window_deadline)
    time.sleep(max(0.0, due.timestamp() - time.time()) + 0.3)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.RESOLVED
    shown = escalation_message(desk, tid)
    assert WAITING not in shown
    assert "Caso resuelto" in shown


@pytest.mark.window("1h")
def test_a_user_reply_shows_in_the_product_channel_message(desk: Desk) -> None:
    tid = resolution_proposed(desk)
    desk.zendesk.add_user_comment(tid, "Sigue fallando al exportar.")
    desk.intake()
    assert desk.case(tid).case.state is State.USER_ANSWERED
    shown = escalation_message(desk, tid)
    assert WAITING not in shown
    assert "El usuario respondió" in shown
    assert any("Sigue fallando" in m["text"] for m in desk.escalation_thread(tid))
