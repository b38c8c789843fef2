"""Socket Mode end to end: the real app on a WebSocket to the local Socket Mode server.

The scenarios of the issue — a triage click, a modal refused inline then accepted,
`/soporte ayuda`, a maintainer's thread message — run over both transports; a dropped
connection and Slack's refresh are Socket Mode only. Nothing is lost and nothing doubles.
"""

from __future__ import annotations

import time

import pytest

from blocks import ids
from bot.domain.lifecycle import State
from testkit.example_desk import MAINTAINER
from tests.harness import AGENT, OTHER_AGENT, text_value
from tests.socket_desk import NO_ACK_STATUS, SocketDesk
from tests.support.flows import escalate_new_ticket, take


@pytest.fixture
def desk(desk_over_both):
    return desk_over_both


@pytest.fixture
def socket_desk(desk):
    if not isinstance(desk, SocketDesk):
        pytest.skip("Socket Mode only")
    return desk


def user_messages(desk, tid: int) -> list[str]:
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


def new_case(desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    return tid


def maintainer_says(desk, tid: int, text: str, event_id: str, **extra) -> None:
    esc = desk.case(tid).escalation
    event = {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "text": text,
        "ts": f"{time.time():.6f}",
        "thread_ts": esc.ts,
        **extra,
    }
    assert desk.event(event, event_id).status_code == 200


def test_triage_click_decides_once(desk):
    tid = new_case(desk)
    assert desk.click(ids.Action.SPAM, tid).status_code == 200
    desk.run_jobs()
    assert desk.case(tid).case.state is State.SPAM
    assert "Spam" in desk.card_text(tid)
    assert desk.click(ids.Action.SPAM, tid, OTHER_AGENT).status_code == 200
    desk.run_jobs()
    assert "ya fue atendido" in desk.ephemerals(OTHER_AGENT)[-1]


def test_modal_refused_inline_then_accepted(desk):
    tid = new_case(desk)
    desk.click(ids.Action.UNSUPPORTED, tid)
    view = desk.opened_view()
    refused = desk.submit(view, {ids.Block.REPLY: text_value("   ")}).json()
    assert refused["response_action"] == "errors" and ids.Block.REPLY in refused["errors"]
    desk.run_jobs()
    assert user_messages(desk, tid) == [] and desk.case(tid).case.state is State.NEW
    accepted = desk.submit(view, {ids.Block.REPLY: text_value("No es un producto nuestro.")})
    assert accepted.status_code == 200 and not accepted.content
    desk.run_jobs()
    [reply] = user_messages(desk, tid)
    assert reply.startswith("No es un producto nuestro.")
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION


def test_soporte_ayuda_answers_in_the_ack(desk):
    answer = desk.command("ayuda").json()
    assert answer["response_type"] == "ephemeral"
    assert "Uso de `/soporte`" in answer["blocks"][0]["text"]["text"]


def test_maintainer_thread_message_reaches_the_agent_once(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    maintainer_says(desk, tid, "Lo veo en los logs de <@U0MANT0002>.", "Ev0SOCKET01")
    maintainer_says(desk, tid, "Lo veo en los logs de <@U0MANT0002>.", "Ev0SOCKET01")
    desk.run_jobs()
    relayed = [m for m in desk.thread(tid) if "logs" in m["text"]]
    assert len(relayed) == 1
    assert "<@U0MANT0002>" in relayed[0]["text"], "a mention from Slack stays a mention"


def test_dropped_connection_before_the_ack_of_an_event(socket_desk):
    """Slack redelivers an unacknowledged event on the new connection: relayed once."""
    desk = socket_desk
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    before = desk.socket.connections
    desk.drop_next_delivery()
    maintainer_says(desk, tid, "Ya encontré la causa.", "Ev0SOCKET02")
    assert desk.socket.connections > before, "the app reconnected"
    attempts = [
        d.envelope["retry_attempt"]
        for d in desk.socket.deliveries
        if d.envelope["type"] == "events_api"
        and d.envelope["payload"].get("event_id") == "Ev0SOCKET02"
    ]
    assert attempts == [0, 1]
    desk.run_jobs()
    assert len([m for m in desk.thread(tid) if "la causa" in m["text"]]) == 1


def test_dropped_connection_during_a_click_neither_loses_nor_doubles(socket_desk):
    """Slack does not redeliver a click it got no ack for; the agent presses again."""
    desk = socket_desk
    tid = new_case(desk)
    desk.click(ids.Action.UNSUPPORTED, tid)
    view = desk.opened_view()
    desk.drop_next_delivery()
    lost = desk.submit(view, {ids.Block.REPLY: text_value("No es un producto nuestro.")})
    assert lost.status_code == NO_ACK_STATUS
    desk.socket.wait_connected(2)
    again = desk.submit(view, {ids.Block.REPLY: text_value("No es un producto nuestro.")})
    assert again.status_code == 200
    desk.run_jobs()
    assert len(user_messages(desk, tid)) == 1, "the submission took effect exactly once"
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
    assert desk.click(ids.Action.SPAM, tid, AGENT).status_code == 200
    desk.run_jobs()
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION


def test_refresh_requested_reconnects_and_keeps_serving(socket_desk):
    desk = socket_desk
    for n, reason in enumerate(("warning", "refresh_requested"), start=2):
        desk.socket.disconnect(reason)
        desk.socket.wait_connected(n)
    desk.socket.close_old_connections()
    desk.socket.wait_settled()
    assert desk.command("ayuda").status_code == 200
    opens = desk.slack.calls_to("apps.connections.open")
    assert len(opens) >= 2 and all(not c.failed for c in opens)
    assert desk.slack.count("apps.connections.open") == desk.socket.connections
