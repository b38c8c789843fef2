"""Ack latency: signed Spam-button clicks against the app under gunicorn, and against a floor."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench.desk import BenchError, Desk, Processes, percentile, wait_for, wait_http
from blocks import ids
from bot.adapters.embedded_redis import free_port
from bot.domain.lifecycle import State
from testkit.example_desk import AGENT, AGENTS_CHANNEL
from testkit.slack_requests import click_payload, interactive_body, signed_headers

GUNICORN_WORKERS = 2
GUNICORN_THREADS = 16
APP_TARGET = "app:wsgi_from_env()"
FLOOR_TARGET = "bench.floor_app:wsgi_from_env()"

Request = tuple[str, dict[str, str]]


@dataclass
class Latency:
    label: str
    samples_ms: list[float]
    non_200: int
    decided: int | None = None
    zendesk_calls: int | None = None

    def p(self, pct: float) -> float:
        return percentile(self.samples_ms, pct)


@dataclass
class AckResult:
    clicks: int
    concurrency: int
    app: Latency
    floor: Latency
    app_zendesk_slow: Latency

    @property
    def p99_ratio(self) -> float:
        return self.app.p(99) / self.floor.p(99)


def signed_click(desk: Desk, ticket_id: int, n: int) -> Request:
    """A Spam click on the ticket's card, signed exactly as tests/harness.py `Desk.click` does."""
    record = desk.rt.store.get(ticket_id)
    ts = record.card.ts if record and record.card else "1.0"
    payload = click_payload(
        ids.Action.SPAM,
        ticket_id,
        AGENT,
        AGENTS_CHANNEL,
        ts,
        trigger_id=f"{n}.0000.trigger",
        response_url=desk.slack.response_url(f"click-{n}-{AGENT}"),
    )
    body = interactive_body(payload)
    return body, signed_headers(body, "application/x-www-form-urlencoded")


def fire(url: str, batch: list[Request], concurrency: int) -> tuple[list[float], int]:
    """POST every request with `concurrency` clients; (latencies in ms, non-200 answers)."""

    def one(request: Request) -> tuple[float, int]:
        body, headers = request
        started = time.perf_counter()
        try:
            status = requests.post(url, data=body.encode(), headers=headers, timeout=30).status_code
        except requests.RequestException:
            status = 0
        return (time.perf_counter() - started) * 1000, status

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(one, batch))
    return [ms for ms, _ in answers], sum(status != 200 for _, status in answers)


def start_gunicorn(
    desk: Desk, procs: Processes, name: str, target: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as the Procfile runs it (`env` overrides settings, e.g. SLACK_CHANNEL_RATE)."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(GUNICORN_WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        "--no-control-socket",  # gunicorn 27 would share ~/.gunicorn/gunicorn.ctl between both
        target,
    ]
    proc = procs.start(name, args, {**desk.process_env(), **(env or {})})
    return proc, f"http://127.0.0.1:{port}"


def wait_booted(procs: Processes, name: str, url: str) -> None:
    """Both gunicorn workers booted and the port answering."""
    wait_for(
        f"{name} workers to boot",
        lambda: procs.log_tail(name, 200).count("Booting worker") >= GUNICORN_WORKERS,
        timeout=30,
        interval=0.1,
        check=procs.check_alive,
    )
    wait_http(f"{url}/healthz", timeout=30, check=procs.check_alive)


def _decided(desk: Desk, tickets: list[int]) -> int:
    records = (desk.rt.store.get(t) for t in tickets)
    return sum(1 for r in records if r is not None and r.case.state is State.SPAM)


def _wait_decided(desk: Desk, tickets: list[int]) -> int:
    """The listener runs after the ack: give it a moment to record every decision."""
    deadline = time.monotonic() + 15
    while (done := _decided(desk, tickets)) < len(tickets) and time.monotonic() < deadline:
        time.sleep(0.1)
    return done


def run_ack(
    desk: Desk,
    procs: Processes,
    *,
    clicks: int = 200,
    concurrency: int = 50,
    warmup: int = 50,
    zendesk_delay: float = 5.0,
) -> AckResult:
    """Clicks on cases in state NEW (left by the intake run) against soporte and the floor."""
    new_cases = [t for t in desk.zendesk.ticket_ids if _state(desk, t) is State.NEW]
    needed = warmup + 2 * clicks
    if len(new_cases) < needed:
        raise BenchError(f"ack bench needs {needed} cases in NEW, found {len(new_cases)}")
    warm = new_cases[:warmup]
    measured = new_cases[warmup : warmup + clicks]
    measured_slow = new_cases[warmup + clicks : needed]

    app, app_url = start_gunicorn(desk, procs, "gunicorn-app", APP_TARGET)
    floor, floor_url = start_gunicorn(desk, procs, "gunicorn-floor", FLOOR_TARGET)
    try:
        wait_booted(procs, "gunicorn-app", app_url)
        wait_booted(procs, "gunicorn-floor", floor_url)
        app_events, floor_events = f"{app_url}/slack/events", f"{floor_url}/slack/events"
        counter = iter(range(1, 1_000_000))

        def batch(tickets: list[int]) -> list[Request]:
            return [signed_click(desk, t, next(counter)) for t in tickets]

        # Warm both: Bolt's first request in each process calls auth.test, once.
        # The floor never changes a case, so it can take the same clicks.
        fire(app_events, batch(warm), concurrency)
        fire(floor_events, batch(warm), concurrency)
        _wait_decided(desk, warm)

        floor_ms, floor_bad = fire(floor_events, batch(measured), concurrency)
        floor_lat = Latency("floor", floor_ms, floor_bad)

        desk.zendesk.reset_requests()
        app_ms, app_bad = fire(app_events, batch(measured), concurrency)
        app_lat = Latency("soporte", app_ms, app_bad, decided=_wait_decided(desk, measured))
        app_lat.zendesk_calls = desk.zendesk.count()

        desk.zendesk.faults.delay(zendesk_delay)
        desk.zendesk.reset_requests()
        try:
            slow_ms, slow_bad = fire(app_events, batch(measured_slow), concurrency)
            slow = Latency(
                "soporte, Zendesk slow",
                slow_ms,
                slow_bad,
                decided=_wait_decided(desk, measured_slow),
            )
            slow.zendesk_calls = desk.zendesk.count()
        finally:
            desk.zendesk.faults.clear()
    finally:
        procs.stop(app)
        procs.stop(floor)
    return AckResult(clicks, concurrency, app_lat, floor_lat, slow)


def _state(desk: Desk, ticket_id: int) -> State | None:
    record = desk.rt.store.get(ticket_id)
    return record.case.state if record else None
