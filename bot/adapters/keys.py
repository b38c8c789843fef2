"""Every Redis key the desk writes (all under `soporte:`) and every idempotent job id.

A key either belongs to one case (retention deletes it with the case: `owner` names the
ticket, or `case_keys` lists it from the record) or to the desk as a whole (caches, locks,
health, dedupe markers, all with a TTL or bounded by the number of people and channels).
A key this module does not know is neither: the retention test fails on it.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.case import CaseRecord

PREFIX = "soporte"

# --- keys of one case ---------------------------------------------------------------------

SUMMARIES = f"{PREFIX}:summaries"  # hash: ticket id -> the case's summary (a field per case)


def case_key(ticket_id: int) -> str:
    return f"{PREFIX}:case:{ticket_id}"


def seen_comments(ticket_id: int) -> str:
    """Set of the requester's comment ids already relayed or heard."""
    return f"{PREFIX}:seen-comments:{ticket_id}"


def comments_read(ticket_id: int) -> str:
    """Where the last read of the ticket's comments stopped."""
    return f"{PREFIX}:comments-read:{ticket_id}"


def posting(kind: str, ticket_id: int) -> str:
    """When a once-only Slack post of `kind` (card, escalation, a relay) was first tried."""
    return f"{PREFIX}:posting:{kind}:{ticket_id}"


def zendesk_write(ticket_id: int, marker: str) -> str:
    """When a once-only Zendesk write was first tried."""
    return f"{PREFIX}:zendesk-write:{ticket_id}:{marker}"


def own_update(ticket_id: int) -> str:
    """The updated_at and status the desk's latest write left the ticket with."""
    return f"{PREFIX}:own-update:{ticket_id}"


def escalation_thread(channel: str, ts: str) -> str:
    """An escalation message → its ticket (the key names the message, the value the ticket)."""
    return f"{PREFIX}:thread:{channel}:{ts}"


def relay_copy(ticket_id: int, channel: str, ts: str) -> str:
    """A maintainer's reply relayed to the card thread → the ts of its copy."""
    return f"{PREFIX}:relay:{ticket_id}:{channel}:{ts}"


def soft_claim(ticket_id: int) -> str:
    """Who has a decision modal open on the case (a hint with a TTL)."""
    return f"{PREFIX}:claim:{ticket_id}"


def target_warned(ticket_id: int, metric: str, start: int) -> str:
    """The one warning before a target is missed was given."""
    return f"{PREFIX}:target-warned:{ticket_id}:{metric}:{start}"


def refusal_told(func: str, ticket_id: int | None, reason: str) -> str:
    """The agents were told that `func` was refused for good for this ticket."""
    return f"{PREFIX}:refusal-told:{func}:{ticket_id}:{reason}"


# Families of per-case keys whose ticket id is the n-th `:`-separated part of the name.
_OWNED_AT = {
    "case": 2,
    "seen-comments": 2,
    "comments-read": 2,
    "zendesk-write": 2,
    "own-update": 2,
    "relay": 2,
    "posting": 3,
    "refusal-told": 3,
    "target-warned": 2,
    "claim": 2,
}


def owner(key: str) -> int | None:
    """The ticket a per-case key belongs to (None for the desk's own keys and the thread
    map, whose ticket is in the record: see `case_keys`)."""
    parts = key.split(":")
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    at = _OWNED_AT.get(parts[1])
    if at is None or len(parts) <= at or not parts[at].isdigit():
        return None
    return int(parts[at])


def case_keys(record: CaseRecord) -> list[str]:
    """The keys of a case that its record names (the rest carry its ticket id: `owner`)."""
    keys = [case_key(record.ticket_id)]
    escalation = record.escalation
    if escalation and escalation.channel and escalation.ts:
        keys.append(escalation_thread(escalation.channel, escalation.ts))
    return keys


# --- the desk's own keys ------------------------------------------------------------------


def named_value(name: str) -> str:
    """A single value the desk keeps by name (CaseStore.get_value / set_value)."""
    return f"{PREFIX}:{name}"


INTAKE_CURSOR_NAME = "intake:cursor"
INTAKE_STARTED_NAME = "intake:started-at"
INTAKE_CURSOR = named_value(INTAKE_CURSOR_NAME)
INTAKE_STARTED = named_value(INTAKE_STARTED_NAME)
INTAKE_LOCK = f"{PREFIX}:intake:lock"
HOME_USERS = f"{PREFIX}:home-users"  # who has opened the Home at least once
ZENDESK_ME = f"{PREFIX}:zendesk-me"
HEALTH_INTAKE = f"{PREFIX}:health:intake"
HEALTH_PROBES = f"{PREFIX}:health:probes"
DESK = f"{PREFIX}:desk"  # the desk process that runs on this Redis (./run app)
# The calibration keeps every measured fix (by ticket) past the case's retention: it is the
# maintainers' record, not the case's.
CALIBRATION_FIXES = f"{PREFIX}:calibration:fixes"
CALIBRATION_RECORDS = f"{PREFIX}:calibration:records"
CALIBRATION_LOCK = f"{PREFIX}:calibration:lock"


def target_figures(scope: str) -> str:
    """The targets' figures shown to a scope of people, cached for a moment."""
    return f"{PREFIX}:target-figures:{scope}"


def weekly_summary(week: str) -> str:
    """The week's summary was claimed or posted."""
    return f"{PREFIX}:weekly-summary:{week}"


def home_pending(user: str) -> str:
    return f"{PREFIX}:home-pending:{user}"


def pace(channel: str) -> str:
    return f"{PREFIX}:pace:{channel}"


def pace_lock(channel: str) -> str:
    return f"{PREFIX}:pace-lock:{channel}"


def user_name(user: str) -> str:
    return f"{PREFIX}:user-name:{user}"


def zendesk_agent(user: str) -> str:
    return f"{PREFIX}:zendesk-agent:{user}"


def slack_event(event_id: str) -> str:
    """A Slack event already handled (Slack retries deliveries)."""
    return f"{PREFIX}:event:{event_id}"


CLICKS_INBOX = f"{PREFIX}:clicks:inbox"  # list: clicks not yet turned into jobs


def clicks_taking(drain_id: str) -> str:
    """The clicks one drain job is turning into jobs (bot/adapters/click_inbox.py)."""
    return f"{PREFIX}:clicks:taking:{drain_id}"


def submission(digest: str) -> str:
    """A modal submission already taken (a replay takes no second effect)."""
    return f"{PREFIX}:submission:{digest}"


_DESK_FAMILIES = frozenset(
    {
        "home-pending",
        "clicks",
        "pace",
        "pace-lock",
        "user-name",
        "zendesk-agent",
        "event",
        "submission",
        "weekly-summary",
        "target-figures",
    }
)
_DESK_KEYS = frozenset(
    {
        SUMMARIES,
        INTAKE_CURSOR,
        INTAKE_STARTED,
        INTAKE_LOCK,
        HOME_USERS,
        ZENDESK_ME,
        HEALTH_INTAKE,
        HEALTH_PROBES,
        DESK,
        CALIBRATION_FIXES,
        CALIBRATION_RECORDS,
        CALIBRATION_LOCK,
    }
)


def is_desk_key(key: str) -> bool:
    """Whether `key` is one of the desk's own keys (not any one case's)."""
    family = key.split(":")[1] if key.count(":") >= 2 else ""
    return key in _DESK_KEYS or family in _DESK_FAMILIES


# --- job ids: one id per thing to do, so a step retried never queues its work twice -----


def window_job(ticket_id: int, generation: int) -> str:
    return f"window-{ticket_id}-{generation}"


def window_recheck_job(ticket_id: int, generation: int, at: datetime) -> str:
    return f"{window_job(ticket_id, generation)}-{int(at.timestamp())}"


def reply_job(reply_id: str) -> str:
    return f"reply-{reply_id}"


def card_job(ticket_id: int, tag: int | str) -> str:
    """Refresh the card after step number `tag` (or after what `tag` names)."""
    return f"card-{ticket_id}-{tag}"


def card_sent_job(ticket_id: int, reply_id: str) -> str:
    return card_job(ticket_id, sent_tag(reply_id))


def sent_tag(reply_id: str) -> str:
    return f"sent-{reply_id}"


def escalation_message_job(ticket_id: int, tag: int | str) -> str:
    return f"esc-msg-{ticket_id}-{tag}"


def home_job(ticket_id: int, slot: int) -> str:
    return f"home-{ticket_id}-{slot}"


def thread_job(ticket_id: int, step: int | str) -> str:
    return f"thread-{ticket_id}-{step}"


def escalation_thread_job(ticket_id: int, step: int) -> str:
    return f"esc-thread-{ticket_id}-{step}"


def post_card_job(ticket_id: int) -> str:
    return f"post-card-{ticket_id}"


def follow_up_job(earlier: int, ticket_id: int) -> str:
    return f"follow-up-{earlier}-{ticket_id}"


def activity_job(ticket_id: int, stamp: int) -> str:
    return f"activity-{ticket_id}-{stamp}"


def webhook_activity_job(ticket_id: int, stamp: int) -> str:
    return f"activity-{ticket_id}-wh-{stamp}"


def webhook_job(ticket_id: int, digest: str) -> str:
    return f"webhook-{ticket_id}-{digest}"


def spam_job(ticket_id: int) -> str:
    return f"spam-{ticket_id}"


def solve_job(ticket_id: int) -> str:
    return f"solve-{ticket_id}"


def not_fixed_job(ticket_id: int, step: int) -> str:
    return f"nf-{ticket_id}-{step}"


def open_thread_job(ticket_id: int) -> str:
    return f"escalate-{ticket_id}"


def remind_unclaimed_job(ticket_id: int, ping: int) -> str:
    return f"remind-unclaimed-{ticket_id}-{ping}"


def record_owner_job(ticket_id: int) -> str:
    return f"owner-{ticket_id}"


def remind_diagnosis_job(ticket_id: int) -> str:
    return f"remind-diagnosis-{ticket_id}"


def diagnosis_job(ticket_id: int, index: int) -> str:
    return f"diagnosis-{ticket_id}-{index}"


def remind_estimate_job(ticket_id: int, index: int) -> str:
    return f"remind-estimate-{ticket_id}-{index}"


def remind_update_job(ticket_id: int, replies: int) -> str:
    return f"remind-update-{ticket_id}-{replies}"


def fixed_job(ticket_id: int, step: int) -> str:
    return f"fixed-{ticket_id}-{step}"


def calibration_job(ticket_id: int, step: int) -> str:
    return f"calibration-{ticket_id}-{step}"


def target_warn_job(ticket_id: int, metric: str, deadline: int) -> str:
    return f"target-warn-{ticket_id}-{metric}-{deadline}"


def target_miss_job(ticket_id: int, metric: str, deadline: int) -> str:
    return f"target-miss-{ticket_id}-{metric}-{deadline}"


def held_job(name: str, args: str, opening: int) -> str:
    """A reminder due while the desk is closed, held until it opens."""
    return f"held-{name}-{args}-{opening}"


def relay_comment_job(ticket_id: int, comment_id: object) -> str:
    return f"relay-{ticket_id}-{comment_id}"


def relay_comment_escalation_job(ticket_id: int, comment_id: object) -> str:
    return f"relay-esc-{ticket_id}-{comment_id}"


def relay_message_job(event_id: str) -> str:
    return f"relay-msg-{event_id}"


def refusal_job(job_id: str) -> str:
    return f"refusal-{job_id}"


def refused_reply_job(reply_id: str) -> str:
    return f"refused-{reply_id}"


def notify_job(nonce: str) -> str:
    """A private answer to one click (each click is answered once: `nonce` is new)."""
    return f"notify-{nonce}"


def drain_clicks_job(nonce: str) -> str:
    return f"drain-clicks-{nonce}"


def click_job(nonce: str) -> str:
    """The step one click takes (each click is taken once: `nonce` is new)."""
    return f"click-{nonce}"


def home_open_job(nonce: str) -> str:
    return f"home-open-{nonce}"
