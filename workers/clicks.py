"""The jobs of the buttons that take a step at once (bot/services/clicks.py): the clicks
inbox turned into one job per click (bot/adapters/click_inbox.py), and each click taken."""

from __future__ import annotations

from datetime import datetime

from rq import get_current_job

from bot.adapters import click_inbox
from bot.composition import get_runtime
from bot.services import clicks
from workers.cards import notify_user

# How often `rq cron` sweeps the inbox (workers/cron_config.py): how long, at worst, a click
# waits when Redis failed between its push and its drain's enqueue.
SWEEP_INTERVAL = 60


def _job_id() -> str:
    job = get_current_job()
    return job.id if job else "inline"


def drain_clicks() -> int:
    """Turn the clicks inbox into take_click jobs; how many."""
    rt = get_runtime()
    return click_inbox.drain(rt.redis, rt.click_queue, _job_id())


def sweep_clicks() -> int:
    """The periodic sweep: what stopped drains held, and clicks no drain was queued for."""
    rt = get_runtime()
    return click_inbox.sweep(rt.redis, rt.click_queue, _job_id())


def take_click(
    ticket_id: int,
    step: str,
    user: str,
    at: datetime,
    channel: str | None,
    response_url: str | None,
) -> None:
    """Take the step `user` clicked at `at`; if the case moved on, tell them privately (a
    retry of this job retries only that answer: the step was not taken)."""
    answer = clicks.take_click(get_runtime(), ticket_id, clicks.ClickedStep(step), user, at)
    if answer:
        notify_user(channel, user, answer, response_url)
