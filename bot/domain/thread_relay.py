"""What a Slack `message` event in an escalation thread means for the agent. Pure.

A maintainer's reply arrives with several shapes (https://docs.slack.dev/reference/events/message):
a plain message, `file_share` (a screenshot or a log, with `files`), `thread_broadcast` (sent
"also to the channel"), `message_changed` (an edit: the new message under `message`) and
`message_deleted` (`deleted_ts`, the old one under `previous_message`). Our own posts carry
`bot_id`; every other subtype (joins, topic changes, bot messages) is not a reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NEW_REPLY_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


@dataclass(frozen=True)
class SharedFile:
    name: str
    permalink: str | None


@dataclass(frozen=True)
class ThreadMessage:
    """One change in a thread: a new reply, an edit of one, or its deletion."""

    kind: str  # "new", "edited" or "deleted"
    channel: str
    thread_ts: str
    ts: str  # the reply's own ts (the edited or deleted one for those kinds)
    user: str
    text: str = ""
    files: tuple[SharedFile, ...] = ()
    broadcast: bool = False


def _files(message: dict[str, Any]) -> tuple[SharedFile, ...]:
    shared = []
    for item in message.get("files") or []:
        if not isinstance(item, dict) or item.get("mode") == "tombstone":
            continue
        name = str(item.get("title") or item.get("name") or "archivo")
        shared.append(SharedFile(name, item.get("permalink") or None))
    return tuple(shared)


def _is_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts") and not message.get("bot_id")


def read_thread_message(event: dict[str, Any]) -> ThreadMessage | None:
    """The thread change `event` carries, or None when it is not a person's reply."""
    subtype = event.get("subtype")
    channel = str(event.get("channel") or "")
    if subtype in NEW_REPLY_SUBTYPES:
        if not _is_reply(event) or not event.get("user"):
            return None
        return ThreadMessage(
            "new",
            channel,
            event["thread_ts"],
            str(event.get("ts") or ""),
            event["user"],
            str(event.get("text") or ""),
            _files(event),
            broadcast=subtype == "thread_broadcast",
        )
    if subtype == "message_changed":
        new, old = event.get("message") or {}, event.get("previous_message") or {}
        if not _is_reply(new) or not new.get("user"):
            return None
        if new.get("text") == old.get("text") and _files(new) == _files(old):
            return None  # an unfurl or a reply count changed, not the words
        return ThreadMessage(
            "edited",
            channel,
            new["thread_ts"],
            str(new.get("ts") or ""),
            new["user"],
            str(new.get("text") or ""),
            _files(new),
        )
    if subtype == "message_deleted":
        old = event.get("previous_message") or {}
        if not _is_reply(old):
            return None
        return ThreadMessage(
            "deleted",
            channel,
            old["thread_ts"],
            str(event.get("deleted_ts") or old.get("ts") or ""),
            str(old.get("user") or ""),
        )
    return None
