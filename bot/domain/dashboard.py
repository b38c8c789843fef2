"""The desk at a glance: counts and what is waiting on whom. Pure.

Everything here is computed from the case summaries (`bot.domain.case_summary.summarize`, read with
`CaseStore.summaries()` in one call), never from the full records, so `/soporte estado` and
the App Home stay well within Slack's 3 seconds with 10,000 cases. The SLA figures are
bot/domain/sla.py's; the `/soporte` text is parsed by bot/domain/soporte_command.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain import glossary
from bot.domain.case_summary import Summary
from bot.domain.lifecycle import FINAL_STATES, State
from bot.domain.sla import DAY, SlaFigure, sla_figures

OPEN_STATES = (
    State.NEW,
    State.ESCALATED,
    State.ASSIGNED,
    State.DIAGNOSED,
    State.IN_PROGRESS,
    State.FIXED,
    State.AWAITING_CONFIRMATION,
    State.USER_ANSWERED,
)
STATE_LABELS = glossary.STATE_NAMES
NEXT_ACTIONS = glossary.NEXT_ACTIONS
# States in which a diagnosis's estimate is still a promise (FIXED: the fix is in).
ESTIMATE_STATES = frozenset({State.DIAGNOSED, State.IN_PROGRESS})


def state_of(summary: Summary) -> State:
    return State(summary["state"])


_FINAL_VALUES = frozenset(state.value for state in FINAL_STATES)


def is_open(summary: Summary) -> bool:
    return summary["state"] not in _FINAL_VALUES


# --- what is waiting ----------------------------------------------------------------------


def oldest_untriaged(summaries: Iterable[Summary]) -> Summary | None:
    new = [s for s in summaries if s["state"] == State.NEW]
    return min(new, key=lambda s: (s["created"], s["id"])) if new else None


def unclaimed_escalations(summaries: Iterable[Summary]) -> list[Summary]:
    """Escalated cases nobody has taken, the longest waiting first."""
    cases = [s for s in summaries if s["state"] == State.ESCALATED]
    return sorted(cases, key=lambda s: (s.get("escalated") or s["created"], s["id"]))


def overdue_estimates(summaries: Iterable[Summary], now: datetime) -> list[Summary]:
    """Cases whose maintainer's estimate has passed and are not fixed yet, most overdue first."""
    at = now.timestamp()
    cases = [
        s
        for s in summaries
        if s["state"] in ESTIMATE_STATES and s.get("estimate") is not None and s["estimate"] < at
    ]
    return sorted(cases, key=lambda s: (s["estimate"], s["id"]))


def awaiting_confirmation(summaries: Iterable[Summary]) -> list[Summary]:
    """Cases in their closing window, the nearest deadline first."""
    cases = [s for s in summaries if s["state"] == State.AWAITING_CONFIRMATION]
    return sorted(cases, key=lambda s: (s.get("deadline") or math.inf, s["id"]))


def days_left(deadline: float | None, now: datetime) -> int | None:
    """Whole days left in a window, rounded up (5 h left is 1 day); 0 once it has passed."""
    if deadline is None:
        return None
    remaining = deadline - now.timestamp()
    return max(0, math.ceil(remaining / DAY))


def window_phrase(deadline: float | None, now: datetime) -> str:
    left = days_left(deadline, now)
    if left is None:
        return "sin plazo registrado"
    if left == 0:
        return "plazo vencido, cerrándose"
    return "queda 1 día" if left == 1 else f"quedan {left} días"


def next_action(summary: Summary, now: datetime) -> str:
    """What the case is waiting on, in Spanish."""
    state = state_of(summary)
    phrase = NEXT_ACTIONS.get(state, STATE_LABELS[state])
    if state is State.AWAITING_CONFIRMATION:
        return f"{phrase} ({window_phrase(summary.get('deadline'), now)})"
    estimate = summary.get("estimate")
    if state in ESTIMATE_STATES and estimate is not None and estimate < now.timestamp():
        return f"{phrase} — estimación vencida"
    if summary.get("busy"):
        return f"{phrase} — enviando respuesta…"
    return phrase


def my_cases(summaries: Iterable[Summary], user: str) -> list[Summary]:
    """Open cases where `user` is the agent or the Mantenedor, by state then age."""
    order = {state: i for i, state in enumerate(OPEN_STATES)}
    mine = [
        s
        for s in summaries
        if is_open(s) and user and user in (s.get("agent"), s.get("maintainer"))
    ]
    return sorted(mine, key=lambda s: (order[state_of(s)], s["created"], s["id"]))


def roles(summary: Summary, user: str) -> tuple[str, ...]:
    """("agente",), ("responsable técnico",) or both: what `user` is on this case."""
    out = []
    if summary.get("agent") == user:
        out.append(glossary.AGENT)
    if summary.get("maintainer") == user:
        out.append(glossary.MAINTAINER)
    return tuple(out)


@dataclass(frozen=True)
class Overview:
    """Everything `/soporte estado` and the Home summary show."""

    now: datetime
    counts: dict[State, int]
    oldest_new: Summary | None
    unclaimed: list[Summary]
    overdue: list[Summary]
    awaiting: list[Summary]
    sla: dict[int, dict[str, SlaFigure]]
    total: int = 0
    finished: int = 0


def by_state(summaries: Iterable[Summary]) -> dict[State, list[Summary]]:
    """The summaries grouped by state (one pass; every state present)."""
    groups: dict[str, list[Summary]] = {state.value: [] for state in State}
    for s in summaries:
        groups[s["state"]].append(s)
    return {State(value): cases for value, cases in groups.items()}


def overview(summaries: list[Summary], now: datetime) -> Overview:
    groups = by_state(summaries)
    return Overview(
        now=now,
        counts={state: len(groups[state]) for state in OPEN_STATES},
        oldest_new=oldest_untriaged(groups[State.NEW]),
        unclaimed=unclaimed_escalations(groups[State.ESCALATED]),
        overdue=overdue_estimates([*groups[State.DIAGNOSED], *groups[State.IN_PROGRESS]], now),
        awaiting=awaiting_confirmation(groups[State.AWAITING_CONFIRMATION]),
        sla=sla_figures(summaries, now),
        total=len(summaries),
        finished=sum(len(groups[state]) for state in FINAL_STATES),
    )
