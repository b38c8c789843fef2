"""In-memory ports for the services' unit tests (bot/services/ports.py), no Redis or RQ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.adapters.catalog_reader import load_catalog
from bot.adapters.queue import FollowUp, Job
from bot.adapters.settings import Settings, load_settings
from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog

CATALOG = Path(__file__).resolve().parents[2] / "catalog.example.toml"
ENV = {
    "SLACK_BOT_TOKEN": "xoxb-unit",
    "SLACK_SIGNING_SECRET": "unit",
    "ZENDESK_EMAIL": "bot@example.com",
    "ZENDESK_TOKEN": "unit",
    "ZENDESK_URL": "http://zendesk.invalid",
    "SOPORTE_CATALOG": str(CATALOG),
}


class Transaction:
    """What one store transaction queued; committed only when the change went through."""

    def __init__(self) -> None:
        self.jobs: list[FollowUp] = []


class MemoryStore:
    def __init__(self) -> None:
        self.records: dict[int, CaseRecord] = {}
        self.commits: list[Transaction] = []

    def get(self, ticket_id: int) -> CaseRecord | None:
        return self.records.get(ticket_id)

    def create(self, record: CaseRecord, then: Any = None) -> bool:
        if record.ticket_id in self.records:
            return False
        self._commit(record, then)
        return True

    def update(
        self, ticket_id: int, change: Callable[[CaseRecord], CaseRecord], then: Any = None
    ) -> CaseRecord:
        if ticket_id not in self.records:
            raise KeyError(f"no case for ticket {ticket_id}")
        record = change(self.records[ticket_id])
        self._commit(record, then)
        return record

    def _commit(self, record: CaseRecord, then: Any) -> None:
        tx = Transaction()
        if then:
            then(tx, record)
        self.records[record.ticket_id] = record
        self.commits.append(tx)


@dataclass
class MemoryJobs:
    """Jobs queued inside a store transaction, outside one, and cancelled."""

    in_transactions: list[FollowUp] = field(default_factory=list)
    outside: list[FollowUp] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    def schedule(self, job: FollowUp, tx: Transaction | None = None) -> None:
        if tx is None:
            self.outside.append(job)
        else:
            tx.jobs.append(job)
            self.in_transactions.append(job)

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)

    def pending(self, job_id: str) -> bool:
        return any(j.job_id == job_id for j in (*self.in_transactions, *self.outside))

    def funcs(self) -> list[Job]:
        return [j.func for j in self.in_transactions]

    def clear(self) -> None:
        self.in_transactions.clear()
        self.outside.clear()
        self.cancelled.clear()


@dataclass
class MemoryPorts:
    store: MemoryStore = field(default_factory=MemoryStore)
    jobs: MemoryJobs = field(default_factory=MemoryJobs)
    settings: Settings = field(default_factory=lambda: load_settings(ENV))
    catalog: Catalog = field(default_factory=lambda: load_catalog(CATALOG))
    clock: datetime = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.clock

    def tick(self, seconds: float = 1) -> datetime:
        self.clock += timedelta(seconds=seconds)
        return self.clock
