"""Block Kit layout within Slack's limits: sections, headers and context lines cut to fit,
lists that end with "…y N más", and the text budget of a message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from blocks.limits import (
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_TEXT_BUDGET,
    SECTION_TEXT_MAX,
)
from bot.domain import mrkdwn as t

LIST_ITEMS = 15  # lines a packed list shows unless told (/soporte estado, the Home)


def and_more(n: int) -> str:
    """ "…y N más": the line that stands for `n` items left out."""
    return f"…y {n} más"


def pack(
    title: str,
    lines: Sequence[str],
    total: int | None = None,
    max_items: int = LIST_ITEMS,
    limit: int = SECTION_TEXT_MAX,
) -> str:
    """`title` and as many `lines` as fit in `limit` characters (and `max_items`), then
    "…y N más" for the rest. `total` is the full count when `lines` is already cut."""
    total = len(lines) if total is None else total
    out = [title]
    used = t.slack_len(title)
    shown = 0
    for line in lines[:max_items]:
        rest = total - shown - 1
        tail = len(and_more(rest)) + 1 if rest else 0
        if used + 1 + t.slack_len(line) + tail > limit:
            break
        out.append(line)
        used += 1 + t.slack_len(line)
        shown += 1
    if total > shown:
        out.append(and_more(total - shown))
    return t.truncate_mrkdwn("\n".join(out), limit)


def section(text: str, block_id: str | None = None) -> SectionBlock:
    """A mrkdwn section, its text cut to Slack's limit."""
    return SectionBlock(
        block_id=block_id, text=MarkdownTextObject(text=t.truncate_mrkdwn(text, SECTION_TEXT_MAX))
    )


def header(text: str) -> HeaderBlock:
    """A header, its plain text cut to Slack's limit."""
    return HeaderBlock(text=PlainTextObject(text=t.truncate(text, HEADER_TEXT_MAX), emoji=True))


def context(text: str) -> ContextBlock:
    """A context block of one mrkdwn line, cut to Slack's limit."""
    return ContextBlock(
        elements=[MarkdownTextObject(text=t.truncate_mrkdwn(text, CONTEXT_TEXT_MAX))]
    )


def render(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    """The blocks as the Web API takes them."""
    return [b.to_dict() for b in blocks]


def text_size(blocks: Iterable[Block]) -> int:
    """The characters of text in `blocks`, as Slack counts them for `msg_blocks_too_long`."""

    def size(value: Any) -> int:
        if isinstance(value, dict):
            return sum(size(v) for k, v in value.items() if k not in ("type", "block_id"))
        if isinstance(value, list):
            return sum(size(v) for v in value)
        return t.slack_len(value) if isinstance(value, str) else 0

    return size(render(blocks))


def paged_sections(
    title: str, lines: list[str], room: int, budget: int = MESSAGE_TEXT_BUDGET
) -> list[Block]:
    """`lines` in as many sections (≤ 3,000 characters each) as `room` allows, and no more
    than `budget` characters in all; the last one says how many lines did not fit."""
    sections: list[str] = []
    current = title
    used = t.slack_len(title)
    shown = 0
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        size = t.slack_len(line)
        tail = len(and_more(rest)) + 1 if rest else 0
        if used + 1 + size + tail > budget:
            break
        last_room = len(sections) + 1 >= room
        if t.slack_len(current) + 1 + size + (tail if last_room else 0) <= SECTION_TEXT_MAX:
            current += "\n" + line
        elif last_room:
            break
        else:
            sections.append(current)
            current = line
        used += 1 + size
        shown += 1
    if shown < len(lines):
        current += "\n" + and_more(len(lines) - shown)
    sections.append(current)
    return [section(s) for s in sections]


def latest_that_fit(lines: list[str], budget: int) -> list[str]:
    """The newest of `lines` (the last ones) whose text fits in `budget` characters."""
    used = 0
    for n, line in enumerate(reversed(lines)):
        used += t.slack_len(line) + 1
        if used > budget:
            return lines[len(lines) - n :]
    return lines
