"""The App Home: the desk's summary, then the user's cases with the buttons they need next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject, DividerBlock

from blocks import ids
from blocks.card import _button
from blocks.dashboard import (
    VIEW_BLOCKS_MAX,
    _context,
    _header,
    _more,
    _render,
    _section,
    case_ref,
    overview_blocks,
    subject,
)
from bot.domain import access
from bot.domain import dashboard as d
from bot.domain.button_values import ticket_value
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import State

_CONFIRMED = ConfirmObject(
    title="¿Caso resuelto?",
    text="¿El usuario confirmó que el caso está resuelto?",
    confirm="Sí, confirmó",
    deny="Cancelar",
)


def home_buttons(summary: d.Summary, user: str) -> list[ButtonElement]:
    """The same buttons (action_id and value) as the card and the escalation message, for
    what this user does on this case now; none while a reply is on its way."""
    if summary.get("busy"):
        return []
    state = d.state_of(summary)
    value = ticket_value(int(summary["id"]))
    buttons: list[ButtonElement] = []
    if summary.get("agent") == user:
        if state is State.DIAGNOSED:
            buttons.append(
                _button(ids.ACTION_RESPOND, "Responder al usuario", value, "primary", None)
            )
        if state in (State.IN_PROGRESS, State.FIXED):
            buttons.append(_button(ids.ACTION_RESPOND, "Enviar actualización", value, None, None))
            style = "primary" if state is State.FIXED else None
            buttons.append(
                _button(ids.ACTION_PROPOSE_RESOLUTION, "Proponer resolución", value, style, None)
            )
        if state is State.AWAITING_CONFIRMATION:
            buttons.append(
                _button(ids.ACTION_USER_CONFIRMED, "Usuario confirmó", value, None, _CONFIRMED)
            )
    if summary.get("maintainer") == user:
        if state is State.ASSIGNED:
            buttons.append(_button(ids.ACTION_DIAGNOSE, "Diagnóstico", value, "primary", None))
        if state in (State.DIAGNOSED, State.IN_PROGRESS):
            buttons.append(_button(ids.ACTION_DIAGNOSE, "Revisar diagnóstico", value, None, None))
            buttons.append(_button(ids.ACTION_MARK_FIXED, "Problema corregido", value, None, None))
    return buttons


def home_case_blocks(summary: d.Summary, user: str, now: datetime) -> list[Block]:
    state = d.state_of(summary)
    who = " y ".join(d.roles(summary, user))
    text = (
        f"*{case_ref(summary)}* {subject(summary, 120)}\n"
        f"{d.STATE_LABELS[state].capitalize()} · eres {who} → {d.next_action(summary, now)}"
    )
    blocks: list[Block] = [_section(text)]
    buttons = home_buttons(summary, user)
    if buttons:
        blocks.append(
            ActionsBlock(block_id=f"{ids.BLOCK_HOME_CASE}{summary['id']}", elements=buttons)
        )
    return blocks


def home_view(
    ov: d.Overview | None,
    cases: list[d.Summary],
    user: str,
    catalog: Catalog | None = None,
    now: datetime | None = None,
    sections: Sequence[Block] = (),
) -> dict[str, Any]:
    """The App Home of `user`: the desk's summary (None: not theirs to see) and `sections`
    (the targets' figures, a maintainer's estimates), then their cases with their buttons."""
    queue = overview_blocks(ov, catalog, max_items=10) if ov else [_section(access.STRANGER)]
    now = ov.now if ov else now
    assert now is not None
    blocks: list[Block] = [
        _header("Soporte"),
        *queue,
        *sections,
        DividerBlock(),
        _header(f"Tus casos ({len(cases)})"),
    ]
    if not cases:
        blocks.append(_section("No tienes casos abiertos como agente ni como Mantenedor."))
    room = VIEW_BLOCKS_MAX - len(blocks) - 1  # one for "…y N más"
    shown = 0
    for summary in cases:
        case_blocks = home_case_blocks(summary, user, now)
        if len(case_blocks) > room:
            break
        blocks += case_blocks
        room -= len(case_blocks)
        shown += 1
    if shown < len(cases):
        blocks.append(_context(f"{_more(len(cases) - shown)} — `/soporte mios` los lista todos."))
    return {
        "type": "home",
        "callback_id": ids.VIEW_HOME,
        "blocks": _render(blocks[:VIEW_BLOCKS_MAX]),
    }
