"""Slack mrkdwn helpers: escaping, Slack's length count and truncation, quoting, links,
mentions and `<!date>` tokens. Pure: the builders in blocks/ and the texts in bot/domain use it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import regex

# Slack stores emoji as `:shortcode:` text; counted as a long one with a skin tone
# (`:woman-raising-hand::skin-tone-6:`), an emoji can never make a text overflow.
EMOJI_AS_SHORTCODE = 36
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
# Left at the end of a cut text they would join to, or turn the direction of, the suffix.
_DANGLING = "\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

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


def slack_len(s: str) -> int:
    """`s`'s length as Slack may count it against a limit, never less: UTF-16 code units
    (an emoji outside the BMP is two) and every emoji as a long `:shortcode:`, which is how
    Slack stores emoji in text. Combining marks and right-to-left letters count one each."""
    return sum(_cluster_len(cluster) for cluster in _GRAPHEME.findall(s))


def _cluster_len(cluster: str) -> int:
    if _EMOJI.search(cluster):
        return EMOJI_AS_SHORTCODE
    return len(cluster.encode("utf-16-le")) // 2


def _cut(s: str, budget: int) -> int:
    """The longest prefix of `s` (an index, at a grapheme boundary) within `budget`."""
    used = end = 0
    for match in _GRAPHEME.finditer(s):
        used += _cluster_len(match.group())
        if used > budget:
            break
        end = match.end()
    return end


def _ending(s: str, suffix: str) -> str:
    """`s` cut short, then `suffix`: no dangling space, joiner or direction mark at the cut."""
    return s.rstrip().rstrip(_DANGLING).rstrip() + suffix


def truncate(s: str, limit: int, suffix: str = "…") -> str:
    """`s` if it fits in `limit` characters as Slack counts them (`slack_len`), else cut at
    a grapheme boundary so that it ends with `suffix` and fits."""
    if slack_len(s) <= limit:
        return s
    budget = limit - slack_len(suffix)
    if budget <= 0:
        return suffix[: _cut(suffix, limit)]
    return _ending(s[: _cut(s, budget)], suffix)


def truncate_mrkdwn(s: str, limit: int, suffix: str = "…") -> str:
    """Like `truncate`, but never cuts an escaped entity or a `<…>` token in half."""
    if slack_len(s) <= limit:
        return s
    keep = _cut(s, max(0, limit - slack_len(suffix)))
    for match in _UNSPLITTABLE.finditer(s, max(0, keep - 510), keep + 510):
        if match.start() < keep < match.end():
            keep = match.start()
            break
    return _ending(s[:keep], suffix)


def quote(s: str) -> str:
    """Prefix every line with "> " (a mrkdwn block quote)."""
    return "\n".join(f"> {line}" for line in s.split("\n"))


def as_utc(dt: datetime) -> datetime:
    """`dt` in UTC; naive means UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def slack_date(dt: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A `<!date>` token: Slack shows it in each reader's time zone; naive means UTC."""
    utc = as_utc(dt)
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
