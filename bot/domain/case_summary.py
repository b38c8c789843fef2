"""A small, flat summary of each case, kept beside it for the dashboard and SLA figures.

Every write of a case stores its summary in one Redis hash, so `/soporte estado`, the App
Home and the retention job read the whole desk with one HGETALL-like call. Times are whole Unix
seconds (UTC); missing ones are None. Readers use `.get()`: summaries written by an older
version of this function lack the newer keys until the case is written again.
"""

from __future__ import annotations

from typing import Any

from bot.domain.case import CaseRecord
from bot.domain.case_targets import summary_fields
from bot.domain.lifecycle import FINAL_STATES, TRIAGE_DECISIONS, Event, State, spent

Summary = dict[str, Any]
"""One case's summary, as `summarize` builds it and `CaseStore.summaries()` reads it."""


def _ts(value: Any) -> int | None:
    """Whole Unix seconds: plenty for SLA figures, and cheaper to parse than floats."""
    return int(value.timestamp()) if value is not None else None


def summarize(record: CaseRecord) -> Summary:
    """What `/soporte estado` and the Home tab read for one case (no ticket body, no e-mail)."""
    case = record.case
    triaged = next((s.at for s in case.timeline if s.event in TRIAGE_DECISIONS), None)
    resolved = next((s.at for s in case.timeline if s.to_state is State.RESOLVED), None)
    escalated = next((s.at for s in reversed(case.timeline) if s.event is Event.ESCALATE), None)
    finished = case.timeline[-1].at if case.state in FINAL_STATES and case.timeline else None
    sent = [r.sent_at for r in record.replies if r.sent_at is not None]
    escalation = record.escalation
    escalated_by = next((s.actor for s in case.timeline if s.event is Event.ESCALATE), None)
    diagnosis = escalation.diagnosis if escalation else None
    return {
        "id": record.ticket_id,
        "state": case.state.value,
        "subject": record.ticket.subject[:120],
        "organization": record.ticket.organization_name,
        "product": record.product,
        "created": _ts(record.ticket.created_at),
        "triaged": _ts(triaged),
        "first_response": _ts(min(sent)) if sent else None,
        "resolved": _ts(resolved),
        "finished": _ts(finished),
        "escalated": _ts(escalated),
        "deadline": _ts(case.window_deadline),
        "estimate": _ts(diagnosis.estimate_at) if diagnosis else None,
        "agent": escalated_by or case.decided_by,
        "maintainer": escalation.maintainer if escalation else None,
        "card": [record.card.channel, record.card.ts] if record.card else None,
        "card_url": record.card.permalink if record.card else None,
        "busy": bool(record.pending_replies),
        "spent": sorted(event.value for event in spent(case)),
        "updated": _ts(case.timeline[-1].at) if case.timeline else _ts(case.opened_at),
        **summary_fields(record),
    }
