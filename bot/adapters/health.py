"""What /healthz reports: can the desk do its work right now? Read from Redis only.

Each check names a part of the desk: Redis itself, the RQ workers (their heartbeats), RQ's
scheduler (the process that runs timers and retries), `rq cron` (the periodic intake), the
last intake run, and Zendesk and Slack as the last probe job found them
(`workers.health.probe_services`, every PROBE_INTERVAL seconds). The desk is healthy only
when every check passes; nothing here calls Slack or Zendesk.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis
from rq import Queue, Worker
from rq.cron_scheduler_registry import get_registry_key as cron_registry_key
from rq.scheduler import RQScheduler

from bot.adapters import keys

INTAKE_KEY = keys.HEALTH_INTAKE  # when the last intake run finished, and what it did
PROBES_KEY = keys.HEALTH_PROBES  # hash: service -> {"ok", "at", "detail"}
PROBE_INTERVAL = 60
WORKER_STALE = 30  # the workers heartbeat every 5 s (--worker-ttl 20)
SCHEDULER_STALE = 30  # RQ's scheduler heartbeats every second
CRON_STALE = 150  # rq cron heartbeats after every sleep, at most 60 s
PROBE_STALE = 3 * PROBE_INTERVAL


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def record_intake(connection: redis.Redis, counts: dict[str, int], at: float | None = None) -> None:
    """Note a finished intake run (workers.intake.poll_intake)."""
    connection.set(INTAKE_KEY, json.dumps({"at": at or time.time(), "counts": counts}))


def record_probe(
    connection: redis.Redis, service: str, ok: bool, detail: str, at: float | None = None
) -> None:
    connection.hset(
        PROBES_KEY, service, json.dumps({"ok": ok, "at": at or time.time(), "detail": detail})
    )


def _workers(queues: list[Queue], now: float) -> Check:
    """Alive workers for every queue of the desk (a queue nobody reads waits forever)."""
    fresh: dict[str, list[float]] = {}
    beats: list[float] = []
    for queue in queues:
        mine = [
            w.last_heartbeat.timestamp()
            for w in Worker.all(queue=queue)
            if w.last_heartbeat is not None
        ]
        beats += mine
        fresh[queue.name] = [b for b in mine if now - b <= WORKER_STALE]
    if all(fresh.values()):
        alive = max(len(b) for b in fresh.values())
        newest = max(b for found in fresh.values() for b in found)
        return Check("workers", True, f"{alive} alive, last heartbeat {_age(now - newest)}")
    if any(fresh.values()):
        unread = ", ".join(name for name, found in fresh.items() if not found)
        return Check("workers", False, f"no RQ worker reads {unread} (its jobs wait)")
    if beats:
        return Check("workers", False, f"no heartbeat for {_age(now - max(beats))}")
    return Check("workers", False, "no RQ worker is running")


def _scheduler(queue: Queue, now: float) -> Check:
    holder = queue.connection.get(RQScheduler.get_locking_key(queue.name))
    if holder is None:
        return Check("scheduler", False, "no RQ scheduler holds the queue (timers wait)")
    try:
        scheduler = RQScheduler.fetch(holder.decode(), queue.connection)
    except Exception:  # the lock outlived its scheduler (SIGKILL): it expires within 61 s
        return Check("scheduler", False, "the scheduler holding the queue is gone")
    beat = scheduler.last_heartbeat.timestamp() if scheduler.last_heartbeat else 0.0
    if now - beat > SCHEDULER_STALE:
        return Check("scheduler", False, f"no heartbeat for {_age(now - beat)}")
    return Check("scheduler", True, f"last heartbeat {_age(now - beat)}")


def _cron(connection: redis.Redis, now: float) -> Check:
    beats = [score for _, score in connection.zrange(cron_registry_key(), 0, -1, withscores=True)]
    if not beats:
        return Check("cron", False, "rq cron is not running (no intake is scheduled)")
    if now - max(beats) > CRON_STALE:
        return Check("cron", False, f"no heartbeat for {_age(now - max(beats))}")
    return Check("cron", True, f"last heartbeat {_age(now - max(beats))}")


def _intake(connection: redis.Redis, interval: int, now: float) -> Check:
    raw = connection.get(INTAKE_KEY)
    if raw is None:
        return Check("intake", False, "no intake has run yet")
    at = float(json.loads(raw)["at"])
    if now - at > 3 * interval + 60:
        return Check("intake", False, f"last run {_age(now - at)} (every {interval} s expected)")
    return Check("intake", True, f"last run {_age(now - at)}")


def _probe(connection: redis.Redis, service: str, now: float) -> Check:
    raw = connection.hget(PROBES_KEY, service)
    if raw is None:
        return Check(service, False, "not checked yet")
    probe: dict[str, Any] = json.loads(raw)
    age = now - float(probe["at"])
    if age > PROBE_STALE:
        return Check(service, False, f"last checked {_age(age)}")
    return Check(service, bool(probe["ok"]), f"{probe['detail']} (checked {_age(age)})")


def desk_health(queues: list[Queue], intake_interval: int, now: float | None = None) -> list[Check]:
    """Every check, in the order an operator reads them; `queues` are the ones workers read
    (bot.composition.WORKER_QUEUES), the desk's own last."""
    now = time.time() if now is None else now
    queue = queues[-1]
    connection = queue.connection
    try:
        connection.ping()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        unknown = "unknown: Redis is unreachable"
        return [
            Check("redis", False, f"unreachable ({type(exc).__name__})"),
            *(Check(name, False, unknown) for name in PARTS),
        ]
    return [
        Check("redis", True, "reachable"),
        _workers(queues, now),
        _scheduler(queue, now),
        _cron(connection, now),
        _intake(connection, intake_interval, now),
        _probe(connection, "zendesk", now),
        _probe(connection, "slack", now),
    ]


PARTS = ("workers", "scheduler", "cron", "intake", "zendesk", "slack")


def report(checks: list[Check]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body): 200 when every check passes, else 503 naming the failing."""
    failing = [c.name for c in checks if not c.ok]
    body = {
        "status": "failing" if failing else "ok",
        "failing": failing,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return (503 if failing else 200), body
