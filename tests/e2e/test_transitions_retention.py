"""Retention leaves nothing of a finished case behind: every `soporte:*` key a case writes
on its way through the desk is one bot/adapters/keys.py knows, and retention deletes it."""

from __future__ import annotations

import time

from blocks import ids
from bot.adapters import keys
from bot.adapters.queue import Job
from bot.domain.lifecycle import State
from testkit.example_desk import MAINTAINER
from tests.harness import Desk, text_value
from tests.support.flows import diagnose, escalate, respond, take


def soporte_keys(desk: Desk) -> set[str]:
    return {k.decode() for k in desk.rt.redis.scan_iter(match="soporte:*", count=1000)}


def through_every_step(desk: Desk) -> int:
    """Escalated, taken, diagnosed, answered, relayed both ways, fixed, proposed, answered
    back, proposed again and confirmed: a case that wrote every kind of key."""
    tid = desk.new_ticket(subject="Error al exportar", body="Sale error 500")
    desk.intake()
    escalate(desk, tid, notes="Falla el PDF.")
    take(desk, tid)
    diagnose(desk, tid)
    desk.run_jobs()
    respond(desk, tid)
    desk.run_jobs()
    desk.zendesk.add_user_comment(tid, "Adjunto más detalles.")
    desk.intake()
    esc = desk.case(tid).escalation
    reply = {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "text": "Lo veo en los logs.",
        "ts": f"{time.time():.6f}",
        "thread_ts": esc.ts,
    }
    desk.event(reply, "Ev0KEYS001")
    desk.run_jobs()
    desk.click_in_thread(ids.Action.MARK_FIXED, tid, MAINTAINER)
    desk.submit(desk.opened_view(), {ids.Block.FIX_NOTE: text_value("Más memoria.")}, MAINTAINER)
    desk.run_jobs()
    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("Ya quedó.")})
    desk.run_jobs()
    desk.zendesk.add_user_comment(tid, "¿Seguro? Déjenme probar.")
    desk.intake()
    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("Pruebe otra vez, por favor.")})
    desk.run_jobs()
    desk.click(ids.Action.USER_CONFIRMED, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.RESOLVED
    return tid


def test_retention_deletes_every_key_a_finished_case_wrote(desk: Desk) -> None:
    before = soporte_keys(desk)
    tid = through_every_step(desk)
    esc = desk.case(tid).escalation
    other = desk.new_ticket(subject="Otro caso", body="Sigue abierto")
    desk.intake()
    written = soporte_keys(desk) - before
    assert {keys.owner(k) for k in written} >= {tid, other}
    assert keys.escalation_thread(esc.channel, esc.ts) in written
    families = {k.split(":")[1] for k in written if keys.owner(k) == tid}
    assert families >= {"case", "seen-comments", "zendesk-write", "own-update", "relay"}

    job = desk.rt.queue.enqueue(Job.EXPIRE_FINISHED.value, 0)  # finished before now: expired
    desk.run_jobs()
    assert job.latest_result().return_value == {"candidates": 1, "deleted": 1}

    left = soporte_keys(desk)
    unknown = {k for k in left if not keys.is_desk_key(k) and keys.owner(k) is None}
    assert unknown == set(), "a key keys.py does not know"
    mine = {k for k in left if keys.owner(k) == tid or str(tid) in k.split(":") or esc.ts in k}
    assert mine == set()
    assert not desk.rt.redis.hexists(keys.SUMMARIES, str(tid))
    assert desk.case(other) is not None, "an open case keeps its keys"
    assert keys.case_key(other) in left and desk.rt.redis.hexists(keys.SUMMARIES, str(other))
