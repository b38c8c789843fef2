"""The App Home offers what the card and the escalation message offer (bot/domain/offers.py),
through the real app: signed clicks and submissions, jobs in a real RQ worker, the Home
published to the Slack fake."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from blocks import ids
from bot.composition import utcnow
from bot.domain.lifecycle import State
from testkit.example_desk import MAINTAINER
from tests.harness import AGENT, Desk, click_payload, interactive_body, text_value
from tests.support.flows import diagnose, escalate, take


@pytest.fixture
def desk(desk_over_both):
    """Every scenario of this module runs over signed HTTP and over Socket Mode."""
    return desk_over_both


def open_home(desk: Desk, user: str) -> None:
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home"}
    assert desk.event(event, f"Ev0OFFERS{user}{time.monotonic_ns()}").status_code == 200
    desk.run_jobs()


def actions(blocks: list[dict[str, Any]], block_id: str) -> list[str]:
    """The action ids of one actions block, in order ([] when it is not there)."""
    found = [b for b in blocks if b["type"] == "actions" and b.get("block_id") == block_id]
    return [e["action_id"] for e in found[0]["elements"]] if found else []


def home_actions(desk: Desk, user: str, tid: int) -> list[str]:
    view = desk.slack.published(user)
    assert view is not None, f"no Home published for {user}"
    return actions(view["blocks"], ids.home_case_block(tid))


def card_actions(desk: Desk, tid: int) -> list[str]:
    return actions(desk.card_of(tid)["blocks"], ids.Block.CARD_ACTIONS)


def thread_actions(desk: Desk, tid: int) -> list[str]:
    esc = desk.case(tid).escalation
    message = desk.slack.message(esc.channel, esc.ts)
    return actions(message["blocks"], ids.Block.ESCALATION_ACTIONS)


def click_on_home(desk: Desk, action_id: str, tid: int, user: str):
    """A button of the Home tab: no channel, no response_url (Slack sends none from a view)."""
    payload = click_payload(
        action_id, tid, user, "", "", trigger_id=desk.slack.issue_trigger(), response_url=""
    )
    for key in ("channel", "message", "response_url"):
        del payload[key]
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home", "callback_id": ids.View.HOME}
    payload["actions"][0]["block_id"] = ids.home_case_block(tid)
    return desk.post_signed(interactive_body(payload), "application/x-www-form-urlencoded")


def diagnosed(desk: Desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(subject="El informe no exporta", body="Sale error 500", org_id=org)
    desk.intake()
    escalate(desk, tid)
    take(desk, tid)
    diagnose(desk, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.DIAGNOSED
    return tid


def test_no_fix_is_offered_on_the_home_before_the_user_had_the_initial_response(
    desk: Desk,
) -> None:
    tid = diagnosed(desk)
    open_home(desk, MAINTAINER)
    assert home_actions(desk, MAINTAINER, tid) == [ids.Action.DIAGNOSE]
    assert thread_actions(desk, tid) == [ids.Action.DIAGNOSE], "the Home shows the thread's"

    # A Home published before this fix still carries "Problema corregido": the click opens no
    # modal (whose submission would only say the case changed) and says why, privately.
    opened = desk.slack.count("views.open")
    assert click_on_home(desk, ids.Action.MARK_FIXED, tid, MAINTAINER).status_code == 200
    desk.run_jobs()
    assert desk.slack.count("views.open") == opened
    [told] = desk.slack.app_home_messages(MAINTAINER)
    assert "ya no está en una etapa que permita esto" in told["text"]
    assert desk.case(tid).case.state is State.DIAGNOSED

    # Once the agent sent the initial response (from the Home), the fix is offered there.
    open_home(desk, AGENT)
    assert home_actions(desk, AGENT, tid) == card_actions(desk, tid) == [ids.Action.RESPOND]
    click_on_home(desk, ids.Action.RESPOND, tid, AGENT)
    review = desk.submit(
        desk.opened_view(),
        {
            ids.Block.REQUIRED_INFO: text_value(""),
            ids.Block.USEFUL_INFO: text_value(""),
            ids.Block.PLAIN_DIAGNOSIS: text_value("El informe es demasiado grande."),
            ids.Block.EXPECTED_DATE: {
                "type": "datepicker",
                "selected_date": (utcnow() + timedelta(days=3)).date().isoformat(),
            },
            ids.Block.WORKAROUND: text_value(""),
        },
    ).json()["view"]  # the composed message, reviewed before it goes (issue 12)
    [reply] = [b for b in review["blocks"] if b.get("block_id") == ids.Block.REPLY]
    desk.submit(review, {ids.Block.REPLY: text_value(reply["element"]["initial_value"])})
    desk.run_jobs()
    assert desk.case(tid).case.state is State.IN_PROGRESS
    fix = [ids.Action.DIAGNOSE, ids.Action.MARK_FIXED]
    assert home_actions(desk, MAINTAINER, tid) == thread_actions(desk, tid) == fix
    click_on_home(desk, ids.Action.MARK_FIXED, tid, MAINTAINER)
    view = desk.opened_view()
    assert view["callback_id"] == ids.View.FIXED
    answer = desk.submit(view, {ids.Block.FIX_NOTE: text_value("Más memoria.")}, user=MAINTAINER)
    assert answer.status_code == 200 and not answer.content, "taken, no inline error"
    desk.run_jobs()
    assert desk.case(tid).case.state is State.FIXED


def test_the_home_offers_what_the_card_offers_once_the_user_answered(desk: Desk) -> None:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es un producto nuestro.")})
    desk.run_jobs()
    desk.zendesk.add_user_comment(tid, "Pero sí lo es, ¿lo pueden revisar?")
    desk.intake()
    desk.run_jobs()
    assert desk.case(tid).case.state is State.USER_ANSWERED

    open_home(desk, AGENT)
    answered = [ids.Action.PROPOSE_RESOLUTION, ids.Action.USER_CONFIRMED, ids.Action.NOT_FIXED]
    assert card_actions(desk, tid) == answered
    assert home_actions(desk, AGENT, tid) == answered

    assert click_on_home(desk, ids.Action.NOT_FIXED, tid, AGENT).status_code == 200
    desk.run_jobs()
    assert desk.case(tid).case.state is State.NEW, "never escalated: back to triage"
    # the user wrote back: neither spam nor a wrong recipient (issue 12)
    returning = [ids.Action.INFORMATION, ids.Action.DOCUMENTED_ACTION, ids.Action.ESCALATE]
    assert card_actions(desk, tid) == [*returning, ids.Action.MORE_OPTIONS]
