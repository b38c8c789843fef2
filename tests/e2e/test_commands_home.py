"""`/soporte` and the App Home end to end: signed slash commands and Events API callbacks
into the real app, jobs in a real RQ worker, views published to the Slack fake.

The history: two cases reach their state through the real path — a NEW one through the
intake (a real card), a DIAGNOSED one through clicks (escalate → take → diagnose, as
tests/e2e/test_escalation.py does). The states that take many steps or days to reach are
seeded straight into Redis through `CaseStore.create` (bench/dashboard.synthetic_record):
ESCALATED, ASSIGNED, IN_PROGRESS (one with a passed estimate), FIXED, AWAITING_CONFIRMATION
(3 days left), RESOLVED (recent, and 29/31 days finished for retention) and SPAM.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from blocks import ids
from bot.adapters.case_store import SUMMARIES
from bot.composition import utcnow
from bot.domain.case import Diagnosis
from bot.domain.lifecycle import State
from bot.services import escalation
from testkit.synthetic_cases import path, synthetic_record
from tests.harness import AGENT, OTHER_AGENT, STRANGER, click_payload, interactive_body
from tests.support.flows import diagnose, escalate, take
from workers.home import HOME_USERS

MAINTAINER = "U0MANT0001"
OTHER_MAINTAINER = "U0MANT0003"
HOUR = timedelta(hours=1)


@pytest.fixture
def desk(desk_over_both):
    """Every scenario of this module runs over signed HTTP and over Socket Mode."""
    return desk_over_both


def text_value(text: str) -> dict:
    return {"type": "plain_text_input", "value": text}


def option(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def shown(answer: Any) -> str:
    return json.dumps(answer, ensure_ascii=False)


def diagnosed_case(desk) -> int:
    """A real case: intake → card → Escalar → Tomar caso → Diagnóstico (clicks and modals)."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(subject="Error al exportar informe", body="Sale error 500", org_id=org)
    desk.intake()
    escalate(desk, tid, notes="Sospecho del PDF.")
    take(desk, tid)
    diagnose(desk, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.DIAGNOSED
    return tid


def seed(desk, tid: int, state: State, created: datetime, **kwargs: Any) -> int:
    assert desk.rt.store.create(synthetic_record(tid, state, created, **kwargs))
    return tid


def finished_ago(desk, tid: int, state: State, ago: timedelta) -> int:
    """A case that reached `state` (SPAM or RESOLVED) exactly `ago` before now."""
    steps = len(path(state, escalated=False))
    created = utcnow() - ago - steps * HOUR
    return seed(desk, tid, state, created, escalated=False)


@pytest.fixture
def history(desk) -> dict[str, int]:
    now = utcnow()
    cases = {"diagnosed": diagnosed_case(desk)}
    cases["new"] = desk.new_ticket(subject="No llegan las alertas")
    desk.intake()
    cases["escalated"] = seed(desk, 9001, State.ESCALATED, now - 5 * HOUR, agent=OTHER_AGENT)
    cases["assigned"] = seed(desk, 9002, State.ASSIGNED, now - 9 * HOUR)
    cases["in_progress"] = seed(
        desk, 9003, State.IN_PROGRESS, now - 30 * HOUR, estimate=now + timedelta(days=2)
    )
    cases["overdue"] = seed(
        desk,
        9004,
        State.IN_PROGRESS,
        now - timedelta(days=6),
        agent=OTHER_AGENT,
        maintainer=OTHER_MAINTAINER,
        product="mercado-publico",
        estimate=now - timedelta(days=1),
    )
    cases["fixed"] = seed(desk, 9005, State.FIXED, now - timedelta(days=2))
    # Resolved with information 4 days ago: its 7-day window has 3 days left.
    cases["awaiting"] = seed(
        desk, 9006, State.AWAITING_CONFIRMATION, now - timedelta(days=4) - HOUR, escalated=False
    )
    cases["resolved"] = finished_ago(desk, 9007, State.RESOLVED, timedelta(days=1))
    cases["spam"] = finished_ago(desk, 9008, State.SPAM, timedelta(days=2))
    return cases


def snapshot(desk) -> dict[str, Any]:
    """Everything a command could change: every Redis key and value (RQ's included), the
    queue, and the calls made to Slack and Zendesk."""
    r = desk.rt.redis
    return {
        "redis": {key: r.dump(key) for key in sorted(r.keys("*"))},
        "queued": desk.rt.queue.count,
        "slack": [c.method for c in desk.slack.calls if c.method != "auth.test"],
        "zendesk": len(desk.zendesk.requests),
    }


def open_home(desk, user: str, n: int = 1, tab: str = "home") -> None:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user[1:]}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    assert desk.event(event, f"Ev0HOME{user}{n}").status_code == 200


def click_on_home(desk, action_id: str, tid: int, user: str):
    """A button of the Home tab: no channel, no response_url (Slack sends none from a view)."""
    payload = {
        **click_payload(
            action_id,
            tid,
            user,
            "",
            "",
            trigger_id=desk.slack.issue_trigger(),
            response_url="",
        ),
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "callback_id": ids.View.HOME},
    }
    for key in ("channel", "message", "response_url"):
        del payload[key]
    payload["actions"][0]["block_id"] = f"{ids.HOME_CASE}{tid}"
    body = interactive_body(payload)
    return desk.post_signed(body, "application/x-www-form-urlencoded")


# --- /soporte estado ---------------------------------------------------------------------


def test_estado_summarises_the_desk(desk, history):
    before = snapshot(desk)
    response = desk.command("estado")
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    text = shown(answer["blocks"])
    for state, n in (
        ("Por clasificar", 1),
        ("Escalado", 1),
        ("Asignado", 1),
        ("Diagnosticado", 1),
        ("En curso", 2),
        ("Corregido", 1),
        ("Por confirmar", 1),
    ):
        assert f"*{state}*\\n{n}" in text, state
    new = desk.case(history["new"])
    assert new.card.permalink.startswith("https://fake.slack.com/archives/")
    assert f"{new.card.permalink}|#{history['new']}" in text
    assert "Más antiguo sin clasificar" in text and "No llegan las alertas" in text
    assert "Escalamientos sin tomar* (1)" in text and "#9001" in text
    assert "Estimaciones vencidas* (1)" in text and "#9004" in text
    assert f"<@{OTHER_MAINTAINER}>" in text
    assert "Esperando confirmación del usuario* (1)" in text and "quedan 3 días" in text
    # SLA: triaged in the last 7 days: the real case and the seeded ones (NEW excluded).
    assert "*Clasificación*\\nla mitad en menos de" in text and "(9 casos)" in text
    assert "*Resolución*\\nla mitad en menos de" in text
    assert snapshot(desk) == before, "answered from Redis reads only"


def test_estado_of_a_ticket_shows_its_timeline(desk, history):
    tid = history["diagnosed"]
    by_number = desk.command(f"estado {tid}").json()
    by_url = desk.command(f"estado <https://unholster.zendesk.com/agent/tickets/{tid}>").json()
    assert by_number["blocks"] == by_url["blocks"]
    text = shown(by_number)
    for phrase in (
        f"#{tid}",
        "Error al exportar informe",
        "Diagnosticado",
        "respuesta inicial al usuario",
        "Ana Pérez",
        "ana@example.com",
        "Municipalidad de Ejemplo",
        "Pulso",
        f"<@{MAINTAINER}>",
        "sin memoria",
        "certeza alta",
        "confianza media",
        "Historial* (3 pasos)",
        f"*Escalar a responsable técnico* (por clasificar → escalado) por <@{AGENT}>: "
        "«Sospecho del PDF.»",
        f"*Caso tomado* (escalado → asignado) por <@{MAINTAINER}>: «tomó el caso»",
        "*Diagnóstico* (asignado → diagnosticado)",
        "Ver tarjeta",
        "Hilo del escalamiento",
        "Abrir en Zendesk",
    ):
        assert phrase in text, phrase
    waiting = shown(desk.command(f"estado {history['awaiting']}").json())
    assert "Plazo de cierre" in waiting and "quedan 3 días" in waiting


def test_mios_lists_the_callers_cases(desk, history):
    mine = shown(desk.command("mios", user=AGENT).json())
    assert "Tus casos abiertos (5)" in mine
    for tid, waits in (
        (history["assigned"], "diagnóstico del responsable técnico"),
        (history["diagnosed"], "respuesta inicial al usuario"),
        (history["in_progress"], "seguimiento / corrección"),
        (history["fixed"], "proponer resolución"),
        (history["awaiting"], "confirmación del usuario (quedan 3 días)"),
    ):
        assert f"#{tid}" in mine and f"→ {waits}" in mine, waits
    for other in ("escalated", "overdue", "new", "resolved", "spam"):
        assert f"|#{history[other]}>" not in mine, other
    theirs = shown(desk.command("mios", user=OTHER_AGENT).json())
    assert "Tus casos abiertos (2)" in theirs
    assert "esperando que un responsable técnico lo tome" in theirs
    assert "seguimiento / corrección — estimación vencida" in theirs
    maintainer = shown(desk.command("míos", user=MAINTAINER).json())
    assert "Tus casos abiertos (4)" in maintainer and "(responsable técnico)" in maintainer
    nobody = desk.command("mios", user=STRANGER).json()
    assert "No tienes casos abiertos" in nobody["text"]


BAD = [
    ("estado abc", "«abc» no es un número de ticket"),
    ("estado 12 34", "«12 34» no es un número de ticket"),
    ("estado https://example.com/otra/cosa", "no es un número de ticket"),
    ("estado 424242", "No hay un caso para el ticket #424242"),
    ("estado https://otra.zendesk.com/agent/tickets/31337", "ticket #31337 en esta mesa"),
    ("mios todos", "no lleva argumentos"),
    ("borrar 1234", "No entiendo «borrar 1234»"),
    ("estado <!channel>", "«&lt;!channel&gt;» no es un número de ticket"),
    ("ayuda", None),
    ("", None),
]


def test_bad_arguments_answer_the_usage_and_do_nothing_else(desk, history):
    before = snapshot(desk)
    for text, problem in BAD:
        answer = desk.command(text).json()
        assert answer["response_type"] == "ephemeral"
        blocks = shown(answer["blocks"])
        assert "Uso de `/soporte`" in blocks and "/soporte estado 1234" in blocks, text
        if problem:
            assert problem in blocks, text
        else:
            assert "⚠️" not in blocks
        assert "<!channel>" not in blocks
    assert snapshot(desk) == before, "no Redis write, no job, no Slack or Zendesk call"


# --- the App Home --------------------------------------------------------------------------


def test_home_is_published_for_the_user_who_opened_it(desk, history):
    open_home(desk, AGENT)
    open_home(desk, AGENT, n=2)  # a second open before the job ran: one publish
    open_home(desk, OTHER_AGENT, tab="messages")  # the Messages tab is not the Home
    assert desk.rt.queue.count == 1
    desk.run_jobs()
    publishes = desk.slack.calls_to("views.publish")
    assert [c.params["user_id"] for c in publishes] == [AGENT]
    view = desk.slack.published(AGENT)
    assert desk.slack.published(OTHER_AGENT) is None and desk.slack.published(MAINTAINER) is None
    text = shown(view["blocks"])
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "Cola de soporte" not in text and "Casos abiertos por estado" in text
    assert "Tus casos (5)" in text and "Tiempos de atención" in text
    buttons = {
        (e["action_id"], e["value"])
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }
    assert (ids.Action.RESPOND, str(history["diagnosed"])) in buttons
    assert (ids.Action.PROPOSE_RESOLUTION, str(history["fixed"])) in buttons
    assert (ids.Action.USER_CONFIRMED, str(history["awaiting"])) in buttons
    assert not any(a == ids.Action.DIAGNOSE for a, _ in buttons), "the agent is no Mantenedor"
    assert desk.rt.redis.smembers(HOME_USERS) == {AGENT.encode()}

    open_home(desk, MAINTAINER)
    desk.run_jobs()
    mine = shown(desk.slack.published(MAINTAINER)["blocks"])
    assert f'"{ids.Action.DIAGNOSE}"' in mine and f'"{ids.Action.MARK_FIXED}"' in mine


def test_home_buttons_open_the_card_modals_and_the_home_follows_the_case(desk, history):
    tid = history["diagnosed"]
    open_home(desk, AGENT)
    desk.run_jobs()
    assert desk.slack.count("views.publish") == 1

    opened = desk.slack.count("views.open")
    assert click_on_home(desk, ids.Action.RESPOND, tid, AGENT).status_code == 200
    assert desk.slack.count("views.open") == opened + 1
    view = desk.opened_view()
    assert view["callback_id"] == ids.View.RESPONSE, "the same modal as the card's button"
    review = desk.submit(
        view,
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
    ).json()["view"]
    [reply] = [b for b in review["blocks"] if b.get("block_id") == ids.Block.REPLY]
    desk.submit(review, {ids.Block.REPLY: text_value(reply["element"]["initial_value"])})
    desk.run_jobs()
    assert desk.case(tid).case.state is State.IN_PROGRESS
    publishes = desk.slack.calls_to("views.publish")
    users = [c.params["user_id"] for c in publishes]
    assert len(users) >= 2 and set(users) == {AGENT}, (
        "republished for the agent (step taken, reply sent); the Mantenedor never opened it"
    )
    home = shown(desk.slack.published(AGENT)["blocks"])
    assert f"#{tid}" in home and "seguimiento / corrección" in home

    # A burst: two diagnosis revisions in the same moment share one refresh job, and the
    # Home is republished once for each user who has opened it, with the latest estimate.
    open_home(desk, MAINTAINER)
    desk.run_jobs()
    before = len(desk.slack.calls_to("views.publish"))
    now = utcnow()
    for estimate in (now + timedelta(days=5), now + timedelta(days=9)):
        revision = Diagnosis("Falta memoria.", "media", "pronto", estimate, "baja", MAINTAINER, now)
        escalation.diagnose(desk.rt, tid, revision, now)
    scheduled = desk.rt.queue.scheduled_job_registry.get_job_ids()
    assert len([j for j in scheduled if j.startswith(f"home-{tid}-")]) == 1
    desk.run_jobs()
    publishes = desk.slack.calls_to("views.publish")[before:]
    assert sorted(c.params["user_id"] for c in publishes) == sorted([AGENT, MAINTAINER])

    # From the Home a refused click has no channel to answer in: the app tells them in a DM.
    assert click_on_home(desk, ids.Action.RESPOND, tid, STRANGER).status_code == 200
    assert click_on_home(desk, ids.Action.DIAGNOSE, tid, AGENT).status_code == 200
    desk.run_jobs()
    assert desk.slack.count("views.open") == opened + 1
    assert desk.slack.calls_to("chat.postEphemeral") == []
    # The refusal is a DM from the app, which the user reads in its Messages tab.
    [refusal] = desk.slack.app_home_messages(STRANGER)
    assert "No tienes permiso" in refusal["text"]
    [not_owner] = desk.slack.app_home_messages(AGENT)
    assert "Solo el responsable técnico" in not_owner["text"]


# --- retention -----------------------------------------------------------------------------


def test_retention_expires_cases_finished_more_than_30_days_ago(desk):
    old = finished_ago(desk, 7001, State.RESOLVED, timedelta(days=31))
    recent = finished_ago(desk, 7002, State.RESOLVED, timedelta(days=29))
    old_spam = finished_ago(desk, 7003, State.SPAM, timedelta(days=45))
    still_open = seed(desk, 7004, State.IN_PROGRESS, utcnow() - timedelta(days=90))
    old_escalated = seed(desk, 7005, State.RESOLVED, utcnow() - timedelta(days=40))
    r = desk.rt.redis
    r.sadd(f"soporte:seen-comments:{old}", "1")
    esc = desk.case(old_escalated).escalation
    r.set(f"soporte:thread:{esc.channel}:{esc.ts}", old_escalated)

    job = desk.rt.queue.enqueue("workers.retention.expire_finished")
    desk.run_jobs()
    assert job.latest_result().return_value == {"candidates": 3, "deleted": 3}
    for gone in (old, old_spam, old_escalated):
        assert desk.case(gone) is None
        assert not r.hexists(SUMMARIES, str(gone))
    assert not r.exists(f"soporte:seen-comments:{old}")
    assert not r.exists(f"soporte:thread:{esc.channel}:{esc.ts}")
    for kept in (recent, still_open):
        assert desk.case(kept) is not None and r.hexists(SUMMARIES, str(kept))
    answer = shown(desk.command(f"estado {old}").json())
    assert f"No hay un caso para el ticket #{old}" in answer
