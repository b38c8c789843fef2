"""Compose the messages sent to the end user, from the catalogue's templates. Pure."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.case import Ticket
from bot.domain.catalog import Catalog, Person, Procedure, Product


def greeting_name(ticket: Ticket) -> str:
    """How the reply addresses the requester: their name, or a neutral greeting."""
    name = (ticket.requester_name or "").strip()
    return name.split()[0] if name else "estimado/a"


def window_days(window: timedelta) -> str:
    """The closing window as the user reads it ("7 días", "1 día", "2 horas")."""
    if window >= timedelta(days=1) and window % timedelta(days=1) == timedelta(0):
        days = window // timedelta(days=1)
        return f"{days} día" if days == 1 else f"{days} días"
    hours = max(1, round(window / timedelta(hours=1)))
    return f"{hours} hora" if hours == 1 else f"{hours} horas"


def closing_window(catalog: Catalog, window: timedelta) -> str:
    return catalog.templates.closing_window.format(days=window_days(window))


def wrong_recipient(catalog: Catalog, ticket: Ticket) -> str:
    return catalog.templates.wrong_recipient.format(requester=greeting_name(ticket))


# A part of a prefilled reply the agent still has to fill in: "[[producto]]".
_SLOT = re.compile(r"\[\[([^\[\]\n]{1,80})\]\]")
PRODUCT_SLOT = "[[producto]]"
DOCS_SLOT = "[[enlace a la documentación]]"
PERSON_SLOT = "[[nombre de la persona]]"
EMAIL_SLOT = "[[correo de la persona]]"
PROCEDURE_SLOT = "[[procedimiento]]"
SUMMARY_SLOT = "[[resumen de lo realizado]]"


def unfilled_slots(text: str) -> list[str]:
    """The slots of a prefilled reply still in `text` ("producto", …), in order."""
    return list(dict.fromkeys(m.group(1) for m in _SLOT.finditer(text)))


def person_reply(catalog: Catalog, ticket: Ticket, person: Person | None, *, chosen: bool) -> str:
    """The "Persona en la empresa" reply: with slots until the agent picks someone."""
    if not chosen:
        return catalog.templates.refer_to_person.format(
            requester=greeting_name(ticket), person=PERSON_SLOT, email=EMAIL_SLOT
        )
    return refer_to_person(catalog, ticket, person)


def refer_to_person(catalog: Catalog, ticket: Ticket, person: Person | None) -> str:
    if person is None:
        return catalog.templates.refer_to_general_contact.format(
            requester=greeting_name(ticket), email=catalog.general_contact
        )
    return catalog.templates.refer_to_person.format(
        requester=greeting_name(ticket), person=person.name, email=person.email
    )


def product_list(products: tuple[Product, ...]) -> str:
    if not products:
        return "• (su organización no tiene productos con soporte vigente)"
    return "\n".join(f"• {p.name}: {p.docs_url}" for p in products)


def unsupported_product(catalog: Catalog, ticket: Ticket) -> str:
    products = catalog.products_for_organization(ticket.organization_id)
    return catalog.templates.unsupported_product.format(
        requester=greeting_name(ticket), products=product_list(products)
    )


def resolve_with_information(catalog: Catalog, ticket: Ticket, product: Product | None) -> str:
    """The information reply; until a product is chosen its name and link are slots."""
    return catalog.templates.resolve_with_information.format(
        requester=greeting_name(ticket),
        product=product.name if product else PRODUCT_SLOT,
        docs_url=product.docs_url if product else DOCS_SLOT,
    )


def resolve_with_action(
    catalog: Catalog, ticket: Ticket, procedure: Procedure | None, summary: str = ""
) -> str:
    """The documented-action reply; the procedure and the summary are slots until given."""
    return catalog.templates.resolve_with_action.format(
        requester=greeting_name(ticket),
        procedure=procedure.title if procedure else PROCEDURE_SLOT,
        summary=summary.strip() or SUMMARY_SLOT,
    )


def acknowledgement(ticket: Ticket) -> str:
    """ "Avisar al usuario": the early word that the case reached the technical team."""
    subject = " ".join((ticket.subject or "").split())
    about = f" («{subject}»)" if subject else ""
    return (
        f"Hola {greeting_name(ticket)}:\n\n"
        f"Recibimos su caso{about} y ya lo está revisando nuestro equipo técnico. "
        "En cuanto tengamos un diagnóstico le escribiremos con lo que encontramos y el plazo "
        "estimado de solución.\n\n"
        "Si tiene más antecedentes (capturas de pantalla, la hora en que ocurrió, a quiénes "
        "afecta), puede enviarlos respondiendo este mensaje.\n\n"
        f"{SIGNATURE}"
    )


def with_closing_window(body: str, catalog: Catalog, window: timedelta) -> str:
    """The reply as sent: the agent's text, then the confirmation request and the window."""
    return f"{body.rstrip()}\n\n{closing_window(catalog, window)}"


SIGNATURE = "Saludos cordiales,\nEquipo de Soporte Unholster"

_UPDATE_INTRO = {
    True: (
        "Hemos revisado su caso y nuestro equipo técnico ya está trabajando en él. "
        "A continuación le contamos lo que sabemos hasta ahora."
    ),
    False: "Le escribimos con novedades sobre su caso.",
}

# (title, text) per topic of "Respuesta inicial", in the order the user reads them.
_TOPIC_TITLES = (
    "Información necesaria para continuar (le pedimos enviárnosla respondiendo este mensaje)",
    "Información adicional que nos ayudaría",
    "Diagnóstico",
    "Plazo estimado de resolución",
    "Mientras tanto, puede hacer lo siguiente",
)


def user_update(
    ticket: Ticket,
    *,
    required_info: str,
    useful_info: str,
    plain_diagnosis: str,
    expected_date: str,
    workaround: str,
    initial: bool,
) -> str:
    """The initial response (or a later update) to the end user after an escalation.

    One short titled paragraph per topic the agent filled in, required information first;
    empty topics are left out entirely.
    """
    topics = (required_info, useful_info, plain_diagnosis, expected_date, workaround)
    paragraphs = [
        f"{title}:\n{text.strip()}"
        for title, text in zip(_TOPIC_TITLES, topics, strict=True)
        if text and text.strip()
    ]
    if required_info and required_info.strip():
        closing = (
            "En cuanto recibamos la información solicitada seguiremos avanzando, y le "
            "mantendremos al tanto de cualquier novedad."
        )
    else:
        closing = (
            "Le mantendremos al tanto de cualquier novedad. Si tiene dudas o algo cambia, "
            "basta con responder este mensaje."
        )
    parts = [f"Hola {greeting_name(ticket)}:", _UPDATE_INTRO[initial], *paragraphs, closing]
    return "\n\n".join([*parts, SIGNATURE])


def resolution_prefill(catalog: Catalog, ticket: Ticket, fix_note: str | None) -> str:
    """The start of the resolution message after an escalation, for the agent to review.

    The confirmation request and the closing window are appended when it is sent
    (`with_closing_window`). `catalog` is where a catalogue template would come from; the
    built-in text is used for now.
    """
    subject = " ".join((ticket.subject or "").split())
    about = f" («{subject}»)" if subject else ""
    note = (fix_note or "").strip()
    if note:
        body = (
            f"Le informamos que el problema que nos reportó{about} fue corregido en el "
            f"producto. Esto es lo que hicimos:\n\n{note}\n\n"
            "Le pedimos verificar que todos los síntomas que nos describió hayan desaparecido."
        )
    else:
        body = (
            f"Le escribimos para darle solución al problema que nos reportó{about}. "
            "Para resolverlo, le pedimos lo siguiente:\n\n\n\n"
            "Le pedimos verificar que todos los síntomas que nos describió hayan desaparecido."
        )
    return f"Hola {greeting_name(ticket)}:\n\n{body}"
