"""Jobs that show cases in Slack: the card, its updates, thread notes and ephemerals."""

from __future__ import annotations

import dataclasses
import logging

from slack_sdk.errors import SlackApiError

from blocks.card import ticket_card
from bot.records import CardRef, CaseRecord
from bot.runtime import Runtime, get_runtime

log = logging.getLogger(__name__)
CARD_EVENT = "soporte_case"


def _posting_key(ticket_id: int) -> str:
    return f"soporte:posting:{ticket_id}"


def _find_posted_card(rt: Runtime, channel: str, ticket_id: int) -> str | None:
    """The ts of a card an earlier attempt posted but could not record (lost response)."""
    history = rt.slack.conversations_history(channel=channel, limit=200, include_all_metadata=True)
    for message in history.get("messages", []):
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") == CARD_EVENT and str(payload.get("ticket_id")) == str(ticket_id):
            return message["ts"]
    return None


def post_card(ticket_id: int) -> str:
    """Post the case's card in the agents' channel, exactly once."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None:
        return "no case"
    if record.card:
        return "already posted"
    channel = rt.catalog.agents_channel
    ts = None
    if not rt.redis.set(_posting_key(ticket_id), "1", nx=True, ex=7 * 86400):
        ts = _find_posted_card(rt, channel, ticket_id)
    if ts is None:
        card = ticket_card(record, rt.catalog)
        response = rt.slack.chat_postMessage(
            channel=channel,
            text=card["text"],
            blocks=card["blocks"],
            metadata={"event_type": CARD_EVENT, "event_payload": {"ticket_id": ticket_id}},
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = response["ts"]
    saved = rt.store.update(ticket_id, lambda r: dataclasses.replace(r, card=CardRef(channel, ts)))
    if saved.case != record.case or saved.replies != record.replies:
        _update_card(rt, saved)
    return ts


def _update_card(rt: Runtime, record: CaseRecord) -> None:
    assert record.card is not None
    card = ticket_card(record, rt.catalog)
    rt.slack.chat_update(
        channel=record.card.channel, ts=record.card.ts, text=card["text"], blocks=card["blocks"]
    )


def refresh_card(ticket_id: int) -> str:
    """Show the case's current state on its card."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.card is None:
        return "no card yet"
    _update_card(rt, record)
    return "updated"


def post_in_thread(ticket_id: int, text: str) -> str | None:
    """Tell the agent something in the card's thread."""
    rt = get_runtime()
    record = rt.store.get(ticket_id)
    if record is None or record.card is None:
        raise RuntimeError(f"ticket {ticket_id} has no card yet")
    response = rt.slack.chat_postMessage(
        channel=record.card.channel, thread_ts=record.card.ts, text=text, unfurl_links=False
    )
    return response["ts"]


def notify_user(channel: str, user: str, text: str) -> None:
    """An ephemeral message only `user` sees."""
    rt = get_runtime()
    try:
        rt.slack.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        if exc.response.get("error") in ("channel_not_found", "user_not_in_channel"):
            log.warning("ephemeral to %s not delivered: %s", user, exc.response.get("error"))
            return
        raise
