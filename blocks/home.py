"""The App Home: what is for the user now, then their cases by urgency, then the figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock

from blocks import ids
from blocks.buttons import actions_block
from blocks.card import primary_first, triage_elements
from blocks.layout import and_more, context, header, pack, render, section
from blocks.limits import VIEW_BLOCKS_MAX
from blocks.soporte_answers import (
    MINE_PAGE,
    NO_CASES,
    case_ref,
    duration,
    overview_blocks,
    subject,
)
from bot.domain import access, glossary
from bot.domain import dashboard as d
from bot.domain.catalog import Catalog
from bot.domain.lifecycle import State
from bot.domain.offers import CaseFacts, offers, roles_of


def home_actions(summary: d.Summary, user: str, catalog: Catalog) -> ActionsBlock | None:
    """The buttons (action_id and value) the card and the escalation message show, for what
    this user may do on this case now."""
    facts = CaseFacts.of_summary(summary)
    events = offers(facts, roles_of(catalog, user, facts))
    tid = int(summary["id"])
    found = actions_block(ids.home_case_block(tid), events, facts.state, tid)
    if found is not None:
        found.elements = primary_first(list(found.elements))
    return found


def home_case_blocks(summary: d.Summary, user: str, now: datetime, catalog: Catalog) -> list[Block]:
    state = d.state_of(summary)
    who = " y ".join(d.roles(summary, user))
    text = (
        f"*{case_ref(summary)}* {subject(summary, 120)}\n"
        f"{d.STATE_LABELS[state].capitalize()} · eres {who} → {d.next_action(summary, now)}"
    )
    blocks: list[Block] = [section(text)]
    actions = home_actions(summary, user, catalog)
    if actions is not None:
        blocks.append(actions)
    return blocks


UNTRIAGED_ON_HOME = 5
NOTHING_NOW = "✅ Nada urgente: no hay casos por clasificar ni respuestas esperándote."


def _untriaged_blocks(
    summary: d.Summary, user: str, catalog: Catalog, now: datetime
) -> list[Block]:
    """A ticket waiting for its classification, with the card's own buttons."""
    waited = duration(now.timestamp() - summary["created"])
    returning = summary.get("triaged") is not None  # back in triage: the user wrote again
    why = "el usuario volvió a escribir" if returning else f"llegó hace {waited}"
    text = f"🆕 *{case_ref(summary)}* {subject(summary, 120)}\nPor clasificar · {why}"
    facts = CaseFacts.of_summary(summary)
    offered = offers(facts, roles_of(catalog, user, facts))
    elements = triage_elements(int(summary["id"]), catalog, returning=returning, offered=offered)
    return [
        section(text),
        ActionsBlock(block_id=ids.home_case_block(int(summary["id"])), elements=elements),
    ]


def _overdue(summary: d.Summary, now: datetime) -> bool:
    estimate = summary.get("estimate")
    state = d.state_of(summary)
    return state in d.ESTIMATE_STATES and estimate is not None and estimate < now.timestamp()


def needs_you_now(summary: d.Summary, user: str, now: datetime) -> bool:
    """A user who answered, an estimate that passed, a case waiting for your diagnosis."""
    state = d.state_of(summary)
    if summary.get("agent") == user and state is State.USER_ANSWERED:
        return True
    if summary.get("maintainer") == user and state is State.ASSIGNED:
        return True
    return _overdue(summary, now)


def urgency(summary: d.Summary, now: datetime) -> tuple[int, float, int]:
    """Overdue estimates first (the most overdue first), then the users who answered, then
    the cases waiting for a diagnosis, then the rest, oldest first."""
    state = d.state_of(summary)
    if _overdue(summary, now):
        return 0, summary["estimate"], summary["id"]
    rank = {State.USER_ANSWERED: 1, State.ASSIGNED: 2}.get(state, 3)
    return rank, summary["created"], summary["id"]


def _unclaimed_for(ov: d.Overview | None, catalog: Catalog, user: str) -> list[d.Summary]:
    """Escalations nobody took yet in the products `user` maintains."""
    if ov is None:
        return []
    products = {key for key, p in catalog.products.items() if user in p.maintainers}
    return [s for s in ov.unclaimed if s.get("product") in products]


def for_you_now(
    ov: d.Overview | None,
    desk: list[d.Summary],
    cases: list[d.Summary],
    user: str,
    catalog: Catalog,
    now: datetime,
    room: int,
) -> tuple[list[Block], set[int]]:
    """ "Para ti ahora": untriaged tickets (agents), then what waits on `user`, within `room`
    blocks; also the ids shown, so "Tus casos" does not repeat them."""
    blocks: list[Block] = [header("Para ti ahora")]
    shown: set[int] = set()
    items: list[list[Block]] = []
    if catalog.is_agent(user):
        new = sorted(
            (s for s in desk if d.state_of(s) is State.NEW and not s.get("busy")),
            key=lambda s: (s["created"], s["id"]),
        )
        for summary in new[:UNTRIAGED_ON_HOME]:
            items.append(_untriaged_blocks(summary, user, catalog, now))
            shown.add(summary["id"])
        if len(new) > UNTRIAGED_ON_HOME:
            rest = len(new) - UNTRIAGED_ON_HOME
            items.append([context(f"{and_more(rest)} por clasificar en el canal de soporte.")])
    urgent = sorted(
        (s for s in cases if needs_you_now(s, user, now)), key=lambda s: urgency(s, now)
    )
    for summary in urgent:
        items.append(home_case_blocks(summary, user, now, catalog))
        shown.add(summary["id"])
    unclaimed = _unclaimed_for(ov, catalog, user)
    if unclaimed:
        lines = [
            f"• {case_ref(s)} {subject(s)} — escalado hace "
            f"{duration(now.timestamp() - (s.get('escalated') or s['created']))}"
            for s in unclaimed
        ]
        title = f"🆙 *Sin {glossary.MAINTAINER} en tus productos* ({len(unclaimed)})"
        items.append([section(pack(title, lines))])
    used = len(blocks)
    for item in items:
        if used + len(item) > room:
            break
        blocks += item
        used += len(item)
    if len(blocks) == 1:
        blocks.append(section(NOTHING_NOW))
    return blocks, shown


def home_view(
    ov: d.Overview | None,
    cases: list[d.Summary],
    user: str,
    catalog: Catalog,
    now: datetime | None = None,
    sections: Sequence[Block] = (),
    desk: list[d.Summary] | None = None,
) -> dict[str, Any]:
    """The App Home of `user`: what is for them now (untriaged tickets with their buttons,
    users who answered, estimates that passed, cases waiting for their diagnosis), then
    their other cases by urgency, then the desk's figures (None: not theirs to see) and
    `sections` (the targets' figures, a maintainer's estimates)."""
    now = ov.now if ov else now
    assert now is not None
    figures = overview_blocks(ov, catalog, max_items=5) if ov else [section(access.STRANGER)]
    figures = [*figures, *sections]
    room = VIEW_BLOCKS_MAX - len(figures) - 6  # headers, dividers and "…y N más"
    blocks: list[Block] = [header("Soporte")]
    now_blocks, shown_ids = for_you_now(
        ov, desk or [], cases, user, catalog, now, room=min(room // 2, 40)
    )
    blocks += now_blocks
    rest = sorted((s for s in cases if s["id"] not in shown_ids), key=lambda s: urgency(s, now))
    blocks += [DividerBlock(), header(f"Tus casos ({len(cases)})")]
    if not cases:
        blocks.append(section(NO_CASES))
    elif not rest:
        blocks.append(context("Todos tus casos están arriba, en «Para ti ahora»."))
    room = VIEW_BLOCKS_MAX - len(blocks) - len(figures) - 2  # divider and "…y N más"
    listed = 0
    for summary in rest:
        case_blocks = home_case_blocks(summary, user, now, catalog)
        if len(case_blocks) > room:
            break
        blocks += case_blocks
        room -= len(case_blocks)
        listed += 1
    if listed < len(rest):
        blocks.append(
            context(
                f"{and_more(len(rest) - listed)} — `/soporte mios` los lista todos, "
                f"de {MINE_PAGE} en {MINE_PAGE}."
            )
        )
    blocks += [DividerBlock(), *figures]
    return {
        "type": "home",
        "callback_id": ids.View.HOME,
        "blocks": render(blocks[:VIEW_BLOCKS_MAX]),
    }
