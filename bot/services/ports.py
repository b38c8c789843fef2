"""What the services need from the world: the case store, the job queue, the clock, Zendesk.

The composition root (bot/composition.py `Runtime`) provides them over Redis, RQ and zenpy;
the unit tests provide them in memory (tests/unit/memory_ports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from bot.adapters.queue import FollowUp
from bot.adapters.settings import Settings
from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog

# Called inside the store's transaction with its handle, once the change is known.
AfterCommit = Callable[[Any, CaseRecord], None]


class Store(Protocol):
    def get(self, ticket_id: int) -> CaseRecord | None: ...

    def create(self, record: CaseRecord, then: AfterCommit | None = None) -> bool: ...

    def update(
        self,
        ticket_id: int,
        change: Callable[[CaseRecord], CaseRecord],
        then: AfterCommit | None = None,
    ) -> CaseRecord: ...


class Jobs(Protocol):
    def schedule(self, job: FollowUp, tx: Any = None) -> None:
        """Queue `job`, inside the store transaction `tx` when given."""

    def cancel(self, job_id: str) -> None: ...

    def pending(self, job_id: str) -> bool: ...


class Ports(Protocol):
    """The ports of the step services (triage, escalation, transitions)."""

    @property
    def store(self) -> Store: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def catalog(self) -> Catalog: ...

    def now(self) -> datetime: ...
