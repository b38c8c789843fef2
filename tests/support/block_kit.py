"""Case records and Block Kit readers for the builders' unit tests: a ticket and a record at
any point of the lifecycle (escalated ones with their escalation filled in), and the
accessors that read a card, message or modal back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from blocks import ids
from bot.domain.case import CaseRecord, Diagnosis, Escalation, Ticket
from bot.domain.lifecycle import Case, Event, State, apply

EXAMPLE = Path(__file__).resolve().parents[2] / "catalog.example.toml"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
AGENT = "U0AGENT001"
MULTI_ORG = 360000001  # Pulso + Portal de Transparencia
SINGLE_ORG = 360000002  # Monitor Mercado Público only
# Friday 4 December 2026, 15:00 in Santiago (UTC-3 in summer).
ESTIMATE_AT = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def make_ticket(**changes: Any) -> Ticket:
    ticket = Ticket(
        id=4321,
        subject="No puedo entrar a Pulso",
        requester_id=99,
        requester_name="Ana Soto",
        requester_email="ana.soto@muni.cl",
        organization_id=MULTI_ORG,
        organization_name="Municipalidad de Ejemplo",
        excerpt="Hola, desde ayer no puedo iniciar sesión.",
        created_at=NOW - timedelta(hours=3),
        url="https://unholster.zendesk.com/agent/tickets/4321",
    )
    return dataclasses.replace(ticket, **changes)


def make_record(*events: Event, ticket: Ticket | None = None, **changes: Any) -> CaseRecord:
    """A record whose case went through `events` (one minute apart), all by AGENT."""
    ticket = ticket or make_ticket()
    case = Case(ticket.id, opened_at=ticket.created_at)
    for i, event in enumerate(events):
        at = NOW + timedelta(minutes=i)
        if event is Event.WINDOW_EXPIRED:
            at = case.window_deadline or at
        case = apply(
            case, event, AGENT, at, window=WINDOW, window_generation=case.window_generation
        )
    return CaseRecord(case=case, ticket=ticket, **changes)


def card_texts(card: dict[str, Any]) -> Iterator[str]:
    """Every text string in a card or view, wherever it sits."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return walk(card["blocks"])


def block(card: dict[str, Any], block_id: str) -> dict[str, Any] | None:
    return next((b for b in card["blocks"] if b.get("block_id") == block_id), None)


def status(card: dict[str, Any]) -> str:
    found = block(card, ids.Block.CARD_STATUS)
    assert found is not None
    return found["text"]["text"]


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None
        parsed.validate_json()


def assert_valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert_valid_blocks(view["blocks"])
    assert len(view["title"]["text"]) <= 24
    assert view["submit"]["text"] == "Enviar"
    assert view["close"]["text"] == "Cancelar"
    for b in view["blocks"]:
        element = b.get("element", {})
        if element.get("type") == "plain_text_input":
            assert element["max_length"] == 3000
            assert len(element.get("initial_value", "")) <= 3000


def input_block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    found = next((b for b in view["blocks"] if b.get("block_id") == block_id), None)
    assert found is not None, f"no block {block_id}"
    assert found["type"] == "input"
    assert found["element"]["action_id"] == block_id
    return found


def context_text(view: dict[str, Any]) -> str:
    return "\n".join(
        e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]
    )


MAINTAINER = "U0MANT0001"
CHANNEL = "C0PULSO001"
THREAD_TS = "1772452800.123456"


# Events after the escalation and who does them.
_ACTORS = {
    Event.ESCALATE: AGENT,
    Event.TAKE_CASE: MAINTAINER,
    Event.DIAGNOSE: MAINTAINER,
    Event.MARK_FIXED: MAINTAINER,
}


TO_IN_PROGRESS = (Event.ESCALATE, Event.TAKE_CASE, Event.DIAGNOSE, Event.RESPOND_INITIAL)


PATHS: dict[State, tuple[Event, ...]] = {
    State.ESCALATED: (Event.ESCALATE,),
    State.ASSIGNED: (Event.ESCALATE, Event.TAKE_CASE),
    State.DIAGNOSED: (Event.ESCALATE, Event.TAKE_CASE, Event.DIAGNOSE),
    State.IN_PROGRESS: TO_IN_PROGRESS,
    State.FIXED: (*TO_IN_PROGRESS, Event.MARK_FIXED),
    State.AWAITING_CONFIRMATION: (*TO_IN_PROGRESS, Event.MARK_FIXED, Event.PROPOSE_RESOLUTION),
    State.RESOLVED: (
        *TO_IN_PROGRESS,
        Event.MARK_FIXED,
        Event.PROPOSE_RESOLUTION,
        Event.USER_CONFIRMED,
    ),
    State.USER_ANSWERED: (
        *TO_IN_PROGRESS,
        Event.MARK_FIXED,
        Event.PROPOSE_RESOLUTION,
        Event.USER_REPLIED,
    ),
    State.CLOSED_IN_ZENDESK: (*TO_IN_PROGRESS, Event.CLOSED_IN_ZENDESK),
}


def make_diagnosis(**changes: Any) -> Diagnosis:
    diagnosis = Diagnosis(
        summary="El índice de búsqueda quedó desactualizado tras la migración.",
        certainty="alta",
        estimate_text="viernes",
        estimate_at=ESTIMATE_AT,
        confidence="media",
        author=MAINTAINER,
        at=NOW,
    )
    return dataclasses.replace(diagnosis, **changes)


def escalated(state: State, *, ticket: Any = None, **changes: Any) -> CaseRecord:
    """A record taken through the lifecycle to `state`, with the escalation filled in as the
    desk would have it by then (`changes` override the escalation's fields)."""
    ticket = ticket or make_ticket()
    case = Case(ticket.id, opened_at=ticket.created_at)
    for i, event in enumerate(PATHS[state]):
        case = apply(
            case, event, _ACTORS.get(event, AGENT), NOW + timedelta(minutes=i), window=WINDOW
        )
    reached = {step.event for step in case.timeline}
    escalation = Escalation(
        product="pulso",
        notes="Creo que es el índice; pasó lo mismo en enero.",
        channel=CHANNEL,
        ts=THREAD_TS,
        permalink=f"https://example.slack.com/archives/{CHANNEL}/p{THREAD_TS.replace('.', '')}",
        maintainer=MAINTAINER if Event.TAKE_CASE in reached else None,
        diagnoses=(make_diagnosis(),) if Event.DIAGNOSE in reached else (),
        fix_note="Reindexamos la búsqueda." if Event.MARK_FIXED in reached else None,
    )
    escalation = dataclasses.replace(escalation, **changes)
    record = CaseRecord(case=case, ticket=ticket, product="pulso", escalation=escalation)
    assert record.case.state is state
    return record
