"""Listeners for the card's triage buttons and the decision modals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from blocks import escalation_modals, ids, modals
from blocks.card import detail_modal, parse_more_option
from bot.composition import Runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.button_values import BadContext, ModalContext, parse_ticket_value
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import Event
from bot.domain.user_replies import unfilled_slots, window_days
from bot.services import escalation
from bot.services.clicks import not_offered
from bot.services.triage import Decision, decide
from handlers import modal_flow, modal_refill
from handlers.common import log, open_modal, tell
from handlers.modal_input import ModalInput

ModalBuilder = Callable[..., dict[str, Any]]

MODAL_BUTTONS: dict[str, tuple[Event, ModalBuilder]] = {
    ids.Action.WRONG_RECIPIENT: (Event.WRONG_RECIPIENT, modals.wrong_recipient_modal),
    ids.Action.PERSON: (Event.REFER_TO_PERSON, modals.person_modal),
    ids.Action.UNSUPPORTED: (Event.UNSUPPORTED_PRODUCT, modals.unsupported_modal),
    ids.Action.INFORMATION: (Event.RESOLVE_WITH_INFORMATION, modals.information_modal),
    ids.Action.DOCUMENTED_ACTION: (Event.RESOLVE_WITH_ACTION, modals.action_modal),
}


ALREADY_TOLD = (
    "Este caso ya no está esperando el aviso al usuario (ya se le avisó, o el caso avanzó); "
    "no se envió nada."
)


def _open_case(
    rt: Runtime, body: dict[str, Any], action_id: str, raw_value: str | None = None
) -> CaseRecord | None:
    """The case a triage button acts on, if it still offers that decision (else the clicker
    is told). `raw_value` is the ticket when it is not the button's value ("Más opciones…")."""
    if raw_value is None:
        raw_value = (body.get("actions") or [{}])[0].get("value", "")
    try:
        ticket_id = parse_ticket_value(raw_value)
    except BadContext:
        log.warning("button with a bad value from %s", body["user"]["id"])
        return None
    record = rt.store.get(ticket_id)
    if record is None:
        tell(rt, body, texts.UNKNOWN_CASE.format(ticket_id=ticket_id))
        return None
    why = not_offered(rt.catalog, record, body["user"]["id"], ids.ACTION_EVENTS[action_id])
    if why is None:
        return record
    tell(rt, body, why)
    return None


def _window_text(rt: Runtime) -> str:
    return window_days(rt.settings.resolution_window)


def register(app: App, rt: Runtime) -> None:
    def open_decision(
        body: dict[str, Any], action_id: str, client: WebClient, raw: str | None = None
    ) -> None:
        record = _open_case(rt, body, action_id, raw)
        if record is None:
            return
        _, builder = MODAL_BUTTONS[action_id]
        if builder is modals.wrong_recipient_modal:
            view = builder(record, rt.catalog)
        else:
            view = builder(record, rt.catalog, _window_text(rt))
        modal_flow.open_decision_modal(client, rt, body, view, record.ticket_id)

    def decision_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient):
        ack()
        open_decision(body, action["action_id"], client)

    for action_id in MODAL_BUTTONS:
        app.action(action_id)(decision_button)

    @app.action(ids.Action.MORE_OPTIONS)
    def more_options(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient):
        """ "Más opciones…": the rarely used decisions open the same modals as their buttons."""
        ack()
        choice = (action.get("selected_option") or {}).get("value", "")
        action_id, raw = parse_more_option(choice)
        if action_id not in MODAL_BUTTONS:
            log.warning("more options with a bad value from %s", body["user"]["id"])
            return
        open_decision(body, action_id, client, raw)

    @app.action(ids.Action.SEE_DETAIL)
    def see_detail(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient):
        """ "Ver detalle" of a finished card: the whole card, in a modal (agents only: the
        card lives in their channel)."""
        ack()
        if not rt.catalog.is_agent(body["user"]["id"]):
            tell(rt, body, texts.NOT_AN_AGENT)
            return
        try:
            record = rt.store.get(parse_ticket_value(action.get("value", "")))
        except BadContext:
            return
        if record is None:
            tell(rt, body, texts.UNKNOWN_CASE.format(ticket_id=action.get("value", "")))
            return
        open_modal(client, rt, body, detail_modal(record, rt.catalog, utcnow()))

    @app.action(ids.Action.ACKNOWLEDGE)
    def acknowledge_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """ "Avisar al usuario" on an escalated case: review the acknowledgement, then send."""
        ack()
        record = _open_case(rt, body, ids.Action.ACKNOWLEDGE)
        if record is None:
            return
        view = escalation_modals.acknowledge_modal(record)
        modal_flow.open_decision_modal(client, rt, body, view, record.ticket_id)

    def acknowledgement(form: ModalInput, record: CaseRecord, user: str):
        body = _reply_text(form)
        if not form.ok:
            return None
        return lambda: escalation.acknowledge(rt, record.ticket_id, body, user, utcnow())

    app.view(ids.View.ACKNOWLEDGE)(
        modal_flow.submission(rt, acknowledgement, lambda record: ALREADY_TOLD)
    )

    modal_refill.register(app, rt)
    for callback_id in modal_flow.DECISION_VIEWS:
        app.view_closed(callback_id)(modal_flow.closed(rt))

    def submission(parse: Callable[[Runtime, ModalInput, CaseRecord], Decision]):
        def step(form: ModalInput, record: CaseRecord, user: str):
            decision = parse(rt, form, record)
            return lambda: decide(rt, record.ticket_id, decision, user, utcnow())

        return modal_flow.submission(rt, step, texts.moved_on)

    @app.options(ids.Block.PERSON)
    def person_suggestions(ack: Ack, payload: dict[str, Any]) -> None:
        """The person menu: the directory's people matching what the agent typed."""
        ack(**modals.person_options(rt.catalog, payload.get("value") or ""))

    @app.options(ids.Block.PROCEDURE)
    def procedure_suggestions(ack: Ack, body: dict[str, Any], payload: dict[str, Any]) -> None:
        """The procedure menu: the case's products' documented procedures matching the query."""
        try:
            ctx = ModalContext.decode((body.get("view") or {}).get("private_metadata", ""))
        except BadContext:
            ack(options=[])
            return
        record = rt.store.get(ctx.ticket_id)
        if record is None:
            ack(options=[])
            return
        products = modals.candidate_products(record, rt.catalog)
        ack(**modals.procedure_options(products, payload.get("value") or ""))

    app.view(ids.View.WRONG_RECIPIENT)(submission(_wrong_recipient))
    app.view(ids.View.PERSON)(submission(_person))
    app.view(ids.View.UNSUPPORTED)(submission(_unsupported))
    app.view(ids.View.INFORMATION)(submission(_information))
    app.view(ids.View.DOCUMENTED_ACTION)(submission(_documented_action))


def _reply_text(form: ModalInput) -> str:
    """The reply as the agent left it; refused while a [[slot]] of the prefill is unfilled."""
    text = form.text(ids.Block.REPLY, required=True, what="la respuesta para el usuario")
    slots = unfilled_slots(text)
    if slots:
        pending = ", ".join(f"[[{slot}]]" for slot in slots)
        form.refuse(ids.Block.REPLY, f"Completa o borra {pending} antes de enviar.")
    return text


def _wrong_recipient(rt: Runtime, form: ModalInput, record: CaseRecord) -> Decision:
    return Decision(Event.WRONG_RECIPIENT, reply=_reply_text(form))


def _person(rt: Runtime, form: ModalInput, record: CaseRecord) -> Decision:
    choice = form.selected(ids.Block.PERSON, what="a la persona (o el contacto general)")
    person = None
    if choice and choice != ids.NO_PERSON_VALUE:
        person = rt.catalog.person(choice)
        if person is None:
            form.refuse(ids.Block.PERSON, "Esa persona ya no está en el directorio.")
    reply = _reply_text(form)
    detail = f"Persona: {person.name} <{person.email}>" if person else "Contacto general"
    return Decision(Event.REFER_TO_PERSON, reply=reply, detail=detail)


def _unsupported(rt: Runtime, form: ModalInput, record: CaseRecord) -> Decision:
    return Decision(Event.UNSUPPORTED_PRODUCT, reply=_reply_text(form))


def _information(rt: Runtime, form: ModalInput, record: CaseRecord) -> Decision:
    product = form.selected(ids.Block.PRODUCT, what="el producto")
    if product and rt.catalog.product(product) is None:
        form.refuse(ids.Block.PRODUCT, "Ese producto ya no está en el catálogo.")
    reply = _reply_text(form)
    return Decision(Event.RESOLVE_WITH_INFORMATION, reply=reply, product=product)


def _documented_action(rt: Runtime, form: ModalInput, record: CaseRecord) -> Decision:
    choice = form.selected(ids.Block.PROCEDURE, what="el procedimiento documentado que realizaste")
    form.confirmed(
        ids.Block.CHECKED,
        what="Confirma que verificaste el resultado antes de responder al usuario.",
    )
    reply = _reply_text(form)
    found = modals.find_procedure(rt.catalog, choice)
    if choice and found is None:
        form.refuse(ids.Block.PROCEDURE, "Ese procedimiento ya no está en el catálogo.")
    if found is None:
        return Decision(Event.RESOLVE_WITH_ACTION)
    product, procedure = found
    return Decision(
        Event.RESOLVE_WITH_ACTION,
        reply=reply,
        product=product.key,
        detail=f"Procedimiento: {procedure.title}. {reply}"[:500],
    )
