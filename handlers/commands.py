"""The /soporte command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from blocks.text import escape_mrkdwn
from bot.queue_status import queue_summary
from bot.runtime import Runtime, utcnow

USAGE = (
    "Uso de `/soporte`:\n"
    "• `/soporte estado` — la cola de soporte: casos por estado y el más antiguo sin triage.\n"
    "• `/soporte ayuda` — esta ayuda."
)


def register(app: App, rt: Runtime) -> None:
    @app.command("/soporte")
    def soporte(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        words = (command.get("text") or "").split()
        if words[:1] == ["estado"] and len(words) == 1:
            ack(response_type="ephemeral", text=queue_summary(rt.store, utcnow()))
            return
        if not words or words[0] == "ayuda":
            ack(response_type="ephemeral", text=USAGE)
            return
        ack(
            response_type="ephemeral",
            text=f"No entiendo «{escape_mrkdwn(' '.join(words)[:80])}».\n{USAGE}",
        )
