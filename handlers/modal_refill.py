"""A pick inside a decision modal refills its reply (dispatch_action, then views.update).

The agent sees the reply exactly as it will be sent. A reply the agent has not edited (it
is still one of the prefills) is replaced by the prefill for the new pick, under a new
block_id so that Slack shows the new initial value; a reply the agent edited is kept as
they left it, and only the pick changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks import ids, modals
from bot.composition import Runtime
from bot.domain import user_replies as replies
from bot.domain.button_values import BadContext, ModalContext
from bot.domain.case import CaseRecord
from bot.domain.user_replies import window_days
from handlers.common import log
from handlers.modal_input import ModalInput

Rebuild = Callable[[CaseRecord, ModalInput, str | None, str], dict[str, Any]]


def current_reply(form: ModalInput) -> tuple[str, str]:
    """(the reply's text as it stands, the version suffix of its block_id)."""
    block = form.block_of(ids.Block.REPLY)
    text = form.text(ids.Block.REPLY, required=False, what="-")
    _, _, version = block.partition(modals.VERSION_MARK)
    return text, version


def untouched(text: str, prefills: list[str]) -> bool:
    """Whether `text` is still one of the prefills (or empty): nothing of the agent's lost."""
    shown = text.strip()
    return not shown or any(shown == p.strip() for p in prefills)


def register(app: App, rt: Runtime) -> None:
    window = window_days(rt.settings.resolution_window)

    def refill(body: dict[str, Any], client: WebClient, rebuild: Rebuild, prefills) -> None:
        view = body.get("view") or {}
        try:
            ctx = ModalContext.decode(view.get("private_metadata", ""))
        except BadContext:
            return
        record = rt.store.get(ctx.ticket_id)
        if record is None:
            return
        form = ModalInput(view)
        text, version = current_reply(form)
        if untouched(text, prefills(record)):
            new_view = rebuild(record, form, None, uuid.uuid4().hex[:8])
        else:
            new_view = rebuild(record, form, text, version)
        try:
            client.views_update(
                view_id=view["id"],
                hash=view.get("hash"),
                view={**new_view, "notify_on_close": True},
            )
        except SlackApiError as exc:  # closed meanwhile, or changed by a newer pick
            log.info("refill of %s not shown: %s", ctx.ticket_id, exc.response.get("error"))

    def information(record: CaseRecord, form: ModalInput, reply: str | None, version: str):
        key = form.selected(ids.Block.PRODUCT, what="-")
        product = rt.catalog.product(key) if key else None
        return modals.information_modal(
            record, rt.catalog, window, chosen=product, reply=reply, version=version
        )

    def person(record: CaseRecord, form: ModalInput, reply: str | None, version: str):
        chosen = form.selected(ids.Block.PERSON, what="-")
        return modals.person_modal(
            record, rt.catalog, window, chosen=chosen, reply=reply, version=version
        )

    def procedure(record: CaseRecord, form: ModalInput, reply: str | None, version: str):
        found = modals.find_procedure(rt.catalog, form.selected(ids.Block.PROCEDURE, what="-"))
        return modals.action_modal(
            record, rt.catalog, window, chosen=found, reply=reply, version=version
        )

    def person_prefills(record: CaseRecord) -> list[str]:
        people = [None, *rt.catalog.people]
        texts = [replies.person_reply(rt.catalog, record.ticket, None, chosen=False)]
        texts += [replies.person_reply(rt.catalog, record.ticket, p, chosen=True) for p in people]
        return texts

    listeners = {
        ids.Block.PRODUCT: (information, lambda r: modals.information_prefills(r, rt.catalog)),
        ids.Block.PERSON: (person, person_prefills),
        ids.Block.PROCEDURE: (procedure, lambda r: modals.action_prefills(r, rt.catalog)),
    }

    def listener(rebuild: Rebuild, prefills: Callable[[CaseRecord], list[str]]):
        def picked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            if (body.get("view") or {}).get("callback_id") not in REFILLED_VIEWS:
                return
            refill(body, client, rebuild, prefills)

        return picked

    for action_id, (rebuild, prefills) in listeners.items():
        app.action(action_id)(listener(rebuild, prefills))


REFILLED_VIEWS = (ids.View.INFORMATION, ids.View.PERSON, ids.View.DOCUMENTED_ACTION)
