"""Listeners of the escalation: the card's Escalar/Responder/Proponer buttons, the product
thread's Tomar caso/Diagnóstico/Problema corregido, their modals, and thread replies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from blocks import escalation_modals as modals
from blocks import ids
from blocks.diagnosis import estimate_echo
from bot.adapters import keys
from bot.adapters.calibration_store import calibration_records
from bot.adapters.queue import Job, enqueue
from bot.composition import Runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.button_values import BadContext, parse_ticket_value
from bot.domain.calibration import record_line_of
from bot.domain.case import CaseRecord, Diagnosis
from bot.domain.estimates import EstimateError, parse_estimate
from bot.domain.lifecycle import Event, State
from bot.domain.offers import offered
from bot.domain.thread_relay import read_thread_message
from bot.domain.user_replies import user_update, window_days
from bot.services import escalation
from handlers import modal_flow
from handlers.common import open_modal, tell
from handlers.modal_input import ModalInput
from workers.cards import mark_relay_queued
from workers.escalation import thread_key

Submit = Callable[[Runtime, ModalInput, CaseRecord, str], Callable[[], object] | None]


def _case(rt: Runtime, body: dict[str, Any], raw: str) -> CaseRecord | None:
    try:
        record = rt.store.get(parse_ticket_value(raw))
    except BadContext:
        return None
    if record is None:
        tell(rt, body, texts.UNKNOWN_CASE.format(ticket_id=raw))
    return record


def register(app: App, rt: Runtime) -> None:
    def not_now(body: dict, record: CaseRecord, action_id: str) -> bool:
        """True (and the clicker is told) when the case does not offer this step now."""
        if offered(rt.catalog, record, body["user"]["id"], ids.ACTION_EVENTS[action_id]):
            return False
        tell(rt, body, "El caso ya no está en una etapa que permita esto.")
        return True

    @app.action(ids.Action.ESCALATE)
    def escalate_button(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        record = _case(rt, body, action.get("value", ""))
        if record is None:
            return
        events = ids.ACTION_EVENTS[ids.Action.ESCALATE]
        if not offered(rt.catalog, record, body["user"]["id"], events):
            tell(rt, body, texts.moved_on(record))
            return
        view = modals.escalate_modal(record, rt.catalog)
        modal_flow.open_decision_modal(client, rt, body, view, record.ticket_id)

    def maintainer_button(action_id: str, build: Callable[[CaseRecord], dict]) -> None:
        def handler(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
            ack()
            record = _case(rt, body, action.get("value", ""))
            if record is None or record.escalation is None or not_now(body, record, action_id):
                return
            open_modal(client, rt, body, build(record))

        app.action(action_id)(handler)

    def diagnosis_modal(record: CaseRecord) -> dict[str, Any]:
        """The modal, with the Mantenedor's record of estimates (one Redis read)."""
        maintainer = record.escalation.maintainer if record.escalation else None
        records = calibration_records(rt.redis).maintainers
        line = record_line_of(records.get(maintainer)) if maintainer else ""
        return modals.diagnosis_modal(record, track_record=line)

    maintainer_button(ids.Action.DIAGNOSE, diagnosis_modal)
    maintainer_button(ids.Action.MARK_FIXED, modals.fixed_modal)

    def agent_button(action_id: str, build: Callable[[CaseRecord], dict]) -> None:
        def handler(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
            ack()
            record = _case(rt, body, action.get("value", ""))
            if record is None or not_now(body, record, action_id):
                return
            modal_flow.open_decision_modal(client, rt, body, build(record), record.ticket_id)

        app.action(action_id)(handler)

    agent_button(
        ids.Action.RESPOND,
        lambda r: modals.response_modal(r, rt.catalog, initial=r.case.state is State.DIAGNOSED),
    )
    agent_button(
        ids.Action.PROPOSE_RESOLUTION,
        lambda r: modals.resolution_modal(
            r, rt.catalog, window_days(rt.settings.resolution_window)
        ),
    )

    def moved_on(record: CaseRecord) -> str:
        return "El caso cambió mientras escribías; no se hizo nada. Revisa la tarjeta."

    def submission(parse: Submit):
        return modal_flow.submission(
            rt, lambda form, record, user: parse(rt, form, record, user), moved_on
        )

    app.view(ids.View.ESCALATE)(submission(_escalate))
    app.view(ids.View.DIAGNOSIS)(submission(_diagnosis))
    app.view(ids.View.FIXED)(submission(_fixed))
    app.view(ids.View.RESPONSE)(submission(_response))
    app.view(ids.View.RESPONSE_PREVIEW)(submission(_response_preview))
    app.view(ids.View.RESOLUTION)(submission(_resolution))

    @app.event("message")
    def thread_message(event: dict, body: dict) -> None:
        """A person's reply in an escalation thread (with files, broadcast, edited or deleted)
        is mirrored in the agent's card thread, once per Slack event."""
        message = read_thread_message(event)
        if message is None:
            return
        raw = rt.redis.get(thread_key(message.channel, message.thread_ts))
        if raw is None:
            return
        event_id = body.get("event_id") or f"{message.channel}-{message.ts}-{message.kind}"
        if not rt.redis.set(keys.slack_event(event_id), "1", nx=True, ex=3 * 86400):
            return
        if message.kind == "new":
            mark_relay_queued(rt, int(raw), message.channel, message.ts)
        enqueue(
            rt.queue,
            Job.RELAY_THREAD_MESSAGE,
            int(raw),
            dataclasses.asdict(message),
            job_id=keys.relay_message_job(event_id),
        )


def _escalate(rt: Runtime, form: ModalInput, record: CaseRecord, user: str):
    product = form.selected(ids.Block.PRODUCT, what="el producto")
    notes = form.text(
        ids.Block.NOTES, required=True, what="los antecedentes para el responsable técnico"
    )
    if product and rt.catalog.product(product) is None:
        form.refuse(ids.Block.PRODUCT, "Ese producto ya no está en el catálogo.")
    if not form.ok:
        return None
    return lambda: escalation.escalate(rt, record.ticket_id, product, notes, user, utcnow())


def _level(form: ModalInput, block: str, what: str) -> str:
    value = form.selected(block, what=what)
    if value and value not in ids.LEVELS:
        form.refuse(block, "Elige alta, media o baja.")
    return value or ""


def _diagnosis(rt: Runtime, form: ModalInput, record: CaseRecord, user: str):
    summary = form.text(ids.Block.DIAGNOSIS, required=True, what="el resumen del diagnóstico")
    certainty = _level(form, ids.Block.CERTAINTY, "la certeza del diagnóstico")
    raw = form.text(ids.Block.ESTIMATE, required=True, what="la estimación")
    confidence = _level(form, ids.Block.CONFIDENCE, "la confianza en la estimación")
    now = utcnow()
    estimate = None
    if raw:
        try:
            estimate = parse_estimate(raw, now, rt.catalog.tz)
        except EstimateError as exc:
            form.refuse(ids.Block.ESTIMATE, exc.message)
    if not form.ok or estimate is None:
        return None
    diagnosis = Diagnosis(summary, certainty, raw, estimate.at, confidence, user, now)
    return lambda: escalation.diagnose(rt, record.ticket_id, diagnosis, now)


def _fixed(rt: Runtime, form: ModalInput, record: CaseRecord, user: str):
    note = form.text(ids.Block.FIX_NOTE, required=True, what="qué se hizo")
    if not form.ok:
        return None
    return lambda: escalation.mark_fixed(rt, record.ticket_id, note, user, utcnow())


def _expected_date(rt: Runtime, form: ModalInput) -> str:
    """The picked day as the user reads it ("viernes 4 de diciembre"); refused if past."""
    raw = form.date(ids.Block.EXPECTED_DATE, what="la fecha esperada de resolución")
    if not raw:
        return ""
    day = date.fromisoformat(raw)
    today = utcnow().astimezone(rt.catalog.tz).date()
    if day < today:
        form.refuse(ids.Block.EXPECTED_DATE, "Esa fecha ya pasó: elige hoy o una fecha futura.")
        return ""
    midnight = datetime.combine(day, time(0), tzinfo=rt.catalog.tz)
    return estimate_echo(midnight, rt.catalog.tz, reference=utcnow())


def _response(rt: Runtime, form: ModalInput, record: CaseRecord, user: str):
    """The five topics: composed into the message, which is shown whole before it goes."""
    topics = {
        "required_info": form.text(ids.Block.REQUIRED_INFO, required=False, what="-"),
        "useful_info": form.text(ids.Block.USEFUL_INFO, required=False, what="-"),
        "plain_diagnosis": form.text(
            ids.Block.PLAIN_DIAGNOSIS, required=True, what="el diagnóstico en palabras simples"
        ),
        "expected_date": _expected_date(rt, form),
        "workaround": form.text(ids.Block.WORKAROUND, required=False, what="-"),
    }
    if not form.ok:
        return None
    initial = record.case.state is State.DIAGNOSED
    body = user_update(record.ticket, initial=initial, **topics)
    event = Event.RESPOND_INITIAL if initial else Event.SEND_UPDATE
    return modal_flow.Review(modals.response_preview(record, event, body))


def _response_preview(rt: Runtime, form: ModalInput, record: CaseRecord, user: str):
    body = form.text(ids.Block.REPLY, required=True, what="el mensaje para el usuario")
    if not form.ok:
        return None
    return lambda: escalation.answer_user(rt, record.ticket_id, body, user, utcnow())


def _resolution(rt: Runtime, form: ModalInput, record: CaseRecord, user: str):
    body = form.text(ids.Block.REPLY, required=True, what="el mensaje de resolución")
    if not form.ok:
        return None
    return lambda: escalation.propose_resolution(rt, record.ticket_id, body, user, utcnow())
