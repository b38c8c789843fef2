"""What the desk keeps about a case besides its lifecycle: the ticket, the card, the replies."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.lifecycle import Case


@dataclass(frozen=True)
class Ticket:
    """The parts of a Zendesk ticket a card shows."""

    id: int
    subject: str
    requester_id: int | None
    requester_name: str | None
    requester_email: str | None
    organization_id: int | None
    organization_name: str | None
    excerpt: str
    created_at: datetime
    url: str

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ticket:
        return cls(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


@dataclass(frozen=True)
class CardRef:
    channel: str
    ts: str


@dataclass(frozen=True)
class Reply:
    """A public message to the end user; `sent_at` is set once Zendesk has it."""

    reply_id: str
    kind: str
    body: str
    author: str
    queued_at: datetime
    sent_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply_id": self.reply_id,
            "kind": self.kind,
            "body": self.body,
            "author": self.author,
            "queued_at": self.queued_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        sent = data.get("sent_at")
        return cls(
            reply_id=data["reply_id"],
            kind=data["kind"],
            body=data["body"],
            author=data["author"],
            queued_at=datetime.fromisoformat(data["queued_at"]),
            sent_at=datetime.fromisoformat(sent) if sent else None,
        )


@dataclass(frozen=True)
class CaseRecord:
    """A case with everything the card and the jobs need."""

    case: Case
    ticket: Ticket
    card: CardRef | None = None
    product: str | None = None
    replies: tuple[Reply, ...] = field(default_factory=tuple)

    @property
    def ticket_id(self) -> int:
        return self.ticket.id

    def reply(self, reply_id: str) -> Reply | None:
        return next((r for r in self.replies if r.reply_id == reply_id), None)

    @property
    def pending_replies(self) -> tuple[Reply, ...]:
        return tuple(r for r in self.replies if r.sent_at is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case.to_dict(),
            "ticket": self.ticket.to_dict(),
            "card": dataclasses.asdict(self.card) if self.card else None,
            "product": self.product,
            "replies": [r.to_dict() for r in self.replies],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseRecord:
        card = data.get("card")
        return cls(
            case=Case.from_dict(data["case"]),
            ticket=Ticket.from_dict(data["ticket"]),
            card=CardRef(**card) if card else None,
            product=data.get("product"),
            replies=tuple(Reply.from_dict(r) for r in data.get("replies", [])),
        )
