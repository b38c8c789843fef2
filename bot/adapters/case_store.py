"""Cases in Redis, keyed by ticket id. Changes are optimistic transactions (WATCH/MULTI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis
from redis.client import Pipeline

from bot.domain.case import CaseRecord
from bot.domain.case_summary import summarize

PREFIX = "soporte"
AfterCommit = Callable[[Pipeline, CaseRecord], None]


SUMMARIES = f"{PREFIX}:summaries"


def case_key(ticket_id: int) -> str:
    return f"{PREFIX}:case:{ticket_id}"


def _write(pipe: Pipeline, record: CaseRecord) -> None:
    """The record and its summary, in the caller's transaction."""
    pipe.set(case_key(record.ticket_id), json.dumps(record.to_dict()))
    pipe.hset(SUMMARIES, str(record.ticket_id), json.dumps(summarize(record)))


class CaseStore:
    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def get(self, ticket_id: int) -> CaseRecord | None:
        raw = self.redis.get(case_key(ticket_id))
        return CaseRecord.from_dict(json.loads(raw)) if raw else None

    def exists(self, ticket_id: int) -> bool:
        return bool(self.redis.exists(case_key(ticket_id)))

    def create(self, record: CaseRecord, then: AfterCommit | None = None) -> bool:
        """Store a new case unless one exists; `then` joins the same transaction."""
        key = case_key(record.ticket_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    if pipe.exists(key):
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    _write(pipe, record)
                    if then:
                        then(pipe, record)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def update(
        self,
        ticket_id: int,
        change: Callable[[CaseRecord], CaseRecord],
        then: AfterCommit | None = None,
    ) -> CaseRecord:
        """Apply `change` atomically; it may raise to abort. `then` joins the transaction."""
        key = case_key(ticket_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        raise KeyError(f"no case for ticket {ticket_id}")
                    record = change(CaseRecord.from_dict(json.loads(raw)))
                    pipe.multi()
                    _write(pipe, record)
                    if then:
                        then(pipe, record)
                    pipe.execute()
                    return record
                except redis.WatchError:
                    continue

    def summaries(self) -> list[dict[str, Any]]:
        """Every case's summary (one HGETALL: cheap even with 10,000 cases)."""
        return [json.loads(raw) for raw in self.redis.hvals(SUMMARIES)]

    def get_value(self, name: str) -> str | None:
        raw = self.redis.get(f"{PREFIX}:{name}")
        return raw.decode() if isinstance(raw, bytes) else raw

    def set_value(self, name: str, value: str) -> None:
        self.redis.set(f"{PREFIX}:{name}", value)
