"""Strangers are refused the cases and the queue: agents, the case's product maintainers and
its Mantenedor see a case; everyone else gets a short refusal that gives nothing away."""

from __future__ import annotations

import json

from bot.domain import access
from testkit.example_desk import CHANNEL_MEMBER, MAINTAINER, PULSO_CHANNEL
from tests.harness import AGENT, STRANGER, Desk
from tests.support.flows import escalate, take

OTHER_PRODUCT_MAINTAINER = "U0MANT0003"  # maintains Mercado Público, not Pulso
SUBJECT = "Exportación rota en Pulso"
EMAIL = "rosa.privada@cliente.example"
WORDS = "TEXTO-DEL-USUARIO-8Z"


def answer(desk: Desk, text: str, user: str) -> str:
    response = desk.command(text, user=user)
    assert response.status_code == 200
    return json.dumps(response.json(), ensure_ascii=False)


def carded(desk: Desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(subject=SUBJECT, body=WORDS, email=EMAIL, org_id=org)
    desk.intake()
    return tid


def test_a_stranger_sees_neither_the_case_nor_the_queue(desk: Desk) -> None:
    tid = carded(desk)
    for text in (f"estado {tid}", "estado 99999", "estado", "mios"):
        shown = answer(desk, text, STRANGER)
        for private in (SUBJECT, EMAIL, WORDS, "Municipalidad", "Ana Pérez"):
            assert private not in shown, (text, private)
        assert "agentes" in shown or "No tienes casos abiertos" in shown, text
    assert access.CASE_CLOSED.format(ticket_id=99999) in answer(desk, "estado 99999", STRANGER)
    assert "ayuda" in answer(desk, "ayuda", STRANGER), "the usage is for everyone"
    shown = answer(desk, f"estado {tid}", AGENT)
    assert SUBJECT in shown and EMAIL in shown


def test_maintainers_see_their_products_cases_and_the_mantenedor_sees_theirs(
    desk: Desk,
) -> None:
    tid = carded(desk)
    assert SUBJECT not in answer(desk, f"estado {tid}", MAINTAINER), "not escalated to Pulso yet"
    escalate(desk, tid)
    assert SUBJECT in answer(desk, f"estado {tid}", MAINTAINER)
    assert SUBJECT not in answer(desk, f"estado {tid}", OTHER_PRODUCT_MAINTAINER)
    assert SUBJECT not in answer(desk, "estado", OTHER_PRODUCT_MAINTAINER), "not their product"
    assert SUBJECT in answer(desk, "estado", MAINTAINER)

    desk.slack.set_members(PULSO_CHANNEL, [CHANNEL_MEMBER])
    take(desk, tid, CHANNEL_MEMBER)
    assert desk.case(tid).escalation.maintainer == CHANNEL_MEMBER
    assert SUBJECT in answer(desk, f"estado {tid}", CHANNEL_MEMBER)
    assert f"#{tid}" in answer(desk, "mios", CHANNEL_MEMBER)
    assert access.STRANGER in answer(desk, "estado", CHANNEL_MEMBER), "the queue is the desk's"


def test_a_strangers_home_shows_no_case_of_the_desk(desk: Desk) -> None:
    carded(desk)
    home = {"type": "app_home_opened", "user": STRANGER, "tab": "home", "channel": "D0STRANGER"}
    desk.event(home, "Ev0STRANGERHOME")
    desk.run_jobs()
    view = json.dumps(desk.slack.published(STRANGER), ensure_ascii=False)
    assert SUBJECT not in view and "agentes" in view
    desk.event({**home, "user": AGENT}, "Ev0AGENTHOME")
    desk.run_jobs()
    assert SUBJECT in json.dumps(desk.slack.published(AGENT), ensure_ascii=False)
