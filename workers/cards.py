"""Jobs that show cases in Slack: the card, its updates, thread notes and ephemerals."""

from __future__ import annotations

import dataclasses
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from blocks.card import ticket_card
from bot.adapters import keys
from bot.adapters.soft_claim import claimed_by
from bot.composition import Runtime, get_runtime, utcnow
from bot.domain import desk_texts as texts
from bot.domain.case import CardRef, CaseRecord
from bot.domain.thread_relay import SharedFile, ThreadMessage
from workers.pacing import post_message
from workers.slack_history import find_by_metadata
from workers.target_timers import schedule_target_timers

log = logging.getLogger(__name__)
CARD_EVENT = "soporte_case"
RELAY_EVENT = "soporte_relay"  # a maintainer's reply copied to the card thread


def find_posted_message(
    rt: Runtime,
    channel: str,
    event_type: str,
    ticket_id: int,
    kind: str,
    *,
    thread_ts: str | None = None,
    payload: dict[str, str] | None = None,
) -> str | None:
    """On a retry, the ts of the message an earlier attempt posted but could not record.

    The first attempt only notes when it started (no Slack call); a retry pages through the
    channel's history (or the thread's replies, for a message posted in `thread_ts`) since
    then and finds the message by its metadata — its event type, the ticket and the rest of
    `payload` — so a lost `chat.postMessage` response never gives a second message, however
    busy the channel.
    """
    key = keys.posting(kind, ticket_id)
    if rt.redis.set(key, str(time.time()), nx=True, ex=7 * 86400):
        return None
    started = float(rt.redis.get(key) or 0)
    wanted = {"ticket_id": str(ticket_id), **(payload or {})}
    return find_by_metadata(rt.slack, channel, started, event_type, wanted, thread_ts=thread_ts)


def permalink(rt: Runtime, channel: str, ts: str) -> str:
    """The message's link as Slack gives it (custom domains and Enterprise Grid included)."""
    return rt.slack.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]


def post_card(ticket_id: int) -> str:
    """Post the case's card in the agents' channel, exactly once, and keep its permalink."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None:
        return "no case"
    if record.card:
        if record.card.permalink is None:
            link = permalink(rt, record.card.channel, record.card.ts)
            _save_card(rt, ticket_id, record, dataclasses.replace(record.card, permalink=link))
        return "already posted"
    record = with_report_files(rt, record)
    channel = rt.catalog.agents_channel
    ts = find_posted_message(rt, channel, CARD_EVENT, ticket_id, "card")
    if ts is None:
        card = ticket_card(record, rt.catalog, utcnow())
        response = post_message(
            rt,
            channel=channel,
            text=card["text"],
            blocks=card["blocks"],
            metadata={"event_type": CARD_EVENT, "event_payload": {"ticket_id": ticket_id}},
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = response["ts"]
    saved = _save_card(rt, ticket_id, record, CardRef(channel, ts))
    link = permalink(rt, channel, ts)
    _save_card(rt, ticket_id, saved, CardRef(channel, ts, link))
    schedule_target_timers(rt, saved)
    return ts


def with_report_files(rt: Runtime, record: CaseRecord) -> CaseRecord:
    """The case with the report's attachments read from Zendesk (once: kept on the ticket)."""
    if record.ticket.attachments is not None:
        return record
    files = rt.zendesk.report_attachments(record.ticket_id)
    return rt.store.update(
        record.ticket_id,
        lambda r: dataclasses.replace(r, ticket=dataclasses.replace(r.ticket, attachments=files)),
    )


def _save_card(rt: Runtime, ticket_id: int, seen: CaseRecord, card: CardRef) -> CaseRecord:
    """Record the card; re-render it when the case moved since `seen` was read."""
    saved = rt.store.update(ticket_id, lambda r: dataclasses.replace(r, card=card))
    if saved.case != seen.case or saved.replies != seen.replies:
        update_card(rt, saved)
    return saved


def update_card(rt: Runtime, record: CaseRecord) -> None:
    """Re-render the card from the record."""
    assert record.card is not None
    claim = claimed_by(rt.redis, record.ticket_id)
    card = ticket_card(record, rt.catalog, utcnow(), claimed_by=claim)
    rt.slack.chat_update(
        channel=record.card.channel, ts=record.card.ts, text=card["text"], blocks=card["blocks"]
    )
    schedule_target_timers(rt, record)


def refresh_card(ticket_id: int) -> str:
    """Show the case's current state on its card."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.card is None:
        return "no card yet"
    update_card(rt, record)
    return "updated"


def post_in_thread(ticket_id: int, text: str) -> str | None:
    """Tell the agent something in the card's thread."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.card is None:
        raise RuntimeError(f"ticket {ticket_id} has no card yet")
    response = post_message(
        rt, channel=record.card.channel, thread_ts=record.card.ts, text=text, unfurl_links=False
    )
    return response["ts"]


RELAY_TTL = 30 * 86400
QUEUED = "queued"


def mark_relay_queued(rt: Runtime, ticket_id: int, channel: str, ts: str) -> None:
    """A reply's relay is on its way: an edit or deletion arriving meanwhile waits for it."""
    rt.redis.set(keys.relay_copy(ticket_id, channel, ts), QUEUED, nx=True, ex=RELAY_TTL)


class RelayNotPostedYet(RuntimeError):
    """The copy of an edited or deleted reply is not posted yet; the job is retried."""


def _relay_once(rt: Runtime, ticket_id: int, msg: ThreadMessage) -> str:
    """Post the copy of a maintainer's reply in the card thread, once: a retry after Slack's
    answer was lost finds the copy by its metadata instead of posting it again."""
    record = rt.store.get(ticket_id)
    if record is None or record.card is None:
        raise RuntimeError(f"ticket {ticket_id} has no card yet")
    card = record.card
    payload = {"ticket_id": ticket_id, "relayed_ts": msg.ts}
    kind = f"relay-{msg.ts}"
    ts = find_posted_message(
        rt,
        card.channel,
        RELAY_EVENT,
        ticket_id,
        kind,
        thread_ts=card.ts,
        payload={"relayed_ts": msg.ts},
    )
    if ts is None:
        ts = post_message(
            rt,
            channel=card.channel,
            thread_ts=card.ts,
            text=texts.maintainer_said(msg),
            metadata={"event_type": RELAY_EVENT, "event_payload": payload},
            unfurl_links=False,
        )["ts"]
    return ts


def relay_thread_message(ticket_id: int, message: dict) -> str:
    """Mirror a change of the escalation thread in the agent's card thread: post a new
    reply, or rewrite the copy of one its author edited or deleted."""
    rt = get_runtime()
    msg = ThreadMessage(**{**message, "files": tuple(SharedFile(**f) for f in message["files"])})
    key = keys.relay_copy(ticket_id, msg.channel, msg.ts)
    if msg.kind == "new":
        rt.redis.set(key, _relay_once(rt, ticket_id, msg), ex=RELAY_TTL)
        return "relayed"
    copy_ts = rt.redis.get(key)
    if copy_ts is None:
        return "never relayed"
    if copy_ts.decode() == QUEUED:
        raise RelayNotPostedYet(f"ticket {ticket_id}: relay of {msg.ts} not posted yet")
    record = rt.store.get(ticket_id)
    if record is None or record.card is None:
        return "no card"
    text = texts.maintainer_edited(msg) if msg.kind == "edited" else texts.maintainer_deleted(msg)
    rt.slack.chat_update(channel=record.card.channel, ts=copy_ts.decode(), text=text)
    return msg.kind


def notify_user(channel: str | None, user: str, text: str, response_url: str | None = None) -> None:
    """A message only `user` sees: through the click's response_url when there is one (it
    works in channels the user or the bot is not in), else chat.postEphemeral in `channel`,
    else (a click on the App Home) a direct message."""
    rt = get_runtime()
    if response_url:
        response = WebhookClient(response_url, timeout=15).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise RuntimeError(f"response_url answered {response.status_code}")
        if response.status_code < 300:
            return
        log.info("response_url refused (%s); trying chat.postEphemeral", response.status_code)
    if channel is None:
        rt.slack.chat_postMessage(channel=user, text=text)
        return
    try:
        rt.slack.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        if exc.response.get("error") in ("channel_not_found", "user_not_in_channel"):
            log.warning("ephemeral to %s not delivered: %s", user, exc.response.get("error"))
            return
        raise
