"""The job of a button that takes a step at once (bot/services/clicks.py)."""

from __future__ import annotations

from datetime import datetime

from bot.composition import get_runtime
from bot.services import clicks
from workers.cards import notify_user


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
