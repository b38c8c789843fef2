"""Intake throughput: seeded Zendesk tickets become cards through real, forked RQ workers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rq.exceptions import NoSuchJobError
from rq.job import Job

from bench.desk import BenchError, Desk, Processes, queue_idle, start_workers, wait_for
from bot.adapters.queue import RETRY
from workers.intake import card_job_id

POLL = "workers.intake.poll_intake"


@dataclass
class IntakeResult:
    tickets: int
    workers: int
    cards: int = 0
    zendesk_calls: int = 0
    post_message_calls: int = 0
    slack_calls: int = 0
    rate_limited: int = 0
    job_retries: int = 0
    duplicates: int = 0
    missing: int = 0
    wall: float = 0.0
    first_poll: dict[str, int] = field(default_factory=dict)
    second_poll: dict[str, int] = field(default_factory=dict)
    second_new_cards: int = 0
    second_zendesk_calls: int = 0
    duplicates_after_second: int = 0
    rate_cap: float | None = None

    @property
    def per_second(self) -> float:
        return self.cards / self.wall if self.wall else 0.0


def _poll(desk: Desk, job_id: str) -> Job:
    """Enqueue one run of the periodic intake, as `rq cron` does."""
    return desk.rt.queue.enqueue(POLL, job_id=job_id)


def _result(job: Job) -> dict[str, Any]:
    job.refresh()
    if job.get_status() == "failed":
        raise BenchError(f"{job.id} failed:\n{job.latest_result().exc_string}")  # type: ignore[union-attr]
    result = job.return_value()
    return dict(result) if isinstance(result, dict) else {}


def _job_retries(desk: Desk, ticket_ids: list[int]) -> int:
    """Times RQ re-ran a card job because it raised (Slack still 429 after the client's retries)."""
    total = 0
    for tid in ticket_ids:
        try:
            job = Job.fetch(card_job_id(tid), connection=desk.redis)
        except NoSuchJobError:
            continue
        if job.retries_left is not None:
            total += RETRY.max - job.retries_left
    return total


def run_intake(
    desk: Desk,
    procs: Processes,
    tickets: int,
    *,
    workers: int = 2,
    rate_limit: float | None = None,
    second_poll: bool = True,
    timeout: float = 300.0,
    worker_class: str | None = None,
) -> IntakeResult:
    """Seed `tickets`, enqueue one intake poll, time it until every card is in Slack.

    The workers are started (and registered) before the poll is enqueued, as in a running
    deployment: burst-mode workers would race, one of them quitting on the empty queue
    while the other is still reading the export.
    """
    result = IntakeResult(tickets=tickets, workers=workers, rate_cap=rate_limit)
    ticket_ids = desk.seed_tickets(tickets)
    desk.slack.rate_limit_channel(rate_limit)
    name = "rq-limited" if rate_limit else "rq-intake"
    # The workers pace chat.postMessage at Slack's cap; unlimited runs measure raw throughput.
    pace = {"SLACK_CHANNEL_RATE": str(rate_limit or 1000)}
    running = start_workers(desk, procs, workers, name, worker_class, env=pace)
    try:
        desk.zendesk.reset_requests()
        calls_before = len(desk.slack.calls)

        start = time.time()
        job = _poll(desk, "bench-intake-1")

        def all_posted() -> bool:
            if job.get_status(refresh=True) == "failed":
                _result(job)
            return len(desk.card_posts()) >= tickets

        wait_for(f"{tickets} cards", all_posted, timeout, interval=0.1, check=procs.check_alive)
        posts = desk.card_posts()
        result.wall = max(c.at for c in posts) - start
        wait_for("the queue to drain", lambda: queue_idle(desk), 30, check=procs.check_alive)
        result.first_poll = _result(job)

        calls = desk.slack.calls[calls_before:]
        result.slack_calls = len(calls)
        result.post_message_calls = sum(c.method == "chat.postMessage" for c in calls)
        result.rate_limited = sum(c.status == 429 for c in calls)
        result.zendesk_calls = desk.zendesk.count()
        result.job_retries = _job_retries(desk, ticket_ids)
        result.duplicates, carded = desk.duplicates()
        result.cards = carded + result.duplicates
        result.missing = tickets - carded

        if second_poll:
            before = len(desk.card_posts())
            desk.zendesk.reset_requests()
            again = _poll(desk, "bench-intake-2")
            wait_for(
                "the second poll",
                lambda: (
                    again.get_status(refresh=True) in ("finished", "failed") and queue_idle(desk)
                ),
                30,
                check=procs.check_alive,
            )
            result.second_poll = _result(again)
            result.second_new_cards = len(desk.card_posts()) - before
            result.second_zendesk_calls = desk.zendesk.count()
            result.duplicates_after_second, _ = desk.duplicates()
    finally:
        for worker in running:
            procs.stop(worker)
        desk.slack.rate_limit_channel(None)
    return result
