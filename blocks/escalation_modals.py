"""The modals of an escalated case: escalate, diagnose, answer the user, fix, propose resolution.

Each carries `ModalContext(ticket_id, event)` as private_metadata, where `event` is the
`bot.domain.lifecycle.Event` value the submission applies (DIAGNOSE also for a revision,
RESPOND_INITIAL or SEND_UPDATE for the response).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from blocks import ids
from blocks.diagnosis import diagnosis_estimate_echo, diagnosis_text
from blocks.limits import INPUT_VALUE_MAX
from blocks.modals import (
    DEFAULT_WINDOW_TEXT,
    MAX_OPTIONS,
    _context,
    _option,
    _plain,
    _reply_input,
    _text_input,
    _ticket_line,
    _window_note,
    candidate_products,
)
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain import user_replies as replies
from bot.domain.button_values import ModalContext
from bot.domain.case import CaseRecord, Diagnosis
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import Event

TITLE_MAX = 24
RESOLVED_MEANS = (
    "Recuerda: el problema está *resuelto* solo cuando todos sus efectos y síntomas "
    "desaparecieron para el usuario final."
)
ESTIMATE_HINT = "Ej.: 3 días, viernes, 2026-12-04 15:00, 2 semanas"

CERTAINTY_LABELS = {
    "alta": ("Alta", "Causa identificada o reproducida"),
    "media": ("Media", "Hipótesis probable, falta confirmarla"),
    "baja": ("Baja", "Aún investigando"),
}
CONFIDENCE_LABELS = {
    "alta": ("Alta", "Trabajo acotado y conocido"),
    "media": ("Media", "Puede haber imprevistos"),
    "baja": ("Baja", "Depende de lo que se encuentre"),
}

# The five topics of "Respuesta inicial": (block_id, label, optional, hint).
RESPONSE_TOPICS: tuple[tuple[str, str, bool, str], ...] = (
    (
        ids.Block.REQUIRED_INFO,
        "Información que el usuario DEBE aportar",
        True,
        "Lo que el usuario tiene que enviar para poder avanzar. Vacío si no hace falta nada.",
    ),
    (
        ids.Block.USEFUL_INFO,
        "Información que ayudaría",
        True,
        "Datos opcionales que acelerarían el diagnóstico o la corrección.",
    ),
    (
        ids.Block.PLAIN_DIAGNOSIS,
        "Diagnóstico en palabras simples",
        False,
        "Cuenta qué pasa como se lo explicarías al usuario: tan específico como sea posible, "
        "sin términos técnicos (el diagnóstico técnico está arriba, como referencia).",
    ),
    (
        ids.Block.WORKAROUND,
        f"Mientras tanto: {glossary.WORKAROUND}",
        True,
        "Qué puede hacer el usuario para mitigar el problema o lograr su objetivo por otra vía.",
    ),
)


def _view(
    callback_id: str,
    title: str,
    record: CaseRecord,
    event: Event,
    blocks: list[Block],
    submit: str = "Enviar",
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=_plain(title, TITLE_MAX),
        submit=_plain(submit, TITLE_MAX),
        close=_plain("Cancelar", TITLE_MAX),
        private_metadata=ModalContext(record.ticket_id, event.value).encode(),
        blocks=blocks,
    )
    return view.to_dict()


def _level_select(
    block_id: str, label: str, labels: dict[str, tuple[str, str]], initial: str | None
) -> InputBlock:
    options = [_option(labels[level][0], level, labels[level][1]) for level in ids.LEVELS]
    chosen = next((o for o in options if o.value == initial), None)
    select = StaticSelectElement(
        action_id=block_id,
        placeholder=_plain("Elige un nivel", 150),
        options=options,
        initial_option=chosen,
    )
    return InputBlock(block_id=block_id, label=_plain(label, 2000), element=select)


def _diagnosis(record: CaseRecord) -> Diagnosis | None:
    return record.escalation.diagnosis if record.escalation else None


def escalate_modal(record: CaseRecord, catalog: Catalog) -> dict[str, Any]:
    """Pick the product and write the background for its maintainers."""
    products = candidate_products(record, catalog)[:MAX_OPTIONS]
    org_products = catalog.products_for_organization(record.ticket.organization_id)
    chosen = next((p for p in products if p.key == record.product), None)
    if chosen is None and len(org_products) == 1:
        chosen = org_products[0]
    options = [_option(p.name, p.key) for p in products]
    initial = next((o for o, p in zip(options, products, strict=True) if p is chosen), None)
    select = StaticSelectElement(
        action_id=ids.Block.PRODUCT,
        placeholder=_plain("Elige el producto", 150),
        options=options,
        initial_option=initial,
    )
    channels = ", ".join(f"{t.escape_mrkdwn(p.name)} → <#{p.channel}>" for p in products)
    blocks: list[Block] = [
        _ticket_line(record),
        InputBlock(block_id=ids.Block.PRODUCT, label=_plain("Producto", 2000), element=select),
        _context(
            "El reporte original del usuario, tus antecedentes y un botón «Tomar caso» se "
            f"publican en el canal del producto ({channels})."
        ),
        _text_input(
            ids.Block.NOTES,
            f"Antecedentes y sospechas para el {glossary.MAINTAINER}",
            record.escalation.notes if record.escalation else "",
            hint=(
                "Lo que sabes o intuyes: desde cuándo ocurre, a quiénes afecta, cómo "
                "reproducirlo, qué ya descartaste."
            ),
        ),
    ]
    return _view(ids.View.ESCALATE, "Escalar caso", record, Event.ESCALATE, blocks)


def diagnosis_modal(
    record: CaseRecord, now_hint: str = "", track_record: str = ""
) -> dict[str, Any]:
    """The maintainer's four answers; a revision starts from the latest diagnosis.
    `track_record`: the maintainer's own record, in one line, shown before they estimate."""
    previous = _diagnosis(record)
    estimate = PlainTextInputElement(
        action_id=ids.Block.ESTIMATE,
        max_length=INPUT_VALUE_MAX,
        initial_value=t.truncate(previous.estimate_text, INPUT_VALUE_MAX) if previous else None,
        placeholder=_plain(ESTIMATE_HINT, 150),
    )
    hint = t.truncate(ESTIMATE_HINT + (f" · {now_hint.strip()}" if now_hint.strip() else ""), 2000)
    blocks: list[Block] = [
        _ticket_line(record),
        _text_input(
            ids.Block.DIAGNOSIS,
            "Resumen del diagnóstico",
            previous.summary if previous else "",
            hint="Qué está pasando y por qué, hasta donde se sabe.",
        ),
        _level_select(
            ids.Block.CERTAINTY,
            "Certeza del diagnóstico",
            CERTAINTY_LABELS,
            previous.certainty if previous else None,
        ),
        *([_context(f"📐 {track_record}")] if track_record else []),
        InputBlock(
            block_id=ids.Block.ESTIMATE,
            label=_plain("Estimación del tiempo para resolverlo", 2000),
            element=estimate,
            hint=hint,
        ),
        _level_select(
            ids.Block.CONFIDENCE,
            "Confianza en la estimación",
            CONFIDENCE_LABELS,
            previous.confidence if previous else None,
        ),
        _context(
            "El diagnóstico se publica en este hilo y le llega al agente, que lo usará para "
            f"responder al usuario. {RESOLVED_MEANS}"
        ),
    ]
    title = "Revisar diagnóstico" if previous else "Diagnóstico"
    return _view(ids.View.DIAGNOSIS, title, record, Event.DIAGNOSE, blocks)


EXPECTED_DATE_LABEL = "Fecha esperada de resolución"
EXPECTED_DATE_HINT = "Cuándo esperamos que todos los síntomas hayan desaparecido para el usuario."


def expected_date_default(record: CaseRecord, catalog: Catalog) -> date | None:
    """The estimate's day in the desk's zone: the date picker starts there."""
    diagnosis = _diagnosis(record)
    if diagnosis is None:
        return None
    return t.as_utc(diagnosis.estimate_at).astimezone(catalog.tz).date()


def _date_input(initial: date | None, estimate: str) -> InputBlock:
    hint = EXPECTED_DATE_HINT + (
        f" Estimación del {glossary.MAINTAINER}: {estimate}." if estimate else ""
    )
    picker = DatePickerElement(
        action_id=ids.Block.EXPECTED_DATE,
        initial_date=initial.isoformat() if initial else None,
        placeholder=_plain("Elige la fecha", 150),
    )
    return InputBlock(
        block_id=ids.Block.EXPECTED_DATE,
        label=_plain(EXPECTED_DATE_LABEL, 2000),
        element=picker,
        hint=_plain(t.truncate(hint, 2000), 2000),
    )


def _reference(record: CaseRecord, catalog: Catalog) -> list[Block]:
    """The maintainer's technical diagnosis, as reference for the plain words (context)."""
    diagnosis = _diagnosis(record)
    if diagnosis is None:
        return []
    echo = diagnosis_estimate_echo(diagnosis, catalog.tz)
    text = f"*Referencia técnica* (no se envía):\n{diagnosis_text(diagnosis, echo, 2900)}"
    return [_context(text)]


def response_modal(
    record: CaseRecord,
    catalog: Catalog,
    *,
    initial: bool,
    previous: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The initial response or an update: the five topics of "Respuesta inicial".

    Prefilled from the latest diagnosis; an update starts from the last values sent
    (`previous`, keyed by block id), topic by topic.
    """
    values: dict[str, str] = {}
    if not initial and previous:
        values.update({key: value for key, value in previous.items() if value is not None})
    blocks: list[Block] = [_ticket_line(record), *_reference(record, catalog)]
    if not initial and record.escalation and record.escalation.last_user_update:
        when = t.slack_date(record.escalation.last_user_update)
        blocks.append(_context(f"Última comunicación al usuario: {when}"))
    diagnosis = _diagnosis(record)
    estimate = diagnosis_estimate_echo(diagnosis, catalog.tz) if diagnosis else ""
    for block_id, label, optional, hint in RESPONSE_TOPICS:
        blocks.append(
            _text_input(block_id, label, values.get(block_id, ""), optional=optional, hint=hint)
        )
        if block_id == ids.Block.PLAIN_DIAGNOSIS:
            blocks.append(_date_input(expected_date_default(record, catalog), estimate))
    blocks.append(
        _context(
            "Al presionar «Revisar» verás el mensaje completo, con saludo y firma, y podrás "
            f"editarlo antes de enviarlo; los temas que dejes vacíos no se mencionan. "
            f"{RESOLVED_MEANS}"
        )
    )
    if initial:
        return _view(
            ids.View.RESPONSE, "Respuesta inicial", record, Event.RESPOND_INITIAL, blocks, "Revisar"
        )
    return _view(ids.View.RESPONSE, "Actualización", record, Event.SEND_UPDATE, blocks, "Revisar")


def response_preview(record: CaseRecord, event: Event, body: str) -> dict[str, Any]:
    """The composed response, whole and editable: what the user will read, before it goes."""
    title = "Respuesta inicial" if event is Event.RESPOND_INITIAL else "Actualización"
    blocks: list[Block] = [
        _ticket_line(record),
        _reply_input(body),
        _context("Así le llegará al usuario. Puedes corregirlo aquí antes de enviarlo."),
    ]
    return _view(ids.View.RESPONSE_PREVIEW, title, record, event, blocks)


def acknowledge_modal(record: CaseRecord) -> dict[str, Any]:
    """ "Avisar al usuario": the acknowledgement, whole and editable, before it is sent."""
    blocks: list[Block] = [
        _ticket_line(record),
        _reply_input(replies.acknowledgement(record.ticket)),
        _context(
            "Se envía una sola vez, apenas el caso está escalado: el usuario sabe que lo estamos "
            "revisando. La respuesta inicial, con el diagnóstico y el plazo, va después."
        ),
    ]
    return _view(ids.View.ACKNOWLEDGE, "Avisar al usuario", record, Event.ACKNOWLEDGE, blocks)


def fixed_modal(record: CaseRecord) -> dict[str, Any]:
    """The maintainer says the problem is corrected in the product, and how."""
    fix_note = record.escalation.fix_note if record.escalation else None
    blocks: list[Block] = [
        _ticket_line(record),
        _text_input(
            ids.Block.FIX_NOTE,
            "¿Qué se hizo?",
            fix_note or "",
            hint="El agente lo usará para contarle al usuario la solución.",
        ),
        _context(
            f"Se avisará al agente para que proponga la resolución al usuario. {RESOLVED_MEANS}"
        ),
    ]
    return _view(ids.View.FIXED, "Problema corregido", record, Event.MARK_FIXED, blocks, "Guardar")


def resolution_modal(
    record: CaseRecord, catalog: Catalog, window_text: str = DEFAULT_WINDOW_TEXT
) -> dict[str, Any]:
    """Review the resolution message; the confirmation request and window are appended."""
    fix_note = record.escalation.fix_note if record.escalation else None
    prefill = replies.resolution_prefill(catalog, record.ticket, fix_note)
    blocks: list[Block] = [
        _ticket_line(record),
        _text_input(ids.Block.REPLY, "Respuesta al usuario", prefill),
        _window_note(window_text),
    ]
    return _view(
        ids.View.RESOLUTION, "Proponer resolución", record, Event.PROPOSE_RESOLUTION, blocks
    )
