"""Spanish messages the bot says in Slack threads, ephemerals and Zendesk internal notes."""

from __future__ import annotations

from blocks.text import escape_mrkdwn, quote
from bot.lifecycle import Event

DECISION_LABELS: dict[Event, str] = {
    Event.MARK_SPAM: "Spam",
    Event.WRONG_RECIPIENT: "Destinatario errado",
    Event.REFER_TO_PERSON: "Persona en la empresa",
    Event.UNSUPPORTED_PRODUCT: "Producto no soportado",
    Event.RESOLVE_WITH_INFORMATION: "Resolver con información",
    Event.RESOLVE_WITH_ACTION: "Resolver con acción documentada",
    Event.ESCALATE: "Escalar",
}

NOT_AN_AGENT = (
    "No tienes permiso para decidir casos de soporte: solo los agentes del catálogo pueden "
    "usar estos botones. Pide a un administrador que te agregue en `desk.agents`."
)
UNKNOWN_CASE = "No encuentro el caso #{ticket_id}. Es posible que ya no esté en la cola."
CASE_BUSY = "El caso #{ticket_id} aún está enviando la respuesta anterior; espera unos segundos."


def already_decided(ticket_id: int, state_label: str, by: str | None) -> str:
    who = f" por <@{by}>" if by else ""
    return f"El caso #{ticket_id} ya fue atendido{who}: {state_label}. No se hizo nada más."


def decision_note(label: str, actor_name: str, detail: str = "") -> str:
    """The internal note that records a decision on the ticket."""
    text = f"[soporte] Decisión de triage en Slack: {label}. Agente: {actor_name}."
    return f"{text}\n{detail}".strip()


def window_note(days: str, deadline: str) -> str:
    return (
        f"[soporte] Plazo de cierre abierto: el caso se considerará resuelto el {deadline} "
        f"si el usuario no responde ({days})."
    )


def resolved_by_confirmation_note(actor_name: str) -> str:
    return (
        f"[soporte] Caso RESUELTO: el usuario confirmó la resolución (registrado por {actor_name})."
    )


def resolved_by_expiry_note(days: str) -> str:
    return (
        f"[soporte] Caso RESUELTO: venció el plazo de confirmación de {days} "
        "sin respuesta del usuario."
    )


def user_replied_thread(excerpt: str) -> str:
    return (
        "💬 *El usuario respondió durante el plazo de cierre.* El plazo se detuvo y el caso "
        f"vuelve a tus manos.\n{_quoted(excerpt)}"
    )


def reopened_thread(status: str) -> str:
    return (
        f"↩️ El ticket cambió en Zendesk (estado `{status}`) durante el plazo de cierre. "
        "El plazo se detuvo y el caso vuelve a tus manos."
    )


def user_comment_thread(excerpt: str) -> str:
    return f"💬 *Nuevo mensaje del usuario:*\n{_quoted(excerpt)}"


def resolved_thread(by_expiry: bool) -> str:
    if by_expiry:
        return "✅ Caso resuelto: venció el plazo de confirmación sin respuesta del usuario."
    return "✅ Caso resuelto: el usuario confirmó."


def _quoted(user_text: str) -> str:
    """The end user's words, quoted and escaped so they can never ping or link anyone."""
    return quote(escape_mrkdwn(user_text))
