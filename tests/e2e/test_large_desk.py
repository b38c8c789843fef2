"""A real desk's sizes end to end: 150 people in the directory, an organisation with 30
products of 4 documented procedures each (120 procedures), long timelines and long case
lists. Every person and every procedure can be picked; nothing Slack refuses is sent.

The menus are external selects: Slack asks the app for options (`block_suggestion`) as the
agent types, over HTTP or Socket Mode, and shows at most 100 of them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from blocks import ids
from bot.composition import build_runtime, set_runtime, utcnow
from bot.domain import user_replies as replies
from bot.domain.lifecycle import State, Transition
from testkit.example_desk import invite_desk_bot
from testkit.fakes import slack_rules
from testkit.synthetic_cases import synthetic_record
from tests.harness import AGENT, Desk, interactive_body, text_value
from tests.socket_desk import SocketDesk

PEOPLE = 150
PRODUCTS = 30
PROCEDURES = 4
BIG_ORG = 360000001  # the first organisation the Zendesk fake creates


def big_catalog(path: Path) -> Path:
    """The example desk grown to a real one's size."""
    lines = [
        "[desk]",
        'agents_channel = "C0AGENTS01"',
        'agents = ["U0AGENT001", "U0AGENT002"]',
        'general_contact = "contacto@unholster.com"',
        'timezone = "America/Santiago"',
        'zendesk_agent_url = "https://unholster.zendesk.com/agent/tickets/"',
    ]
    for n in range(1, PRODUCTS + 1):
        lines += [
            f"[products.producto-{n:02d}]",
            f'name = "Producto {n:02d} — Plataforma de gestión municipal"',
            f'channel = "C0PROD{n:04d}"',
            'maintainers = ["U0MANT0001"]',
            f'docs_url = "https://docs.unholster.com/producto-{n:02d}"',
        ]
        for k in range(1, PROCEDURES + 1):
            lines += [
                f"[[products.producto-{n:02d}.procedures]]",
                f'key = "proc-{k}"',
                f'title = "Procedimiento {k} del producto {n:02d}"',
                f'description = "Paso documentado {k} para el producto {n:02d}, verificado."',
            ]
    every = ", ".join(f'"producto-{n:02d}"' for n in range(1, PRODUCTS + 1))
    lines += [
        "[organizations.gobierno-regional]",
        f"zendesk_id = {BIG_ORG}",
        'name = "Gobierno Regional"',
        f"products = [{every}]",
    ]
    for n in range(1, PEOPLE + 1):
        lines += [
            "[[people]]",
            f'name = "Persona Número {n:03d}"',
            f'email = "p{n:03d}@unholster.com"',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=["http", "socket"])
def desk(request, tmp_path, desk_env, slack, zendesk) -> Iterator[Desk]:
    catalog = big_catalog(tmp_path / "catalog.toml")
    invite_desk_bot(slack, catalog)
    env = {**desk_env, "SOPORTE_CATALOG": str(catalog)}
    if request.param == "socket":
        env["SLACK_APP_TOKEN"] = slack.app_token
    rt = build_runtime(env)
    set_runtime(rt)
    running = (SocketDesk if request.param == "socket" else Desk)(rt, slack, zendesk)
    yield running
    running.close()
    set_runtime(None)


def suggest(desk: Desk, view: dict[str, Any], block_id: str, query: str) -> dict[str, Any]:
    """What Slack asks as the agent types `query` in the menu `block_id` of `view`."""
    payload = {
        "type": "block_suggestion",
        "user": {"id": AGENT, "username": "ana", "team_id": "T0TEST"},
        "team": {"id": "T0TEST", "domain": "test"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "container": {"type": "view", "view_id": "V0TEST"},
        "action_id": block_id,
        "block_id": block_id,
        "value": query,
        "view": {
            "id": "V0TEST",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": {}},
        },
    }
    response = desk.post_signed(interactive_body(payload), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    answer = response.json()
    assert slack_rules.options_errors(answer) == [], "Slack would show no options"
    return answer


def big_ticket(desk: Desk) -> int:
    org = desk.zendesk.add_organization("Gobierno Regional")
    assert org == BIG_ORG
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    return tid


def user_messages(desk: Desk, tid: int) -> list[str]:
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


def selected(value: str, kind: str = "external_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"value": value}}


def test_every_one_of_150_people_can_be_picked(desk):
    tid = big_ticket(desk)
    desk.click(ids.Action.PERSON, tid)
    view = desk.opened_view()
    first = suggest(desk, view, ids.Block.PERSON, "")["options"]
    assert len(first) == 100 and first[0]["value"] == ids.NO_PERSON_VALUE
    reachable = {o["value"] for o in first}
    for hundred in ("persona 1", "número 14", "p15"):
        reachable |= {o["value"] for o in suggest(desk, view, ids.Block.PERSON, hundred)["options"]}
    assert {f"p{n:03d}@unholster.com" for n in range(1, PEOPLE + 1)} <= reachable
    [last] = suggest(desk, view, ids.Block.PERSON, "numero 150")["options"][1:]
    assert last["value"] == "p150@unholster.com", "accents and case do not matter"
    person = desk.rt.catalog.person(last["value"])
    shown = replies.person_reply(desk.rt.catalog, desk.case(tid).ticket, person, chosen=True)
    desk.submit(
        view, {ids.Block.PERSON: selected(last["value"]), ids.Block.REPLY: text_value(shown)}
    )
    desk.run_jobs()
    [reply] = user_messages(desk, tid)
    assert "p150@unholster.com" in reply and "Persona Número 150" in reply


def test_every_one_of_120_procedures_can_be_picked(desk):
    tid = big_ticket(desk)
    desk.click(ids.Action.DOCUMENTED_ACTION, tid)
    view = desk.opened_view()
    groups = suggest(desk, view, ids.Block.PROCEDURE, "")["option_groups"]
    shown = [o["value"] for g in groups for o in g["options"]]
    assert len(shown) == 100, "a full menu, never more than Slack shows"
    narrowed = suggest(desk, view, ids.Block.PROCEDURE, "producto 30")["option_groups"]
    assert [o["value"] for g in narrowed for o in g["options"]] == [
        f"producto-30:proc-{k}" for k in range(1, PROCEDURES + 1)
    ]
    desk.submit(
        view,
        {
            ids.Block.PROCEDURE: selected("producto-30:proc-4"),
            ids.Block.CHECKED: {
                "type": "checkboxes",
                "selected_options": [{"value": ids.CHECKED_VALUE}],
            },
            ids.Block.REPLY: text_value(
                replies.resolve_with_action(
                    desk.rt.catalog,
                    desk.case(tid).ticket,
                    desk.rt.catalog.product("producto-30").procedure("proc-4"),
                    "Hecho y verificado.",
                )
            ),
        },
    )
    desk.run_jobs()
    [reply] = user_messages(desk, tid)
    assert "Procedimiento 4 del producto 30" in reply
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION


def test_the_30_product_organisation_card_and_modals_fit(desk):
    tid = big_ticket(desk)
    card = desk.card_of(tid)
    assert slack_rules.message_errors(card["text"], card["blocks"]) is None
    for action in (ids.Action.UNSUPPORTED, ids.Action.INFORMATION, ids.Action.ESCALATE):
        desk.click(action, tid)
        assert desk.slack.calls_to("views.open")[-1].failed is False, action
    products = desk.opened_view()["blocks"][1]["element"]["options"]
    assert len(products) == PRODUCTS


def long_history(record, updates: int):
    """`record` with `updates` more steps in its timeline (the agent's updates to the user)."""
    case = record.case
    last = case.timeline[-1]
    steps = [
        Transition(
            event=last.event,
            from_state=last.to_state,
            to_state=last.to_state,
            actor=AGENT,
            at=last.at + timedelta(minutes=n + 1),
            reason=f"Actualización {n + 1}: seguimos revisando el informe 😀 con el equipo. " * 3,
        )
        for n in range(updates)
    ]
    return dataclasses.replace(
        record, case=dataclasses.replace(case, timeline=(*case.timeline, *steps))
    )


def test_long_timeline_and_long_case_list_are_paged_not_refused(desk):
    now = utcnow()
    record = long_history(synthetic_record(8001, State.IN_PROGRESS, now - timedelta(days=20)), 60)
    assert desk.rt.store.create(record)
    for n in range(120):
        seeded = synthetic_record(8100 + n, State.IN_PROGRESS, now - timedelta(hours=n + 1))
        assert desk.rt.store.create(seeded)
    detail = desk.command("estado 8001").json()
    assert slack_rules.message_errors(detail["text"], detail["blocks"]) is None
    shown = json.dumps(detail, ensure_ascii=False)
    assert "Actualización 60" in shown or "más" in shown
    mine = desk.command("mios").json()
    assert slack_rules.message_errors(mine["text"], mine["blocks"]) is None
    assert "Siguientes" in json.dumps(mine, ensure_ascii=False), "the rest is paged, not dropped"
