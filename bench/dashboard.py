"""Dashboard figures with 10,000 cases: `/soporte estado` end to end, as Slack sends it.

10,000 cases in every state (about a third finished, spread over 60 days) are written
straight into Redis through `CaseStore.create` — each with its summary, as every write
does. The real app (`app.create_app`, served over HTTP by the same threaded server the
tests use) then receives 20 signed `/soporte estado` slash commands; the latency is the
whole HTTP round trip: signature check, HGETALL of the summaries, figures, Block Kit, ack.

The cases come from `testkit.synthetic_cases`, as the dashboard's tests seed theirs.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests

from app import create_app, create_wsgi, serve_http
from bench.business_time import seeded_fixes
from bench.desk import Desk, open_desk, percentile
from bot.adapters.calibration_store import record_fixes
from bot.adapters.embedded_redis import EmbeddedRedis
from bot.domain.lifecycle import State
from testkit.example_desk import AGENT, AGENTS_CHANNEL, OTHER_AGENT
from testkit.slack_requests import signed_headers
from testkit.synthetic_cases import MAINTAINERS, PRODUCT_CHANNELS, path, synthetic_record
from workers.home import build_home

# Roughly a live desk: a third finished, most open cases somewhere in the escalation.
MIX = (
    (State.NEW, 8),
    (State.SPAM, 6),
    (State.ESCALATED, 4),
    (State.ASSIGNED, 4),
    (State.DIAGNOSED, 6),
    (State.IN_PROGRESS, 12),
    (State.FIXED, 5),
    (State.AWAITING_CONFIRMATION, 15),
    (State.RESOLVED, 40),
)


def seed_cases(desk: Desk, count: int, now: datetime, first_id: int = 100_000) -> Counter[State]:
    """`count` cases in the MIX of states, created over the last 60 days."""
    wheel = [state for state, weight in MIX for _ in range(weight)]
    products = list(PRODUCT_CHANNELS)
    made: Counter[State] = Counter()
    for n in range(count):
        state = wheel[(n * 7919) % len(wheel)]
        step, escalated = timedelta(minutes=20 + n % 240), n % 3 != 0
        last_step = now - timedelta(minutes=5) - len(path(state, escalated)) * step
        if state is State.AWAITING_CONFIRMATION:  # a window still running, 0-4 days old
            created = last_step - timedelta(hours=n % 96)
        else:
            created = min(now - timedelta(days=60) + timedelta(days=60) * n / count, last_step)
        record = synthetic_record(
            first_id + n,
            state,
            created,
            step=step,
            escalated=escalated,
            agent=(AGENT, OTHER_AGENT)[n % 2],
            maintainer=MAINTAINERS[n % 3],
            product=products[n % 3],
        )
        desk.rt.store.create(record)
        made[state] += 1
    return made


def _signed_command(text: str, user: str, n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0TEST",
            "channel_id": AGENTS_CHANNEL,
            "user_id": user,
            "command": "/soporte",
            "text": text,
            "response_url": f"https://hooks.slack.invalid/commands/{n}",
            "trigger_id": f"{n}.0000.trigger",
        }
    )
    return body.encode(), signed_headers(body, "application/x-www-form-urlencoded")


@contextlib.contextmanager
def _serving(desk: Desk) -> Iterator[str]:
    server = serve_http(create_wsgi(desk.rt, create_app(desk.rt)), 0, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


def _measure(url: str, text: str, user: str, calls: int) -> tuple[list[float], dict, int]:
    """(latencies in ms, the last answer, non-200 answers) of `calls` sequential commands."""
    samples, bad, answer = [], 0, {}
    with requests.Session() as session:
        for n in range(calls):
            body, headers = _signed_command(text, user, n)
            started = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=30)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                bad += 1
            else:
                answer = response.json()
    return samples, answer, bad


def _latency(samples: list[float], bad: int, answer: dict) -> str:
    size = len(json.dumps(answer, ensure_ascii=False).encode())
    return (
        f"p50 {percentile(samples, 50):6.1f} ms   p99 {percentile(samples, 99):6.1f} ms   "
        f"max {max(samples):6.1f} ms   non-200 {bad}   "
        f"blocks {len(answer.get('blocks', []))}   {size / 1024:.1f} KiB"
    )


def run_dashboard_bench(
    cases: int = 10_000, calls: int = 20, redis_url: str | None = None, first_fix: int = 500_000
) -> list[tuple[str, str]]:
    """Seed `cases` cases (and as many measured fixes) and time `/soporte estado`, its
    target figures in business time, and `/soporte calibración`; (label, figures) rows."""
    with contextlib.ExitStack() as stack:
        if redis_url is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soporte-")))
            server = EmbeddedRedis(workdir / "redis", persistent=False).start()
            stack.callback(server.stop)
            redis_url = server.url
        desk = stack.enter_context(open_desk(redis_url))
        now = datetime.now(UTC)
        began = time.perf_counter()
        made = seed_cases(desk, cases, now)
        seeded = time.perf_counter() - began
        fixes = seeded_fixes(cases, desk.rt.catalog.calendar)
        record_fixes(desk.rt.redis, {first_fix + n: fix for n, fix in enumerate(fixes)})
        rows = [
            (
                f"seed {cases} cases (CaseStore.create)",
                f"{seeded:.1f} s   {cases / seeded:.0f} cases/s   "
                f"open {sum(n for s, n in made.items() if s not in (State.SPAM, State.RESOLVED))}",
            )
        ]
        reads = []
        for _ in range(calls):
            started = time.perf_counter()
            summaries = desk.rt.store.summaries()
            reads.append((time.perf_counter() - started) * 1000)
        memory = desk.redis.memory_usage("soporte:summaries") or 0
        rows.append(
            (
                f"summaries() of {len(summaries)}",
                f"p50 {percentile(reads, 50):6.1f} ms   p99 {percentile(reads, 99):6.1f} ms   "
                f"hash {memory / 1_048_576:.1f} MiB",
            )
        )
        slack_before, zendesk_before = len(desk.slack.calls), desk.zendesk.count()
        with _serving(desk) as url:
            _measure(url, "estado", AGENT, 2)  # warm-up: Bolt's first request, imports
            for label, text in (
                ("/soporte estado", "estado"),
                ("/soporte mios", "mios"),
                ("/soporte estado <ticket>", f"estado {100_000 + cases // 2}"),
                (f"/soporte calibración ({cases:,} fixes)", "calibración"),
            ):
                samples, answer, bad = _measure(url, text, AGENT, calls)
                rows.append((f"{label} ({calls} calls, HTTP)", _latency(samples, bad, answer)))
        api_calls = [c.method for c in desk.slack.calls[slack_before:] if c.method != "auth.test"]
        rows.append(
            (
                "  Slack / Zendesk calls while answering",
                f"slack {len(api_calls)}   zendesk {desk.zendesk.count() - zendesk_before}",
            )
        )
        builds = []
        for _ in range(5):
            started = time.perf_counter()
            view = build_home(desk.rt, AGENT, desk.rt.store.summaries(), datetime.now(UTC))
            builds.append((time.perf_counter() - started) * 1000)
        rows.append(
            (
                "Home view (read + build, no publish)",
                f"p50 {percentile(builds, 50):6.1f} ms   blocks {len(view['blocks'])}",
            )
        )
        return rows


if __name__ == "__main__":
    for label, figures in run_dashboard_bench():
        print(f"{label:<44} {figures}")
