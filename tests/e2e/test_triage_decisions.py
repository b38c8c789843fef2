"""Each of the six non-escalation decisions, from the card button to what the user receives."""

from __future__ import annotations

import json

import pytest

from blocks import ids
from bot.domain import user_replies as replies
from bot.domain.lifecycle import State
from tests.harness import AGENT, OTHER_AGENT, option, text_value

MUNICIPALIDAD = 360000001  # supports Pulso and Portal de Transparencia in catalog.example.toml


@pytest.fixture
def ticket(desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    assert org == MUNICIPALIDAD
    tid = desk.new_ticket(org_id=org, name="Ana Pérez", email="ana@example.com")
    desk.intake()
    return tid


def user_messages(desk, tid: int) -> list[str]:
    """What the end user received: public comments after their own first message."""
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


def assert_closing_window(desk, tid: int) -> None:
    ticket = desk.zendesk.ticket(tid)
    assert ticket["status"] == "pending"
    [body] = user_messages(desk, tid)
    assert "7 días" in body and "confirm" in body.lower()
    record = desk.case(tid)
    assert record.case.state is State.AWAITING_CONFIRMATION
    assert record.case.window_deadline is not None
    assert any("[soporte]" in n["body"] for n in desk.zendesk.internal_notes(tid))
    jobs = desk.rt.queue.scheduled_job_registry.get_job_ids()
    assert f"window-{tid}-1" in jobs


def test_spam_solves_unassigned_ticket_without_reply_and_card_shows_it(desk, ticket):
    """On a default account (no auto-assign on solve) the ticket arrives unassigned: the
    desk assigns it in the same update that solves it, and never sets closed."""
    assert desk.zendesk.ticket(ticket)["assignee_id"] is None
    desk.click(ids.Action.SPAM, ticket)
    desk.run_jobs()
    assert user_messages(desk, ticket) == []
    zd = desk.zendesk.ticket(ticket)
    assert zd["status"] == "solved" and "spam" in zd["tags"]
    assert zd["assignee_id"] == desk.zendesk.agent_id  # this agent has no Zendesk user
    assert all(r.status < 400 for r in desk.zendesk.requests), "Zendesk refused a write"
    card = desk.card_text(ticket)
    assert "Spam" in card and f"<@{AGENT}>" in card
    assert ids.Action.SPAM not in card
    assert desk.zendesk.user(zd["requester_id"]).get("suspended") in (None, False)


def test_wrong_recipient_replies_then_closes_as_spam(desk, ticket):
    desk.click(ids.Action.WRONG_RECIPIENT, ticket)
    view = desk.opened_view()
    prefill = json.dumps(view, ensure_ascii=False)
    assert "soporte" in prefill.lower()
    desk.submit(view, {ids.Block.REPLY: text_value("Esta casilla es solo para soporte.")})
    desk.run_jobs()
    assert user_messages(desk, ticket) == ["Esta casilla es solo para soporte."]
    zd = desk.zendesk.ticket(ticket)
    assert zd["status"] == "solved" and "spam" in zd["tags"] and zd["assignee_id"]
    assert desk.case(ticket).case.state is State.SPAM
    assert desk.case(ticket).replies[-1].sent_at is not None
    assert "Destinatario equivocado" in desk.card_text(ticket)
    assert "Enviando respuesta" not in desk.card_text(ticket)
    # the internal note went first: nothing is written after the update that solves it
    comments = desk.zendesk.comments(ticket)
    assert [c["public"] for c in comments[1:]] == [False, True]
    assert all(r.status < 400 for r in desk.zendesk.requests), "Zendesk refused a write"


def test_person_in_company_gives_their_email(desk, ticket):
    desk.click(ids.Action.PERSON, ticket)
    view = desk.opened_view()
    catalog, record = desk.rt.catalog, desk.case(ticket)
    person = catalog.person("maria.gonzalez@unholster.com")
    shown = replies.person_reply(catalog, record.ticket, person, chosen=True)  # after the pick
    desk.submit(
        view,
        {
            ids.Block.PERSON: option("maria.gonzalez@unholster.com"),
            ids.Block.REPLY: text_value(shown),
        },
    )
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert "maria.gonzalez@unholster.com" in body and "María González" in body
    assert_closing_window(desk, ticket)


def test_person_unknown_refers_to_general_contact(desk, ticket):
    desk.click(ids.Action.PERSON, ticket)
    catalog, record = desk.rt.catalog, desk.case(ticket)
    shown = replies.person_reply(catalog, record.ticket, None, chosen=True)  # after the pick
    desk.submit(
        desk.opened_view(),
        {ids.Block.PERSON: option(ids.NO_PERSON_VALUE), ids.Block.REPLY: text_value(shown)},
    )
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert "contacto@unholster.com" in body
    assert_closing_window(desk, ticket)


def test_unsupported_product_lists_the_organisations_products(desk, ticket):
    desk.click(ids.Action.UNSUPPORTED, ticket)
    view = desk.opened_view()
    [reply_block] = [b for b in view["blocks"] if b.get("block_id") == ids.Block.REPLY]
    prefill = reply_block["element"]["initial_value"]
    assert "Pulso" in prefill and "Portal" in prefill and "Mercado" not in prefill
    desk.submit(view, {ids.Block.REPLY: text_value(prefill)})
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert "Pulso" in body and "Mercado" not in body
    assert_closing_window(desk, ticket)


def test_resolve_with_information_sends_the_edited_text(desk, ticket):
    desk.click(ids.Action.INFORMATION, ticket)
    view = desk.opened_view()
    assert "docs.unholster.com" in json.dumps(view)
    desk.submit(
        view,
        {
            ids.Block.PRODUCT: option("pulso"),
            ids.Block.REPLY: text_value("Vea https://docs.unholster.com/pulso"),
        },
    )
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert body.startswith("Vea https://docs.unholster.com/pulso")
    assert desk.case(ticket).product == "pulso"
    assert_closing_window(desk, ticket)
    card = desk.card_text(ticket)
    assert "Resolver con información" in card and ids.Action.USER_CONFIRMED in card


def test_resolve_with_documented_action_carries_the_summary(desk, ticket):
    desk.click(ids.Action.DOCUMENTED_ACTION, ticket)
    view = desk.opened_view()
    desk.submit(
        view,
        {
            ids.Block.PROCEDURE: option("pulso:reset-password"),
            ids.Block.CHECKED: {
                "type": "checkboxes",
                "selected_options": [{"value": ids.CHECKED_VALUE}],
            },
            ids.Block.REPLY: text_value(
                "Hola Ana: realizamos «Restablecer contraseña». "
                "Restablecí su contraseña; ya puede ingresar."
            ),
        },
    )
    desk.run_jobs()
    [body] = user_messages(desk, ticket)
    assert "Restablecí su contraseña" in body and "Restablecer contraseña" in body
    assert_closing_window(desk, ticket)


@pytest.mark.parametrize(
    ("action", "values", "field"),
    [
        (
            ids.Action.INFORMATION,
            {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value("   ")},
            ids.Block.REPLY,
        ),
        (ids.Action.INFORMATION, {ids.Block.REPLY: text_value("hola")}, ids.Block.PRODUCT),
        (ids.Action.UNSUPPORTED, {ids.Block.REPLY: text_value("x" * 3001)}, ids.Block.REPLY),
        (ids.Action.PERSON, {}, ids.Block.PERSON),
        (
            ids.Action.DOCUMENTED_ACTION,
            {
                ids.Block.PROCEDURE: option("pulso:reset-password"),
                ids.Block.CHECKED: {"type": "checkboxes", "selected_options": []},
                ids.Block.REPLY: text_value("hecho"),
            },
            ids.Block.CHECKED,
        ),
        (
            ids.Action.DOCUMENTED_ACTION,
            {
                ids.Block.CHECKED: {
                    "type": "checkboxes",
                    "selected_options": [{"value": ids.CHECKED_VALUE}],
                },
                ids.Block.REPLY: text_value("hecho"),
            },
            ids.Block.PROCEDURE,
        ),
    ],
)
def test_modal_refuses_bad_input_inline_and_sends_nothing(desk, ticket, action, values, field):
    desk.click(action, ticket)
    response = desk.submit(desk.opened_view(), values)
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert field in answer["errors"]
    desk.run_jobs()
    assert user_messages(desk, ticket) == []
    assert desk.case(ticket).case.state is State.NEW


def test_double_submit_sends_one_reply(desk, ticket):
    desk.click(ids.Action.UNSUPPORTED, ticket)
    view = desk.opened_view()
    first = desk.submit(view, {ids.Block.REPLY: text_value("No es nuestro producto.")})
    second = desk.submit(view, {ids.Block.REPLY: text_value("No es nuestro producto.")})
    assert first.status_code == 200 and not first.content
    assert second.json()["response_action"] == "errors"
    desk.run_jobs()
    assert len(user_messages(desk, ticket)) == 1


def test_two_agents_two_buttons_one_decision(desk, ticket):
    desk.click(ids.Action.UNSUPPORTED, ticket, AGENT)
    view = desk.opened_view()
    desk.submit(view, {ids.Block.REPLY: text_value("No es nuestro producto.")}, user=AGENT)
    desk.click(ids.Action.SPAM, ticket, OTHER_AGENT)
    desk.run_jobs()
    assert desk.case(ticket).case.state is State.AWAITING_CONFIRMATION
    assert desk.zendesk.ticket(ticket)["status"] == "pending"
    told = desk.ephemerals(OTHER_AGENT)
    assert told and "ya fue atendido" in told[-1] and AGENT in told[-1]


def test_reply_job_retried_after_lost_response_posts_once(desk, ticket):
    desk.zendesk.faults.drop_after_accept("/tickets/", method="PUT")
    desk.click(ids.Action.UNSUPPORTED, ticket)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro producto.")})
    desk.run_jobs(horizon=3)
    assert user_messages(desk, ticket) == [
        m for m in user_messages(desk, ticket) if "No es nuestro producto." in m
    ]
    assert len(user_messages(desk, ticket)) == 1
    assert desk.case(ticket).replies[-1].sent_at is not None


def test_zendesk_429_and_500_on_reply_are_retried_and_sent_once(desk, ticket):
    desk.zendesk.faults.fail_next("/tickets/", method="PUT", status=429, retry_after=1)
    desk.zendesk.faults.fail_next("/tickets/", method="PUT", status=500)
    desk.click(ids.Action.UNSUPPORTED, ticket)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro producto.")})
    desk.run_jobs(horizon=3)
    assert len(user_messages(desk, ticket)) == 1
    assert desk.zendesk.ticket(ticket)["status"] == "pending"


@pytest.fixture
def suspending_desk(tmp_path, desk_env, slack, zendesk):
    """A desk whose catalogue turns on Zendesk's own mark-as-spam (it suspends the sender)."""
    from bot.composition import build_runtime, set_runtime
    from testkit.example_desk import ROOT
    from tests.harness import Desk

    text = (ROOT / "catalog.example.toml").read_text(encoding="utf-8")
    text = text.replace("spam_suspends_requester = false", "spam_suspends_requester = true")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text, encoding="utf-8")
    rt = build_runtime({**desk_env, "SOPORTE_CATALOG": str(catalog)})
    assert rt.catalog.spam_suspends_requester
    set_runtime(rt)
    desk = Desk(rt, slack, zendesk)
    yield desk
    desk.close()
    set_runtime(None)


def test_spam_can_use_zendesk_mark_as_spam_and_suspend_the_sender(suspending_desk):
    desk = suspending_desk
    tid = desk.new_ticket()
    desk.intake()
    desk.click(ids.Action.SPAM, tid)
    desk.run_jobs()
    ticket = desk.zendesk.ticket(tid)
    assert "spam" in ticket["tags"]
    assert desk.zendesk.user(ticket["requester_id"])["suspended"] is True
    assert desk.zendesk.count("PUT", "mark_as_spam") == 1
    assert user_messages(desk, tid) == []
