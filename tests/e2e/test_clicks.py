"""The buttons that take a step at once (Spam, Confirmó, Sigue el problema, Tomar caso): the
request only records the click, as one job ahead of the desk's other work, and acks; a worker
takes the step, and answers the clicker privately when the case no longer allows it."""

from __future__ import annotations

import pytest

from blocks import ids
from bot.adapters.queue import Job, enqueue
from bot.domain.lifecycle import State
from tests.harness import AGENT, OTHER_AGENT, BurstWorker
from tests.support.flows import carded_ticket

BACKLOG = 30


@pytest.fixture
def ticket(desk) -> int:
    return carded_ticket(desk)


def answers_to(desk, user: str) -> list[str]:
    """What the clicks of `user` were answered through their response_url."""
    return [b["text"] for k, b in desk.slack.responses_by_key() if k.endswith(f"-{user}")]


def test_the_request_records_the_click_and_a_worker_takes_the_step(desk, ticket):
    before = desk.case(ticket)
    desk.zendesk.reset_requests()
    slack_calls = len(desk.slack.calls)

    assert desk.click(ids.Action.SPAM, ticket).status_code == 200
    assert desk.case(ticket) == before, "the request itself changed the case"
    assert desk.rt.click_queue.count == 1
    assert desk.zendesk.requests == [] and len(desk.slack.calls) == slack_calls

    desk.run_jobs()
    record = desk.case(ticket)
    assert record.case.state is State.SPAM and record.case.decided_by == AGENT
    assert desk.zendesk.ticket(ticket)["status"] == "solved"
    assert "Spam" in desk.card_text(ticket)
    assert answers_to(desk, AGENT) == []


def test_a_click_is_taken_before_the_desks_backlog(desk, ticket):
    for n in range(BACKLOG):  # e.g. the cards of a large intake, still to be posted
        enqueue(desk.rt.queue, Job.REFRESH_CARD, ticket, job_id=f"card-{ticket}-backlog-{n}")
    desk.click(ids.Action.SPAM, ticket)

    worker = BurstWorker(desk.rt.worker_queues(), connection=desk.rt.redis)
    worker.work(burst=True, max_jobs=1, logging_level="WARNING")

    assert desk.case(ticket).case.state is State.SPAM
    assert desk.rt.queue.count >= BACKLOG, "the backlog ran before the click"


def test_a_click_the_case_no_longer_allows_is_answered_by_the_worker(desk, ticket):
    desk.click(ids.Action.SPAM, ticket, user=AGENT)
    desk.click(ids.Action.SPAM, ticket, user=OTHER_AGENT)  # both recorded; one case
    desk.run_jobs()

    assert desk.case(ticket).case.decided_by == AGENT
    assert answers_to(desk, AGENT) == []
    [answer] = answers_to(desk, OTHER_AGENT)
    assert f"#{ticket} ya fue atendido por <@{AGENT}>: Spam" in answer
    assert [c for c in desk.zendesk.requests if c.method == "PUT"], "the spam was not written"
