"""A maintainer's reply reaches the agent's card thread once, even when Slack took the relay
but its answer was lost and the relay job ran again."""

from __future__ import annotations

import time

from tests.harness import Desk
from tests.support.flows import escalate, take

MAINTAINER = "U0MANT0001"


def taken(desk: Desk) -> int:
    tid = desk.new_ticket(subject="Error al exportar", body="Sale error 500")
    desk.intake()
    escalate(desk, tid, notes="Falla el PDF.")
    take(desk, tid)
    return tid


def maintainer_says(desk: Desk, tid: int, text: str, event_id: str) -> None:
    esc = desk.case(tid).escalation
    event = {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "text": text,
        "ts": f"{time.time():.6f}",
        "thread_ts": esc.ts,
    }
    assert desk.event(event, event_id).status_code == 200


def test_a_relay_whose_answer_slack_lost_is_posted_once(desk: Desk) -> None:
    tid = taken(desk)
    desk.slack.faults.drop_after_accept("chat.postMessage")
    maintainer_says(desk, tid, "Ya veo el problema en los logs.", "Ev0LOST001")
    desk.run_jobs(horizon=5)
    copies = [m for m in desk.thread(tid) if "en los logs" in m["text"]]
    assert len(copies) == 1, copies
    assert desk.slack.count("chat.postMessage") >= 1


def test_an_edit_after_a_lost_answer_rewrites_the_one_copy(desk: Desk) -> None:
    tid = taken(desk)
    desk.slack.faults.drop_after_accept("chat.postMessage")
    esc = desk.case(tid).escalation
    ts = f"{time.time():.6f}"
    new = {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "text": "Reviso.",
        "ts": ts,
        "thread_ts": esc.ts,
    }
    desk.event(new, "Ev0LOST002")
    desk.run_jobs(horizon=5)
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": esc.channel,
        "message": {**new, "text": "Reviso los logs del PDF.", "edited": {"user": MAINTAINER}},
        "previous_message": new,
        "ts": f"{time.time():.6f}",
    }
    desk.event(edited, "Ev0LOST003")
    desk.run_jobs(horizon=5)
    copies = [m for m in desk.thread(tid) if "Reviso" in m["text"]]
    assert len(copies) == 1 and "logs del PDF" in copies[0]["text"], copies
