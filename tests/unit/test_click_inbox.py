"""The click as the inbox keeps it: what the web process wrote is what the worker takes."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

from bot.adapters.click_inbox import Click
from workers.clicks import take_click


def test_a_click_reads_back_as_it_was_written() -> None:
    click = Click(
        "n1", 42, "mark_spam", "U1", datetime(2026, 12, 2, 6, 1, 2, 345678, UTC), "C1", None
    )
    assert Click.from_json(click.to_json()) == click
    assert Click.from_json(click.to_json().encode()).at.tzinfo is not None


def test_its_job_arguments_are_those_take_click_expects() -> None:
    click = Click("n1", 42, "take_case", "U1", datetime.now(UTC), None, "https://hooks.slack.com/x")
    names = list(inspect.signature(take_click).parameters)
    bound = dict(zip(names, click.take_args(), strict=True))
    assert bound == {
        "ticket_id": 42,
        "step": "take_case",
        "user": "U1",
        "at": click.at,
        "channel": None,
        "response_url": "https://hooks.slack.com/x",
    }
