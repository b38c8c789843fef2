"""The buttons that take their step at once (Spam, Confirmó, Sigue el problema, Tomar caso):
answered by a middleware in the request itself, with no listener.

The click goes into the clicks inbox (one RPUSH, bot/adapters/click_inbox.py) and only then
does Slack get its 200: an acked click is a recorded one, and no listener thread stands
between the request and the ack. A worker takes the step (bot/services/clicks.py) and tells
the clicker when the case moved on. When Redis does not answer, the clicker is told nothing
changed, and Slack still gets its 200.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from slack_bolt import BoltResponse
from slack_sdk import WebClient

from blocks import ids
from bot.adapters import click_inbox
from bot.composition import Runtime, utcnow
from bot.domain.button_values import BadContext, parse_ticket_value
from bot.services.clicks import ClickedStep
from handlers.common import clicked_in, log, on_outage

AT_ONCE: dict[str, ClickedStep] = {
    ids.Action.SPAM: ClickedStep.MARK_SPAM,
    ids.Action.USER_CONFIRMED: ClickedStep.USER_CONFIRMED,
    ids.Action.NOT_FIXED: ClickedStep.NOT_FIXED,
    ids.Action.TAKE_CASE: ClickedStep.TAKE_CASE,
}


def record_click(rt: Runtime, body: dict[str, Any], step: ClickedStep) -> None:
    """Hand the clicked step to the workers: one RPUSH onto the clicks inbox."""
    action = body["actions"][0]
    try:
        ticket_id = parse_ticket_value(action.get("value", ""))
    except BadContext:
        log.warning("button with a bad value from %s", body["user"]["id"])
        return
    click = click_inbox.Click(
        click_inbox.new_nonce(),
        ticket_id,
        step.value,
        body["user"]["id"],
        utcnow(),
        clicked_in(body),
        body.get("response_url"),
    )
    click_inbox.record(rt.redis, rt.click_queue, click)


def middleware(rt: Runtime) -> Callable[..., BoltResponse | None]:
    """The app's middleware for the buttons of AT_ONCE; every other request goes on."""

    def at_once(
        body: dict[str, Any], client: WebClient, next: Callable[[], None]
    ) -> BoltResponse | None:
        actions = body.get("actions") if body.get("type") == "block_actions" else None
        step = AT_ONCE.get(actions[0].get("action_id")) if actions else None
        if step is None:
            next()
            return None
        try:
            record_click(rt, body, step)
        except redis.RedisError as exc:
            on_outage(exc, body, client)
        return BoltResponse(status=200, body="")

    return at_once
