"""Find a message the desk posted, by its metadata, in a channel's history or a thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def find_by_metadata(
    slack: Any,
    channel: str,
    since: float,
    event_type: str,
    wanted: Mapping[str, str],
    *,
    thread_ts: str | None = None,
) -> str | None:
    """The ts of the first message since `since` (less a minute for clock skew) whose metadata
    has `event_type` and every `wanted` payload value, paging through the whole window."""
    cursor = None
    while True:
        window = {
            "channel": channel,
            "oldest": f"{max(0.0, since - 60):.6f}",
            "limit": 200,
            "include_all_metadata": True,
            "cursor": cursor,
        }
        if thread_ts:
            page = slack.conversations_replies(ts=thread_ts, **window)
        else:
            page = slack.conversations_history(**window)
        for message in page.get("messages", []):
            meta = message.get("metadata") or {}
            found = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and all(
                str(found.get(name)) == value for name, value in wanted.items()
            ):
                return message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
