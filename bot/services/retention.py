"""Retention: finished cases (spam, resolved, finished in Zendesk) stay for the SLA window,
then go, with every key they own.

A daily job (workers/retention.py, scheduled by workers/cron_config.py) deletes the record,
its summary and every key bot/adapters/keys.py says the case owns, for every case that
finished more than RETENTION_DAYS ago, so Redis does not grow without bound. Zendesk keeps
the ticket and its internal notes: nothing of record is lost. A case is re-read inside the
delete's transaction, so one that changed meanwhile stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from bot.domain.case import CaseRecord
from bot.domain.case_summary import summarize
from bot.domain.lifecycle import FINAL_STATES

Summary = dict[str, Any]
DAY = 86400.0
RETENTION_DAYS = 30
_FINAL_VALUES = frozenset(state.value for state in FINAL_STATES)


class RetentionStore(Protocol):
    def summaries(self) -> list[Summary]: ...

    def owned_keys(self) -> dict[int, list[str]]: ...

    def delete_case(
        self, ticket_id: int, still: Callable[[CaseRecord], bool], keys: Iterable[str]
    ) -> bool: ...


def finished_at(summary: Summary) -> float | None:
    """When a finished case reached its final state (None while it is open)."""
    if summary["state"] not in _FINAL_VALUES:
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


def expire_finished(
    store: RetentionStore, now: datetime, days: int = RETENTION_DAYS
) -> dict[str, int]:
    """Delete the cases that finished more than `days` days before `now`; returns the counts."""
    cutoff = now.timestamp() - days * DAY
    candidates = expired(store.summaries(), now, days)
    if not candidates:
        return {"candidates": 0, "deleted": 0}

    def still_expired(record: CaseRecord) -> bool:
        done = finished_at(summarize(record))
        return done is not None and done < cutoff

    owned = store.owned_keys()
    deleted = sum(
        1 for tid in candidates if store.delete_case(tid, still_expired, owned.get(tid, []))
    )
    return {"candidates": len(candidates), "deleted": deleted}
