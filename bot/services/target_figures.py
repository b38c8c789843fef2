"""The targets' figures for `/soporte estado`, remembered by the process for a minute.

Computing them for a desk of 10,000 cases takes a few hundred milliseconds of business-time
arithmetic, which the command would repeat at every call within Slack's 3 s. The process
keeps the last figures of each viewer scope (the whole desk for agents; one per maintainer,
whose queue is their own) on its runtime: a fresh value (under `FRESH` seconds old) is used
as it is; an older one is answered while a thread recomputes it from the summaries the
command already read; only a scope's first call computes in the request. Nothing is
written to Redis: the command stays a read.

The Home is built by jobs (in work horses that keep nothing between jobs): `for_a_job`
keeps each scope's figures in Redis for the same minute, so the refreshes that follow the
steps of a busy desk compute them once a minute, not at every step.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.adapters import keys
from bot.composition import Runtime
from bot.domain import access
from bot.domain.case_targets import desk_figures
from bot.domain.targets import Metric, TargetFigures, figures_from_dict, figures_to_dict

FRESH = 60
Figures = dict[int, dict[Metric, TargetFigures]]


@dataclass
class _Kept:
    lock: threading.Lock = field(default_factory=threading.Lock)
    figures: dict[str, tuple[float, Figures]] = field(default_factory=dict)
    refreshing: set[str] = field(default_factory=set)


def _kept(rt: Runtime) -> _Kept:
    """The figures kept on this runtime (one per process, and per test desk)."""
    return vars(rt).setdefault("_target_figures", _Kept())


def scope_of(rt: Runtime, user: str) -> str:
    return "desk" if rt.catalog.is_agent(user) else f"user:{user}"


def compute(rt: Runtime, user: str, summaries: list[dict[str, Any]], now: datetime) -> Figures:
    """The figures of the cases `user` sees, computed now."""
    shown = access.visible(rt.catalog, summaries, user)
    return desk_figures(shown, rt.catalog.targets, rt.catalog.calendar, now)


def _recompute(
    rt: Runtime, user: str, summaries: list[dict[str, Any]], now: datetime, scope: str
) -> Figures:
    kept = _kept(rt)
    try:
        figures = compute(rt, user, summaries, now)
        with kept.lock:
            kept.figures[scope] = (now.timestamp(), figures)
        return figures
    finally:
        with kept.lock:
            kept.refreshing.discard(scope)


def target_figures(
    rt: Runtime, user: str, summaries: list[dict[str, Any]], now: datetime
) -> Figures:
    """The figures for `user`: kept ones when fresh; the last ones while a thread
    recomputes them; computed here when the scope has none yet."""
    scope, kept = scope_of(rt, user), _kept(rt)
    with kept.lock:
        last = kept.figures.get(scope)
        stale = last is None or now.timestamp() - last[0] >= FRESH
        start = stale and scope not in kept.refreshing
        if start:
            kept.refreshing.add(scope)
    if last is None:
        return _recompute(rt, user, summaries, now, scope)
    if start:
        threading.Thread(
            target=_recompute, args=(rt, user, summaries, now, scope), daemon=True
        ).start()
    return last[1]


def for_a_job(rt: Runtime, user: str, summaries: list[dict[str, Any]], now: datetime) -> Figures:
    """The figures for `user` in a job: kept in Redis up to `FRESH` seconds, else computed."""
    key = keys.target_figures(scope_of(rt, user))
    raw = rt.redis.get(key)
    if raw is not None:
        data = json.loads(raw)
        if 0 <= now.timestamp() - data["at"] < FRESH:
            return figures_from_dict(data["figures"])
    figures = compute(rt, user, summaries, now)
    kept = {"at": now.timestamp(), "figures": figures_to_dict(figures)}
    rt.redis.set(key, json.dumps(kept), ex=FRESH)
    return figures
