"""Text helpers for Block Kit: escaping, truncation, quoting and Slack date tokens. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime

SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
CONTEXT_TEXT_MAX = 3000
INPUT_VALUE_MAX = 3000
FALLBACK_TEXT_MAX = 200

_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
# A cut must not split an entity (&amp;) nor a Slack token (<@U123>, <!date^…|…>).
_UNSPLITTABLE = re.compile(r"&[a-z]{2,4};|<[^<>\n]{1,500}>")


def escape_mrkdwn(s: str) -> str:
    """Escape &, < and > so user text renders literally and never pings or links."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^<>]*)?>")


def from_slack(s: str) -> str:
    """Text a person wrote in Slack, to repeat elsewhere in Slack: its mentions, links and
    formatting stay as they are (Slack already escaped &, < and >); only the broadcasts
    `<!channel>`, `<!here>` and `<!everyone>` become plain words, so a relay never pings."""
    return _BROADCAST.sub(lambda m: f"@{m.group(1)}", s)


def truncate(s: str, limit: int, suffix: str = "…") -> str:
    """`s` if it fits in `limit` characters, else cut so that it ends with `suffix`."""
    if len(s) <= limit:
        return s
    keep = max(0, limit - len(suffix))
    return s[:keep].rstrip() + suffix if keep else suffix[:limit]


def truncate_mrkdwn(s: str, limit: int, suffix: str = "…") -> str:
    """Like `truncate`, but never cuts an escaped entity or a `<…>` token in half."""
    if len(s) <= limit:
        return s
    keep = max(0, limit - len(suffix))
    for match in _UNSPLITTABLE.finditer(s, max(0, keep - 510), keep + 510):
        if match.start() < keep < match.end():
            keep = match.start()
            break
    return s[:keep].rstrip() + suffix


def quote(s: str) -> str:
    """Prefix every line with "> " (a mrkdwn block quote)."""
    return "\n".join(f"> {line}" for line in s.split("\n"))


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def slack_date(dt: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A `<!date>` token: Slack shows it in each reader's time zone; naive means UTC."""
    utc = _utc(dt)
    fallback = utc.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(utc.timestamp())}^{fmt}|{fallback}>"


def ago(dt: datetime) -> str:
    """A `<!date>` token rendered as a relative age ("hace 3 horas")."""
    return slack_date(dt, "{ago}")


def user_mention(user_id: str | None) -> str:
    """`<@U…>` for a Slack user id; any other actor ("system", an e-mail) as escaped text."""
    if not user_id:
        return "(desconocido)"
    if _USER_ID.match(user_id):
        return f"<@{user_id}>"
    return escape_mrkdwn(user_id)


def link(url: str, label: str) -> str:
    """A mrkdwn link; both parts escaped so neither can break out of the token."""
    safe_url = escape_mrkdwn(url.strip()).replace("|", "%7C")
    return f"<{safe_url}|{escape_mrkdwn(label)}>"


def clean_body(s: str) -> str:
    """Normalise newlines and squeeze runs of blank lines in a message body."""
    text = s.replace("\r\n", "\n").replace("\r", "\n").strip()
    return re.sub(r"\n{3,}", "\n\n", text)
