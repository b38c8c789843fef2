"""Who may press what: the permissions middleware (handlers/permissions.py) refuses, before
any listener, whoever lacks the role offers() gives the step; `/soporte estado` shows each
person the buttons they may press. Signed requests into the real app, jobs in a real worker."""

from __future__ import annotations

import json

import pytest

from blocks import ids
from bot.domain import desk_texts as texts
from bot.domain.lifecycle import State
from testkit.example_desk import CHANNEL_MEMBER, MAINTAINER, PULSO_CHANNEL
from tests.harness import AGENT, STRANGER, Desk, option, text_value
from tests.support.flows import escalate, take

OTHER_PRODUCT_MAINTAINER = "U0MANT0003"  # maintains Mercado Público, not Pulso


@pytest.fixture
def desk(desk_over_both):
    """A refusal answers in the HTTP response or in the Socket Mode envelope's ack."""
    return desk_over_both


def carded(desk: Desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(subject="El informe no exporta", org_id=org)
    desk.intake()
    return tid


def errors(answer) -> list[str]:
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_action"] == "errors"
    return list(body["errors"].values())


def estado_actions(desk: Desk, tid: int, user: str) -> list[str]:
    blocks = desk.command(f"estado {tid}", user=user).json().get("blocks", [])
    found = [b for b in blocks if b.get("block_id") == ids.Block.CASE_ACTIONS]
    return [e["action_id"] for e in found[0]["elements"]] if found else []


def test_only_the_products_people_take_and_only_the_mantenedor_diagnoses(desk: Desk) -> None:
    tid = carded(desk)
    escalate(desk, tid)
    desk.slack.set_members(PULSO_CHANNEL, [MAINTAINER, CHANNEL_MEMBER])
    before = desk.case(tid)
    for outsider in (STRANGER, OTHER_PRODUCT_MAINTAINER, AGENT):
        take(desk, tid, outsider)
        assert "responsables técnicos de Pulso" in desk.ephemerals(outsider)[-1]
    assert desk.case(tid) == before, "nothing changed"

    take(desk, tid, MAINTAINER)
    opened = desk.slack.count("views.open")
    desk.click_in_thread(ids.Action.DIAGNOSE, tid, CHANNEL_MEMBER)
    desk.run_jobs()
    assert desk.slack.count("views.open") == opened, "no modal for someone else"
    assert (
        f"Solo el responsable técnico del caso (<@{MAINTAINER}>)"
        in desk.ephemerals(CHANNEL_MEMBER)[-1]
    )

    desk.click_in_thread(ids.Action.DIAGNOSE, tid, MAINTAINER)
    view = desk.opened_view()
    values = {
        ids.Block.DIAGNOSIS: text_value("Falta memoria."),
        ids.Block.CERTAINTY: option("alta"),
        ids.Block.ESTIMATE: text_value("3 días"),
        ids.Block.CONFIDENCE: option("media"),
    }
    for other in (AGENT, STRANGER):  # the modal the Mantenedor opened, sent by someone else
        [refusal] = errors(desk.submit(view, values, user=other))
        assert (
            refusal == f"Solo el responsable técnico del caso (<@{MAINTAINER}>) puede hacer esto."
        )
    assert desk.case(tid).case.state is State.ASSIGNED
    answer = desk.submit(view, values, user=MAINTAINER)
    assert answer.status_code == 200 and not answer.content
    desk.run_jobs()
    assert desk.case(tid).case.state is State.DIAGNOSED


def test_a_stranger_is_refused_every_agent_step_and_shown_no_button(desk: Desk) -> None:
    tid = carded(desk)
    assert estado_actions(desk, tid, AGENT) == list(ids.TRIAGE_ACTIONS), "the card's buttons"
    assert estado_actions(desk, tid, STRANGER) == []
    desk.click(ids.Action.ESCALATE, tid)
    view = desk.opened_view()
    values = {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value("Ojo.")}
    assert errors(desk.submit(view, values, user=STRANGER)) == [texts.NOT_AN_AGENT]

    since = len(desk.slack.calls)
    for action in ids.ACTION_EVENTS:
        if action not in (ids.Action.TAKE_CASE, ids.Action.DIAGNOSE, ids.Action.MARK_FIXED):
            desk.click(action, tid, STRANGER)
    desk.run_jobs()
    agent_steps = len(ids.ACTION_EVENTS) - 3
    assert desk.ephemerals(STRANGER) == [texts.NOT_AN_AGENT] * agent_steps
    assert desk.case(tid).case.state is State.NEW and desk.case(tid).case.timeline == ()
    assert [c.method for c in desk.slack.calls[since:] if c.method == "views.open"] == []

    # The agent's buttons under /soporte estado work like the card's.
    answer = desk.submit(view, values)
    assert answer.status_code == 200 and not answer.content
    desk.run_jobs()
    assert desk.case(tid).case.state is State.ESCALATED
    # the maintainers' turn; the agent may only tell the user it is being looked at
    assert estado_actions(desk, tid, AGENT) == [ids.Action.ACKNOWLEDGE]
    assert estado_actions(desk, tid, MAINTAINER) == [ids.Action.TAKE_CASE]
    shown = json.dumps(desk.command(f"estado {tid}", user=MAINTAINER).json(), ensure_ascii=False)
    assert "Tomar caso" in shown
