"""The desk on a default Zendesk account (tests/fakes/zendesk_api.py enforces its rules):
every decision finishes, replies come from the agent, the user's words are always heard."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from blocks import ids
from bot.adapters.queue import not_before
from bot.adapters.settings import load_settings
from bot.adapters.zendesk import MARKER_KEY, ZendeskGateway, reply_marker
from bot.adapters.zendesk_account import account_problems
from bot.domain.lifecycle import Event, State
from testkit.example_desk import ROOT
from testkit.fakes.zendesk_api import ZendeskFake
from tests.harness import AGENT, OTHER_AGENT, Desk, desk_environment, text_value

ANA_EMAIL = "ana.agente@unholster.com"


def refused(desk: Desk) -> list:
    """Every request Zendesk refused (4xx) while the test ran."""
    return [r for r in desk.zendesk.requests if 400 <= r.status < 500]


def open_window(desk: Desk, body: str = "No es un producto nuestro.") -> int:
    """A new, unassigned ticket answered as 'producto no soportado'."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    assert desk.zendesk.ticket(tid)["assignee_id"] is None
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value(body)})
    desk.run_jobs()
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
    return tid


def expire(desk: Desk, tid: int) -> None:
    due = not_before(desk.case(tid).case.window_deadline)
    time.sleep(max(0.0, due.timestamp() - time.time()) + 0.3)
    desk.run_jobs()


def public_replies(desk: Desk, tid: int) -> list[str]:
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


# --- solving needs an assignee -------------------------------------------------------------


def test_confirmation_solves_an_unassigned_ticket(desk: Desk) -> None:
    tid = open_window(desk)
    desk.click(ids.Action.USER_CONFIRMED, tid)
    desk.run_jobs()
    ticket = desk.zendesk.ticket(tid)
    assert (ticket["status"], ticket["assignee_id"]) == ("solved", desk.zendesk.agent_id)
    assert desk.case(tid).case.state is State.RESOLVED
    assert refused(desk) == []


@pytest.mark.window("2s")
def test_expiry_solves_an_unassigned_ticket(desk: Desk) -> None:
    tid = open_window(desk)
    desk.zendesk.set_ticket(tid, assignee_id=None)  # someone unassigned it meanwhile
    expire(desk, tid)
    ticket = desk.zendesk.ticket(tid)
    assert ticket["status"] == "solved" and ticket["assignee_id"]
    assert desk.case(tid).case.state is State.RESOLVED
    assert refused(desk) == []


# --- replies come from the agent --------------------------------------------------------------


def test_reply_and_note_are_authored_by_the_agent_who_pressed_the_button(desk: Desk) -> None:
    desk.slack.add_user(AGENT, "ana.agente", real_name="Ana Agente", email=ANA_EMAIL)
    ana = desk.zendesk.add_agent("Ana Agente", ANA_EMAIL.upper())
    tid = open_window(desk)
    reply = desk.zendesk.public_comments(tid)[-1]
    note = desk.zendesk.internal_notes(tid)[-1]
    assert reply["author_id"] == ana and note["author_id"] == ana
    assert desk.zendesk.ticket(tid)["assignee_id"] == ana
    assert "usuario de la API" not in desk.card_text(tid)
    searches = [r for r in desk.zendesk.requests if "users/search" in r.path]
    assert len(searches) == 1

    other = open_window(desk, "Tampoco es nuestro.")  # the mapping is cached
    assert desk.zendesk.public_comments(other)[-1]["author_id"] == ana
    assert len([r for r in desk.zendesk.requests if "users/search" in r.path]) == 1


def test_an_agent_without_a_zendesk_user_replies_as_the_api_user_and_the_card_says_so(
    desk: Desk,
) -> None:
    desk.slack.add_user(OTHER_AGENT, "beto", real_name="Beto Agente", email="beto@unholster.com")
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    desk.click(ids.Action.UNSUPPORTED, tid, OTHER_AGENT)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No.")}, user=OTHER_AGENT)
    desk.run_jobs()
    assert desk.zendesk.public_comments(tid)[-1]["author_id"] == desk.zendesk.agent_id
    card = desk.card_text(tid)
    assert "usuario de la API" in card and OTHER_AGENT in card


# --- the exactly-once marker ------------------------------------------------------------------


def test_the_marker_is_audit_metadata_not_a_tag_per_reply(desk: Desk) -> None:
    desk.zendesk.faults.drop_after_accept("/tickets/", method="PUT")  # the note's answer is lost
    tid = open_window(desk)
    desk.run_jobs(horizon=3)
    [reply] = desk.case(tid).replies
    assert public_replies(desk, tid) == [reply.body]
    assert len(desk.zendesk.internal_notes(tid)) == 1, "the retried note was not written twice"
    markers = [a["metadata"]["custom"].get(MARKER_KEY) for a in desk.zendesk.audits(tid)]
    assert reply_marker(reply.reply_id) in markers
    tags = desk.zendesk.ticket(tid)["tags"]
    assert not [t for t in tags if reply.reply_id in t], tags
    assert sorted(tags) == ["soporte", "soporte_unsupported_product"]


def test_the_desk_ignores_its_own_updates(desk: Desk) -> None:
    tid = open_window(desk)
    desk.zendesk.reset_requests()
    desk.intake()  # the export shows the ticket the desk itself just answered
    assert [r.path for r in desk.zendesk.requests if "incremental" not in r.path] == []
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION


def test_a_webhook_reads_a_new_ticket_in_one_call(desk: Desk) -> None:
    tid = desk.new_ticket(subject="Por webhook")
    desk.zendesk.reset_requests()
    assert desk.webhook({"ticket_id": tid}).status_code == 202
    desk.run_jobs()
    assert [r.path for r in desk.zendesk.requests] == [
        f"/api/v2/tickets/{tid}.json",
        f"/api/v2/tickets/{tid}/comments.json",  # the report's attachments, for the card
    ]
    assert "Ana Pérez" in desk.card_text(tid) and "Municipalidad" in desk.card_text(tid)


# --- closed tickets, and tickets finished by someone else ----------------------------------


def test_a_ticket_solved_by_a_person_during_the_window_ends_without_another_write(
    desk: Desk,
) -> None:
    tid = open_window(desk)
    person = desk.zendesk.add_agent("Carla Zendesk", "carla@unholster.com")
    desk.zendesk.set_ticket(tid, status="solved", assignee_id=person)
    desk.zendesk.reset_requests()
    desk.intake()
    assert desk.case(tid).case.state is State.CLOSED_IN_ZENDESK
    assert [r for r in desk.zendesk.requests if r.method == "PUT"] == []
    assert "Terminado en Zendesk" in desk.card_text(tid)
    assert any("Caso terminado fuera del escritorio" in m["text"] for m in desk.thread(tid))
    assert f"window-{tid}-1" not in desk.rt.queue.scheduled_job_registry.get_job_ids()


def test_a_reply_to_a_ticket_closed_meanwhile_is_not_sent_and_the_card_says_so(
    desk: Desk,
) -> None:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.zendesk.set_ticket(tid, status="closed", assignee_id=desk.zendesk.agent_id)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro.")})
    desk.run_jobs()
    record = desk.case(tid)
    assert record.pending_replies == () and record.replies[0].dropped
    assert record.case.state is State.CLOSED_IN_ZENDESK
    assert public_replies(desk, tid) == []
    assert refused(desk) == []
    card = desk.card_text(tid)
    assert "Enviando respuesta" not in card and "Terminado en Zendesk" in card


# --- hold ----------------------------------------------------------------------------------


def escalate(desk: Desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    desk.click(ids.Action.ESCALATE, tid)
    desk.submit(
        desk.opened_view(),
        {
            ids.Block.PRODUCT: {"type": "static_select", "selected_option": {"value": "pulso"}},
            ids.Block.NOTES: text_value("Revisar el exportador."),
        },
    )
    desk.run_jobs()
    return tid


def test_escalation_waits_open_on_a_default_account(desk: Desk) -> None:
    tid = escalate(desk)
    assert desk.zendesk.ticket(tid)["status"] == "open"
    assert refused(desk) == []


@pytest.mark.env(ZENDESK_WAITING_STATUS="hold")
def test_escalation_waits_on_hold_where_the_account_has_it(desk: Desk) -> None:
    desk.zendesk.hold_enabled = True  # this account turned on the On-hold status
    tid = escalate(desk)
    assert desk.zendesk.ticket(tid)["status"] == "hold"
    assert refused(desk) == []


# --- the API user and the start-up check ---------------------------------------------------


def _problems(zendesk: ZendeskFake, **env: str) -> list[str]:
    settings = load_settings(desk_environment(SlackStub(), zendesk, "redis://x", **env))
    gateway = ZendeskGateway(settings.zendesk_url, settings.zendesk_email, settings.zendesk_token)
    return account_problems(gateway, settings)


class SlackStub:
    token = "xoxb-test"
    url = "http://127.0.0.1:9/api/"


def test_start_up_check_of_the_zendesk_account() -> None:
    with ZendeskFake() as zendesk:
        assert _problems(zendesk) == []
        [hold] = _problems(zendesk, ZENDESK_WAITING_STATUS="hold")
        assert "ZENDESK_WAITING_STATUS=hold" in hold and "Enable On-hold status" in hold
        zendesk.hold_enabled = True
        assert _problems(zendesk, ZENDESK_WAITING_STATUS="hold") == []
    with ZendeskFake(api_user_role="agent") as zendesk:
        [admin] = _problems(zendesk)
        assert "admins only" in admin and "ZENDESK_INTAKE=webhook" in admin
        assert _problems(zendesk, ZENDESK_INTAKE="webhook") == []
        [secret] = _problems(zendesk, ZENDESK_INTAKE="webhook", ZENDESK_WEBHOOK_SECRET="")
        assert "ZENDESK_WEBHOOK_SECRET" in secret
    with ZendeskFake(token="another") as zendesk:
        [wrong] = _problems(zendesk)
        assert "401" in wrong and "ZENDESK_TOKEN" in wrong


def test_a_non_admin_api_user_stops_start_up_with_one_clear_line(tmp_path) -> None:
    with ZendeskFake(api_user_role="agent") as zendesk:
        env = {
            "PATH": "/usr/bin:/bin",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "ZENDESK_URL": zendesk.url,
            "ZENDESK_EMAIL": zendesk.email,
            "ZENDESK_TOKEN": zendesk.token,
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "SOPORTE_CATALOG": str(ROOT / "catalog.example.toml"),
        }
        done = subprocess.run(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 2
    assert "ZENDESK_EMAIL" in done.stderr and "Admin role" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.env(ZENDESK_INTAKE="webhook")
def test_webhook_only_intake_does_not_poll(desk: Desk) -> None:
    desk.new_ticket()
    desk.intake()
    assert [r for r in desk.zendesk.requests if "incremental" in r.path] == []
    assert desk.cards() == []


# --- 120 comments --------------------------------------------------------------------------


def test_the_users_reply_after_120_comments_reaches_the_agent(desk: Desk) -> None:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    for n in range(120):  # a long thread, handled in Zendesk before the card's decision
        desk.zendesk.add_user_comment(tid, f"nota {n}", author_id=desk.zendesk.agent_id)
    desk.intake()
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro.")})
    desk.run_jobs()
    assert len(desk.zendesk.comments(tid)) > 120
    desk.zendesk.add_user_comment(tid, "Sí, ya funciona, gracias")
    desk.intake()
    record = desk.case(tid)
    assert record.case.state is State.USER_ANSWERED
    assert "ya funciona" in desk.card_text(tid)
    assert any("ya funciona" in m["text"] for m in desk.thread(tid))


def test_relays_read_the_newest_comments_of_a_long_ticket(desk: Desk) -> None:
    tid = escalate(desk)
    for n in range(110):
        desk.zendesk.add_user_comment(tid, f"nota {n}", author_id=desk.zendesk.agent_id)
    desk.zendesk.add_user_comment(tid, "Adjunto el registro del error.")
    desk.intake()
    assert len([m for m in desk.thread(tid) if "registro del error" in m["text"]]) == 1
    assert any("registro del error" in m["text"] for m in desk.escalation_thread(tid))


# --- only new tickets become cards ---------------------------------------------------------


def test_old_tickets_that_change_do_not_become_cards(desk: Desk) -> None:
    user = desk.zendesk.add_user("Antiguo", "antiguo@example.com")
    two_days = datetime.now(UTC) - timedelta(days=2)
    worked = desk.zendesk.add_ticket("Viejo, en curso", "x", user, created_at=two_days)
    desk.zendesk.set_ticket(worked, status="open", assignee_id=desk.zendesk.agent_id)
    solved = desk.zendesk.add_ticket("Viejo, resuelto", "x", user, created_at=two_days)
    desk.zendesk.set_ticket(solved, status="solved", assignee_id=desk.zendesk.agent_id)
    untouched = desk.zendesk.add_ticket("Viejo, sin atender", "x", user, created_at=two_days)
    desk.intake()
    fresh = desk.new_ticket(subject="Nuevo")
    desk.zendesk.set_ticket(worked, priority="high")  # an agent works on it in Zendesk
    desk.intake()
    carded = {c["metadata"]["event_payload"]["ticket_id"] for c in desk.cards()}
    assert carded == {untouched, fresh}
    assert desk.case(worked) is None and desk.case(solved) is None


# --- the user writes back ------------------------------------------------------------


def test_confirmation_by_email_is_recorded_by_the_agent(desk: Desk) -> None:
    tid = open_window(desk)
    sent = public_replies(desk, tid)
    desk.zendesk.add_user_comment(tid, "Sí, ya funciona, gracias")
    desk.intake()
    card = desk.card_text(tid)
    assert desk.case(tid).case.state is State.USER_ANSWERED
    assert card.index("ya funciona") < card.index(ids.Action.USER_CONFIRMED)
    desk.click(ids.Action.USER_CONFIRMED, tid)
    desk.run_jobs()
    record = desk.case(tid)
    assert record.case.state is State.RESOLVED
    assert [s.event for s in record.case.timeline][-2:] == [
        Event.USER_REPLIED,
        Event.USER_CONFIRMED,
    ]
    assert desk.zendesk.ticket(tid)["status"] == "solved"
    assert public_replies(desk, tid) == [*sent, "Sí, ya funciona, gracias"], "no mail again"
    assert record.case.window_generation == 1, "no new window"


def test_the_agent_records_that_the_problem_persists(desk: Desk) -> None:
    tid = open_window(desk)
    desk.zendesk.add_user_comment(tid, "No, sigue igual")
    desk.intake()
    desk.click(ids.Action.NOT_FIXED, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.NEW
    card = desk.card_text(tid)
    assert ids.Action.INFORMATION in card and "problema sigue" in card
    assert ids.Action.SPAM not in card, "a user who wrote back is no spammer"


def test_answering_the_user_opens_a_new_window(desk: Desk) -> None:
    tid = open_window(desk)
    desk.zendesk.add_user_comment(tid, "¿Y dónde veo la lista de productos?")
    desk.intake()
    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("En el portal de soporte.")})
    desk.run_jobs()
    record = desk.case(tid)
    assert record.case.state is State.AWAITING_CONFIRMATION
    assert record.case.window_generation == 2
    assert public_replies(desk, tid)[-1].startswith("En el portal de soporte.")
    assert desk.zendesk.ticket(tid)["status"] == "pending"


@pytest.mark.window("2s")
def test_a_user_who_writes_after_resolved_comes_back_to_the_agent(desk: Desk) -> None:
    tid = open_window(desk)
    expire(desk, tid)
    assert desk.case(tid).case.state is State.RESOLVED
    desk.zendesk.add_user_comment(tid, "Sigue fallando desde ayer")
    assert desk.zendesk.ticket(tid)["status"] == "open"  # Zendesk reopened the solved ticket
    desk.intake()
    record = desk.case(tid)
    assert record.case.state is State.USER_ANSWERED
    assert record.case.timeline[-1].event is Event.USER_REPLIED
    assert any(
        "caso resuelto" in m["text"] and "Sigue fallando" in m["text"] for m in desk.thread(tid)
    )
    assert "Sigue fallando" in desk.card_text(tid)
    timeline = json.dumps(desk.command(f"estado {tid}").json(), ensure_ascii=False)
    assert "Sigue fallando" in timeline
    desk.click(ids.Action.NOT_FIXED, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.NEW
    assert refused(desk) == []


def test_a_follow_up_ticket_is_a_new_card_linked_to_the_earlier_case(desk: Desk) -> None:
    tid = open_window(desk)
    desk.click(ids.Action.USER_CONFIRMED, tid)
    desk.run_jobs()
    desk.zendesk.set_ticket(tid, status="closed")  # Zendesk closes solved tickets later
    desk.zendesk.add_user_comment(tid, "Volvió a pasar")
    [follow_up] = desk.zendesk.follow_ups(tid)
    desk.intake()
    assert desk.case(tid).case.state is State.RESOLVED
    card = desk.card_text(follow_up)
    assert "Seguimiento del ticket cerrado" in card and f"/{tid}|#{tid}>" in card
    assert any(f"#{follow_up}" in m["text"] for m in desk.thread(tid))
    assert refused(desk) == []


# --- the Mantenedor and the assignee ----------------------------------------------------------

MAINTAINER = "U0MANT0001"


def _desk_with(tmp_path, desk_env, slack, zendesk, old: str, new: str):
    from bot.composition import build_runtime, set_runtime

    text = (ROOT / "catalog.example.toml").read_text(encoding="utf-8")
    assert old in text
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text.replace(old, new), encoding="utf-8")
    rt = build_runtime({**desk_env, "SOPORTE_CATALOG": str(catalog)})
    set_runtime(rt)
    return Desk(rt, slack, zendesk)


@pytest.mark.parametrize("assign", [False, True], ids=["default", "assign_maintainer"])
def test_the_maintainer_is_the_assignee_only_if_the_catalogue_says_so(
    tmp_path, desk_env, slack, zendesk, assign: bool
) -> None:
    from bot.composition import set_runtime

    setting = f"assign_maintainer = {'true' if assign else 'false'}"
    desk = _desk_with(tmp_path, desk_env, slack, zendesk, "assign_maintainer = false", setting)
    try:
        slack.add_user(AGENT, "ana.agente", real_name="Ana Agente", email=ANA_EMAIL)
        slack.add_user(MAINTAINER, "mario", real_name="Mario Mantenedor", email="mario@u.com")
        ana = zendesk.add_agent("Ana Agente", ANA_EMAIL)
        mario = zendesk.add_agent("Mario Mantenedor", "mario@u.com")
        tid = escalate(desk)
        assert zendesk.ticket(tid)["assignee_id"] == ana
        desk.click_in_thread(ids.Action.TAKE_CASE, tid, MAINTAINER)
        desk.run_jobs()
        owner_note = next(
            n for n in zendesk.internal_notes(tid) if "Responsable técnico a cargo" in n["body"]
        )
        assert owner_note["author_id"] == mario
        assert zendesk.ticket(tid)["assignee_id"] == (mario if assign else ana)
        assert refused(desk) == []
    finally:
        desk.close()
        set_runtime(None)
