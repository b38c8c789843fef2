"""Faults 9 and 10: the intake dies half-way through the export, tickets hidden by the
export's lag, and a ticket that changes between the expiry job's read and its write."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rq.registry import FailedJobRegistry

from bot.domain.lifecycle import Event, State
from testkit.fakes.http_server import Request
from tests.harness import AGENTS_CHANNEL, Desk
from tests.support.flows import submit_unsupported, user_replies

CURSOR_KEY = "soporte:intake:cursor"
CARD_EVENT = "soporte_case"


def card_count(desk: Desk) -> dict[int, int]:
    """ticket id → number of top-level cards for it in the agents' channel."""
    counts: dict[int, int] = {}
    for message in desk.slack.messages(AGENTS_CHANNEL):
        if message.get("thread_ts") not in (None, message["ts"]):
            continue
        meta = message.get("metadata") or {}
        if meta.get("event_type") == CARD_EVENT:
            tid = int(meta["event_payload"]["ticket_id"])
            counts[tid] = counts.get(tid, 0) + 1
    return counts


def poll(desk: Desk) -> Any:
    job = desk.rt.queue.enqueue("workers.intake.poll_intake")
    desk.run_jobs()
    return job


# --- intake crashes and the export's holdback ---------------------------------------------------


@pytest.mark.parametrize("crash", ["second page answers 500", "dies before saving the cursor"])
def test_intake_crash_mid_export_then_restart_one_card_per_ticket(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, crash: str
) -> None:
    """Export pages of 5 (the gateway's page size, shrunk for the test) and 12
    tickets. The first run queues page 1's cards (they get posted) and then dies: either
    Zendesk answers 500 to page 2, or the process dies between queuing page 1 and saving
    its cursor. The next run (cron, a minute later) leaves one card per ticket."""
    monkeypatch.setattr("bot.adapters.zendesk.EXPORT_PAGE_SIZE", 5)
    tids = [desk.new_ticket(subject=f"Caso {n}", email=f"c{n}@example.com") for n in range(12)]
    with monkeypatch.context() as patch:
        if crash == "second page answers 500":
            desk.zendesk.faults.fail_next("incremental", 500, skip=1)
        else:

            def die(name: str, value: str) -> None:
                raise RuntimeError(f"the worker died before saving {name}")

            patch.setattr(desk.rt.store, "set_value", die)
        first = poll(desk)
    assert first.get_status() == "failed"
    assert len(FailedJobRegistry(queue=desk.rt.queue)) == 1
    assert card_count(desk) == {t: 1 for t in tids[:5]}, "page 1's cards were posted"
    if crash == "dies before saving the cursor":
        assert desk.rt.redis.get(CURSOR_KEY) is None
    else:
        exports = [r.status for r in desk.zendesk.requests if "incremental" in r.path]
        assert exports == [200, 500], "page 1 served, page 2 refused"

    second = poll(desk)
    assert second.get_status() == "finished"
    poll(desk)
    assert card_count(desk) == {t: 1 for t in tids}
    assert len(desk.cards()) == 12
    assert all(desk.case(t).card is not None for t in tids)


def test_tickets_inside_the_export_lag_appear_on_a_later_run(desk: Desk) -> None:
    """The incremental export leaves out the last minute: tickets created just now
    are not seen by this run, the cursor does not skip them, and a later run (once they are
    older than the lag; simulated by setting the lag back to 0) gives each one card."""
    user = desk.zendesk.add_user("Antigua", "antigua@example.com")
    old = desk.zendesk.add_ticket(
        "De hace 5 minutos", "Antiguo", user, created_at=datetime.now(UTC) - timedelta(minutes=5)
    )
    desk.zendesk.export_lag_seconds = 60
    fresh = [desk.new_ticket(subject=f"Recién {n}", email=f"r{n}@example.com") for n in range(3)]

    poll(desk)
    assert card_count(desk) == {old: 1}, "only the ticket older than the lag"
    assert desk.rt.redis.get(CURSOR_KEY)
    poll(desk)
    assert card_count(desk) == {old: 1}

    desk.zendesk.export_lag_seconds = 0  # a minute later
    poll(desk)
    poll(desk)
    assert card_count(desk) == {old: 1, **{t: 1 for t in fresh}}


# --- the expiry's read and write --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.window("2s")
def test_ticket_changes_between_the_expiry_read_and_its_write(desk: Desk) -> None:
    """When the expiry job writes (safe_update with the updated_at it read), the
    fake holds the PUT while another thread changes the ticket in Zendesk: an agent sets
    the priority, the user replies, or an agent reopens it. Zendesk's own stale check
    answers 409 (a real conflict, not an injected one); the job re-reads and decides again:
    solved only in the first case, the clock stopped in the other two."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    priority, replied, reopened = (
        desk.new_ticket(org_id=org, email=f"{name}@example.com") for name in "pro"
    )
    changes = {
        priority: lambda: desk.zendesk.set_ticket(priority, priority="high"),
        replied: lambda: desk.zendesk.add_user_comment(replied, "Sigue sin funcionar."),
        reopened: lambda: desk.zendesk.set_ticket(reopened, status="open"),
    }

    def meanwhile(change: Any) -> Any:
        def run() -> None:  # the PUT waits while an agent (another thread) changes the ticket
            agent = threading.Thread(target=change)
            agent.start()
            agent.join(5)

        return run

    def safe_update(request: Request) -> bool:
        return bool(((request.json() or {}).get("ticket") or {}).get("safe_update"))

    for tid, change in changes.items():
        desk.zendesk.faults.before(
            f"/tickets/{tid}.json", meanwhile(change), method="PUT", when=safe_update
        )
    desk.intake()
    for tid in changes:
        submit_unsupported(desk, tid, "Ese producto no es parte de nuestro soporte.")
    desk.run_jobs(horizon=4)  # the windows' deadlines pass; their expiry jobs run

    def safe_puts(tid: int) -> list[int]:
        return [p.status for p in desk.zendesk.ticket_updates(tid) if p.ticket.get("safe_update")]

    assert safe_puts(priority) == [409, 200], "refused by Zendesk, then written after re-reading"
    assert safe_puts(replied) == [409], "after re-reading, nothing to write"
    assert safe_puts(reopened) == [409]

    record = desk.case(priority)
    assert record.case.state is State.RESOLVED
    assert desk.zendesk.ticket(priority)["status"] == "solved"
    assert desk.zendesk.ticket(priority)["priority"] == "high", "the agent's change is kept"
    assert [s.event for s in record.case.timeline].count(Event.WINDOW_EXPIRED) == 1

    for tid, event, state in (
        (replied, Event.USER_REPLIED, State.USER_ANSWERED),  # the agent reads the answer
        (reopened, Event.REOPENED, State.NEW),
    ):
        record = desk.case(tid)
        assert record.case.state is state, tid
        assert record.case.timeline[-1].event is event
        assert desk.zendesk.ticket(tid)["status"] == "open"
        written = [
            p.ticket.get("status") for p in desk.zendesk.ticket_updates(tid) if p.status == 200
        ]
        assert "solved" not in written
    assert len(user_replies(desk, replied)) == 2, "the reply, then the user's answer"
    assert any("Sigue sin funcionar" in m["text"] for m in desk.thread(replied))
