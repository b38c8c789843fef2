"""Faults 2, 3 and 4: retried events and double clicks arriving at the same instant, and
people who may not do what they clicked."""

from __future__ import annotations

import logging
import time

import pytest

from blocks import ids
from bot.domain import desk_texts as texts
from bot.domain.lifecycle import Event, State
from testkit.example_desk import CHANNEL_MEMBER, MAINTAINER, PULSO_CHANNEL
from tests.harness import AGENT, OTHER_AGENT, STRANGER, Desk, text_value
from tests.support.concurrency import prepare, send_together
from tests.support.flows import carded_ticket, escalate, take, user_replies

TRIAGE = {
    Event.MARK_SPAM,
    Event.WRONG_RECIPIENT,
    Event.REFER_TO_PERSON,
    Event.UNSUPPORTED_PRODUCT,
    Event.RESOLVE_WITH_INFORMATION,
    Event.RESOLVE_WITH_ACTION,
    Event.ESCALATE,
}


def decisions(desk: Desk, tid: int) -> list[Event]:
    return [s.event for s in desk.case(tid).case.timeline if s.event in TRIAGE]


def told_already_decided(desk: Desk, user: str, tid: int) -> list[str]:
    return [m for m in desk.ephemerals(user) if f"#{tid} ya fue atendido" in m]


# --- one event delivered many times ------------------------------------------------------------


def test_one_event_delivered_four_times_at_once_is_relayed_once(desk: Desk) -> None:
    """A maintainer's reply in the escalation thread arrives four times at the same
    instant (the original and Slack's retries 1-3, each from its own thread): one relay."""
    tid = carded_ticket(desk)
    escalate(desk, tid)
    take(desk, tid)
    esc = desk.case(tid).escalation
    event = {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "text": "Ya veo el problema en los logs del worker.",
        "ts": f"{time.time():.6f}",
        "thread_ts": esc.ts,
    }
    deliveries = [prepare(desk.event, event, "Ev0RACE0001", retry_num=n) for n in (None, 1, 2, 3)]
    assert [r.headers.get("X-Slack-Retry-Num") for r in deliveries] == [None, "1", "2", "3"]

    responses = send_together(desk, deliveries)
    desk.run_jobs()

    assert [r.status_code for r in responses] == [200] * 4
    relayed = [m for m in desk.thread(tid) if "logs del worker" in m["text"]]
    assert len(relayed) == 1, relayed
    assert desk.rt.redis.exists("soporte:event:Ev0RACE0001")
    assert all("logs del worker" not in c["body"] for c in desk.zendesk.public_comments(tid))


# --- double clicks and races -------------------------------------------------------------------


def test_double_click_on_spam_decides_once(desk: Desk) -> None:
    """Two signed Spam clicks by the same agent at the same instant: one decision
    in the timeline, the ticket closed once, and the second click is told."""
    tid = carded_ticket(desk)
    clicks = [prepare(desk.click, ids.Action.SPAM, tid) for _ in range(2)]

    responses = send_together(desk, clicks)
    desk.run_jobs()

    assert [r.status_code for r in responses] == [200, 200]
    assert decisions(desk, tid) == [Event.MARK_SPAM]
    assert desk.case(tid).case.state is State.SPAM
    closes = [
        r
        for r in desk.zendesk.requests
        if r.method == "PUT" and (r.body or {}).get("ticket", {}).get("status") == "solved"
    ]
    assert len(closes) == 1
    assert len([n for n in desk.zendesk.internal_notes(tid) if "Spam" in n["body"]]) == 1
    assert len(told_already_decided(desk, AGENT, tid)) == 1
    assert user_replies(desk, tid) == []


@pytest.mark.slow
def test_two_agents_two_buttons_at_once_one_decision(desk: Desk) -> None:
    """On each of five cards, one agent submits "Producto no soportado" while
    another presses Spam, released together by a barrier: exactly one decision per case,
    its effects only, and the loser is told (inline in the modal, or privately)."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tids = [desk.new_ticket(org_id=org, email=f"u{n}@example.com") for n in range(5)]
    desk.intake()
    races = []
    for tid in tids:
        desk.click(ids.Action.UNSUPPORTED, tid, AGENT)
        view = desk.opened_view()
        submit = prepare(
            desk.submit, view, {ids.Block.REPLY: text_value(f"No es nuestro ({tid}).")}
        )
        spam = prepare(desk.click, ids.Action.SPAM, tid, OTHER_AGENT)
        races.append((tid, submit, spam))
    desk.run_jobs()

    answers = {tid: send_together(desk, [submit, spam])[0] for tid, submit, spam in races}
    desk.run_jobs()

    for tid, answer in answers.items():
        made = decisions(desk, tid)
        assert len(made) == 1, (tid, made)
        record = desk.case(tid)
        if made == [Event.MARK_SPAM]:
            assert record.case.state is State.SPAM
            errors = answer.json()["errors"]
            assert any("ya fue atendido" in e and OTHER_AGENT in e for e in errors.values())
            assert user_replies(desk, tid) == []
            assert desk.zendesk.ticket(tid)["status"] == "solved"  # spam: solved, never closed
            assert record.replies == ()
        else:
            assert made == [Event.UNSUPPORTED_PRODUCT]
            assert answer.status_code == 200 and not answer.content
            assert record.case.state is State.AWAITING_CONFIRMATION
            assert len(user_replies(desk, tid)) == 1
            assert desk.zendesk.ticket(tid)["status"] == "pending"
            told = told_already_decided(desk, OTHER_AGENT, tid)
            assert len(told) == 1 and AGENT in told[0]
        assert "spam" not in desk.zendesk.ticket(tid)["tags"] or made == [Event.MARK_SPAM]


# --- permissions -------------------------------------------------------------------------------


def refusals(caplog: pytest.LogCaptureFixture, user: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "soporte.handlers" and r.levelno == logging.WARNING and user in r.getMessage()
    ]


def slack_writes(desk: Desk, since: int) -> list[str]:
    """Slack calls after `since` that change something others see."""
    return [
        c.method
        for c in desk.slack.calls[since:]
        if c.method in ("chat.postMessage", "chat.update", "views.open", "views.update")
    ]


def test_non_agent_click_and_submission_denied_unchanged_and_logged(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    """Someone who is not an agent presses Spam, then submits a decision modal (one
    an agent opened): denied, the case and the ticket unchanged, a WARNING logged each time."""
    caplog.set_level(logging.DEBUG, logger="soporte.handlers")
    tid = carded_ticket(desk)
    desk.click(ids.Action.UNSUPPORTED, tid, AGENT)
    view = desk.opened_view()
    desk.run_jobs()
    before = desk.case(tid)
    desk.zendesk.reset_requests()
    since = len(desk.slack.calls)

    desk.click(ids.Action.SPAM, tid, STRANGER)
    answer = desk.submit(view, {ids.Block.REPLY: text_value("Hola")}, user=STRANGER)
    desk.run_jobs()

    assert answer.json()["response_action"] == "errors"
    assert texts.NOT_AN_AGENT in answer.json()["errors"].values()
    assert desk.ephemerals(STRANGER) == [texts.NOT_AN_AGENT]
    assert desk.case(tid) == before
    assert desk.zendesk.requests == []
    assert slack_writes(desk, since) == []
    logged = refusals(caplog, STRANGER)
    assert len(logged) == 2, logged
    assert "spam" in logged[0] and "submission" in logged[1]


def test_non_maintainer_and_failed_membership_lookup_cannot_take(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    """ "Tomar caso" pressed by someone outside the product channel, then by a
    channel member while conversations.members fails: both denied (fail closed), nothing
    changes, and each attempt is logged as a WARNING by soporte.handlers."""
    caplog.set_level(logging.DEBUG, logger="soporte.handlers")
    tid = carded_ticket(desk)
    escalate(desk, tid)
    desk.slack.set_members(PULSO_CHANNEL, [MAINTAINER, CHANNEL_MEMBER])
    before = desk.case(tid)
    zendesk_before = desk.zendesk.ticket(tid)
    desk.zendesk.reset_requests()
    since = len(desk.slack.calls)

    take(desk, tid, STRANGER)
    desk.slack.faults.fail_next("conversations.members", error="internal_error")
    take(desk, tid, CHANNEL_MEMBER)

    assert desk.case(tid) == before
    assert desk.case(tid).case.state is State.ESCALATED
    assert desk.zendesk.ticket(tid) == zendesk_before
    assert desk.zendesk.requests == []
    assert slack_writes(desk, since) == []
    assert "responsables técnicos" in desk.ephemerals(STRANGER)[-1]
    assert "No pude confirmar" in desk.ephemerals(CHANNEL_MEMBER)[-1]
    assert any("take_case" in m for m in refusals(caplog, STRANGER))
    member_logs = refusals(caplog, CHANNEL_MEMBER)
    assert any("take_case" in m for m in member_logs), member_logs
    failures = [
        r.getMessage()
        for r in caplog.records
        if r.name == "soporte.handlers" and "conversations.members failed" in r.getMessage()
    ]
    assert failures and "internal_error" in failures[0]

    take(desk, tid, CHANNEL_MEMBER)  # the lookup works again: a channel member may take it
    assert desk.case(tid).escalation.maintainer == CHANNEL_MEMBER
