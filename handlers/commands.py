"""The /soporte command: answered in the ack itself (ephemeral), from Redis reads only.

No Slack or Zendesk call and no write: the figures are pure computation over the case
summaries (`CaseStore.summaries()`, one call), so the answer stays within Slack's 3 s.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App

from blocks import case_detail
from blocks import soporte_answers as views
from blocks.calibration import calibration_message
from blocks.targets import figures_blocks
from bot.adapters.calibration_store import calibration_records
from bot.composition import Runtime, utcnow
from bot.domain import access, dashboard, soporte_command
from bot.services.target_figures import target_figures

log = logging.getLogger("soporte.commands")

UNAVAILABLE = "No pude leer la cola de soporte en este momento; intenta de nuevo en un minuto."


def answer(rt: Runtime, text: str, user: str, now: datetime) -> dict[str, Any]:
    """`{"text": …, "blocks": […]}` for `/soporte <text>` typed by `user`."""
    words = text.split()
    if words and words[0].casefold() in CALIBRATION:
        return calibration(rt, words[1:], user)
    command = soporte_command.parse_command(text)
    if command.kind == "ayuda":
        return views.usage_message()
    if command.kind == "error":
        return views.usage_message(f"⚠️ {command.problem}")
    if command.kind == "caso":
        assert command.ticket_id is not None
        record = rt.store.get(command.ticket_id)
        if record is not None and access.sees_case(rt.catalog, record, user):
            return case_detail.case_message(record, rt.catalog, now, show_email=True, viewer=user)
        if record is None and access.sees_queue(rt.catalog, user):
            return views.unknown_case_message(command.ticket_id)
        log.warning("refused the case of %s to %s", command.ticket_id, user)
        return {"text": access.CASE_CLOSED.format(ticket_id=command.ticket_id)}
    summaries = rt.store.summaries()
    if command.kind == "mios":  # only the caller's own cases, whoever asks
        return views.mine_message(dashboard.my_cases(summaries, user), user, now)
    if not access.sees_queue(rt.catalog, user):
        log.warning("refused /soporte %s to %s", command.kind, user)
        return {"text": access.STRANGER}
    shown = access.visible(rt.catalog, summaries, user)
    message = views.status_message(dashboard.overview(shown, now), rt.catalog)
    return with_target_figures(rt, message, user, summaries, now)


MESSAGE_BLOCKS_MAX = 50
CALIBRATION = {"calibración", "calibracion"}


def with_target_figures(
    rt: Runtime, message: dict[str, Any], user: str, summaries: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """`/soporte estado` with the targets met and missed over 7 and 30 days."""
    figures = target_figures(rt, user, summaries, now)
    extra = [b.to_dict() for b in figures_blocks(figures)]
    room = MESSAGE_BLOCKS_MAX - len(message["blocks"])
    return {**message, "blocks": [*message["blocks"], *extra[: max(0, room)]]}


def calibration(rt: Runtime, rest: list[str], user: str) -> dict[str, Any]:
    """`/soporte calibración`: agents see every product and maintainer; a maintainer their
    products and themselves."""
    if rest:
        return views.usage_message("⚠️ `/soporte calibración` no lleva argumentos.")
    if not access.sees_queue(rt.catalog, user):
        log.warning("refused /soporte calibración to %s", user)
        return {"text": access.STRANGER}
    records = calibration_records(rt.redis)
    if rt.catalog.is_agent(user):
        return calibration_message(records, rt.catalog)
    products = [key for key, p in rt.catalog.products.items() if user in p.maintainers]
    return calibration_message(records, rt.catalog, products, [user])


def register(app: App, rt: Runtime) -> None:
    @app.command("/soporte")
    def soporte(ack: Ack, command: dict[str, Any]) -> None:
        try:
            reply = answer(rt, command.get("text") or "", command.get("user_id") or "", utcnow())
        except Exception:
            log.exception("/soporte %r failed", (command.get("text") or "")[:80])
            reply = {"text": UNAVAILABLE}
        ack(response_type="ephemeral", **reply)
