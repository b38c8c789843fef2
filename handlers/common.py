"""What every listener does the same way: who clicked, may they, and how to tell them no."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.runtime import Runtime
from workers.queue import enqueue

log = logging.getLogger("soporte.handlers")


def tell(rt: Runtime, body: dict[str, Any], text: str) -> None:
    """A private answer to the clicker, sent by a job (never inside the request): in the
    channel they clicked in, or as a direct message for clicks on the App Home."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    user = body["user"]["id"]
    enqueue(
        rt.queue,
        "workers.cards.notify_user",
        channel,
        user,
        text,
        body.get("response_url"),
        job_id=f"notify-{uuid.uuid4().hex}",
    )


def refuse_non_agent(rt: Runtime, body: dict[str, Any], action: str) -> bool:
    """True (and the clicker is told) when the clicker is not one of the desk's agents."""
    user = body["user"]["id"]
    if rt.catalog.is_agent(user):
        return False
    log.warning("refused %s by non-agent %s", action, user)
    tell(rt, body, texts.NOT_AN_AGENT)
    return True


def open_modal(client: WebClient, rt: Runtime, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open a modal on the click's trigger (valid 3 s); if Slack refuses, tell the clicker."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        tell(rt, body, "No pude abrir el formulario a tiempo; vuelve a presionar el botón.")
