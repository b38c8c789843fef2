"""The measured fixes, kept in Redis beyond the cases' retention, and the records computed
from them.

`soporte:calibration:fixes` holds one entry per fixed ticket (its latest fix).
`soporte:calibration:records` holds the records per product and per maintainer, recomputed
from every fix whenever one is added (by a job, under a lock, so the last writer has them
all): `/soporte calibración`, the Home and the diagnosis modal read that one small value
within Slack's 3 s, however long the desk's history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import redis

from bot.adapters import keys
from bot.domain.calibration import (
    FixOutcome,
    Records,
    by_maintainer,
    by_product,
    calibration_from_dict,
    calibration_to_dict,
    outcome_from_dict,
    outcome_to_dict,
)

FIXES = keys.CALIBRATION_FIXES
RECORDS = keys.CALIBRATION_RECORDS
LOCK = keys.CALIBRATION_LOCK


def record_fixes(connection: redis.Redis, fixes: Mapping[int, FixOutcome]) -> None:
    """Keep these fixes (a later fix of a ticket replaces its earlier one), then recompute
    the records from all of them."""
    with connection.lock(LOCK, timeout=300, blocking_timeout=120):
        if fixes:
            mapping = {str(tid): json.dumps(outcome_to_dict(o)) for tid, o in fixes.items()}
            connection.hset(FIXES, mapping=mapping)
        outcomes = measured_fixes(connection)
        records = {
            "products": {k: calibration_to_dict(c) for k, c in by_product(outcomes).items()},
            "maintainers": {k: calibration_to_dict(c) for k, c in by_maintainer(outcomes).items()},
        }
        connection.set(RECORDS, json.dumps(records))


def measured_fixes(connection: redis.Redis) -> list[FixOutcome]:
    """Every fix measured so far (one HVALS; for jobs: the weekly summary, the records)."""
    return [outcome_from_dict(json.loads(raw)) for raw in connection.hvals(FIXES)]


def calibration_records(connection: redis.Redis) -> Records:
    """The records as last computed (one GET)."""
    raw = connection.get(RECORDS)
    if not raw:
        return Records()
    data = json.loads(raw)
    return Records(
        products={k: calibration_from_dict(v) for k, v in data["products"].items()},
        maintainers={k: calibration_from_dict(v) for k, v in data["maintainers"].items()},
    )
