"""The closing window: resolved only on the user's confirmation or when the window expires."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from blocks import ids
from bot.adapters.queue import not_before
from bot.domain.lifecycle import State
from tests.harness import STRANGER, text_value

WINDOW = "2s"


def open_window(desk) -> int:
    """A ticket answered as 'producto no soportado': its closing window is running."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es un producto nuestro.")})
    desk.run_jobs()
    assert desk.zendesk.ticket(tid)["status"] == "pending"
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
    return tid


def wait_past_deadline(desk, tid: int) -> None:
    """Sleep until the window's timer is due (RQ runs it at the next whole second)."""
    due = not_before(desk.case(tid).case.window_deadline)
    time.sleep(max(0.0, due.timestamp() - time.time()) + 0.3)


@pytest.mark.window(WINDOW)
def test_expiry_without_answer_resolves(desk):
    tid = open_window(desk)
    deadline = desk.case(tid).case.window_deadline
    desk.run_jobs()
    if datetime.now(UTC) < deadline:  # on a loaded machine the 2 s may already be over
        assert desk.zendesk.ticket(tid)["status"] == "pending", "resolved before its time"
    wait_past_deadline(desk, tid)
    desk.run_jobs()
    ticket = desk.zendesk.ticket(tid)
    assert ticket["status"] == "solved"
    assert ticket["assignee_id"], "solving needs an assignee"
    [solved] = [
        a
        for a in desk.zendesk.audits(tid)
        if any(e.get("field_name") == "status" and e["value"] == "solved" for e in a["events"])
    ]
    solved_at = datetime.fromisoformat(solved["created_at"].replace("Z", "+00:00"))
    assert solved_at >= deadline.replace(microsecond=0), "resolved before its time"
    assert desk.case(tid).case.state is State.RESOLVED
    assert any("venció el plazo" in n["body"] for n in desk.zendesk.internal_notes(tid))
    assert "plazo" in desk.card_text(tid).lower()
    assert any("resuelto" in m["text"].lower() for m in desk.thread(tid))


def test_user_confirmed_button_resolves(desk):
    tid = open_window(desk)
    desk.click(ids.Action.USER_CONFIRMED, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.RESOLVED
    assert desk.zendesk.ticket(tid)["status"] == "solved"
    assert any("confirmó" in n["body"] for n in desk.zendesk.internal_notes(tid))
    assert ids.Action.USER_CONFIRMED not in desk.card_text(tid)
    assert f"window-{tid}-1" not in desk.rt.queue.scheduled_job_registry.get_job_ids()


@pytest.mark.window(WINDOW)
def test_user_reply_in_window_stops_the_clock(desk):
    tid = open_window(desk)
    desk.zendesk.add_user_comment(tid, "Sigue sin funcionar <!channel>, ¿me pueden ayudar?")
    desk.intake()
    record = desk.case(tid)
    assert record.case.state is State.USER_ANSWERED
    assert record.case.window_deadline is None
    assert any("Sigue sin funcionar" in m["text"] for m in desk.thread(tid))
    assert all("<!channel>" not in m["text"] for m in desk.thread(tid)), "user text must not ping"
    card = desk.card_text(tid)
    assert "Sigue sin funcionar" in card and "<!channel>" not in card
    assert ids.Action.USER_CONFIRMED in card and ids.Action.NOT_FIXED in card
    assert ids.Action.SPAM not in card, "the agent records the answer first"
    desk.run_jobs(horizon=3)  # a timer still set for the old deadline would run here
    assert desk.case(tid).case.state is State.USER_ANSWERED, "never decided automatically"
    assert desk.zendesk.ticket(tid)["status"] == "open"


@pytest.mark.window(WINDOW)
def test_user_reply_reported_by_webhook_stops_the_clock(desk):
    tid = open_window(desk)
    desk.zendesk.add_user_comment(tid, "No me sirvió.")
    assert desk.webhook({"ticket_id": str(tid)}).status_code == 202
    desk.run_jobs()
    assert desk.case(tid).case.state is State.USER_ANSWERED
    desk.run_jobs(horizon=3)  # a timer still set for the old deadline would run here
    assert desk.case(tid).case.state is State.USER_ANSWERED
    assert desk.zendesk.ticket(tid)["status"] == "open"


@pytest.mark.window(WINDOW)
def test_reply_unseen_by_intake_still_stops_expiry(desk):
    """The expiry job itself re-reads the ticket: a reply nobody relayed yet still counts."""
    tid = open_window(desk)
    desk.zendesk.add_user_comment(tid, "Todavía falla.")
    wait_past_deadline(desk, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.USER_ANSWERED
    assert desk.zendesk.ticket(tid)["status"] == "open"


@pytest.mark.window(WINDOW)
def test_agent_reopening_ticket_in_zendesk_stops_expiry(desk):
    tid = open_window(desk)
    desk.zendesk.set_ticket(tid, status="open")
    wait_past_deadline(desk, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.NEW
    assert desk.zendesk.ticket(tid)["status"] == "open"


@pytest.mark.window(WINDOW)
def test_expiry_conflict_rereads_and_decides_again(desk):
    tid = open_window(desk)
    desk.zendesk.faults.fail_next(f"/tickets/{tid}", method="PUT", status=409)
    wait_past_deadline(desk, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.RESOLVED
    assert desk.zendesk.ticket(tid)["status"] == "solved"


def test_ways_a_case_cannot_be_resolved(desk):
    """Only confirmation or expiry resolve: every other path leaves the case unresolved."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(org_id=org)
    desk.intake()
    desk.click(ids.Action.USER_CONFIRMED, tid)  # confirmation before any reply
    desk.run_jobs()
    assert desk.case(tid).case.state is State.NEW
    tid2 = open_window(desk)
    desk.click(ids.Action.USER_CONFIRMED, tid2, STRANGER)  # not an agent
    desk.rt.queue.enqueue("workers.timers.expire_window", tid2, 1)  # timer fired early
    desk.rt.queue.enqueue("workers.timers.expire_window", tid2, 7)  # timer of another window
    desk.rt.queue.enqueue("workers.timers.solve_ticket", tid2, 2)  # solve without confirmation
    desk.run_jobs()
    assert desk.case(tid2).case.state is State.AWAITING_CONFIRMATION
    assert desk.zendesk.ticket(tid2)["status"] == "pending"
    assert desk.case(tid).case.state is State.NEW
    assert desk.zendesk.ticket(tid)["status"] != "solved"
    desk.click(ids.Action.SPAM, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.SPAM  # solved in Zendesk as spam, not resolved
    assert "spam" in desk.zendesk.ticket(tid)["tags"]
