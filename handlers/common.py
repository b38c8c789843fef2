"""What every listener does the same way: who clicked, may they, and how to tell them no."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import redis
from slack_bolt import Args
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.adapters import keys
from bot.adapters.queue import Job, enqueue
from bot.composition import Runtime

log = logging.getLogger("soporte.handlers")


def clicked_in(body: dict[str, Any]) -> str | None:
    """The channel of the click (None on the App Home)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def tell(rt: Runtime, body: dict[str, Any], text: str) -> None:
    """A private answer to the clicker, sent by a job (never inside the request): in the
    channel they clicked in, or as a direct message for clicks on the App Home."""
    enqueue(
        rt.queue,
        Job.NOTIFY_USER,
        clicked_in(body),
        body["user"]["id"],
        text,
        body.get("response_url"),
        job_id=keys.notify_job(uuid.uuid4().hex),
    )


def open_modal(client: WebClient, rt: Runtime, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open a modal on the click's trigger (valid 3 s); if Slack refuses, tell the clicker."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        tell(rt, body, MODAL_NOT_OPENED)


MODAL_NOT_OPENED = "No pude abrir el formulario a tiempo; vuelve a presionar el botón."


OUTAGE = (
    "⚠️ No pude registrar tu acción: la base de datos del soporte no responde en este momento. "
    "No cambió nada; vuelve a intentarlo en un minuto."
)


def tell_now(client: WebClient, body: dict[str, Any], text: str) -> None:
    """A private answer sent from the request itself, for when Redis (and so RQ) is down."""
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    channel = clicked_in(body)
    response_url = body.get("response_url")
    if response_url:
        sent = WebhookClient(response_url, timeout=5).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        if sent.status_code < 300:
            return
    if channel:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    elif user:
        client.chat_postMessage(channel=user, text=text)


def answers_outages(listener: Callable[..., Any]) -> Callable[..., Any]:
    """`listener`, catching a Redis outage itself: the clicker is told it did not take.

    Bolt must not see that exception: raised after ack(), it makes Bolt drop the ack and
    answer 404 "unhandled request" when the failure comes fast (its thread runner sets
    ack.response to None). Bolt hands the wrapper everything as `args` (slack_bolt.Args)
    and the wrapper passes on what `listener` asks for by name."""
    names = get_arg_names_of_callable(listener)

    def shielded(args: Args) -> Any:
        try:
            return listener(**{name: getattr(args, name) for name in names})
        except redis.RedisError as exc:
            on_outage(exc, args.body, args.client)
            return None

    shielded.__name__ = getattr(listener, "__name__", "listener")
    shielded.__qualname__ = getattr(listener, "__qualname__", shielded.__name__)
    return shielded


def _kind(body: dict[str, Any]) -> str:
    return body.get("type") or ("slash_command" if body.get("command") else "?")


def on_outage(error: redis.RedisError, body: dict[str, Any], client: WebClient) -> None:
    """Log a Redis outage met by a listener; tell a clicker or a command's caller."""
    kind = _kind(body)
    log.error("listener for %s failed: Redis unavailable (%s)", kind, type(error).__name__)
    if kind in ("block_actions", "block_suggestion") or body.get("command"):
        try:
            tell_now(client, body, OUTAGE)
        except Exception as exc:  # Slack is down too: nothing left to tell them with
            log.warning("could not tell the user about the outage: %s", type(exc).__name__)


def on_listener_error(error: Exception, body: dict[str, Any]) -> None:
    """Bolt's error handler: one line (and the traceback), never the request's body."""
    log.error("listener for %s failed: %s", _kind(body), type(error).__name__, exc_info=error)
