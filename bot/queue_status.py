"""The desk's queue at a glance, for `/soporte estado`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bot.case_store import CaseStore
from bot.lifecycle import State

STATE_LABELS = {
    State.NEW: "nuevos (sin triage)",
    State.ESCALATED: "escalados",
    State.ASSIGNED: "asignados",
    State.DIAGNOSED: "diagnosticados",
    State.IN_PROGRESS: "en curso",
    State.FIXED: "corregidos",
    State.AWAITING_CONFIRMATION: "por confirmar",
}


def queue_summary(store: CaseStore, now: datetime) -> str:
    counts: Counter[State] = Counter()
    oldest: tuple[datetime, int] | None = None
    for summary in store.summaries():
        state = State(summary["state"])
        if state in (State.SPAM, State.RESOLVED):
            continue
        counts[state] += 1
        if state is State.NEW:
            created = datetime.fromtimestamp(summary["created"], UTC)
            if oldest is None or created < oldest[0]:
                oldest = (created, summary["id"])
    lines = ["*Cola de soporte*"]
    lines += [f"• {label}: {counts[state]}" for state, label in STATE_LABELS.items()]
    if oldest:
        hours = (now - oldest[0]).total_seconds() / 3600
        lines.append(f"Más antiguo sin triage: #{oldest[1]} (hace {hours:.1f} h)")
    else:
        lines.append("No hay casos esperando triage.")
    return "\n".join(lines)
