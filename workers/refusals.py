"""Permanent refusals: a job Zendesk or Slack refused for good ends, and a person is told.

Every job the desk enqueues (bot.adapters.queue.enqueue) carries `on_failure` as its RQ failure
callback, which RQ runs before it decides on a retry. A refusal that a retry cannot fix —
Zendesk's 400/404/413/422, or a Slack error such as channel_not_found — sets the job's
retries to zero (RQ then marks it failed instead of retrying it for an hour) and queues one
message for the agents: in the case's card thread, or in the agents' channel when the case has
no card or the thread itself is what failed. The message names the job and the refusal, never
user text or secrets. Everything else (5xx, 429, time-outs, Redis outages) is retried.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from rq import Queue
from rq.job import Job as RqJob
from slack_sdk.errors import SlackApiError
from zenpy.lib.exception import APIException

from bot.adapters import keys
from bot.adapters.queue import Job, enqueue
from bot.composition import get_runtime
from workers.pacing import post_message

log = logging.getLogger(__name__)

# https://developer.zendesk.com/api-reference/introduction/requests/ (response codes):
# 400 bad request, 404 not found, 413 too large, 422 unprocessable entity; none is fixed by
# sending the same request again.
ZENDESK_PERMANENT = frozenset({400, 404, 413, 422})
# Errors documented per method on api.slack.com/methods (chat.postMessage, chat.update,
# chat.postEphemeral, views.publish, conversations.history …) that the same call repeated
# cannot fix.
SLACK_PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "message_not_found",
        "msg_too_long",
        "msg_blocks_too_long",
        "cant_update_message",
        "edit_window_closed",
        "no_text",
        "too_many_attachments",
        "user_not_found",
        "user_not_in_channel",
        "invalid_arguments",
        "restricted_action",
        "not_allowed_token_type",
    }
)
TOLD_TTL = 7 * 86400

WHAT = {
    Job.SEND_REPLY: "enviar la respuesta al usuario",
    Job.CLOSE_AS_SPAM: "cerrar el ticket como spam",
    Job.POST_CARD: "publicar la tarjeta",
    Job.REFRESH_CARD: "actualizar la tarjeta",
    Job.POST_IN_THREAD: "escribir en el hilo de la tarjeta",
    Job.NOTIFY_USER: "enviar un aviso privado",
    Job.INGEST_TICKET: "leer el ticket que avisó el webhook de Zendesk",
    Job.EXPIRE_WINDOW: "cerrar el plazo de confirmación",
    Job.SOLVE_TICKET: "marcar el ticket como resuelto",
    Job.CHECK_TICKET_ACTIVITY: "revisar la actividad del ticket",
    Job.OPEN_THREAD: "abrir el hilo de escalamiento",
    Job.REFRESH_ESCALATION: "actualizar el mensaje de escalamiento",
    Job.POST_IN_ESCALATION: "escribir en el hilo de escalamiento",
    Job.PUBLISH_DIAGNOSIS: "publicar el diagnóstico",
    Job.ANNOUNCE_FIX: "avisar la corrección",
}
# Jobs whose failure may be the card thread itself: tell the agents' channel instead.
THREAD_JOBS = frozenset({Job.POST_CARD, Job.POST_IN_THREAD})


def permanent_reason(exc: BaseException | None) -> str | None:
    """What refused the call for good ("Zendesk respondió 404 (RecordNotFound)"), or None."""
    if isinstance(exc, SlackApiError):
        error = exc.response.get("error")
        return f"Slack respondió {error}" if error in SLACK_PERMANENT else None
    if isinstance(exc, APIException | requests.HTTPError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status not in ZENDESK_PERMANENT:
            return None
        code = ""
        try:
            body = response.json()
            code = body.get("error") if isinstance(body, dict) else ""
        except ValueError:
            pass
        return f"Zendesk respondió {status}" + (
            f" ({code})" if isinstance(code, str) and code else ""
        )
    return None


def zendesk_refusal(exc: BaseException) -> str | None:
    """Zendesk's own words for a request it refused for good ("422 RecordInvalid — Comment:
    author is invalid"), or None when a retry may still work."""
    if permanent_reason(exc) is None or isinstance(exc, SlackApiError):
        return None
    response = getattr(exc, "response", None)
    words = [str(getattr(response, "status_code", ""))]
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("error"), str):
        words.append(body["error"])
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    described = [
        str(item.get("description"))
        for items in details.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict) and item.get("description")
    ]
    reason = " ".join(words)
    shown = "; ".join(described) or (body.get("description") if body.get("description") else "")
    return f"{reason} — {shown}"[:300] if shown else reason


def refusal_text(func: str, ticket_id: int | None, reason: str) -> str:
    what = WHAT.get(func, func.rsplit(".", 1)[-1].replace("_", " "))
    ticket = f" del ticket #{ticket_id}" if ticket_id else ""
    return (
        f"⚠️ No pude {what}{ticket}: {reason}. No lo volveré a intentar; "
        "revisa el caso en Zendesk y en Slack."
    )


def on_failure(job: RqJob, connection: Any, exc_type: Any, exc: BaseException, tb: Any) -> None:
    """RQ's failure callback of every desk job: end a permanently refused job and tell."""
    reason = permanent_reason(exc)
    if reason is None:
        return
    job.retries_left = 0
    ticket_id = job.args[0] if job.args and isinstance(job.args[0], int) else None
    log.warning("%s refused for good (%s): not retried", job.description, reason)
    told = keys.refusal_told(job.func_name, ticket_id, reason)
    if not connection.set(told, "1", nx=True, ex=TOLD_TTL):
        return
    enqueue(
        Queue(job.origin, connection=connection),
        Job.TELL_REFUSAL,
        ticket_id,
        job.func_name,
        reason,
        job_id=keys.refusal_job(job.id),
        on_failure=False,
    )


def tell_refusal(ticket_id: int | None, func: str, reason: str) -> str:
    """Post the refusal in the card's thread, or in the agents' channel."""
    rt = get_runtime()
    text = refusal_text(func, ticket_id, reason)
    record = rt.store.get(ticket_id) if ticket_id else None
    if record and record.card and func not in THREAD_JOBS:
        try:
            post_message(rt, channel=record.card.channel, thread_ts=record.card.ts, text=text)
            return "told in the card thread"
        except SlackApiError as exc:
            if permanent_reason(exc) is None:
                raise
    post_message(rt, channel=rt.catalog.agents_channel, text=text)
    return "told in the agents' channel"
