"""The desk's queue at a glance, for `/soporte estado` (kept for callers of `queue_summary`).

The figures themselves live in `bot.dashboard` and the Block Kit in `blocks.dashboard`.
"""

from __future__ import annotations

from datetime import datetime

from bot import dashboard
from bot.dashboard import STATE_LABELS
from bot.store import CaseStore

__all__ = ["STATE_LABELS", "queue_summary"]


def queue_summary(store: CaseStore, now: datetime) -> str:
    """One line per open state and the oldest ticket waiting for triage (plain mrkdwn)."""
    ov = dashboard.overview(store.summaries(), now)
    lines = ["*Cola de soporte*"]
    lines += [f"• {STATE_LABELS[state]}: {n}" for state, n in ov.counts.items()]
    if ov.oldest_new:
        hours = (now.timestamp() - ov.oldest_new["created"]) / 3600
        lines.append(f"Más antiguo sin triage: #{ov.oldest_new['id']} (hace {hours:.1f} h)")
    else:
        lines.append("No hay casos esperando triage.")
    return "\n".join(lines)
