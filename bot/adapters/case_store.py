"""Cases in Redis, keyed by ticket id. Changes are optimistic transactions (WATCH/MULTI)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import redis
from redis.client import Pipeline

from bot.adapters import keys
from bot.adapters.keys import SUMMARIES, case_key, named_value
from bot.domain.case import CaseRecord
from bot.domain.case_summary import summarize

__all__ = ["SUMMARIES", "AfterCommit", "CaseStore", "case_key"]

AfterCommit = Callable[[Pipeline, CaseRecord], None]


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

    def owned_keys(self) -> dict[int, list[str]]:
        """Every key that belongs to one case, by ticket (one SCAN over the desk's keys)."""
        owned: dict[int, list[str]] = {}
        for raw in self.redis.scan_iter(match=f"{keys.PREFIX}:*", count=1000):
            key = raw.decode() if isinstance(raw, bytes) else raw
            ticket_id = keys.owner(key)
            if ticket_id is not None:
                owned.setdefault(ticket_id, []).append(key)
        return owned

    def delete_case(
        self, ticket_id: int, still: Callable[[CaseRecord], bool], owned: Iterable[str]
    ) -> bool:
        """Delete the case, its summary, the keys its record names and `owned`, if
        `still(record)` holds when read inside the transaction."""
        key = case_key(ticket_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    doomed = set(owned)
                    if raw is not None:
                        record = CaseRecord.from_dict(json.loads(raw))
                        if not still(record):
                            pipe.unwatch()
                            return False
                        doomed.update(keys.case_keys(record))
                    pipe.multi()
                    pipe.delete(key, *sorted(doomed))
                    pipe.hdel(SUMMARIES, str(ticket_id))
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def get_value(self, name: str) -> str | None:
        raw = self.redis.get(named_value(name))
        return raw.decode() if isinstance(raw, bytes) else raw

    def set_value(self, name: str, value: str) -> None:
        self.redis.set(named_value(name), value)
