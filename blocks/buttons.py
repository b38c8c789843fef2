"""The button of each step a case offers: one look for the card, the escalation message, the
Home and `/soporte estado`, whichever surface shows it."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, PlainTextObject

from blocks.ids import Action
from blocks.limits import BUTTON_TEXT_MAX
from bot.domain import glossary
from bot.domain import mrkdwn as t
from bot.domain.button_values import ticket_value
from bot.domain.lifecycle import Event, State

_CONFIRMED = ConfirmObject(
    title="¿Caso resuelto?",
    text="¿El usuario confirmó que el caso está resuelto?",
    confirm="Sí, confirmó",
    deny="Cancelar",
)
_CONFIRMS: dict[Event, ConfirmObject] = {
    Event.MARK_SPAM: ConfirmObject(
        title="¿Marcar como spam?",
        text="El ticket se cerrará como spam sin responder.",
        confirm="Marcar como spam",
        deny="Cancelar",
        style="danger",
    ),
    Event.WRONG_RECIPIENT: ConfirmObject(
        title="¿Destinatario equivocado?",
        text=(
            "Se responderá al usuario que esta casilla es solo para soporte de productos "
            "y luego el ticket se cerrará como spam."
        ),
        confirm="Responder y cerrar",
        deny="Cancelar",
    ),
    Event.USER_CONFIRMED: _CONFIRMED,
}

_LABEL = glossary.ACTION_LABELS
# (event, button, text, style) in the order the buttons show: the triage chain as the agent
# tries it, the agent's follow-up, then the maintainers'.
_BUTTONS: tuple[tuple[Event, Action, str, str | None], ...] = (
    (Event.MARK_SPAM, Action.SPAM, _LABEL[Event.MARK_SPAM], "danger"),
    (Event.WRONG_RECIPIENT, Action.WRONG_RECIPIENT, _LABEL[Event.WRONG_RECIPIENT], None),
    (Event.REFER_TO_PERSON, Action.PERSON, _LABEL[Event.REFER_TO_PERSON], None),
    (Event.UNSUPPORTED_PRODUCT, Action.UNSUPPORTED, _LABEL[Event.UNSUPPORTED_PRODUCT], None),
    (
        Event.RESOLVE_WITH_INFORMATION,
        Action.INFORMATION,
        _LABEL[Event.RESOLVE_WITH_INFORMATION],
        "primary",
    ),
    (Event.RESOLVE_WITH_ACTION, Action.DOCUMENTED_ACTION, _LABEL[Event.RESOLVE_WITH_ACTION], None),
    (Event.ESCALATE, Action.ESCALATE, _LABEL[Event.ESCALATE], None),
    (Event.ACKNOWLEDGE, Action.ACKNOWLEDGE, "Avisar al usuario", None),
    (Event.RESPOND_INITIAL, Action.RESPOND, "Responder al usuario", "primary"),
    (Event.SEND_UPDATE, Action.RESPOND, "Enviar actualización", None),
    # Never the primary: a green "confirmed" invites closing the case early (issue 12).
    (Event.USER_CONFIRMED, Action.USER_CONFIRMED, "Usuario confirmó", None),
    (Event.NOT_FIXED, Action.NOT_FIXED, "Sigue el problema", "danger"),
    (Event.PROPOSE_RESOLUTION, Action.PROPOSE_RESOLUTION, "Proponer resolución", None),
    (Event.TAKE_CASE, Action.TAKE_CASE, "Tomar caso", "primary"),
    (Event.DIAGNOSE, Action.DIAGNOSE, "Revisar diagnóstico", None),
    (Event.MARK_FIXED, Action.MARK_FIXED, "Problema corregido", None),
)


def button(
    action_id: str,
    label: str,
    value: str,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        action_id=action_id,
        text=PlainTextObject(text=t.truncate(label, BUTTON_TEXT_MAX), emoji=True),
        value=value,
        style=style,
        confirm=confirm,
    )


def _look(event: Event, state: State, label: str, style: str | None) -> tuple[str, str | None]:
    """What the state changes in a step's button: the first diagnosis, the fix to propose,
    the new answer to a user who wrote back."""
    if event is Event.DIAGNOSE and state is State.ASSIGNED:
        return "Diagnóstico", "primary"
    if event is Event.PROPOSE_RESOLUTION and state is State.FIXED:
        return label, "primary"
    if event is Event.PROPOSE_RESOLUTION and state is State.USER_ANSWERED:
        return "Responder (nuevo plazo)", "primary"
    return label, style


def step_buttons(events: Iterable[Event], state: State, ticket_id: int) -> list[ButtonElement]:
    """The buttons of `events` (what offers() gave), on the case `ticket_id` in `state`."""
    wanted = frozenset(events)
    value = ticket_value(ticket_id)
    out = []
    for event, action_id, label, style in _BUTTONS:
        if event in wanted:
            text, look = _look(event, state, label, style)
            out.append(button(action_id, text, value, look, _CONFIRMS.get(event)))
    return out


def actions_block(
    block_id: str, events: Iterable[Event], state: State, ticket_id: int
) -> ActionsBlock | None:
    """The actions block of `events`; None when there is nothing to press."""
    buttons = step_buttons(events, state, ticket_id)
    return ActionsBlock(block_id=block_id, elements=buttons) if buttons else None
