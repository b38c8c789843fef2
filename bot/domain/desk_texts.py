"""Spanish messages the bot says in Slack threads, ephemerals and Zendesk internal notes."""

from __future__ import annotations

from bot.domain import glossary
from bot.domain.case import CaseRecord
from bot.domain.mrkdwn import escape_mrkdwn, from_slack, link, quote, truncate_mrkdwn
from bot.domain.thread_relay import ThreadMessage

RELAYED_TEXT_CHARS = 2500

DECISION_LABELS = glossary.EVENT_LABELS  # one name per step: the card's and the notes'

NOT_AN_AGENT = (
    "No tienes permiso para decidir casos de soporte: solo los agentes del catálogo pueden "
    "usar estos botones. Pide a un administrador que te agregue en `desk.agents`."
)
UNKNOWN_CASE = "No encuentro el caso #{ticket_id}. Es posible que ya no esté en la cola."
CASE_BUSY = "El caso #{ticket_id} aún está enviando la respuesta anterior; espera unos segundos."
NOT_AWAITING_CONFIRMATION = "Este caso no está esperando confirmación; no se hizo nada."
NOT_AWAITING_MAINTAINER = "Este caso ya no está esperando responsable técnico."


def taken_by(owner: str) -> str:
    return f"Este caso ya lo tomó <@{owner}>."


def already_decided(ticket_id: int, state_label: str, by: str | None) -> str:
    who = f" por <@{by}>" if by else ""
    return f"El caso #{ticket_id} ya fue atendido{who}: {state_label}. No se hizo nada más."


def moved_on(record: CaseRecord) -> str:
    """The answer to a triage step the case no longer offers: who took it where."""
    case = record.case
    label = glossary.event_label(case.decision) if case.decision else case.state.value
    return already_decided(record.ticket_id, label, case.decided_by)


def decision_note(label: str, actor_name: str, detail: str = "") -> str:
    """The internal note that records a decision on the ticket."""
    text = f"[soporte] Decisión de {glossary.TRIAGE} en Slack: {label}. Agente: {actor_name}."
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


def reply_not_sent(status: str) -> str:
    shown = {"solved": "resuelto", "closed": "cerrado", "deleted": "eliminado"}.get(status, status)
    return f"el ticket ya estaba {shown} en Zendesk; la respuesta no se envió"


def reply_refused_thread(reason: str) -> str:
    return (
        f"⚠️ *Zendesk rechazó la respuesta al usuario*: {escape_mrkdwn(reason)}. No se envió "
        "nada y el caso vuelve a tus manos: decide de nuevo en la tarjeta."
    )


def closed_in_zendesk_thread(reason: str) -> str:
    return (
        f"🔒 Caso terminado fuera del escritorio: {reason}. No se escribió nada más en el ticket."
    )


def user_answered_thread(excerpt: str, resolved_before: bool) -> str:
    """The user wrote back after the resolution message (or after the case was resolved)."""
    if resolved_before:
        intro = (
            "💬 *El usuario volvió a escribir en un caso resuelto* (Zendesk reabrió el ticket). "
            "El caso vuelve a tus manos."
        )
    else:
        intro = "💬 *El usuario respondió durante el plazo de cierre.* El plazo se detuvo."
    return (
        f"{intro}\n{_quoted(excerpt)}\nLee su respuesta y registra en la tarjeta si "
        "*confirmó* la solución o si *sigue el problema*."
    )


def user_said_not_fixed_for_maintainer(excerpt: str | None) -> str:
    words = f"\n{_quoted(excerpt)}" if excerpt else ""
    return f"↩️ *El usuario indica que el problema sigue*: el caso vuelve a estar en curso.{words}"


def follow_up_thread(ticket_id: int, url: str) -> str:
    return (
        f"↪️ El usuario volvió a escribir sobre este caso cuando el ticket ya estaba cerrado: "
        f"Zendesk abrió el ticket de seguimiento <{url}|#{ticket_id}>, que tiene su propia "
        "tarjeta."
    )


def resolved_thread(by_expiry: bool) -> str:
    if by_expiry:
        return "✅ Caso resuelto: venció el plazo de confirmación sin respuesta del usuario."
    return "✅ Caso resuelto: el usuario confirmó."


def _quoted(user_text: str) -> str:
    """The end user's words, quoted and escaped so they can never ping or link anyone."""
    return quote(escape_mrkdwn(user_text))


def escalation_note(product: str, agent: str, notes: str, tracker_url: str | None) -> str:
    text = f"[soporte] Escalado a mantenimiento de {product} por {agent}.\nAntecedentes: {notes}"
    return (
        f"{text}\n{glossary.capitalized(glossary.TRACKER)}: {tracker_url}" if tracker_url else text
    )


def owner_note(maintainer: str) -> str:
    return f"[soporte] {glossary.MAINTAINER_LABEL} a cargo: {maintainer}."


def owner_thread(maintainer: str) -> str:
    return f"🛠️ <@{maintainer}> tomó el caso y es su {glossary.MAINTAINER}."


def diagnosis_note(
    index: int, author: str, summary: str, certainty: str, estimate: str, confidence: str
) -> str:
    title = "Diagnóstico" if index == 1 else f"Diagnóstico (revisión {index})"
    return (
        f"[soporte] {title} de {author}:\n{summary}\nCerteza: {certainty}. "
        f"Estimación: {estimate}. Confianza en la estimación: {confidence}."
    )


def fixed_note(maintainer: str, note: str) -> str:
    return f"[soporte] {maintainer} marcó el problema como corregido: {note}"


def fixed_thread_for_agent(maintainer: str, note: str) -> str:
    return (
        f"✅ <@{maintainer}> marcó el problema como corregido:\n{_quoted(note)}\n"
        "Cuando corresponda, usa *Proponer resolución* en la tarjeta."
    )


def _relayed(message: ThreadMessage) -> str:
    """A maintainer's words as they wrote them (mentions and links kept), quoted, with
    links to the files they shared."""
    parts = []
    text = message.text.strip()
    if text:
        parts.append(quote(truncate_mrkdwn(from_slack(text), RELAYED_TEXT_CHARS)))
    for shared in message.files:
        name = escape_mrkdwn(shared.name)
        parts.append(f"📎 {link(shared.permalink, shared.name) if shared.permalink else name}")
    return "\n".join(parts) or "_(mensaje sin texto)_"


def maintainer_said(message: ThreadMessage) -> str:
    """A new reply in the escalation thread, for the agent's card thread."""
    also = " (también lo envió al canal)" if message.broadcast else ""
    return f"🛠️ <@{message.user}> en el hilo de mantenimiento{also}:\n{_relayed(message)}"


def maintainer_edited(message: ThreadMessage) -> str:
    """The relayed copy of a reply its author edited."""
    return f"🛠️ <@{message.user}> en el hilo de mantenimiento (editado):\n{_relayed(message)}"


def maintainer_deleted(message: ThreadMessage) -> str:
    """What remains of the relayed copy of a reply its author deleted."""
    who = f"<@{message.user}>" if message.user else "Su autor"
    return f"🗑️ {who} borró este mensaje del hilo de mantenimiento."


def user_reopened_for_maintainer(excerpt: str) -> str:
    return (
        "↩️ *El usuario respondió a la propuesta de resolución*: el caso vuelve a estar en curso."
        f"\n{_quoted(excerpt)}"
    )


def remind_unclaimed(hours: str) -> str:
    return f"⏰ Este caso lleva {hours} escalado y nadie lo ha tomado. ¿Quién puede?"


def remind_undiagnosed(maintainer: str, hours: str) -> str:
    return f"⏰ <@{maintainer}>: tomaste este caso hace {hours} y aún no tiene diagnóstico."


def remind_estimate(maintainer: str, when: str) -> str:
    return (
        f"⏰ <@{maintainer}>: la fecha estimada ({when}) ya pasó y el caso no está resuelto. "
        "Revisa el diagnóstico o marca el problema como corregido."
    )


def remind_estimate_agent(when: str) -> str:
    return f"⏰ La fecha estimada de resolución ({when}) ya pasó; avisa al usuario cómo seguimos."


def remind_user_update(days: str) -> str:
    return (
        f"⏰ Han pasado {days} sin novedades para el usuario. Envíale una actualización "
        "con *Enviar actualización*."
    )
