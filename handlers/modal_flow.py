"""The one way every decision modal is submitted: who may, what they typed, then one step."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks import ids
from bot.adapters import keys, soft_claim
from bot.adapters.queue import Job, enqueue
from bot.composition import Runtime
from bot.domain import desk_texts as texts
from bot.domain.button_values import BadContext, ModalContext
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import IllegalTransition
from bot.services.transitions import CaseBusy
from handlers.common import MODAL_NOT_OPENED, OUTAGE, log, tell
from handlers.modal_input import ModalInput

Step = Callable[[], object]


@dataclass(frozen=True)
class Review:
    """Not a step yet: show `view` in place of the modal (a preview of the reply)."""

    view: dict[str, Any]


Parse = Callable[[ModalInput, CaseRecord, str], "Step | Review | None"]
MovedOn = Callable[[CaseRecord], str]

# The modals that answer the end user or decide a case: opening one claims the case.
DECISION_VIEWS = (
    ids.View.WRONG_RECIPIENT,
    ids.View.PERSON,
    ids.View.UNSUPPORTED,
    ids.View.INFORMATION,
    ids.View.DOCUMENTED_ACTION,
    ids.View.ESCALATE,
    ids.View.RESPONSE,
    ids.View.RESPONSE_PREVIEW,
    ids.View.RESOLUTION,
    ids.View.ACKNOWLEDGE,
)

# Slack accepts a signed request for five minutes: a submission seen within twice that is a
# replay of the same bytes (or Slack delivering it again), and takes no second effect.
REPLAY_WINDOW = 600


def submission_key(body: dict[str, Any]) -> str:
    """One key per submission: the digest of everything Slack sent with it."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return keys.submission(digest)


def submission(
    rt: Runtime, parse: Parse, moved_on: MovedOn
) -> Callable[[Ack, dict[str, Any], dict[str, Any]], None]:
    """A view_submission listener: refuse (inline) or take the step, all before the ack.

    Who may submit is decided before (handlers/permissions.py); `parse` validates the form
    and returns the step to take, or None with `form.errors` set; `moved_on` explains a case
    that changed while the modal was open. Errors show under the field; nothing is sent.
    """

    def handler(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = ModalInput(view)
        first = next(iter(form.values), "")
        try:
            take_once(ack, body, view, form, first)
        except redis.RedisError as exc:
            log.error("submission %s: Redis unavailable (%s)", view.get("callback_id"), exc)
            ack(response_action="errors", errors={first: OUTAGE})

    def take_once(ack: Ack, body: dict, view: dict, form: ModalInput, first: str) -> None:
        key = submission_key(body)
        if not rt.redis.set(key, "1", nx=True, ex=REPLAY_WINDOW):
            log.warning("submission %s seen before: ignored", view.get("callback_id"))
            ack()
            return
        taken = False
        try:
            taken = take(ack, body, view, form, first)
        finally:
            if not taken:
                rt.redis.delete(key)  # refused: the user may correct it and send it again

    def take(ack: Ack, body: dict, view: dict, form: ModalInput, first: str) -> bool:
        user = body["user"]["id"]

        def refuse(message: str) -> bool:
            ack(response_action="errors", errors={first: message})
            return False

        try:
            ctx = ModalContext.decode(view.get("private_metadata", ""))
        except BadContext:
            return refuse("Formulario inválido.")
        record = rt.store.get(ctx.ticket_id)
        if record is None:
            return refuse(texts.UNKNOWN_CASE.format(ticket_id=ctx.ticket_id))
        step = parse(form, record, user)
        if not form.ok or step is None:
            ack(response_action="errors", errors=form.errors or {first: "Revisa el formulario."})
            return False
        if isinstance(step, Review):
            ack(response_action="update", view={**step.view, "notify_on_close": True})
            return False
        try:
            step()
        except (IllegalTransition, CaseBusy) as exc:
            log.info("submission for %s refused: %s", ctx.ticket_id, exc)
            return refuse(moved_on(rt.store.get(ctx.ticket_id) or record))
        soft_claim.release(rt.redis, ctx.ticket_id, user)  # the step re-renders the card
        ack()
        return True

    return handler


def _refresh_card(rt: Runtime, ticket_id: int, why: str) -> None:
    enqueue(
        rt.queue,
        Job.REFRESH_CARD,
        ticket_id,
        job_id=keys.card_job(ticket_id, f"{why}-{uuid.uuid4().hex}"),
    )


def open_decision_modal(
    client: WebClient, rt: Runtime, body: dict[str, Any], view: dict[str, Any], ticket_id: int
) -> None:
    """Open a decision modal and show the soft claim on the card ("… está respondiendo")."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view={**view, "notify_on_close": True})
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        tell(rt, body, MODAL_NOT_OPENED)
        return
    soft_claim.claim(rt.redis, ticket_id, body["user"]["id"])
    _refresh_card(rt, ticket_id, "claim")


def closed(rt: Runtime) -> Callable[[Ack, dict[str, Any], dict[str, Any]], None]:
    """A view_closed listener: the agent cancelled the modal, so their claim is cleared."""

    def handler(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        try:
            ctx = ModalContext.decode(view.get("private_metadata", ""))
        except BadContext:
            return
        if soft_claim.release(rt.redis, ctx.ticket_id, body["user"]["id"]):
            _refresh_card(rt, ctx.ticket_id, "unclaim")

    return handler
