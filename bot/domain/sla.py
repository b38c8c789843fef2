"""The desk's SLA figures, computed from the case summaries. Pure.

SLA figures, per window (last 7 and last 30 days):
- time to triage: first triage decision − ticket created;
- time to initial response: first reply sent to the end user − ticket created;
- time to resolution: RESOLVED − ticket created.
A case counts in a window when the measured event (the triage, the response, the
resolution) happened inside it. Percentiles are nearest-rank: the p-th percentile of n sorted
values is the value at rank ⌈p/100 · n⌉ (1-based), so the median of an even count is the
lower of the two middle values and every figure is a time some case really took.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.case_summary import Summary

DAY = 86400.0
SLA_WINDOWS = (7, 30)
# (label, summary key of the end of the interval), measured from "created".
SLA_METRICS = (
    ("triage", "triaged"),
    ("response", "first_response"),
    ("resolution", "resolved"),
)


def percentile(values: Iterable[float], pct: float) -> float | None:
    """Nearest-rank percentile (see the module docstring); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class SlaFigure:
    """Median and 90th percentile (seconds) of one metric over one window."""

    count: int
    median: float | None
    p90: float | None


def sla_figures(
    summaries: Iterable[Summary], now: datetime, windows: Iterable[int] = SLA_WINDOWS
) -> dict[int, dict[str, SlaFigure]]:
    """{days: {"triage"|"response"|"resolution": SlaFigure}} for each window, in one pass."""
    windows = tuple(windows)
    at = now.timestamp()
    oldest = at - max(windows, default=0) * DAY
    # (end of the interval, seconds from creation) of each case, per metric.
    collected: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in SLA_METRICS}
    for s in summaries:
        created = s.get("created")
        if created is None:
            continue
        for label, key in SLA_METRICS:
            end = s.get(key)
            if end is not None and end >= oldest:
                collected[label].append((end, max(0.0, end - created)))
    figures: dict[int, dict[str, SlaFigure]] = {}
    for days in windows:
        since = at - days * DAY
        per_metric = {}
        for label, pairs in collected.items():
            values = [took for end, took in pairs if end >= since]
            per_metric[label] = SlaFigure(
                len(values), percentile(values, 50), percentile(values, 90)
            )
        figures[days] = per_metric
    return figures
