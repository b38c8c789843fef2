"""The moments of a case that its response targets measure, read from the case record or from
its summary (bot/domain/case_summary.py). Pure.

- arrival: the ticket's `created_at` in Zendesk;
- first reply: the first reply to the end user the desk sent or is sending (never one that
  was dropped);
- escalation: the latest escalation (a case can go back to triage and be escalated again),
  and its diagnosis: the first diagnosis after it;
- resolution proposal: the first message that opened a closing window (a triage reply of
  decisions 3 to 6, or the resolution message);
- finished: spam, resolved or closed in Zendesk.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.domain.business_time import BusinessCalendar
from bot.domain.calibration import FixOutcome, GivenEstimate, measure_fix
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import FINAL_STATES, Event, State
from bot.domain.targets import CaseTimes, Metric, TargetFigures, TargetPolicy, target_figures


def first_reply_at(record: CaseRecord) -> datetime | None:
    moments = [r.sent_at or r.queued_at for r in record.replies if r.dropped is None]
    return min(moments, default=None)


def case_times(record: CaseRecord) -> CaseTimes:
    """What the targets of this case measure."""
    case = record.case
    escalated = next((s.at for s in reversed(case.timeline) if s.event is Event.ESCALATE), None)
    diagnosed = None
    if escalated is not None:
        diagnosed = next(
            (s.at for s in case.timeline if s.event is Event.DIAGNOSE and s.at >= escalated), None
        )
    proposed = next(
        (s.at for s in case.timeline if s.to_state is State.AWAITING_CONFIRMATION), None
    )
    finished = case.timeline[-1].at if case.state in FINAL_STATES and case.timeline else None
    return CaseTimes(
        created=record.ticket.created_at,
        organization_id=record.ticket.organization_id,
        priority=record.ticket.priority,
        first_reply=first_reply_at(record),
        escalated=escalated,
        diagnosed=diagnosed,
        resolution_proposed=proposed,
        finished=finished,
    )


def summary_fields(record: CaseRecord) -> dict[str, Any]:
    """The keys a case summary keeps so that the figures need no full record."""
    times = case_times(record)
    return {
        "org_id": times.organization_id,
        "priority": times.priority,
        "replied": _ts(times.first_reply),
        "diagnosed": _ts(times.diagnosed),
        "proposed": _ts(times.resolution_proposed),
        "targets_missed": list(record.targets_missed),
        "decision": record.case.decision.value if record.case.decision else None,
    }


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def times_from_summary(summary: dict[str, Any]) -> CaseTimes | None:
    """The same moments from a summary (None for a summary without its arrival)."""
    created = summary.get("created")
    if created is None:
        return None
    return CaseTimes(
        created=datetime.fromtimestamp(created, UTC),
        organization_id=summary.get("org_id"),
        priority=summary.get("priority"),
        first_reply=_dt(summary.get("replied")),
        escalated=_dt(summary.get("escalated")),
        diagnosed=_dt(summary.get("diagnosed")),
        resolution_proposed=_dt(summary.get("proposed")),
        finished=_dt(summary.get("finished")),
    )


def desk_figures(
    summaries: Iterable[dict[str, Any]],
    policy: TargetPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> dict[int, dict[Metric, TargetFigures]]:
    """The 7- and 30-day target figures of the desk, from the case summaries."""
    times = (t for s in summaries if (t := times_from_summary(s)) is not None)
    return target_figures(times, policy, calendar, now)


def measured_fix(record: CaseRecord, calendar: BusinessCalendar) -> FixOutcome | None:
    """The latest fix of the case against its estimates (None: never fixed, or fixed without
    a diagnosis)."""
    escalation = record.escalation
    fixed_at = next(
        (s.at for s in reversed(record.case.timeline) if s.event is Event.MARK_FIXED), None
    )
    if escalation is None or fixed_at is None or not escalation.diagnoses:
        return None
    estimates = [
        GivenEstimate(d.at, d.estimate_at, d.certainty, d.confidence, d.author, d.summary)
        for d in escalation.diagnoses
        if d.at <= fixed_at
    ]
    if not estimates:
        return None
    return measure_fix(escalation.product, estimates, fixed_at, calendar)
