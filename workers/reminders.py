"""Reminder jobs of escalated cases; each does nothing once its condition is met."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters import keys
from bot.adapters.queue import FollowUp, Job
from bot.composition import get_runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.lifecycle import State
from bot.domain.user_replies import window_days
from bot.services.escalation import escalating_agent
from workers.cards import post_in_thread
from workers.escalation import echo, post_in_escalation
from workers.targets import held_until_open

MAX_UNCLAIMED_PINGS = 3


def _span(delta: timedelta) -> str:
    return window_days(delta)


def remind_unclaimed(ticket_id: int, ping: int) -> str:
    """Nobody took the escalation: ping the product channel (and again later, a few times)."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.state is not State.ESCALATED:
        return "taken"
    if held := held_until_open(rt, Job.REMIND_UNCLAIMED, ticket_id, ping):
        return held
    after = rt.settings.unclaimed_reminder
    post_in_escalation(ticket_id, texts.remind_unclaimed(_span(after * ping)))
    if ping < MAX_UNCLAIMED_PINGS:
        job_id = keys.remind_unclaimed_job(ticket_id, ping + 1)
        at = rt.catalog.calendar.after(utcnow(), after)
        rt.jobs.schedule(FollowUp(Job.REMIND_UNCLAIMED, (ticket_id, ping + 1), job_id, at))
    return "pinged"


def remind_undiagnosed(ticket_id: int) -> str:
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.state is not State.ASSIGNED or record.escalation is None:
        return "diagnosed"
    if held := held_until_open(rt, Job.REMIND_UNDIAGNOSED, ticket_id):
        return held
    maintainer = record.escalation.maintainer or ""
    post_in_escalation(
        ticket_id, texts.remind_undiagnosed(maintainer, _span(rt.settings.diagnosis_reminder))
    )
    return "pinged"


def remind_estimate(ticket_id: int, index: int) -> str:
    """The estimate of diagnosis `index` passed; silent if revised, fixed or resolved since."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.escalation is None:
        return "no case"
    if record.case.state not in (State.DIAGNOSED, State.IN_PROGRESS):
        return "no longer pending"
    if len(record.escalation.diagnoses) != index:
        return "estimate revised"
    if held := held_until_open(rt, Job.REMIND_ESTIMATE, ticket_id, index):
        return held
    _, when = echo(rt, record, index)
    post_in_escalation(ticket_id, texts.remind_estimate(record.escalation.maintainer or "", when))
    if record.card:
        post_in_thread(ticket_id, texts.remind_estimate_agent(when))
    return "pinged"


def remind_user_update(ticket_id: int, replies_then: int) -> str:
    """The user has heard nothing since reply number `replies_then`: remind the agent."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.case.state not in (
        State.DIAGNOSED,
        State.IN_PROGRESS,
        State.FIXED,
    ):
        return "not waiting on an update"
    if len(record.replies) != replies_then:
        return "user was updated"
    if held := held_until_open(rt, Job.REMIND_USER_UPDATE, ticket_id, replies_then):
        return held
    agent = escalating_agent(record)
    text = texts.remind_user_update(_span(rt.settings.update_reminder))
    post_in_thread(ticket_id, f"<@{agent}> {text}" if agent else text)
    return "reminded"
