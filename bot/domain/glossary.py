"""Every user-facing name of a state, a step, a role and a desk word, defined once. Pure.

Cards, modals, the Home, `/soporte` and the Zendesk notes all read their words from here, so
a step is called the same on the card and in the ticket's internal note. Spanish (Chile);
names are written as they start a label (capital first) unless the constant says otherwise.
"""

from __future__ import annotations

from bot.domain.lifecycle import Event, State

# The people of the process. The maintainer who takes an escalated case is its "responsable
# técnico": lower case in running text, capital only where it starts a sentence or label.
AGENT = "agente"
MAINTAINER = "responsable técnico"
MAINTAINERS = "responsables técnicos"
MAINTAINER_LABEL = "Responsable técnico"
USER = "usuario"

# Desk words that replace English leaking into the UI.
TRIAGE = "clasificación"
TRIAGE_VERB = "clasificar"
WORKAROUND = "solución temporal"
TRACKER = "cola de desarrollo"
SEE_IN_TRACKER = "Ver en la cola de desarrollo"

# A state as a short lower-case phrase (lists, counts, "→" moves in the timeline).
STATE_NAMES: dict[State, str] = {
    State.NEW: "por clasificar",
    State.ESCALATED: "escalado",
    State.ASSIGNED: "asignado",
    State.DIAGNOSED: "diagnosticado",
    State.IN_PROGRESS: "en curso",
    State.FIXED: "corregido",
    State.AWAITING_CONFIRMATION: "por confirmar",
    State.USER_ANSWERED: "respondió el usuario",
    State.SPAM: "spam",
    State.RESOLVED: "resuelto",
    State.CLOSED_IN_ZENDESK: "terminado en Zendesk",
}

# A state as the card's first line shows it.
STATE_LABELS: dict[State, str] = {
    State.NEW: "🆕 Por clasificar",
    State.SPAM: "🚫 Spam",
    State.ESCALATED: "🆙 Escalado",
    State.ASSIGNED: "🛠️ Asignado",
    State.DIAGNOSED: "🔎 Diagnosticado",
    State.IN_PROGRESS: "🔧 En curso",
    State.FIXED: "🩹 Corregido en el producto",
    State.AWAITING_CONFIRMATION: "✉️ Esperando confirmación",
    State.USER_ANSWERED: "💬 El usuario respondió",
    State.RESOLVED: "✅ Resuelto",
    State.CLOSED_IN_ZENDESK: "🔒 Terminado en Zendesk",
}

# What a case waits for, per open state (the Home, `/soporte mios`).
NEXT_ACTIONS: dict[State, str] = {
    State.NEW: "clasificar el caso",
    State.ESCALATED: f"esperando que un {MAINTAINER} lo tome",
    State.ASSIGNED: f"diagnóstico del {MAINTAINER}",
    State.DIAGNOSED: "respuesta inicial al usuario",
    State.IN_PROGRESS: "seguimiento / corrección",
    State.FIXED: "proponer resolución",
    State.AWAITING_CONFIRMATION: "confirmación del usuario",
    State.USER_ANSWERED: "registrar si el usuario confirmó",
}

# Every step of a case by name: the card, the timeline and the Zendesk internal notes.
EVENT_LABELS: dict[Event, str] = {
    Event.MARK_SPAM: "Spam",
    Event.WRONG_RECIPIENT: "Destinatario equivocado",
    Event.REFER_TO_PERSON: "Persona en la empresa",
    Event.UNSUPPORTED_PRODUCT: "Producto no soportado",
    Event.RESOLVE_WITH_INFORMATION: "Resolver con información",
    Event.RESOLVE_WITH_ACTION: "Aplicar procedimiento",
    Event.ESCALATE: f"Escalar a {MAINTAINER}",
    Event.TAKE_CASE: "Caso tomado",
    Event.DIAGNOSE: "Diagnóstico",
    Event.RESPOND_INITIAL: "Respuesta inicial",
    Event.SEND_UPDATE: "Actualización al usuario",
    Event.MARK_FIXED: "Corrección en el producto",
    Event.PROPOSE_RESOLUTION: "Propuesta de resolución",
    Event.USER_CONFIRMED: "Confirmación del usuario",
    Event.WINDOW_EXPIRED: "Plazo de confirmación vencido",
    Event.USER_REPLIED: "Respuesta del usuario",
    Event.NOT_FIXED: "Sigue el problema",
    Event.REOPENED: "Reabierto en Zendesk",
    Event.CLOSED_IN_ZENDESK: "Terminado en Zendesk",
}

# The card's buttons: labels are verbs of what the agent does.
ACTION_LABELS: dict[Event, str] = {
    Event.MARK_SPAM: "Marcar como spam",
    Event.WRONG_RECIPIENT: "Destinatario equivocado",
    Event.REFER_TO_PERSON: "Persona en la empresa",
    Event.UNSUPPORTED_PRODUCT: "Producto no soportado",
    Event.RESOLVE_WITH_INFORMATION: "Resolver con información",
    Event.RESOLVE_WITH_ACTION: "Aplicar procedimiento",
    Event.ESCALATE: f"Escalar a {MAINTAINER}",
}
MORE_OPTIONS = "Más opciones…"
SEE_DETAIL = "Ver detalle"

# Zendesk's ticket priority and type (Tickets API: "priority", "type").
PRIORITY_LABELS: dict[str, str] = {
    "urgent": ":rotating_light: Urgente",
    "high": "Prioridad alta",
    "normal": "Prioridad normal",
    "low": "Prioridad baja",
}
TYPE_LABELS: dict[str, str] = {
    "problem": "Problema",
    "incident": "Incidente",
    "question": "Pregunta",
    "task": "Tarea",
}

# The triage chain of the support model, in the order the agent tries it.
TRIAGE_CHAIN: tuple[tuple[Event, str], ...] = (
    (Event.MARK_SPAM, "es spam: se marca y no se responde"),
    (
        Event.WRONG_RECIPIENT,
        "le escribió a la casilla equivocada: se le avisa y se cierra como spam",
    ),
    (
        Event.REFER_TO_PERSON,
        "buscaba a una persona de la empresa: se le da su correo (o contacto@)",
    ),
    (
        Event.UNSUPPORTED_PRODUCT,
        "no es un producto que mantenemos: se le listan los productos con soporte",
    ),
    (Event.RESOLVE_WITH_INFORMATION, "se resuelve con información o documentación"),
    (
        Event.RESOLVE_WITH_ACTION,
        "se resuelve con un procedimiento documentado que hace el agente",
    ),
    (Event.ESCALATE, f"necesita intervenir el producto: se escala al {MAINTAINER}"),
)


def event_label(event: Event | None) -> str:
    """The Spanish name of a step (a triage decision or any other), or "sin decisión"."""
    if event is None:
        return "sin decisión"
    return EVENT_LABELS.get(event, event.value)


def capitalized(text: str) -> str:
    """`text` with its first letter in capital (a label or the start of a sentence)."""
    return text[:1].upper() + text[1:]


def chain_text() -> str:
    """The triage chain as numbered lines (the help text)."""
    return "\n".join(
        f"{n}. *{EVENT_LABELS[event]}* — {what}"
        for n, (event, what) in enumerate(TRIAGE_CHAIN, start=1)
    )
