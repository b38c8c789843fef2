"""`/soporte mios` lists every one of the caller's cases, 20 a page, with "Siguientes" and
"Anteriores" that replace the answer in place (issue 12); the Home points at it, and it
never points back at the Home."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

from blocks import ids
from bot.composition import utcnow
from bot.domain.lifecycle import State
from testkit.synthetic_cases import synthetic_record
from tests.harness import AGENT, AGENTS_CHANNEL, interactive_body

CASES = 45


def seed(desk) -> list[int]:
    now = utcnow()
    ids_ = []
    for n in range(CASES):
        record = synthetic_record(7000 + n, State.IN_PROGRESS, now - timedelta(hours=n + 1))
        assert desk.rt.store.create(record)
        ids_.append(record.ticket_id)
    return ids_


def listed(message: dict) -> set[int]:
    return {int(n) for n in re.findall(r"#(7\d{3})\b", json.dumps(message, ensure_ascii=False))}


def page_buttons(message: dict) -> dict[str, dict]:
    return {
        e["text"]["text"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def press(desk, button: dict, key: str) -> dict:
    """Press a page button of the ephemeral answer; its response_url gets the new page."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": AGENT, "username": "agent", "team_id": "T0TEST"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "trigger_id": desk.slack.issue_trigger(),
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "channel": {"id": AGENTS_CHANNEL, "name": "soporte"},
        "response_url": desk.slack.response_url(key),
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": ids.Block.MINE_PAGES,
                "value": button["value"],
                "action_ts": str(time.time()),
            }
        ],
    }
    response = desk.post_signed(interactive_body(payload), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    [answer] = desk.slack.responses(key)
    assert answer.get("replace_original") is True, "the page replaces the one shown"
    return answer


def test_mios_pages_through_every_case(desk):
    cases = seed(desk)
    first = desk.command("mios").json()
    assert "Tus casos abiertos (45)" in json.dumps(first, ensure_ascii=False)
    assert len(listed(first)) == 20
    assert "Inicio" not in json.dumps(first, ensure_ascii=False), "no loop back to the Home"
    second = press(desk, page_buttons(first)["Siguientes →"], "page-2")
    assert "Página 2 de 3" in json.dumps(second, ensure_ascii=False)
    third = press(desk, page_buttons(second)["Siguientes →"], "page-3")
    assert set(page_buttons(third)) == {"← Anteriores"}
    assert listed(first) | listed(second) | listed(third) == set(cases)
    back = press(desk, page_buttons(third)["← Anteriores"], "page-2-again")
    assert listed(back) == listed(second)


def test_the_home_points_at_mios_for_the_rest(desk):
    seed(desk)
    desk.event(
        {"type": "app_home_opened", "user": AGENT, "tab": "home", "channel": "D0AGENT"},
        "Ev-home-mios",
    )
    desk.run_jobs()
    home = json.dumps(desk.slack.published(AGENT)["blocks"], ensure_ascii=False)
    assert "Para ti ahora" in home
    assert "`/soporte mios` los lista todos, de 20 en 20" in home
