"""Faults 5 and 6: a worker killed mid-reply, and Zendesk failing, timing out or rate
limiting while a reply is on its way. The end user gets the reply once, never twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

from bot.adapters.queue import enqueue
from bot.adapters.zendesk import MARKER_KEY, reply_marker
from bot.domain.lifecycle import State
from testkit.waiting import wait_for
from tests.harness import Desk
from tests.support.flows import carded_ticket, submit_unsupported, user_replies
from tests.support.workers import Workers
from workers.pacing import LOCK_TIMEOUT

REPLY = "Ese producto no es parte de nuestro soporte."


def reply_job(desk: Desk, tid: int) -> Job:
    [reply] = desk.case(tid).replies
    return Job.fetch(f"reply-{reply.reply_id}", connection=desk.rt.redis)


def assert_sent_once(desk: Desk, tid: int) -> None:
    replies = user_replies(desk, tid)
    assert len(replies) == 1, replies
    assert replies[0].startswith(REPLY)
    record = desk.case(tid)
    [reply] = record.replies
    assert reply.sent_at is not None, "the reply is not marked sent"
    assert record.case.state is State.AWAITING_CONFIRMATION
    ticket = desk.zendesk.ticket(tid)
    assert ticket["status"] == "pending"
    markers = [a["metadata"]["custom"].get(MARKER_KEY) for a in desk.zendesk.audits(tid)]
    assert markers.count(reply_marker(reply.reply_id)) == 1
    notes = [n for n in desk.zendesk.internal_notes(tid) if "Producto no soportado" in n["body"]]
    assert len(notes) == 1, "the decision note is written once too"


@pytest.mark.slow
def test_worker_sigkilled_after_zendesk_accepted_the_reply(
    desk: Desk, desk_env: dict[str, str], workers: Workers
) -> None:
    """The worker is SIGKILLed (its process group and its work horse, which RQ puts
    in a group of its own) while Zendesk has already applied the reply but not answered.

    RQ 3 retries a job whose worker died by itself: StartedJobRegistry.cleanup, run by any
    live worker's maintenance (at its start, then every 10 min), retries a job whose
    heartbeat TTL (job_monitoring_interval + 60 s = 90 s) is over if it has retries left
    (else moves it to the failed registry). No `rq requeue` is needed. The test
    fast-forwards the TTL by running that cleanup with the entry's own expiry time. A fresh
    worker (burst, with scheduler) then runs the retry, which finds the marker tag."""
    tid = carded_ticket(desk)
    assert submit_unsupported(desk, tid, REPLY).status_code == 200
    job = reply_job(desk, tid)
    assert job.get_status() == "queued"

    desk.zendesk.faults.delay(3)  # every answer comes 3 s after Zendesk applied the request
    worker = workers.start(desk_env, scheduler=False)
    wait_for(lambda: len(user_replies(desk, tid)) == 1, 20, "Zendesk to apply the reply")
    worker.kill()
    desk.zendesk.faults.clear()

    assert job.get_status() == "started", "the job was cut in the middle"
    assert desk.case(tid).replies[0].sent_at is None
    started = StartedJobRegistry(queue=desk.rt.queue)
    expiry = desk.rt.redis.zrange(started.key, 0, -1, withscores=True)
    assert expiry, "the killed job is in the started registry"
    # the heartbeat TTL of the dead worker's job (job_monitoring_interval + 60 s) is over:
    started.cleanup(timestamp=max(score for _, score in expiry) + 1)
    assert job.get_status() == "scheduled", "RQ retries an abandoned job that has retries left"
    assert len(FailedJobRegistry(queue=desk.rt.queue)) == 0

    time.sleep(1.2)  # RETRY's first interval: 1 s
    output = workers.run_burst(desk_env)
    assert "reply-" in output
    assert job.get_status() == "finished"
    assert_sent_once(desk, tid)
    puts = [r for r in desk.zendesk.requests if r.method == "PUT" and r.body]
    public = [r for r in puts if r.body["ticket"].get("comment", {}).get("public")]
    assert len(public) == 1, "the retry found the marker tag and sent nothing"


@pytest.mark.slow
def test_worker_killed_while_posting_does_not_stall_the_channel(
    desk: Desk, desk_env: dict[str, str], workers: Workers
) -> None:
    """A worker is SIGKILLed while Slack is still answering its chat.postMessage
    (the card was stored). A fresh worker still posts the next ticket's card promptly: the
    dead worker's channel lock lasts at most LOCK_TIMEOUT (5 s)."""
    desk.new_ticket(subject="Primero")
    desk.slack.faults.delay(3)
    desk.rt.queue.enqueue("workers.intake.poll_intake")
    crashing = workers.start(desk_env, scheduler=False)
    wait_for(lambda: desk.slack.count("chat.postMessage") == 1, 20, "the card to reach Slack")
    crashing.kill()
    desk.slack.faults.delay(0)

    second = desk.new_ticket(subject="Segundo", email="otro@example.com")
    desk.rt.queue.enqueue("workers.intake.poll_intake")
    workers.start(desk_env, scheduler=False)
    wait_for(
        lambda: (record := desk.case(second)) is not None and record.card is not None,
        LOCK_TIMEOUT + 5,
        "the next ticket's card",
        detail=lambda: f"locks: {desk.rt.redis.keys('soporte:pace-lock:*')}",
    )


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="KNOWN LIMIT: when the worker that ran the scheduler and its scheduler process are "
    "both SIGKILLed (a machine crash; a worker killed alone takes its scheduler down cleanly, "
    "see test_desk_supervised), RQ's lock (rq:scheduler-lock:soporte) lives 61 s more; a worker "
    "started meanwhile takes it at its next maintenance (Procfile: --maintenance-interval 5), "
    "so timers and retries resume within ~70 s, not 3 s. Never early, never twice.",
)
def test_restarted_worker_takes_over_the_scheduler(
    desk: Desk, desk_env: dict[str, str], workers: Workers
) -> None:
    """The worker that holds the scheduler is SIGKILLed and a new one starts (as a
    process manager restarts it): a job scheduled one second later still runs promptly."""
    first = workers.start(desk_env)
    lock = "rq:scheduler-lock:soporte"
    wait_for(lambda: desk.rt.redis.exists(lock), 15, "the first worker to take the scheduler")
    first.kill()
    second = workers.start(desk_env)
    wait_for(lambda: "Listening on" in second.output(), 15, "the new worker to start")
    job = enqueue(
        desk.rt.queue,
        "workers.cards.refresh_card",
        999999,
        job_id="timer-after-crash",
        at=datetime.now(UTC) + timedelta(seconds=1),
    )
    wait_for(
        lambda: job.get_status() == "finished",
        3,
        "the scheduled job to run",
        detail=lambda: f"{job.get_status()}; scheduler lock ttl {desk.rt.redis.ttl(lock)} s",
    )


@pytest.mark.slow
def test_zendesk_503_on_the_reply_is_retried_and_sent_once(desk: Desk) -> None:
    """Zendesk answers 503 to the reply's update: RQ retries the job a second later
    and the reply reaches the ticket once."""
    tid = carded_ticket(desk)
    desk.zendesk.faults.fail_next(f"/tickets/{tid}", method="PUT", status=503)
    submit_unsupported(desk, tid, REPLY)
    desk.run_jobs(horizon=5)
    statuses = [r.status for r in desk.zendesk.requests if r.method == "PUT"]
    assert statuses[:2] == [503, 200]
    assert_sent_once(desk, tid)


@pytest.mark.slow
def test_zendesk_answers_after_the_client_timeout(desk: Desk) -> None:
    """Zendesk applies the reply but answers only after the client gave up.

    The gateway's zenpy timeout is 30 s (bot/adapters/zendesk.py); waiting for that would cost 30 s,
    so the in-process runtime's client gets a 1.5 s timeout (same code path, shorter clock)
    and Zendesk holds the answer to the reply's PUT for 3 s. The job fails with a read
    timeout, RQ retries it, the retry finds the marker tag and does not comment again."""
    desk.rt.zendesk.client.tickets.timeout = 1.5
    assert desk.rt.zendesk._api is desk.rt.zendesk.client.tickets
    tid = carded_ticket(desk)
    # only the first PUT, the reply
    desk.zendesk.faults.delay(3, f"/tickets/{tid}.json", method="PUT", times=1)
    submit_unsupported(desk, tid, REPLY)
    started = time.monotonic()
    desk.run_jobs(horizon=5)
    took = time.monotonic() - started
    puts = desk.zendesk.ticket_updates(tid)
    assert puts[0].ticket["comment"]["public"] is True
    wait_for(lambda: puts[0].answered_at is not None, 5, "the held answer to leave")
    held = puts[0].answered_at - puts[0].at
    assert held >= 3, "the first answer came after the client's timeout"
    assert took >= 1.5
    assert_sent_once(desk, tid)
    job = reply_job(desk, tid)
    assert job.get_status() == "finished"
    assert job.retries_left == 9, "finished on RQ's first retry"


@pytest.mark.slow
def test_zendesk_429_retry_after_is_waited_out_inside_the_job(desk: Desk) -> None:
    """Zendesk answers 429 with Retry-After (3 s here; 60 s in the brief's story)
    to the reply's update. zenpy sleeps Retry-After and tries again inside the same job
    execution (RQ never sees a failure, the job timeout is not reached), and the comment
    appears once, after the wait."""
    tid = carded_ticket(desk)
    desk.zendesk.faults.fail_next(f"/tickets/{tid}", 429, method="PUT", retry_after=3)
    submit_unsupported(desk, tid, REPLY)
    desk.run_jobs()
    limited, applied = desk.zendesk.ticket_updates(tid)[:2]
    assert limited.status == 429 and applied.status == 200
    assert limited.answered_at is not None
    assert applied.at - limited.answered_at >= 3, "the retry came before Retry-After"
    assert_sent_once(desk, tid)
    job = reply_job(desk, tid)
    assert job.get_status() == "finished"
    assert job.retries_left == 10, "waited inside the job: no RQ retry, no timeout"


def test_job_timeout_outlasts_one_zendesk_wait() -> None:
    """Configuration. A reply job must not be killed by its own timeout while
    zenpy waits: JOB_TIMEOUT (600 s) is above one request timeout (30 s) plus one
    Zendesk Retry-After (at most 60 s for the per-minute limits) plus the retried request,
    for every Zendesk call a send_reply job makes (4: read, reply, read, note).

    This bound holds for one 429 per call. zenpy's own 429 loop is unbounded (no
    `ratelimit_budget`), so a Zendesk that keeps answering 429 keeps the job waiting until
    JOB_TIMEOUT kills it; RQ then retries it and the marker tag keeps it exactly-once. The
    limit is therefore a liveness bound, not a correctness one (see the report)."""
    from bot.adapters.queue import JOB_TIMEOUT, RETRY
    from bot.adapters.zendesk import ZendeskGateway

    gateway = ZendeskGateway("http://127.0.0.1:9", "bot@example.com", "token")
    timeout = gateway.client.tickets.timeout
    assert timeout == 30
    assert gateway.client.tickets.ratelimit_budget is None
    zendesk_calls, max_retry_after = 4, 60
    assert zendesk_calls * (timeout + max_retry_after + timeout) < JOB_TIMEOUT
    assert RETRY.max >= 1
