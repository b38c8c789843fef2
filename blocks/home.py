"""The App Home: the desk's summary, then the user's cases with the buttons they need next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock

from blocks import ids
from blocks.buttons import actions_block
from blocks.limits import VIEW_BLOCKS_MAX
from blocks.soporte_answers import (
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
from bot.domain.catalog import Catalog
from bot.domain.offers import CaseFacts, offers, roles_of


def home_actions(summary: d.Summary, user: str, catalog: Catalog) -> ActionsBlock | None:
    """The buttons (action_id and value) the card and the escalation message show, for what
    this user may do on this case now."""
    facts = CaseFacts.of_summary(summary)
    events = offers(facts, roles_of(catalog, user, facts))
    tid = int(summary["id"])
    return actions_block(ids.home_case_block(tid), events, facts.state, tid)


def home_case_blocks(summary: d.Summary, user: str, now: datetime, catalog: Catalog) -> list[Block]:
    state = d.state_of(summary)
    who = " y ".join(d.roles(summary, user))
    text = (
        f"*{case_ref(summary)}* {subject(summary, 120)}\n"
        f"{d.STATE_LABELS[state].capitalize()} · eres {who} → {d.next_action(summary, now)}"
    )
    blocks: list[Block] = [_section(text)]
    actions = home_actions(summary, user, catalog)
    if actions is not None:
        blocks.append(actions)
    return blocks


def home_view(
    ov: d.Overview | None,
    cases: list[d.Summary],
    user: str,
    catalog: Catalog,
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
        case_blocks = home_case_blocks(summary, user, now, catalog)
        if len(case_blocks) > room:
            break
        blocks += case_blocks
        room -= len(case_blocks)
        shown += 1
    if shown < len(cases):
        blocks.append(_context(f"{_more(len(cases) - shown)} — `/soporte mios` los lista todos."))
    return {
        "type": "home",
        "callback_id": ids.View.HOME,
        "blocks": _render(blocks[:VIEW_BLOCKS_MAX]),
    }
