"""The modals a triage decision opens: the agent reviews or writes the reply, then sends it.

Each modal carries `ModalContext(ticket_id, decision)` as private_metadata, where `decision`
is the `bot.domain.lifecycle.Event` value the submission will apply.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from blocks import ids
from blocks.limits import CONTEXT_TEXT_MAX, INPUT_VALUE_MAX, OPTION_TEXT_MAX
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain import user_replies as replies
from bot.domain.button_values import ModalContext
from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog, Procedure, Product
from bot.domain.lifecycle import Event

DEFAULT_WINDOW_TEXT = "7 días"
MAX_OPTIONS = 100  # options in one menu, groups included (Block Kit select menus)
OPTION_VALUE_MAX = 150
NO_PERSON_LABEL = "Nadie en particular (contacto general)"
CHECKED_LABEL = "Verifiqué que el resultado es el esperado y resuelve el caso"


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=t.truncate(text, limit), emoji=True)


def _option(label: str, value: str, description: str = "") -> Option:
    return Option(
        value=value,
        text=_plain(label, OPTION_TEXT_MAX),
        description=_plain(description, OPTION_TEXT_MAX) if description else None,
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(
        elements=[MarkdownTextObject(text=t.truncate_mrkdwn(text, CONTEXT_TEXT_MAX))]
    )


def _text_input(
    block_id: str,
    label: str,
    initial: str = "",
    *,
    optional: bool = False,
    hint: str | None = None,
    version: str = "",
) -> InputBlock:
    """A multiline input; a new `version` gives it a new block_id, so that Slack shows the
    new initial value instead of keeping what was typed (views.update keeps input state by
    block_id). handlers/modal_input.py reads it under its base `block_id` either way."""
    element = PlainTextInputElement(
        action_id=block_id,
        multiline=True,
        max_length=INPUT_VALUE_MAX,
        initial_value=t.truncate(initial, INPUT_VALUE_MAX) if initial else None,
    )
    shown_id = f"{block_id}{VERSION_MARK}{version}" if version else block_id
    return InputBlock(
        block_id=shown_id, label=_plain(label, 2000), element=element, optional=optional, hint=hint
    )


VERSION_MARK = "~"
REPLY_LABEL = "Respuesta al usuario (así se enviará; puedes editarla)"
SLOTS_HINT = "Completa o borra lo que está entre [[ ]]: no se puede enviar con eso pendiente."


def _reply_input(initial: str, version: str = "") -> InputBlock:
    return _text_input(
        ids.Block.REPLY,
        REPLY_LABEL,
        initial,
        hint=SLOTS_HINT if replies.unfilled_slots(initial) else None,
        version=version,
    )


def _ticket_line(record: CaseRecord) -> ContextBlock:
    ticket = record.ticket
    subject = t.clean_body(ticket.subject or "").replace("\n", " ") or "(sin asunto)"
    who = (ticket.requester_name or "").strip() or (ticket.requester_email or "") or "(sin nombre)"
    line = f"Ticket *#{ticket.id}* · {t.escape_mrkdwn(subject)} · de {t.escape_mrkdwn(who)}"
    return _context(line)


def _window_note(window_text: str) -> ContextBlock:
    return _context(
        "Al enviar, la respuesta termina con la solicitud de confirmación al usuario y el aviso "
        f"de que el caso se dará por resuelto si no responde en {t.escape_mrkdwn(window_text)}."
    )


def _modal(
    callback_id: str, title: str, record: CaseRecord, decision: Event, blocks: list[Block]
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=_plain(title, 24),
        submit=_plain("Enviar", 24),
        close=_plain("Cancelar", 24),
        private_metadata=ModalContext(record.ticket_id, decision.value).encode(),
        blocks=blocks,
    )
    return view.to_dict()


def candidate_products(record: CaseRecord, catalog: Catalog) -> tuple[Product, ...]:
    """The organisation's supported products, or every product when it has none."""
    return catalog.products_for_organization(record.ticket.organization_id) or tuple(
        catalog.products.values()
    )


def _org_name(record: CaseRecord, catalog: Catalog) -> str | None:
    org = catalog.organization(record.ticket.organization_id)
    return record.ticket.organization_name or (org.name if org else None)


def wrong_recipient_modal(record: CaseRecord, catalog: Catalog) -> dict[str, Any]:
    """Review the "wrong mailbox" reply; on submit it is sent and the ticket closed as spam."""
    blocks: list[Block] = [
        _ticket_line(record),
        _reply_input(replies.wrong_recipient(catalog, record.ticket)),
        _context("Después de enviar la respuesta, el ticket se cierra como spam."),
    ]
    return _modal(
        ids.View.WRONG_RECIPIENT, "Destinatario equivocado", record, Event.WRONG_RECIPIENT, blocks
    )


def _folded(text: str) -> str:
    """Lower case without accents, so "maria" finds "María"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def matches(query: str, *texts: str) -> bool:
    """Every word of `query` appears in one of `texts` (accents and case ignored)."""
    haystack = _folded(" ".join(texts))
    return all(word in haystack for word in _folded(query).split())


def _picker(action_id: str, placeholder: str, initial: Option | None = None) -> Any:
    """A menu served by the options listener (handlers/triage.py): it shows the first
    options as soon as it opens and narrows them as the user types."""
    return ExternalDataSelectElement(
        action_id=action_id,
        placeholder=_plain(placeholder, 150),
        min_query_length=0,
        initial_option=initial,
    )


def person_options(catalog: Catalog, query: str = "") -> dict[str, Any]:
    """The directory's people whose name or e-mail match `query` (at most 99, sorted by
    name), after "Nadie en particular": the answer to the person menu's options request."""
    found = [
        p
        for p in sorted(catalog.people, key=lambda p: _folded(p.name))
        if len(p.email) <= OPTION_VALUE_MAX and matches(query, p.name, p.email)
    ]
    options = [_option(NO_PERSON_LABEL, ids.NO_PERSON_VALUE)]
    options += [_option(f"{p.name} — {p.email}", p.email) for p in found[: MAX_OPTIONS - 1]]
    return {"options": [o.to_dict() for o in options]}


def person_modal(
    record: CaseRecord,
    catalog: Catalog,
    window_text: str = DEFAULT_WINDOW_TEXT,
    *,
    chosen: str | None = None,
    reply: str | None = None,
    version: str = "",
) -> dict[str, Any]:
    """Pick the person the user was looking for (or nobody: the general contact); the reply
    is refilled for the pick (dispatch_action) and shown whole before it is sent."""
    contact = t.escape_mrkdwn(catalog.general_contact)
    person = catalog.person(chosen) if chosen and chosen != ids.NO_PERSON_VALUE else None
    initial = None
    if chosen == ids.NO_PERSON_VALUE:
        initial = _option(NO_PERSON_LABEL, ids.NO_PERSON_VALUE)
    elif person is not None:
        initial = _option(f"{person.name} — {person.email}", person.email)
    prefill = replies.person_reply(catalog, record.ticket, person, chosen=chosen is not None)
    blocks: list[Block] = [
        _ticket_line(record),
        InputBlock(
            block_id=ids.Block.PERSON,
            label=_plain("¿A quién buscaba el usuario?", 2000),
            element=_picker(ids.Block.PERSON, "Escribe un nombre o correo del directorio", initial),
            hint=_plain(f"{len(catalog.people)} personas en el directorio.", 2000),
            dispatch_action=True,
        ),
        _context(
            "La respuesta le indica al usuario el correo directo de la persona elegida; "
            f"con «{NO_PERSON_LABEL}» se le indica {contact}."
        ),
        _reply_input(prefill if reply is None else reply, version),
        _window_note(window_text),
    ]
    return _modal(ids.View.PERSON, "Persona en la empresa", record, Event.REFER_TO_PERSON, blocks)


def unsupported_modal(
    record: CaseRecord, catalog: Catalog, window_text: str = DEFAULT_WINDOW_TEXT
) -> dict[str, Any]:
    """Review the "not a product we maintain" reply, which lists the organisation's products."""
    products = catalog.products_for_organization(record.ticket.organization_id)
    org = t.escape_mrkdwn(_org_name(record, catalog) or "Sin organización")
    names = ", ".join(t.escape_mrkdwn(p.name) for p in products) or "ninguno registrado"
    blocks: list[Block] = [
        _ticket_line(record),
        _context(f"Productos con soporte para *{org}*: {names}"),
        _reply_input(replies.unsupported_product(catalog, record.ticket)),
        _window_note(window_text),
    ]
    return _modal(
        ids.View.UNSUPPORTED, "Producto no soportado", record, Event.UNSUPPORTED_PRODUCT, blocks
    )


def information_choice(record: CaseRecord, catalog: Catalog) -> Product | None:
    """The product the information modal starts with: the case's, or the only candidate."""
    products = candidate_products(record, catalog)[:MAX_OPTIONS]
    chosen = next((p for p in products if p.key == record.product), None)
    if chosen is None and len(products) == 1:
        chosen = products[0]
    return chosen


def information_prefills(record: CaseRecord, catalog: Catalog) -> list[str]:
    """Every reply the information modal may have prefilled (one per product, and none)."""
    products = candidate_products(record, catalog)[:MAX_OPTIONS]
    return [replies.resolve_with_information(catalog, record.ticket, p) for p in (None, *products)]


def information_modal(
    record: CaseRecord,
    catalog: Catalog,
    window_text: str = DEFAULT_WINDOW_TEXT,
    *,
    chosen: Product | None = None,
    reply: str | None = None,
    version: str = "",
) -> dict[str, Any]:
    """Pick the product and write the information; the prefill carries the docs link and
    is refilled when the product changes (dispatch_action, then views.update)."""
    products = candidate_products(record, catalog)[:MAX_OPTIONS]
    if chosen is None and not version:
        chosen = information_choice(record, catalog)
    options = [_option(p.name, p.key) for p in products]
    initial = next((o for o, p in zip(options, products, strict=True) if p is chosen), None)
    blocks: list[Block] = [_ticket_line(record)]
    if options:
        select = StaticSelectElement(
            action_id=ids.Block.PRODUCT,
            placeholder=_plain("Elige el producto", 150),
            options=options,
            initial_option=initial,
        )
        blocks.append(
            InputBlock(
                block_id=ids.Block.PRODUCT,
                label=_plain("Producto", 2000),
                element=select,
                dispatch_action=True,
            )
        )
        docs = "\n".join(
            f"• {t.escape_mrkdwn(p.name)}: {t.link(p.docs_url, p.docs_url)}" for p in products
        )
        blocks.append(_context(f"Documentación:\n{docs}"))
    prefill = replies.resolve_with_information(catalog, record.ticket, chosen)
    blocks += [
        _reply_input(prefill if reply is None else reply, version),
        _window_note(window_text),
    ]
    return _modal(
        ids.View.INFORMATION,
        "Resolver con información",
        record,
        Event.RESOLVE_WITH_INFORMATION,
        blocks,
    )


def procedure_value(product_key: str, procedure_key: str) -> str:
    """The option value of a documented procedure in the action modal."""
    return f"{product_key}:{procedure_key}"


def _procedure_option(product: Product, procedure: Any) -> Option:
    return _option(
        procedure.title, procedure_value(product.key, procedure.key), procedure.description
    )


def procedure_options(products: tuple[Product, ...], query: str = "") -> dict[str, Any]:
    """The documented procedures of `products` that match `query` (product name, title or
    description), grouped by product, at most MAX_OPTIONS in all: the answer to the
    procedure menu's options request."""
    groups: list[dict[str, Any]] = []
    room = MAX_OPTIONS
    for product in products:
        found = [
            proc
            for proc in product.procedures
            if matches(query, product.name, proc.title, proc.description)
        ][:room]
        if not found or len(groups) == MAX_OPTIONS:
            continue
        options = [_procedure_option(product, proc).to_dict() for proc in found]
        label = _plain(product.name, OPTION_TEXT_MAX).to_dict()
        groups.append({"label": label, "options": options})
        room -= len(found)
        if room == 0:
            break
    return {"option_groups": groups}


def _procedure_select(products: tuple[Product, ...], chosen: Option | None) -> Any | None:
    with_procedures = [p for p in products if p.procedures]
    if not with_procedures:
        return None
    only = chosen
    if only is None and len(with_procedures) == 1 and len(with_procedures[0].procedures) == 1:
        only = _procedure_option(with_procedures[0], with_procedures[0].procedures[0])
    return _picker(ids.Block.PROCEDURE, "Escribe el producto o el procedimiento", only)


def find_procedure(catalog: Catalog, value: str | None) -> tuple[Product, Procedure] | None:
    """The product and procedure an option value names (`procedure_value`), if they exist."""
    product_key, _, procedure_key = (value or "").partition(":")
    product = catalog.product(product_key)
    procedure = product.procedure(procedure_key) if product else None
    return (product, procedure) if product and procedure else None


def only_procedure(record: CaseRecord, catalog: Catalog) -> tuple[Product, Procedure] | None:
    with_procedures = [p for p in candidate_products(record, catalog) if p.procedures]
    if len(with_procedures) == 1 and len(with_procedures[0].procedures) == 1:
        return with_procedures[0], with_procedures[0].procedures[0]
    return None


def action_prefills(record: CaseRecord, catalog: Catalog) -> list[str]:
    """Every reply the action modal may have prefilled (one per procedure, and none)."""
    procedures = [proc for p in candidate_products(record, catalog) for proc in p.procedures]
    return [
        replies.resolve_with_action(catalog, record.ticket, proc) for proc in (None, *procedures)
    ]


def action_modal(
    record: CaseRecord,
    catalog: Catalog,
    window_text: str = DEFAULT_WINDOW_TEXT,
    *,
    chosen: tuple[Product, Procedure] | None = None,
    reply: str | None = None,
    version: str = "",
) -> dict[str, Any]:
    """Pick the documented procedure carried out, confirm the result and review the reply,
    which summarises it (refilled when the procedure changes)."""
    if chosen is None and not version:
        chosen = only_procedure(record, catalog)
    initial = _procedure_option(*chosen) if chosen else None
    select = _procedure_select(candidate_products(record, catalog), initial)
    blocks: list[Block] = [_ticket_line(record)]
    if select is None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=(
                        "⚠️ No hay procedimientos documentados para los productos de este ticket. "
                        "Si el caso requiere intervenir el producto, cancela y usa "
                        f"*{glossary.ACTION_LABELS[Event.ESCALATE]}*."
                    )
                )
            )
        )
    else:
        blocks.append(
            InputBlock(
                block_id=ids.Block.PROCEDURE,
                label=_plain("Procedimiento documentado", 2000),
                element=select,
                dispatch_action=True,
            )
        )
    checkbox = CheckboxesElement(
        action_id=ids.Block.CHECKED,
        options=[_option(CHECKED_LABEL, ids.CHECKED_VALUE)],
    )
    procedure = chosen[1] if chosen else None
    prefill = replies.resolve_with_action(catalog, record.ticket, procedure)
    blocks += [
        InputBlock(
            block_id=ids.Block.CHECKED, label=_plain("Verificación", 2000), element=checkbox
        ),
        _reply_input(prefill if reply is None else reply, version),
        _window_note(window_text),
    ]
    return _modal(
        ids.View.DOCUMENTED_ACTION,
        "Aplicar procedimiento",
        record,
        Event.RESOLVE_WITH_ACTION,
        blocks,
    )
