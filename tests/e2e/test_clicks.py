"""The buttons that take a step at once (Spam, Confirmó, Sigue el problema, Tomar caso): the
request puts the click in the clicks inbox and then acks, with no listener; a worker turns the
inbox into one job per click, ahead of the desk's other work, takes the step, and answers the
clicker privately when the case no longer allows it. Nothing acked is lost to a drain that
stops half-way."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job as RqJob
from rq.job import JobStatus

from blocks import ids
from bot.adapters import click_inbox, keys
from bot.adapters.embedded_redis import free_port
from bot.adapters.queue import Job, enqueue
from bot.composition import utcnow
from bot.domain.lifecycle import State
from handlers.clicks import AT_ONCE
from testkit.example_desk import MAINTAINER
from tests.harness import AGENT, AGENTS_CHANNEL, OTHER_AGENT, BurstWorker
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
    assert click_inbox.waiting(desk.rt.redis) == 1
    assert desk.rt.click_queue.count == 1, "the click's drain"
    assert desk.zendesk.requests == [] and len(desk.slack.calls) == slack_calls

    desk.run_jobs()
    record = desk.case(ticket)
    assert record.case.state is State.SPAM and record.case.decided_by == AGENT
    assert desk.zendesk.ticket(ticket)["status"] == "solved"
    assert "Spam" in desk.card_text(ticket)
    assert answers_to(desk, AGENT) == []


@pytest.mark.parametrize("action_id", sorted(AT_ONCE))
def test_the_ack_comes_after_the_click_is_recorded_and_no_listener_runs(desk, ticket, action_id):
    listeners = desk.listeners.submitted
    user = MAINTAINER if action_id == ids.Action.TAKE_CASE else AGENT

    answer = desk.click(action_id, ticket, user=user)

    assert answer.status_code == 200 and answer.text == ""
    [raw] = desk.rt.redis.lrange(keys.CLICKS_INBOX, 0, -1)
    click = click_inbox.Click.from_json(raw)
    assert (click.ticket_id, click.step, click.user) == (ticket, AT_ONCE[action_id], user)
    assert desk.listeners.submitted == listeners, "a listener thread ran for the click"


def test_a_click_is_taken_before_the_desks_backlog(desk, ticket):
    for n in range(BACKLOG):  # e.g. the cards of a large intake, still to be posted
        enqueue(desk.rt.queue, Job.REFRESH_CARD, ticket, job_id=f"card-{ticket}-backlog-{n}")
    desk.click(ids.Action.SPAM, ticket)

    worker = BurstWorker(desk.rt.worker_queues(), connection=desk.rt.redis)
    worker.work(burst=True, max_jobs=2, logging_level="WARNING")  # the drain, then the click

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


def test_a_burst_of_clicks_queues_one_drain_and_each_click_is_taken_once(desk):
    tickets = [carded_ticket(desk) for _ in range(5)]
    for t in tickets:
        desk.click(ids.Action.SPAM, t)
    assert click_inbox.waiting(desk.rt.redis) == 5
    assert desk.rt.click_queue.count == 1, "one drain for the whole burst"

    desk.run_jobs()
    assert all(desk.case(t).case.state is State.SPAM for t in tickets)
    solved = [c for c in desk.zendesk.requests if c.method == "PUT"]
    assert len(solved) == len(tickets)
    assert click_inbox.waiting(desk.rt.redis) == 0
    assert list(desk.rt.redis.scan_iter(keys.clicks_taking("*"))) == []


def test_a_drain_killed_half_way_loses_no_click_and_takes_none_twice(desk, ticket):
    other = carded_ticket(desk)
    desk.click(ids.Action.SPAM, ticket)
    desk.click(ids.Action.SPAM, other)
    # The drain's worker died after moving the first click into its own list: RQ gives up
    # on it (failed), so only the periodic sweep can hand that click back.
    drain_id = desk.rt.click_queue.get_job_ids()[0]
    desk.rt.click_queue.remove(drain_id)
    redis = desk.rt.redis
    RqJob.fetch(drain_id, connection=redis).set_status(JobStatus.FAILED)
    redis.lmove(keys.CLICKS_INBOX, keys.clicks_taking(drain_id), "LEFT", "RIGHT")
    desk.run_jobs()
    assert desk.case(ticket).case.state is State.NEW, "nothing drained the held click yet"

    desk.rt.click_queue.enqueue("workers.clicks.sweep_clicks")  # as `rq cron` does
    desk.run_jobs()
    assert desk.case(ticket).case.state is State.SPAM
    assert desk.case(other).case.state is State.SPAM
    assert answers_to(desk, AGENT) == [], "a click was taken twice"
    assert list(redis.scan_iter(keys.clicks_taking("*"))) == []


def test_a_drain_retried_under_its_own_id_finishes_its_own_clicks_first(desk, ticket):
    desk.click(ids.Action.SPAM, ticket)
    drain_id = desk.rt.click_queue.get_job_ids()[0]
    # killed after the move, before the click's job was queued; RQ retries the same job
    desk.rt.redis.lmove(keys.CLICKS_INBOX, keys.clicks_taking(drain_id), "LEFT", "RIGHT")
    desk.run_jobs()
    assert desk.case(ticket).case.state is State.SPAM
    assert answers_to(desk, AGENT) == []


def test_a_click_whose_drain_could_not_be_queued_is_kept_for_the_sweep(desk, ticket):
    unreachable = Queue(desk.rt.click_queue.name, connection=Redis(port=free_port()))
    click = click_inbox.Click("n1", ticket, "mark_spam", AGENT, utcnow(), AGENTS_CHANNEL, None)
    click_inbox.record(desk.rt.redis, unreachable, click)  # Redis failed after the push
    assert click_inbox.waiting(desk.rt.redis) == 1 and desk.rt.click_queue.count == 0

    desk.rt.click_queue.enqueue("workers.clicks.sweep_clicks")
    desk.run_jobs()
    assert desk.case(ticket).case.state is State.SPAM
