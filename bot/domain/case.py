"""What the desk keeps about a case besides its lifecycle: the ticket, the card, the replies."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.lifecycle import Case


@dataclass(frozen=True)
class Attachment:
    """A file the requester attached to a comment (Zendesk's attachment object)."""

    name: str
    url: str
    size: int = 0


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
    follow_up_of: int | None = None
    priority: str | None = None
    type: str | None = None
    tags: tuple[str, ...] = ()
    # The report's files (the ticket's first comment); None until they have been read.
    attachments: tuple[Attachment, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ticket:
        files = data.get("attachments")
        return cls(
            **{
                **data,
                "created_at": datetime.fromisoformat(data["created_at"]),
                "tags": tuple(data.get("tags") or ()),
                "attachments": None if files is None else tuple(Attachment(**f) for f in files),
            }
        )


@dataclass(frozen=True)
class CardRef:
    channel: str
    ts: str
    permalink: str | None = None  # from chat.getPermalink, fetched once


@dataclass(frozen=True)
class Reply:
    """A public message to the end user; `sent_at` is set once Zendesk has it."""

    reply_id: str
    kind: str
    body: str
    author: str
    queued_at: datetime
    sent_at: datetime | None = None
    dropped: str | None = None  # why it was never sent (the ticket was closed in Zendesk)
    as_api_user: bool = False  # sent as the API user: the agent has no Zendesk user
    refused: str | None = None  # why Zendesk refused it for good (the agent decides again)

    @property
    def pending(self) -> bool:
        return self.sent_at is None and self.dropped is None and self.refused is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply_id": self.reply_id,
            "kind": self.kind,
            "body": self.body,
            "author": self.author,
            "queued_at": self.queued_at.isoformat(),
            "sent_at": _iso(self.sent_at),
            "dropped": self.dropped,
            "as_api_user": self.as_api_user,
            "refused": self.refused,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            reply_id=data["reply_id"],
            kind=data["kind"],
            body=data["body"],
            author=data["author"],
            queued_at=datetime.fromisoformat(data["queued_at"]),
            sent_at=_dt(data.get("sent_at")),
            dropped=data.get("dropped"),
            as_api_user=bool(data.get("as_api_user", False)),
            refused=data.get("refused"),
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Diagnosis:
    """What the Mantenedor found: the four answers of the escalation process."""

    summary: str
    certainty: str
    estimate_text: str
    estimate_at: datetime
    confidence: str
    author: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["estimate_at"] = self.estimate_at.isoformat()
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        return cls(
            **{
                **data,
                "estimate_at": datetime.fromisoformat(data["estimate_at"]),
                "at": datetime.fromisoformat(data["at"]),
            }
        )


@dataclass(frozen=True)
class Escalation:
    """The case's thread in the product channel and what the maintainers did there."""

    product: str
    notes: str
    channel: str | None = None
    ts: str | None = None
    maintainer: str | None = None
    tracker_url: str | None = None
    fix_note: str | None = None
    last_user_update: datetime | None = None
    diagnoses: tuple[Diagnosis, ...] = field(default_factory=tuple)
    permalink: str | None = None  # of the thread's message, from chat.getPermalink

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The latest diagnosis (earlier revisions stay in `diagnoses`)."""
        return self.diagnoses[-1] if self.diagnoses else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "notes": self.notes,
            "channel": self.channel,
            "ts": self.ts,
            "maintainer": self.maintainer,
            "tracker_url": self.tracker_url,
            "fix_note": self.fix_note,
            "last_user_update": _iso(self.last_user_update),
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "permalink": self.permalink,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Escalation:
        return cls(
            product=data["product"],
            notes=data.get("notes", ""),
            channel=data.get("channel"),
            ts=data.get("ts"),
            maintainer=data.get("maintainer"),
            tracker_url=data.get("tracker_url"),
            fix_note=data.get("fix_note"),
            last_user_update=_dt(data.get("last_user_update")),
            diagnoses=tuple(Diagnosis.from_dict(d) for d in data.get("diagnoses", [])),
            permalink=data.get("permalink"),
        )


@dataclass(frozen=True)
class CaseRecord:
    """A case with everything the card and the jobs need."""

    case: Case
    ticket: Ticket
    card: CardRef | None = None
    product: str | None = None
    replies: tuple[Reply, ...] = field(default_factory=tuple)
    escalation: Escalation | None = None
    user_words: str | None = None  # the end user's latest reply, while the agent decides
    targets_missed: tuple[str, ...] = ()  # the response targets (Metric values) it missed

    @property
    def ticket_id(self) -> int:
        return self.ticket.id

    def reply(self, reply_id: str) -> Reply | None:
        return next((r for r in self.replies if r.reply_id == reply_id), None)

    @property
    def pending_replies(self) -> tuple[Reply, ...]:
        return tuple(r for r in self.replies if r.pending)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case.to_dict(),
            "ticket": self.ticket.to_dict(),
            "card": dataclasses.asdict(self.card) if self.card else None,
            "product": self.product,
            "replies": [r.to_dict() for r in self.replies],
            "escalation": self.escalation.to_dict() if self.escalation else None,
            "user_words": self.user_words,
            "targets_missed": list(self.targets_missed),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseRecord:
        card = data.get("card")
        escalation = data.get("escalation")
        return cls(
            case=Case.from_dict(data["case"]),
            ticket=Ticket.from_dict(data["ticket"]),
            card=CardRef(**card) if card else None,
            product=data.get("product"),
            replies=tuple(Reply.from_dict(r) for r in data.get("replies", [])),
            escalation=Escalation.from_dict(escalation) if escalation else None,
            user_words=data.get("user_words"),
            targets_missed=tuple(data.get("targets_missed", ())),
        )
