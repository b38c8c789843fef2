"""The daily retention job (bot/services/retention.py says what goes)."""

from __future__ import annotations

import logging

from bot.composition import get_runtime, utcnow
from bot.services import retention

log = logging.getLogger(__name__)
RETENTION_DAYS = retention.RETENTION_DAYS


def expire_finished(days: int = RETENTION_DAYS) -> dict[str, int]:
    """Delete the cases that finished more than `days` days ago; returns the counts."""
    counts = retention.expire_finished(get_runtime().store, utcnow(), days)
    log.info("retention: %d of %d expired cases deleted", counts["deleted"], counts["candidates"])
    return counts
