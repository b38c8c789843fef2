"""Retention: finished cases (SPAM/RESOLVED) stay for the SLA window, then go.

A daily job (workers/cron_config.py) deletes the record, its summary and its per-ticket keys
for every case that finished more than RETENTION_DAYS ago, so Redis does not grow without
bound. Zendesk keeps the ticket and its internal notes: nothing of record is lost. A case is
re-read inside a WATCH transaction before it is deleted, so one that changed meanwhile stays.
"""

from __future__ import annotations

import json
import logging

import redis

from bot.adapters.case_store import SUMMARIES, case_key
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain import dashboard
from bot.domain.case import CaseRecord
from bot.domain.case_summary import summarize
from workers.escalation import thread_key

log = logging.getLogger(__name__)
RETENTION_DAYS = dashboard.RETENTION_DAYS


def _ticket_keys(ticket_id: int) -> list[str]:
    return [
        f"soporte:seen-comments:{ticket_id}",
        f"soporte:posting:card:{ticket_id}",
        f"soporte:posting:escalation:{ticket_id}",
    ]


def delete_if_expired(rt: Runtime, ticket_id: int, cutoff: float) -> bool:
    """Delete one case if it is still finished before `cutoff` (Unix seconds)."""
    key = case_key(ticket_id)
    with rt.redis.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                extra: list[str] = []
                if raw is not None:
                    record = CaseRecord.from_dict(json.loads(raw))
                    done = dashboard.finished_at(summarize(record))
                    if done is None or done >= cutoff:
                        pipe.unwatch()
                        return False
                    esc = record.escalation
                    if esc and esc.channel and esc.ts:
                        extra.append(thread_key(esc.channel, esc.ts))
                pipe.multi()
                pipe.delete(key, *_ticket_keys(ticket_id), *extra)
                pipe.hdel(SUMMARIES, str(ticket_id))
                pipe.execute()
                return True
            except redis.WatchError:
                continue


def expire_finished(days: int = RETENTION_DAYS) -> dict[str, int]:
    """Delete the cases that finished more than `days` days ago; returns the counts."""
    rt = get_runtime()
    now = utcnow()
    cutoff = now.timestamp() - days * dashboard.DAY
    candidates = dashboard.expired(rt.store.summaries(), now, days)
    deleted = sum(1 for tid in candidates if delete_if_expired(rt, tid, cutoff))
    log.info("retention: %d of %d expired cases deleted", deleted, len(candidates))
    return {"candidates": len(candidates), "deleted": deleted}
