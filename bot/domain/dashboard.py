"""The desk at a glance: counts, what is waiting on whom, and SLA figures. Pure.

Everything here is computed from the case summaries (`bot.domain.case_summary.summarize`, read with
`CaseStore.summaries()` in one call), never from the full records, so `/soporte estado` and
the App Home stay well within Slack's 3 seconds with 10,000 cases.

SLA figures, per window (last 7 and last 30 days):
- time to triage: first triage decision − ticket created;
- time to initial response: first reply sent to the end user − ticket created;
- time to resolution: RESOLVED − ticket created.
A case counts in a window when the measured event (the triage, the response, the
resolution) happened inside it. Percentiles are nearest-rank: the p-th percentile of n sorted
values is the value at rank ⌈p/100 · n⌉ (1-based), so the median of an even count is the
lower of the two middle values and every figure is a time some case really took.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.domain.lifecycle import FINAL_STATES, State
from bot.domain.mrkdwn import escape_mrkdwn, truncate

Summary = dict[str, Any]

DAY = 86400.0
SLA_WINDOWS = (7, 30)
RETENTION_DAYS = 30
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
STATE_LABELS: dict[State, str] = {
    State.NEW: "nuevo",
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
NEXT_ACTIONS: dict[State, str] = {
    State.NEW: "decidir triage",
    State.ESCALATED: "esperando que un mantenedor lo tome",
    State.ASSIGNED: "diagnóstico del mantenedor",
    State.DIAGNOSED: "respuesta inicial al usuario",
    State.IN_PROGRESS: "seguimiento / corrección",
    State.FIXED: "proponer resolución",
    State.AWAITING_CONFIRMATION: "confirmación del usuario",
    State.USER_ANSWERED: "registrar si el usuario confirmó",
}
# States in which a diagnosis's estimate is still a promise (FIXED: the fix is in).
ESTIMATE_STATES = frozenset({State.DIAGNOSED, State.IN_PROGRESS})
# (label, summary key of the end of the interval), measured from "created".
SLA_METRICS = (
    ("triage", "triaged"),
    ("response", "first_response"),
    ("resolution", "resolved"),
)


def state_of(summary: Summary) -> State:
    return State(summary["state"])


_FINAL_VALUES = frozenset(state.value for state in FINAL_STATES)


def is_open(summary: Summary) -> bool:
    return summary["state"] not in _FINAL_VALUES


# --- percentiles and SLA --------------------------------------------------------------------


def percentile(values: Iterable[float], pct: float) -> float | None:
    """Nearest-rank percentile (see the module docstring); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class SlaFigure:
    """Median and 90th percentile (seconds) of one metric over one window."""

    count: int
    median: float | None
    p90: float | None


def sla_figures(
    summaries: Iterable[Summary], now: datetime, windows: Iterable[int] = SLA_WINDOWS
) -> dict[int, dict[str, SlaFigure]]:
    """{days: {"triage"|"response"|"resolution": SlaFigure}} for each window, in one pass."""
    windows = tuple(windows)
    at = now.timestamp()
    oldest = at - max(windows, default=0) * DAY
    # (end of the interval, seconds from creation) of each case, per metric.
    collected: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in SLA_METRICS}
    for s in summaries:
        created = s.get("created")
        if created is None:
            continue
        for label, key in SLA_METRICS:
            end = s.get(key)
            if end is not None and end >= oldest:
                collected[label].append((end, max(0.0, end - created)))
    figures: dict[int, dict[str, SlaFigure]] = {}
    for days in windows:
        since = at - days * DAY
        per_metric = {}
        for label, pairs in collected.items():
            values = [took for end, took in pairs if end >= since]
            per_metric[label] = SlaFigure(
                len(values), percentile(values, 50), percentile(values, 90)
            )
        figures[days] = per_metric
    return figures


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
    """("agente",), ("mantenedor",) or both: what `user` is on this case."""
    out = []
    if summary.get("agent") == user:
        out.append("agente")
    if summary.get("maintainer") == user:
        out.append("mantenedor")
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


# --- retention ----------------------------------------------------------------------------


def finished_at(summary: Summary) -> float | None:
    """When a SPAM/RESOLVED case reached its final state (None while it is open)."""
    if is_open(summary):
        return None
    return summary.get("finished") or summary.get("resolved") or summary.get("updated")


def expired(summaries: Iterable[Summary], now: datetime, days: int = RETENTION_DAYS) -> list[int]:
    """Ticket ids of cases that finished more than `days` days before `now`."""
    cutoff = now.timestamp() - days * DAY
    out = []
    for s in summaries:
        done = finished_at(s)
        if done is not None and done < cutoff:
            out.append(int(s["id"]))
    return sorted(out)


# --- the command's argument ---------------------------------------------------------------

_TICKET_NUMBER = re.compile(r"#?(\d{1,15})")
_TICKET_PATH = re.compile(r"/(?:agent/)?(?:tickets|requests)/(\d{1,15})(?:/|$)")


def parse_ticket(raw: str) -> int | None:
    """A ticket id from "1234", "#1234" or a Zendesk ticket URL (agent or Help Center);
    None for anything else. Slack may wrap a URL as `<https://…>` or `<https://…|label>`."""
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0]
    match = _TICKET_NUMBER.fullmatch(text)
    if match:
        number = int(match.group(1))
        return number or None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = _TICKET_PATH.search(parts.path)
    if not path:
        return None
    return int(path.group(1)) or None


@dataclass(frozen=True)
class Command:
    """A parsed `/soporte` text: `kind` is "estado", "caso", "mios", "ayuda" or "error"."""

    kind: str
    ticket_id: int | None = None
    problem: str | None = None


_HELP = {"", "ayuda", "help", "?"}
_MINE = {"mios", "míos", "mis", "mis-casos"}
_STATUS = {"estado", "status"}


def parse_command(text: str | None) -> Command:
    words = (text or "").split()
    head = words[0].casefold() if words else ""
    rest = words[1:]
    if head in _HELP and not rest:
        return Command("ayuda")
    if head in _STATUS:
        if not rest:
            return Command("estado")
        if len(rest) == 1:
            ticket = parse_ticket(rest[0])
            if ticket is not None:
                return Command("caso", ticket_id=ticket)
        return Command("error", problem=f"«{_shown(rest)}» no es un número de ticket.")
    if head in _MINE:
        if not rest:
            return Command("mios")
        return Command("error", problem="`/soporte mios` no lleva argumentos.")
    return Command("error", problem=f"No entiendo «{_shown(words)}».")


def _shown(words: list[str]) -> str:
    """The user's words, quoted back safely (escaped, short)."""
    return escape_mrkdwn(truncate(" ".join(words), 80))
