"""The Home tab starts the day; `/soporte mios` lists every case, paged; the help text
states the triage chain (issue 12)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blocks import home, ids
from blocks import soporte_answers as views
from bot.adapters.catalog_reader import load_catalog
from bot.domain import dashboard as d
from bot.domain import glossary
from bot.domain.lifecycle import State
from testkit.fakes import slack_rules

CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "catalog.example.toml")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
H = 3600
AGENT = "U0AGENT001"
MAINT = "U0MANT0001"


def summ(tid: int, state: State, **extra: Any) -> dict[str, Any]:
    base = {
        "id": tid,
        "state": state.value,
        "subject": f"Asunto {tid}",
        "created": T - 5 * H,
        "product": "pulso",
        "agent": None,
        "maintainer": None,
        "busy": False,
    }
    return {**base, **extra}


def desk() -> list[dict[str, Any]]:
    return [
        summ(1, State.NEW, created=T - 3 * H),
        summ(2, State.NEW, created=T - 1 * H, triaged=T - 9 * H),  # the user wrote again
        summ(3, State.USER_ANSWERED, agent=AGENT),
        summ(4, State.IN_PROGRESS, agent=AGENT, maintainer=MAINT, estimate=T - H),
        summ(5, State.ASSIGNED, agent=AGENT, maintainer=MAINT),
        summ(6, State.AWAITING_CONFIRMATION, agent=AGENT, deadline=T + 86400),
        summ(7, State.ESCALATED, agent=AGENT, escalated=T - 2 * H),
        summ(8, State.FIXED, agent=AGENT, maintainer=MAINT),
    ]


def view_for(user: str) -> dict[str, Any]:
    summaries = desk()
    return home.home_view(
        d.overview(summaries, NOW), d.my_cases(summaries, user), user, CATALOG, desk=summaries
    )


def texts(view: dict[str, Any]) -> list[str]:
    out = []
    for b in view["blocks"]:
        if b["type"] in ("section", "header") and "text" in b:
            out.append(b["text"]["text"])
        if b["type"] == "context":
            out.append(b["elements"][0]["text"])
    return out


def position(view: dict[str, Any], needle: str) -> int:
    return next(i for i, text in enumerate(texts(view)) if needle in text)


def test_agent_home_starts_with_what_is_theirs_now() -> None:
    view = view_for(AGENT)
    assert slack_rules.view_errors(view) == []
    shown = texts(view)
    assert shown[:2] == ["Soporte", "Para ti ahora"]
    untriaged = position(view, "#1")
    assert position(view, "#2") > untriaged, "oldest first"
    answered = position(view, "#3")
    overdue = position(view, "#4")
    assert untriaged < overdue < answered < position(view, "Tus casos"), "overdue first"
    assert position(view, "#6") > position(view, "Tus casos"), "the rest below"
    assert position(view, "Casos abiertos por estado") > position(view, "#8"), "figures last"
    # the untriaged tickets carry the card's buttons; a returning user gets no spam button
    actions = {b["block_id"]: b for b in view["blocks"] if b["type"] == "actions"}
    first = [e["action_id"] for e in actions[f"{ids.HOME_CASE}1"]["elements"]]
    assert first == [
        ids.Action.INFORMATION,
        ids.Action.DOCUMENTED_ACTION,
        ids.Action.ESCALATE,
        ids.Action.MORE_OPTIONS,
        ids.Action.SPAM,
    ]
    second = [e["action_id"] for e in actions[f"{ids.HOME_CASE}2"]["elements"]]
    assert ids.Action.SPAM not in second
    assert "el usuario volvió a escribir" in " ".join(shown)
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))


def test_maintainer_home_shows_their_diagnoses_and_unclaimed_escalations() -> None:
    view = view_for(MAINT)
    shown = " ".join(texts(view)[: position(view, "Tus casos")])
    assert "#1 " not in shown and "Por clasificar ·" not in shown, "triage is the agents'"
    assert position(view, "#5") < position(view, "Tus casos"), "waiting for your diagnosis"
    assert position(view, "#4") < position(view, "#5"), "the passed estimate first"
    assert f"Sin {glossary.MAINTAINER} en tus productos" in shown and "#7" in shown


def test_home_with_nothing_now_says_so() -> None:
    view = home.home_view(d.overview([], NOW), [], "U0AGENT002", CATALOG, desk=[])
    assert home.NOTHING_NOW in texts(view)
    assert views.NO_CASES in texts(view)


def test_home_with_many_cases_points_at_mios_and_mios_never_points_back() -> None:
    many = [summ(100 + n, State.IN_PROGRESS, agent=AGENT, created=T - n * H) for n in range(150)]
    view = home.home_view(d.overview(many, NOW), d.my_cases(many, AGENT), AGENT, CATALOG, desk=many)
    assert slack_rules.view_errors(view) == []
    assert len(view["blocks"]) <= 100
    assert any("`/soporte mios` los lista todos, de 20 en 20" in text for text in texts(view))
    for page in range(1, 9):
        message = views.mine_message(d.my_cases(many, AGENT), AGENT, NOW, page)
        assert slack_rules.message_errors(message["text"], message["blocks"]) is None
        assert "Inicio" not in json.dumps(message, ensure_ascii=False)


def test_mios_pages_cover_every_case_once() -> None:
    many = [summ(100 + n, State.IN_PROGRESS, agent=AGENT, created=T - n * H) for n in range(45)]
    mine = d.my_cases(many, AGENT)
    seen: list[str] = []
    for page in (1, 2, 3):
        message = views.mine_message(mine, AGENT, NOW, page)
        text = json.dumps(message, ensure_ascii=False)
        seen += [f"#{s['id']}" for s in mine if f"#{s['id']} " in text]
        buttons = [
            (e["text"]["text"], e["value"])
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        expected = {
            1: [("Siguientes →", "2")],
            2: [("← Anteriores", "1"), ("Siguientes →", "3")],
            3: [("← Anteriores", "2")],
        }[page]
        assert buttons == expected
    assert sorted(seen) == sorted(f"#{s['id']}" for s in mine)
    assert len(seen) == 45


def test_help_states_the_triage_chain_in_order() -> None:
    text = views.usage_message()["blocks"][0]["text"]["text"]
    chain = [glossary.EVENT_LABELS[event] for event, _ in glossary.TRIAGE_CHAIN]
    at = [text.index(f"*{label}*") for label in chain]
    assert at == sorted(at)
    assert "1. *Spam*" in text and "7. *Escalar a responsable técnico*" in text
    assert "triage" not in text.lower()
