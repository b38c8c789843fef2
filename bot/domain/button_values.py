"""Context that travels through Slack: button values and modal private_metadata."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


class BadContext(ValueError):
    """A button value or private_metadata that this app did not write."""


@dataclass(frozen=True)
class ModalContext:
    ticket_id: int
    decision: str

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> ModalContext:
        try:
            data = json.loads(raw)
            return cls(ticket_id=int(data["ticket_id"]), decision=str(data["decision"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadContext(f"bad private_metadata: {raw[:80]!r}") from exc


def ticket_value(ticket_id: int) -> str:
    """The value of every card button: the ticket it acts on."""
    return str(ticket_id)


def parse_ticket_value(raw: str) -> int:
    try:
        ticket_id = int(raw)
    except (TypeError, ValueError) as exc:
        raise BadContext(f"bad button value: {str(raw)[:40]!r}") from exc
    if ticket_id <= 0:
        raise BadContext(f"bad ticket id: {ticket_id}")
    return ticket_id
