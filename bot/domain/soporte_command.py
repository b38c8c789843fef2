"""The `/soporte` command's text, parsed into a `Command`: which answer, for which ticket. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.domain.mrkdwn import escape_mrkdwn, truncate

_TICKET_NUMBER = re.compile(r"#?(\d{1,15})")
_TICKET_PATH = re.compile(r"/(?:agent/)?(?:tickets|requests)/(\d{1,15})(?:/|$)")


def parse_ticket(raw: str) -> int | None:
    """A ticket id from "1234", "#1234" or a Zendesk ticket URL (agent or Help Center);
    None for anything else. Slack may wrap a URL as `<https://…>` or `<https://…|label>`."""
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0]
    match = _TICKET_NUMBER.fullmatch(text)
    if match:
        number = int(match.group(1))
        return number or None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = _TICKET_PATH.search(parts.path)
    if not path:
        return None
    return int(path.group(1)) or None


@dataclass(frozen=True)
class Command:
    """A parsed `/soporte` text: `kind` is "estado", "caso", "mios", "ayuda" or "error"."""

    kind: str
    ticket_id: int | None = None
    problem: str | None = None


_HELP = {"", "ayuda", "help", "?"}
_MINE = {"mios", "míos", "mis", "mis-casos"}
_STATUS = {"estado", "status"}


def parse_command(text: str | None) -> Command:
    words = (text or "").split()
    head = words[0].casefold() if words else ""
    rest = words[1:]
    if head in _HELP and not rest:
        return Command("ayuda")
    if head in _STATUS:
        if not rest:
            return Command("estado")
        if len(rest) == 1:
            ticket = parse_ticket(rest[0])
            if ticket is not None:
                return Command("caso", ticket_id=ticket)
        return Command("error", problem=f"«{_shown(rest)}» no es un número de ticket.")
    if head in _MINE:
        if not rest:
            return Command("mios")
        return Command("error", problem="`/soporte mios` no lleva argumentos.")
    return Command("error", problem=f"No entiendo «{_shown(words)}».")


def _shown(words: list[str]) -> str:
    """The user's words, quoted back safely (escaped, short)."""
    return escape_mrkdwn(truncate(" ".join(words), 80))
