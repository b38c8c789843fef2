"""Turn what end users write (plain text or HTML e-mail) into short plain text."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

EXCERPT_LIMIT = 1000
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}
_LOOKS_LIKE_HTML = re.compile(r"<\s*(html|body|div|p|br|span|table|a)\b", re.IGNORECASE)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(text: str) -> str:
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def plain_text(body: str | None) -> str:
    """Plain text with HTML removed and blank runs collapsed."""
    text = body or ""
    if _LOOKS_LIKE_HTML.search(text):
        text = strip_html(text)
    else:
        text = unescape(text) if "&" in text and ";" in text else text
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()


def excerpt(body: str | None, limit: int = EXCERPT_LIMIT) -> str:
    text = plain_text(body)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
