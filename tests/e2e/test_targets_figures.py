"""The targets' figures and the estimates' calibration, end to end: `/soporte estado`, the Home,
`/soporte calibración` and the diagnosis modal, checked against values computed by hand.

The desk's calendar is open around the clock, so business time equals clock time here (the
unit tests hold the arithmetic of closed hours).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from blocks import ids
from bot.adapters.calibration_store import measured_fixes, record_fixes
from bot.domain.calibration import GivenEstimate, measure_fix
from tests.desk_calendar import desk_with
from tests.harness import AGENT, STRANGER, option, text_value
from tests.support.flows import escalate, respond, take

MAINTAINER = "U0MANT0001"
OTHER_MAINTAINER = "U0MANT0003"  # mercado-publico only
H = timedelta(hours=1)


@pytest.fixture
def desk(desk_env, slack, zendesk, tmp_path) -> Iterator:
    with desk_with(desk_env, slack, zendesk, tmp_path) as running:
        yield running


def shown(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def answered_tickets(desk, *ages: timedelta) -> list[int]:
    """Tickets that arrived `ages` ago (taken in together: the export's cursor moves on),
    each answered now with "Resolver con información"."""
    tickets = []
    for n, ago in enumerate(ages):
        created = (datetime.now(UTC) - ago).replace(microsecond=0)
        user = desk.zendesk.add_user("Ana Pérez", f"ana{n}@example.com")
        tickets.append(
            desk.zendesk.add_ticket("¿Cómo exporto?", "No veo", user, created_at=created)
        )
    desk.intake()
    for tid in tickets:
        desk.click(ids.Action.INFORMATION, tid)
        desk.submit(
            desk.opened_view(),
            {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value("Vea la guía.")},
        )
        desk.run_jobs()
    return tickets


def test_estado_and_the_home_show_targets_met_and_missed(desk):
    answered_tickets(desk, H, 5 * H)  # answered after 1 h (met: 4 h) and after 5 h (missed)
    text = shown(desk.command("estado"))
    for window in ("últimos 7 días", "últimos 30 días"):
        assert f"*Plazos · {window}*" in text
    # Nearest rank over [1 h, 5 h]: half took 1 h, nine in ten 5 h.
    expected = (
        "• Primera respuesta: 1 a tiempo, 1 fuera de plazo · la mitad en 1 h hábiles (1 h de "
        "reloj), 9 de cada 10 en 5 h hábiles (5 h de reloj)"
    )
    assert text.count(expected) == 2, text
    assert "• Propuesta de resolución: 2 a tiempo, 0 fuera de plazo" in text
    assert "• Diagnóstico: sin casos" in text

    desk.event(
        {"type": "app_home_opened", "user": AGENT, "channel": "D0AGENT001", "tab": "home"},
        "Ev0HOMETARGETS",
    )
    desk.run_jobs()
    home = json.dumps(desk.slack.calls_to("views.publish")[-1].params["view"], ensure_ascii=False)
    assert expected in home


def given(due: datetime, confidence: str, certainty: str = "media", summary: str = "Índice"):
    return GivenEstimate(due - 10 * H, due, certainty, confidence, MAINTAINER, summary)


def seed_history(desk) -> datetime:
    """Five fixes of Pulso by the same maintainer (latest estimates: alta ×3, media, baja)."""
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    calendar = desk.rt.catalog.calendar
    fixes = {
        # alta, fixed an hour early: met.
        7001: ([given(due, "alta", "alta")], due - H),
        # a certeza-alta diagnosis, later revised (another summary); latest: alta, 2 h late.
        7002: (
            [
                given(due - H, "media", "alta", "Índice corrupto"),
                GivenEstimate(due - 5 * H, due, "media", "alta", MAINTAINER, "Caché lleno"),
            ],
            due + 2 * H,
        ),
        7003: ([given(due, "alta")], due + 5 * H),  # alta, 5 h late
        7004: ([given(due, "media")], due + timedelta(minutes=30)),  # media, 30 min late
        7005: ([given(due, "baja")], due),  # baja, fixed at the estimate: met
    }
    record_fixes(
        desk.rt.redis,
        {tid: measure_fix("pulso", e, fixed, calendar) for tid, (e, fixed) in fixes.items()},
    )
    return due


def test_calibracion_per_product_and_maintainer_from_a_seeded_history(desk):
    seed_history(desk)
    text = shown(desk.command("calibración"))
    expected = (
        "• Confianza alta: cumplidas 1 de 3; atrasos 2 h, 5 h hábiles\\n"
        "• Confianza media: cumplidas 0 de 1; atraso 30 min hábiles\\n"
        "• Confianza baja: cumplidas 1 de 1\\n"
        "• Certeza alta revisada después: 1 de 2"
    )
    assert f"*Pulso*\\n{expected}" in text, text
    assert f"*<@{MAINTAINER}>*\\n{expected}" in text
    assert "%" not in text.replace("{", ""), "small samples are counts, not percentages"
    assert shown(desk.command("calibracion")) == text, "without the accent too"

    mine = shown(desk.command("calibración", user=OTHER_MAINTAINER))
    assert "Pulso" not in mine and "Aún no hay estimaciones medidas" in mine
    assert json.loads(shown(desk.command("calibración", user=STRANGER)))["text"].startswith(
        "La cola de soporte solo la ven"
    )


def test_a_fix_is_measured_and_the_maintainer_sees_their_record_before_estimating(desk):
    seed_history(desk)
    user = desk.zendesk.add_user("Ana Pérez", "ana@example.com")
    tid = desk.zendesk.add_ticket("Error al exportar", "Sale error 500", user)
    desk.intake()
    escalate(desk, tid, notes="Falla el PDF.")
    take(desk, tid)
    desk.click_in_thread(ids.Action.DIAGNOSE, tid, MAINTAINER)
    modal = json.dumps(desk.opened_view(), ensure_ascii=False)
    assert "📐 Con confianza alta cumpliste 1 de 3; con media, 0 de 1; con baja, 1 de 1." in modal
    desk.submit(
        desk.opened_view(),
        {
            ids.Block.DIAGNOSIS: text_value("El generador de PDF se queda sin memoria."),
            ids.Block.CERTAINTY: option("alta"),
            ids.Block.ESTIMATE: text_value("2 días"),
            ids.Block.CONFIDENCE: option("alta"),
        },
        user=MAINTAINER,
    )
    desk.run_jobs()
    respond(desk, tid, "Un informe muy grande.", expected="2099-01-01")
    desk.run_jobs()
    desk.click_in_thread(ids.Action.MARK_FIXED, tid, MAINTAINER)
    desk.submit(
        desk.opened_view(), {ids.Block.FIX_NOTE: text_value("Más memoria.")}, user=MAINTAINER
    )
    desk.run_jobs()
    [fix] = [o for o in measured_fixes(desk.rt.redis) if o.latest.estimate.summary.startswith("El")]
    assert fix.latest.met and fix.revisions == 0 and fix.latest.estimate.confidence == "alta"
    text = shown(desk.command("calibración"))
    assert "• Confianza alta: cumplidas 2 de 4; atrasos 2 h, 5 h hábiles" in text

    desk.event(
        {"type": "app_home_opened", "user": MAINTAINER, "channel": "D0MANT0001", "tab": "home"},
        "Ev0HOMECALIB",
    )
    desk.run_jobs()
    home = json.dumps(desk.slack.calls_to("views.publish")[-1].params["view"], ensure_ascii=False)
    assert "Tus estimaciones" in home
    assert "Con confianza alta cumpliste 2 de 4; con media, 0 de 1; con baja, 1 de 1." in home
