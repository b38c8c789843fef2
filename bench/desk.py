"""What every benchmark needs: a local desk (Redis, fake Slack, fake Zendesk) and subprocesses.

Nothing here talks to the internet: Redis is the embedded Valkey on a temporary directory,
Slack and Zendesk are the in-process fakes of ``tests/fakes``, and the app, its RQ workers
and gunicorn run as real subprocesses pointed at them through the environment.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import requests
from rq import Worker
from rq.job import Job as RqJob

from bot.adapters.queue import RETRY
from bot.composition import WORKER_QUEUES, Runtime, build_runtime
from testkit.example_desk import (
    AGENT,
    AGENTS_CHANNEL,
    CATALOG,
    OTHER_AGENT,
    desk_environment,
    invite_desk_bot,
)
from testkit.fakes.slack_api import Call, SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from workers.cards import CARD_EVENT

ROOT = Path(__file__).resolve().parent.parent

SUBJECTS = (
    "No puedo entrar a Pulso",
    "Error 500 al descargar el informe",
    "Consulta por licitación 1234-56-LE24",
    "Olvidé mi contraseña",
    "No me llegan las alertas",
    "Cuenta bloqueada",
    "¿Cómo publico el informe mensual?",
    "Necesito rol de editor",
)
FIRST_NAMES = ("Ana", "Beto", "Carla", "Diego", "Elena", "Felipe", "Gloria", "Hugo", "Inés", "José")
LAST_NAMES = ("Pérez", "Soto", "Muñoz", "Rojas", "Díaz")


class BenchError(RuntimeError):
    """The benchmark could not measure what it meant to (the message says why)."""


# --- subprocesses -------------------------------------------------------------------------


@dataclass
class Processes:
    """The subprocesses the bench started; each is stopped by its own id, never by name."""

    logdir: Path
    running: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logdir / f"{name}.log").open("wb")
        try:
            proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        self.running.append((name, proc))
        return proc

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        for name, proc in self.running:
            if proc.poll() is not None:
                raise BenchError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
        """SIGTERM (a warm shutdown: gunicorn and RQ stop their own children first).

        Past the timeout, SIGKILL the process group the bench created for it, while its
        leader is still alive (so the group id cannot belong to anything else).
        """
        self.running = [(n, p) for n, p in self.running if p is not proc]
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def stop_all(self) -> None:
        for _, proc in list(reversed(self.running)):
            with contextlib.suppress(Exception):
                self.stop(proc)


# --- the desk -----------------------------------------------------------------------------


@dataclass
class Desk:
    """A fresh desk: flushed Redis, new fakes seeded like the tests, env for subprocesses."""

    slack: SlackFake
    zendesk: ZendeskFake
    env: dict[str, str]
    rt: Runtime
    org_ids: list[int]

    @property
    def redis(self) -> redis.Redis:
        return self.rt.redis

    def process_env(self) -> dict[str, str]:
        """The environment of an app, worker or gunicorn subprocess."""
        env = {k: v for k, v in os.environ.items() if k != "SLACK_APP_TOKEN"}
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env

    def seed_tickets(self, count: int, users: int = 50, tag: str = "") -> list[int]:
        """`count` new tickets from `users` requesters spread over the catalogue's organisations,
        one a second up to now: the oldest of 1,000 is 17 minutes old, short of the example
        catalogue's earliest target warning (80 % of 30 minutes), so no warning comes due
        during a run, in business hours or not."""
        people = []
        for n in range(users):
            name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n // len(FIRST_NAMES) % 5]}"
            org = self.org_ids[n % len(self.org_ids)]
            people.append(self.zendesk.add_user(name, f"user{tag}{n}@example.com", org))
        start = int(time.time()) - count
        return [
            self.zendesk.add_ticket(
                f"{SUBJECTS[n % len(SUBJECTS)]} ({tag}{n + 1})",
                f"Hola, {SUBJECTS[n % len(SUBJECTS)].lower()}.\n\nGracias.",
                people[n % len(people)],
                created_at=datetime.fromtimestamp(start + n, UTC),
            )
            for n in range(count)
        ]

    def card_posts(self) -> list[Call]:
        """chat.postMessage calls that Slack accepted (429s and errors left out)."""
        return [c for c in self.slack.calls_to("chat.postMessage") if not c.failed]

    def cards(self) -> list[dict[str, Any]]:
        return [m for m in self.slack.messages(AGENTS_CHANNEL) if not m.get("thread_ts")]

    def duplicates(self) -> tuple[int, int]:
        """(cards beyond the first for a ticket, distinct tickets carded) from card metadata."""
        seen: Counter[str] = Counter()
        for message in self.cards():
            meta = message.get("metadata") or {}
            if meta.get("event_type") == CARD_EVENT:
                seen[str((meta.get("event_payload") or {}).get("ticket_id"))] += 1
        return sum(n - 1 for n in seen.values()), len(seen)


@contextlib.contextmanager
def open_desk(redis_url: str) -> Iterator[Desk]:
    """Flush Redis, start fresh fakes (as tests/conftest.py does) and build the runtime."""
    redis.Redis.from_url(redis_url).flushall()
    with SlackFake() as slack, ZendeskFake(export_lag_seconds=0) as zendesk:
        invite_desk_bot(slack)
        slack.add_user(AGENT, "ana.agente", real_name="Ana Agente")
        slack.add_user(OTHER_AGENT, "beto.agente", real_name="Beto Agente")
        # The example catalogue as it is (Chile's calendar), not the tests' always-open one.
        env = desk_environment(slack, zendesk, redis_url, SOPORTE_CATALOG=str(CATALOG))
        rt = build_runtime(env)
        # The fake numbers organisations from 360000001, as the example catalogue does.
        org_ids = []
        for zendesk_id, org in sorted(rt.catalog.organizations.items()):
            created = zendesk.add_organization(org.name)
            if created != zendesk_id:
                raise BenchError(f"fake organisation {created} != catalogue id {zendesk_id}")
            org_ids.append(created)
        try:
            yield Desk(slack, zendesk, env, rt, org_ids)
        finally:
            rt.redis.close()


# --- waiting and measuring -----------------------------------------------------------------


def wait_for(
    what: str,
    done: Callable[[], bool],
    timeout: float,
    interval: float = 0.05,
    check: Callable[[], None] | None = None,
) -> None:
    """Poll `done` until true; `check` may raise (a subprocess died) while waiting."""
    deadline = time.monotonic() + timeout
    while not done():
        if check:
            check()
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def wait_http(url: str, timeout: float, check: Callable[[], None] | None = None) -> None:
    """Until the server answers at all (/healthz says 503 while the desk lacks a part)."""

    def up() -> bool:
        try:
            requests.get(url, timeout=1)
        except requests.RequestException:
            return False
        return True

    wait_for(url, up, timeout, interval=0.1, check=check)


def start_workers(
    desk: Desk,
    procs: Processes,
    count: int,
    name: str,
    worker_class: str | None = None,
    env: dict[str, str] | None = None,
) -> list[subprocess.Popen[bytes]]:
    """`count` real `rq worker --with-scheduler` processes, as the Procfile runs them.

    RQ's default worker forks a work horse per job; `worker_class` (`rq worker -w`) swaps it.
    `env` overrides settings of these workers (e.g. SLACK_CHANNEL_RATE).
    """
    redis_url = desk.env["REDIS_URL"]
    extra = ["--worker-class", worker_class] if worker_class else []
    before = Worker.count(connection=desk.redis)
    workers = [
        procs.start(
            f"{name}-{n}",
            [
                sys.executable,
                "-m",
                "rq.cli",
                "worker",
                "--with-scheduler",
                "--quiet",
                *extra,
                "--url",
                redis_url,
                *WORKER_QUEUES,
            ],
            {**desk.process_env(), **(env or {})},
        )
        for n in range(1, count + 1)
    ]
    wait_for(
        f"{count} RQ workers to register",
        lambda: Worker.count(connection=desk.redis) >= before + count,
        timeout=30,
        check=procs.check_alive,
    )
    return workers


def queue_idle(desk: Desk) -> bool:
    """Nothing queued, running or retried soon on the desk's queue; the timers of the cases
    (reminders, target warnings, closing windows) don't count."""
    queue = desk.rt.queue
    soon = queue.scheduled_job_registry.get_jobs_to_schedule(int(time.time()) + 60)
    jobs = RqJob.fetch_many(soon, connection=queue.connection) if soon else []
    retried = [j for j in jobs if j is not None and (j.retries_left or 0) < RETRY.max]
    return queue.count == 0 and queue.started_job_registry.count == 0 and not retried


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (p100 is the maximum)."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
