"""The one way every decision modal is submitted: who may, what they typed, then one step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot import texts
from bot.context import BadContext, ModalContext
from bot.lifecycle import IllegalTransition
from bot.modal_input import ModalInput
from bot.records import CaseRecord
from bot.runtime import Runtime
from bot.steps import CaseBusy
from handlers.common import log

Step = Callable[[], object]
Parse = Callable[[ModalInput, CaseRecord, str], Step | None]
Permit = Callable[[str, CaseRecord], str | None]
MovedOn = Callable[[CaseRecord], str]


def submission(
    rt: Runtime, permit: Permit, parse: Parse, moved_on: MovedOn
) -> Callable[[Ack, dict[str, Any], dict[str, Any]], None]:
    """A view_submission listener: refuse (inline) or take the step, all before the ack.

    `permit` says why the submitter may not (None: they may); `parse` validates the form and
    returns the step to take, or None with `form.errors` set; `moved_on` explains a case that
    changed while the modal was open. Errors show under the field; nothing is sent.
    """

    def handler(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = ModalInput(view)
        first = next(iter(form.values), "")
        user = body["user"]["id"]

        def refuse(message: str) -> None:
            ack(response_action="errors", errors={first: message})

        try:
            ctx = ModalContext.decode(view.get("private_metadata", ""))
        except BadContext:
            refuse("Formulario inválido.")
            return
        record = rt.store.get(ctx.ticket_id)
        if record is None:
            refuse(texts.UNKNOWN_CASE.format(ticket_id=ctx.ticket_id))
            return
        refusal = permit(user, record)
        if refusal:
            log.warning("refused %s submission by %s", view.get("callback_id"), user)
            refuse(refusal)
            return
        step = parse(form, record, user)
        if not form.ok or step is None:
            ack(response_action="errors", errors=form.errors or {first: "Revisa el formulario."})
            return
        try:
            step()
        except (IllegalTransition, CaseBusy) as exc:
            log.info("submission for %s refused: %s", ctx.ticket_id, exc)
            refuse(moved_on(rt.store.get(ctx.ticket_id) or record))
            return
        ack()

    return handler
