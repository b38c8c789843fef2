"""A reply Zendesk refuses for good goes back to the agent: nothing is sent or resolved, the
closing window it would have opened is voided, and the card says why with its buttons."""

from __future__ import annotations

from rq.registry import FailedJobRegistry

from blocks import ids
from bot.adapters import keys
from bot.domain.lifecycle import Event, State
from testkit.example_desk import MAINTAINER
from tests.harness import Desk, option, text_value
from tests.support.flows import escalate, respond, take

REFUSED = "Zendesk rechazó la respuesta: 422 RecordInvalid"


def scheduled(desk: Desk) -> list[str]:
    return desk.rt.queue.scheduled_job_registry.get_job_ids()


def test_a_refused_triage_reply_puts_the_case_back_in_triage(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.intake()
    desk.zendesk.faults.fail_next(f"/tickets/{tid}", method="PUT", status=422)
    desk.click(ids.Action.INFORMATION, tid)
    desk.submit(
        desk.opened_view(),
        {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value("Vea el manual.")},
    )
    desk.run_jobs(horizon=3)

    record = desk.case(tid)
    assert record.case.state is State.NEW
    assert record.case.window_deadline is None
    assert keys.window_job(tid, record.case.window_generation) not in scheduled(desk)
    [reply] = record.replies
    assert reply.sent_at is None and reply.refused and reply.refused.startswith("422")
    assert desk.zendesk.public_comments(tid)[1:] == [], "nothing reached the user"
    assert desk.zendesk.ticket(tid)["status"] not in ("solved", "closed")
    card = desk.card_text(tid)
    assert REFUSED in card
    assert ids.Action.INFORMATION in card and ids.Action.ESCALATE in card, "decide again"
    told = [m["text"] for m in desk.thread(tid) if "rechazó la respuesta" in m["text"]]
    assert len(told) == 1 and "422" in told[0]
    assert len(FailedJobRegistry(queue=desk.rt.queue)) == 0, "not retried for an hour"

    desk.click(ids.Action.INFORMATION, tid)
    desk.submit(
        desk.opened_view(),
        {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value("Vea la guía rápida.")},
    )
    desk.run_jobs()
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
    bodies = [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]
    assert len(bodies) == 1 and "guía rápida" in bodies[0], "sent once, the new reply only"
    assert REFUSED not in desk.card_text(tid)


def test_a_refused_resolution_goes_back_to_the_agent_with_its_buttons(desk: Desk) -> None:
    tid = desk.new_ticket(subject="Error al exportar", body="Sale error 500")
    desk.intake()
    escalate(desk, tid, notes="Falla el PDF.")
    take(desk, tid)
    desk.click_in_thread(ids.Action.DIAGNOSE, tid, MAINTAINER)
    desk.submit(
        desk.opened_view(),
        {
            ids.Block.DIAGNOSIS: text_value("Sin memoria."),
            ids.Block.CERTAINTY: option("alta"),
            ids.Block.ESTIMATE: text_value("3 días"),
            ids.Block.CONFIDENCE: option("media"),
        },
        user=MAINTAINER,
    )
    desk.run_jobs()
    respond(desk, tid)
    desk.run_jobs()
    sent = len(desk.zendesk.public_comments(tid))
    desk.zendesk.faults.fail_next(f"/tickets/{tid}", method="PUT", status=422)
    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("Ya quedó corregido.")})
    desk.run_jobs(horizon=3)

    record = desk.case(tid)
    assert record.case.state is State.IN_PROGRESS
    assert record.case.timeline[-1].event is Event.REPLY_REFUSED
    assert keys.window_job(tid, record.case.window_generation) not in scheduled(desk)
    assert len(desk.zendesk.public_comments(tid)) == sent
    card = desk.card_text(tid)
    assert REFUSED in card and ids.Action.PROPOSE_RESOLUTION in card
    esc = desk.case(tid).escalation
    message = desk.slack.message(esc.channel, esc.ts)
    assert "esperando su confirmación" not in str(message["blocks"])
