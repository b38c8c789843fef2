"""The desk overview (bot/domain/dashboard.py), its SLA figures (sla.py), the `/soporte` text
(soporte_command.py) and their Block Kit (blocks/soporte_answers.py). Pure.

Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at
rank ⌈p/100 · n⌉ (1-based); the median is p50, the lower middle value for an even n.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from blocks import case_detail, home, ids, layout
from blocks import soporte_answers as views
from bot.adapters.catalog_reader import load_catalog
from bot.domain import dashboard as d
from bot.domain import soporte_command
from bot.domain.case_summary import summarize
from bot.domain.lifecycle import Event, State, apply
from bot.domain.sla import SlaFigure, percentile, sla_figures
from bot.services import retention
from bot.services.transitions import HOME_DEBOUNCE_SECONDS, home_refresh
from testkit.fakes import slack_rules
from testkit.synthetic_cases import synthetic_record

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T = NOW.timestamp()
H, M, DAY = 3600, 60, 86400
AGENT, OTHER = "U0AGENT001", "U0AGENT002"
MAINT = "U0MANT0001"
CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "catalog.example.toml")


def summ(tid: int, state: State = State.NEW, *, created: float, **fields: Any) -> dict[str, Any]:
    """A summary as bot/domain/case_summary.py writes it (times in Unix seconds)."""
    base = {
        "id": tid,
        "state": state.value,
        "subject": f"Asunto {tid}",
        "organization": "Municipalidad de Ejemplo",
        "product": "pulso",
        "created": created,
        "triaged": None,
        "first_response": None,
        "resolved": None,
        "finished": None,
        "escalated": None,
        "deadline": None,
        "estimate": None,
        "agent": None,
        "maintainer": None,
        "card": ["C0AGENTS01", f"1700000000.{tid:06d}"],
        "card_url": f"https://example.slack.com/archives/C0AGENTS01/p1700000000{tid:06d}",
        "busy": False,
        "updated": created,
    }
    return {**base, **fields}


def history() -> list[dict[str, Any]]:
    """A fixed history; every time below is relative to NOW.

    Triage (minutes after creation), triaged within 7 days: 10, 30, 20, 60, 40;
    triaged 8-29 days ago: 100, 200, 300; triaged 40 days ago: 5 (in no window).
    Initial response (hours), sent within 7 days: 2, 5, 1, 3; sent 20 days ago: 10.
    Resolution (hours), resolved within 7 days: 24, 48; resolved 17 days ago: 72.
    Case 21: created and triaged (15 min) 10 days ago, resolved 2 days ago (192 h).
    Case 20: everything 40 days ago, in no window.
    """
    out = []
    recent = [(10, 2, 24), (30, 5, 48), (20, 1, None), (60, 3, None), (40, None, None)]
    for n, (triage, response, resolution) in enumerate(recent, start=1):
        created = T - 6 * DAY + n * H
        out.append(
            summ(
                n,
                State.RESOLVED if resolution else State.IN_PROGRESS,
                created=created,
                triaged=created + triage * M,
                first_response=created + response * H if response else None,
                resolved=created + resolution * H if resolution else None,
            )
        )
    for n, triage in enumerate((100, 200, 300), start=10):
        created = T - (n + 10) * DAY  # 20, 21, 22 days ago
        out.append(
            summ(
                n,
                State.RESOLVED,
                created=created,
                triaged=created + triage * M,
                first_response=created + 10 * H if n == 10 else None,
                resolved=created + 72 * H if n == 10 else None,
            )
        )
    old = T - 40 * DAY
    out.append(summ(20, State.RESOLVED, created=old, triaged=old + 5 * M, resolved=old + 10 * H))
    # Created 10 days ago, triaged then, resolved 2 days ago: only its resolution is recent.
    late = T - 10 * DAY
    out.append(summ(21, State.RESOLVED, created=late, triaged=late + 15 * M, resolved=T - 2 * DAY))
    return out


# --- percentiles and SLA --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([], 50, None),
        ([7], 50, 7),
        ([7], 90, 7),
        ([4, 1, 3, 2], 50, 2),  # rank ⌈2⌉ = 2: the lower middle value
        ([4, 1, 3, 2], 90, 4),  # rank ⌈3.6⌉ = 4
        ([5, 1, 4, 2, 3], 50, 3),
        (list(range(1, 11)), 90, 9),  # rank ⌈9⌉ = 9
        (list(range(1, 12)), 90, 10),  # rank ⌈9.9⌉ = 10
        ([3, 1, 2], 100, 3),
    ],
)
def test_nearest_rank_percentile(values, pct, expected):
    assert percentile(values, pct) == expected


def test_sla_figures_against_hand_computed_values():
    sla = sla_figures(history(), NOW)
    week, month = sla[7], sla[30]
    # Triage within 7 days: 10 20 30 40 60 min (case 21 was triaged 10 days ago).
    assert week["triage"] == SlaFigure(5, 30 * M, 60 * M)
    # Within 30 days: + 15, 100, 200, 300 → 10 15 20 30 40 60 100 200 300 (n=9):
    # median rank ⌈4.5⌉ = 5 → 40 min; p90 rank ⌈8.1⌉ = 9 → 300 min.
    assert month["triage"] == SlaFigure(9, 40 * M, 300 * M)
    # Initial response within 7 days: 1 2 3 5 h → median rank 2 = 2 h, p90 rank 4 = 5 h.
    assert week["response"] == SlaFigure(4, 2 * H, 5 * H)
    # Within 30 days: + 10 h → 1 2 3 5 10 → median 3 h, p90 rank ⌈4.5⌉ = 5 → 10 h.
    assert month["response"] == SlaFigure(5, 3 * H, 10 * H)
    # Resolution within 7 days: 24 h, 48 h and case 21 (8 days) → 24 48 192 h.
    assert week["resolution"] == SlaFigure(3, 48 * H, 192 * H)
    # Within 30 days: + case 10's 72 h → 24 48 72 192: median rank 2 = 48 h, p90 = 192 h.
    assert month["resolution"] == SlaFigure(4, 48 * H, 192 * H)


def test_sla_without_cases_says_so():
    sla = sla_figures([], NOW)
    assert sla[7]["triage"] == SlaFigure(0, None, None)
    message = views.status_message(d.overview([], NOW))
    assert "sin casos" in json.dumps(message, ensure_ascii=False)


# --- counts and lists ---------------------------------------------------------------------


def open_desk() -> list[dict[str, Any]]:
    return [
        summ(1, State.NEW, created=T - 5 * H),
        summ(2, State.NEW, created=T - 30 * H, card=None, card_url=None),
        summ(3, State.ESCALATED, created=T - 50 * H, escalated=T - 3 * H, agent=AGENT),
        summ(4, State.ESCALATED, created=T - 20 * H, escalated=T - 10 * H, agent=OTHER),
        summ(5, State.ASSIGNED, created=T - 9 * H, agent=AGENT, maintainer=MAINT),
        summ(6, State.DIAGNOSED, created=T - DAY, agent=AGENT, maintainer=MAINT, estimate=T - H),
        summ(
            7, State.IN_PROGRESS, created=T - DAY, agent=OTHER, maintainer=MAINT, estimate=T + DAY
        ),
        summ(
            8,
            State.IN_PROGRESS,
            created=T - 9 * DAY,
            agent=OTHER,
            maintainer="U0MANT0003",
            estimate=T - 3 * DAY,
        ),
        summ(9, State.FIXED, created=T - DAY, agent=AGENT, maintainer=MAINT, estimate=T - DAY),
        summ(
            10, State.AWAITING_CONFIRMATION, created=T - 2 * DAY, agent=AGENT, deadline=T + 3 * DAY
        ),
        summ(11, State.AWAITING_CONFIRMATION, created=T - 8 * DAY, agent=OTHER, deadline=T + 5 * H),
        summ(12, State.RESOLVED, created=T - 8 * DAY, agent=AGENT, finished=T - DAY),
        summ(13, State.SPAM, created=T - 8 * DAY, agent=AGENT, finished=T - DAY),
    ]


def test_counts_oldest_and_lists():
    ov = d.overview(open_desk(), NOW)
    assert ov.counts == {
        State.NEW: 2,
        State.ESCALATED: 2,
        State.ASSIGNED: 1,
        State.DIAGNOSED: 1,
        State.IN_PROGRESS: 2,
        State.FIXED: 1,
        State.AWAITING_CONFIRMATION: 2,
        State.USER_ANSWERED: 0,
    }
    assert ov.total == 13 and ov.finished == 2
    assert ov.oldest_new["id"] == 2
    assert [s["id"] for s in ov.unclaimed] == [4, 3], "the longest waiting since escalation"
    # Passed estimates of cases not fixed yet, most overdue first (FIXED #9 is not overdue).
    assert [s["id"] for s in ov.overdue] == [8, 6]
    assert [s["id"] for s in ov.awaiting] == [11, 10], "nearest deadline first"


@pytest.mark.parametrize(
    ("left", "days"),
    [(3 * DAY, 3), (2 * DAY + H, 3), (5 * H, 1), (1, 1), (0, 0), (-H, 0)],
)
def test_days_left_rounds_up(left, days):
    assert d.days_left(T + left, NOW) == days


def test_days_left_without_deadline():
    assert d.days_left(None, NOW) is None


def test_next_action_per_state():
    cases = {s["id"]: s for s in open_desk()}
    assert d.next_action(cases[1], NOW) == "clasificar el caso"
    assert d.next_action(cases[3], NOW) == "esperando que un responsable técnico lo tome"
    assert d.next_action(cases[5], NOW) == "diagnóstico del responsable técnico"
    assert d.next_action(cases[6], NOW) == "respuesta inicial al usuario — estimación vencida"
    assert d.next_action(cases[7], NOW) == "seguimiento / corrección"
    assert d.next_action(cases[9], NOW) == "proponer resolución"
    assert d.next_action(cases[10], NOW) == "confirmación del usuario (quedan 3 días)"
    assert d.next_action(cases[11], NOW) == "confirmación del usuario (queda 1 día)"


def test_my_cases_as_agent_or_maintainer():
    summaries = open_desk()
    assert [s["id"] for s in d.my_cases(summaries, AGENT)] == [3, 5, 6, 9, 10]
    assert [s["id"] for s in d.my_cases(summaries, MAINT)] == [5, 6, 7, 9]
    assert d.my_cases(summaries, "U0NOBODY01") == []
    assert d.roles(summaries[4], AGENT) == ("agente",)
    assert d.roles(summaries[4], MAINT) == ("responsable técnico",)


def test_expired_after_thirty_days_only_when_finished():
    summaries = [
        summ(1, State.RESOLVED, created=T - 40 * DAY, finished=T - 31 * DAY),
        summ(2, State.RESOLVED, created=T - 40 * DAY, finished=T - 29 * DAY),
        summ(3, State.SPAM, created=T - 40 * DAY, finished=T - 35 * DAY),
        summ(4, State.IN_PROGRESS, created=T - 90 * DAY),
        # An older summary without "finished" falls back to "resolved", then "updated".
        {
            k: v
            for k, v in summ(5, State.RESOLVED, created=T - 50 * DAY, resolved=T - 45 * DAY).items()
            if k != "finished"
        },
    ]
    assert retention.expired(summaries, NOW) == [1, 3, 5]


# --- the summary of a real record ---------------------------------------------------------


def test_summarize_a_resolved_escalated_case():
    created = NOW - timedelta(days=2)
    record = synthetic_record(77, State.RESOLVED, created, step=timedelta(hours=1))
    s = summarize(record)
    assert s["state"] == "resolved" and s["agent"] == AGENT and s["maintainer"] == MAINT
    assert s["created"] == int(created.timestamp())
    assert s["triaged"] - s["created"] == 3600, "escalation is the triage decision"
    assert s["escalated"] == s["triaged"]
    # Initial response at step 4 (+1 min sent); resolution (user confirmed) at step 7.
    assert s["first_response"] - s["created"] == 4 * 3600 + 60
    assert s["resolved"] - s["created"] == 7 * 3600 == s["finished"] - s["created"]
    assert s["card"] == ["C0AGENTS01", "1700000077.000100"]
    assert s["busy"] is False and "requester" not in json.dumps(s)


# --- ticket argument ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234", 1234),
        ("#1234", 1234),
        (" 42 ", 42),
        ("https://x.zendesk.com/agent/tickets/1234", 1234),
        ("https://x.zendesk.com/agent/tickets/1234/events", 1234),
        ("<https://x.zendesk.com/agent/tickets/1234>", 1234),
        ("<https://x.zendesk.com/agent/tickets/1234|ticket>", 1234),
        ("http://soporte.unholster.com/hc/es/requests/98", 98),
        ("https://x.zendesk.com/api/v2/tickets/55.json", None),
        ("abc", None),
        ("12a", None),
        ("0", None),
        ("-5", None),
        ("1234567890123456", None),
        ("", None),
        ("https://example.com/", None),
        ("ftp://x.zendesk.com/agent/tickets/1", None),
        ("x.zendesk.com/agent/tickets/1", None),
        ("https://x.zendesk.com/agent/tickets/", None),
        ("https://[bad/agent/tickets/1", None),
    ],
)
def test_parse_ticket(raw, expected):
    assert soporte_command.parse_ticket(raw) == expected


@pytest.mark.parametrize(
    ("text", "kind", "ticket"),
    [
        ("estado", "estado", None),
        ("  Estado  ", "estado", None),
        ("estado 1234", "caso", 1234),
        ("estado https://x.zendesk.com/agent/tickets/9", "caso", 9),
        ("mios", "mios", None),
        ("míos", "mios", None),
        ("ayuda", "ayuda", None),
        ("", "ayuda", None),
        ("estado abc", "error", None),
        ("estado 1 2", "error", None),
        ("mios todos", "error", None),
        ("borrar 1234", "error", None),
        ("ayuda estado", "error", None),
    ],
)
def test_parse_command(text, kind, ticket):
    command = soporte_command.parse_command(text)
    assert (command.kind, command.ticket_id) == (kind, ticket)
    if kind == "error":
        assert command.problem


def test_bad_argument_is_quoted_back_escaped():
    command = soporte_command.parse_command("estado <!channel>")
    assert "&lt;!channel&gt;" in command.problem and "<!channel>" not in command.problem


# --- builders -------------------------------------------------------------------------------


def texts_of(node: Any) -> list[tuple[str, str]]:
    """("field" or "text", text) of every text object under `node`."""
    found: list[tuple[str, str]] = []

    def walk(value: Any, in_field: bool) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                found.append(("field" if in_field else "text", value["text"]))
            for key, child in value.items():
                walk(child, in_field or key == "fields")
        elif isinstance(value, list):
            for child in value:
                walk(child, in_field)

    walk(node, False)
    return found


def assert_within_limits(blocks: list[dict[str, Any]], max_blocks: int) -> None:
    assert len(blocks) <= max_blocks
    for where, text in texts_of(blocks):
        assert len(text) <= 3000, (where, len(text))
        if where == "field":
            assert len(text) <= 2000
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25


def test_status_message_in_spanish_with_card_links():
    message = views.status_message(d.overview(open_desk() + history(), NOW), CATALOG)
    shown = json.dumps(message, ensure_ascii=False)
    for phrase in (
        "Cola de soporte",
        "Por clasificar",
        "Escalado",
        "Asignado",
        "Diagnosticado",
        "En curso",
        "Corregido",
        "Por confirmar",
        "Más antiguo sin clasificar",
        "Escalamientos sin tomar",
        "Estimaciones vencidas",
        "Esperando confirmación del usuario",
        "Tiempos de atención",
        "Últimos 7 días",
        "Últimos 30 días",
        "la mitad en menos de",
        "9 de cada 10 en menos de",
    ):
        assert phrase in shown, phrase
    assert "https://example.slack.com/archives/C0AGENTS01/p1700000000000004|#4" in shown
    assert "#2 Asunto 2 — llegó hace 1 d 6 h" in shown, "oldest untriaged, no card: plain #2"
    assert "quedan 3 días" in shown and "Pulso" in shown
    # 7-day triage from history(): median 30 min, p90 1 h.
    assert "la mitad en menos de 30 min · 9 de cada 10 en menos de 1 h (5 casos)" in shown
    assert "p90" not in shown and "triage" not in shown.lower()
    assert_within_limits(message["blocks"], 50)


def test_long_lists_are_cut_with_y_n_mas():
    many = [
        summ(
            1000 + n,
            State.ESCALATED,
            created=T - DAY,
            escalated=T - n * M,
            subject="Un asunto bastante largo " * 5,
        )
        for n in range(150)
    ]
    message = views.status_message(d.overview(many, NOW), CATALOG)
    shown = json.dumps(message, ensure_ascii=False)
    assert f"…y {150 - layout.LIST_ITEMS} más" in shown
    assert "Escalamientos sin tomar* (150)" in shown
    assert_within_limits(message["blocks"], 50)


def test_pack_respects_the_character_budget():
    lines = [f"• línea {n} " + "x" * 200 for n in range(40)]
    text = layout.pack("*Título*", lines, max_items=40)
    assert len(text) <= 3000 and text.endswith("más")
    shown = text.count("• línea")
    assert f"…y {40 - shown} más" in text


def test_mine_message_150_cases():
    many = [
        summ(
            2000 + n,
            State.IN_PROGRESS,
            created=T - n * H,
            agent=AGENT,
            maintainer=MAINT,
            subject="Informe que no exporta " * 4,
        )
        for n in range(150)
    ]
    message = views.mine_message(d.my_cases(many, AGENT), AGENT, NOW)
    shown = json.dumps(message, ensure_ascii=False)
    assert "Tus casos abiertos (150)" in shown
    assert "→ seguimiento / corrección" in shown
    assert "Página 1 de 8 · casos 1 a 20" in shown and "Inicio" not in shown
    [pages] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["value"]) for e in pages["elements"]] == [("Siguientes →", "2")]
    assert_within_limits(message["blocks"], 50)
    last = views.mine_message(d.my_cases(many, AGENT), AGENT, NOW, page=8)
    shown = json.dumps(last, ensure_ascii=False)
    assert "Página 8 de 8 · casos 141 a 150" in shown
    [pages] = [b for b in last["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["value"]) for e in pages["elements"]] == [("← Anteriores", "7")]


def test_mine_message_when_nothing_is_yours():
    message = views.mine_message([], AGENT, NOW)
    assert "No tienes casos abiertos" in message["text"]


def test_home_view_150_cases_within_100_blocks_with_the_card_buttons():
    # The user is both agent and Mantenedor of every case: both sets of buttons.
    many = [
        summ(3000 + n, state, created=T - n * H, agent=AGENT, maintainer=AGENT, deadline=T + DAY)
        for n, state in enumerate(
            [State.DIAGNOSED, State.IN_PROGRESS, State.FIXED, State.AWAITING_CONFIRMATION] * 38
        )
    ][:150]
    view = home.home_view(d.overview(many, NOW), d.my_cases(many, AGENT), AGENT, CATALOG)
    assert view["type"] == "home"
    assert_within_limits(view["blocks"], 100)
    shown = json.dumps(view, ensure_ascii=False)
    assert "Tus casos (150)" in shown and "más" in shown and "/soporte mios" in shown
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    action_ids = {b["action_id"] for b in buttons}
    assert {ids.Action.RESPOND, ids.Action.DIAGNOSE, ids.Action.MARK_FIXED} <= action_ids
    assert all(b["value"].isdigit() for b in buttons), "the value is the ticket id"
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), "block ids are unique in a view"


@pytest.mark.parametrize(
    ("state", "user", "expected"),
    [
        (State.DIAGNOSED, AGENT, [ids.Action.RESPOND]),
        (State.IN_PROGRESS, AGENT, [ids.Action.RESPOND, ids.Action.PROPOSE_RESOLUTION]),
        (State.FIXED, AGENT, [ids.Action.PROPOSE_RESOLUTION, ids.Action.RESPOND]),
        (State.AWAITING_CONFIRMATION, AGENT, [ids.Action.USER_CONFIRMED]),
        (State.ESCALATED, AGENT, [ids.Action.ACKNOWLEDGE]),
        (State.ASSIGNED, MAINT, [ids.Action.DIAGNOSE]),
        # The fix is reported once the user had the initial response (bot/domain/offers.py).
        (State.DIAGNOSED, MAINT, [ids.Action.DIAGNOSE]),
        (State.IN_PROGRESS, MAINT, [ids.Action.DIAGNOSE, ids.Action.MARK_FIXED]),
        (State.FIXED, MAINT, []),
        (
            State.USER_ANSWERED,
            AGENT,
            [ids.Action.PROPOSE_RESOLUTION, ids.Action.USER_CONFIRMED, ids.Action.NOT_FIXED],
        ),
    ],
)
def test_home_buttons_per_role_and_state(state, user, expected):
    summary = summ(5, state, created=T, agent=AGENT, maintainer=MAINT)

    def pressed(summary):
        actions = home.home_actions(summary, user, CATALOG)
        return [b.action_id for b in actions.elements] if actions else []

    assert pressed(summary) == expected
    # While a reply is on its way the agent waits; the Mantenedor's work does not.
    assert pressed({**summary, "busy": True}) == ([] if user == AGENT else expected)


def test_case_message_shows_the_whole_case():
    record = synthetic_record(
        555, State.IN_PROGRESS, NOW - timedelta(days=2), estimate=NOW + timedelta(days=1)
    )
    message = case_detail.case_message(record, CATALOG, NOW, show_email=True)
    shown = json.dumps(message, ensure_ascii=False)
    for phrase in (
        "#555",
        "En curso",
        "seguimiento / corrección",
        "Ana Pérez",
        "ana555@example.com",
        "Municipalidad de Ejemplo",
        "Pulso",
        f"<@{MAINT}>",
        "Diagnóstico",
        "certeza alta",
        "confianza media",
        "Historial* (4 pasos)",
        "Escalar a responsable técnico",
        "Caso tomado",
        "Respuesta inicial",
        "paso 1: escalate",
        "Ver tarjeta",
        "Abrir en Zendesk",
        "Hilo del escalamiento",
    ):
        assert phrase in shown, phrase
    assert "ana555@example.com" not in json.dumps(case_detail.case_message(record, CATALOG, NOW))
    assert_within_limits(message["blocks"], 50)


def test_case_message_names_the_ticket_in_its_notification_text():
    record = synthetic_record(558, State.IN_PROGRESS, NOW - timedelta(days=2))
    message = case_detail.case_message(record, CATALOG, NOW)
    assert message["text"] == f"#558 · en curso · {record.ticket.subject}"


def test_case_message_organisation_from_the_catalogue_when_zendesk_gave_no_name():
    record = synthetic_record(559, State.NEW, NOW - timedelta(hours=1), escalated=False)
    ticket = dataclasses.replace(record.ticket, organization_name=None)
    message = case_detail.case_message(dataclasses.replace(record, ticket=ticket), CATALOG, NOW)
    [org] = [f["text"] for f in message["blocks"][1]["fields"] if "Organización" in f["text"]]
    assert org == "*Organización*\nMunicipalidad de Ejemplo"


def test_case_message_window_deadline():
    record = synthetic_record(
        556, State.AWAITING_CONFIRMATION, NOW - timedelta(days=1), escalated=False
    )
    shown = json.dumps(case_detail.case_message(record, CATALOG, NOW), ensure_ascii=False)
    assert "Plazo de cierre" in shown and "quedan 7 días" in shown


def test_case_message_long_timeline_is_cut():
    record = synthetic_record(557, State.IN_PROGRESS, NOW - timedelta(days=30))
    case = record.case
    for n in range(1000):
        at = NOW - timedelta(days=20) + timedelta(minutes=n)
        case = apply(case, Event.SEND_UPDATE, AGENT, at, "Novedades del caso " * 20)
    message = case_detail.case_message(dataclasses.replace(record, case=case), CATALOG, NOW)
    assert_within_limits(message["blocks"], 50)
    assert slack_rules.message_errors(message["text"], message["blocks"]) is None
    sections = [b["text"]["text"] for b in message["blocks"] if "text" in b][1:]
    shown = sum(text.count("*Actualización al usuario*") for text in sections)
    assert 0 < shown < 1000
    assert sections[-1].rstrip().endswith("»"), "the newest step closes the list"
    pointer = message["blocks"][-1]["elements"][0]["text"]
    assert f"los {1004 - shown} anteriores no caben" in pointer


def test_usage_message_with_the_problem():
    message = views.usage_message("⚠️ No entiendo «borrar».")
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith("⚠️ No entiendo «borrar».")
    assert "Uso de `/soporte`" in text and "/soporte estado 1234" in text
    assert "/soporte mios" in text and "/soporte ayuda" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (20, "menos de 1 min"),
        (45 * M, "45 min"),
        (3 * H, "3 h"),
        (3 * H + 5 * M, "3 h 05 min"),
        (2 * DAY + 4 * H, "2 d 4 h"),
        (2 * DAY, "2 d"),
    ],
)
def test_duration(seconds, text):
    assert views.duration(seconds) == text


def test_home_refresh_job_id_dedupes_a_burst():
    at = datetime.fromtimestamp(1_800_000_000, UTC)
    first = home_refresh(9, at)
    same = home_refresh(9, at + timedelta(seconds=HOME_DEBOUNCE_SECONDS - 0.5))
    later = home_refresh(9, at + timedelta(seconds=HOME_DEBOUNCE_SECONDS))
    assert first.job_id == same.job_id != later.job_id
    assert first.func == "workers.home.refresh_homes" and first.args == (9,)
    assert first.at == same.at <= at, "due at once: the scheduler's next pass runs it"
