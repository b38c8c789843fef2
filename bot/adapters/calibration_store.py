"""The measured fixes, kept in Redis beyond the cases' retention: one entry per fixed ticket
(its latest fix), for `/soporte calibración`, the Home and the diagnosis modal."""

from __future__ import annotations

import json

import redis

from bot.domain.calibration import FixOutcome, outcome_from_dict, outcome_to_dict

FIXES = "soporte:calibration:fixes"


def record_fix(connection: redis.Redis, ticket_id: int, outcome: FixOutcome) -> None:
    """Keep the fix of a ticket (a later fix of the same ticket replaces it)."""
    connection.hset(FIXES, str(ticket_id), json.dumps(outcome_to_dict(outcome)))


def measured_fixes(connection: redis.Redis) -> list[FixOutcome]:
    """Every fix measured so far (one HVALS)."""
    return [outcome_from_dict(json.loads(raw)) for raw in connection.hvals(FIXES)]
