"""Ack latency: signed Spam-button clicks against the app under gunicorn, and against a floor."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.desk import (
    BenchError,
    Desk,
    Processes,
    open_desk,
    percentile,
    start_workers,
    wait_for,
    wait_http,
)
from blocks import ids
from bot.adapters.embedded_redis import EmbeddedRedis, free_port
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import Case, State
from bot.services.transitions import open_case
from testkit.example_desk import AGENT, AGENTS_CHANNEL
from testkit.slack_requests import click_payload, interactive_body, signed_headers

GUNICORN_WORKERS = 2
GUNICORN_THREADS = 16
APP_TARGET = "app:wsgi_from_env()"
FLOOR_TARGET = "bench.floor_app:wsgi_from_env()"
DESK_WORKER = "workers.worker.DeskWorker"  # the Procfile's `rq worker -w`

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
    app_beside_workers: Latency
    floor_beside_workers: Latency
    app_zendesk_slow: Latency

    @property
    def p99_ratio(self) -> float:
        return self.app.p(99) / self.floor.p(99)

    @property
    def p99_ratio_beside_workers(self) -> float:
        return self.app_beside_workers.p(99) / self.floor_beside_workers.p(99)


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
    """The workers take the clicks' steps after the ack: give them a moment for every one."""
    deadline = time.monotonic() + 30
    while (done := _decided(desk, tickets)) < len(tickets) and time.monotonic() < deadline:
        time.sleep(0.05)
    return done


def _interleaved(
    desk: Desk,
    urls: tuple[str, str],
    batch: Callable[[list[int]], list[Request]],
    tickets: list[int],
    concurrency: int,
    label: str,
    workers: bool,
) -> tuple[Latency, Latency]:
    """Soporte and the floor (`urls`) in alternate rounds of `concurrency` clicks each, so
    that both see the same load from whatever else runs on the machine (run one after the
    other, the ratio measured the machine as much as the app). With `workers` running, each
    soporte round waits for them to take its clicks: their work never spills into the
    floor's round."""
    app_lat, floor_lat = Latency(label, [], 0), Latency(f"floor, {label}", [], 0)
    app_events, floor_events = urls
    for n, start in enumerate(range(0, len(tickets), concurrency)):
        round_ = tickets[start : start + concurrency]
        pair = [(floor_events, floor_lat), (app_events, app_lat)]
        for url, lat in pair if n % 2 == 0 else reversed(pair):
            ms, bad = fire(url, batch(round_), concurrency)
            lat.samples_ms += ms
            lat.non_200 += bad
            if lat is app_lat and workers:
                _wait_decided(desk, round_)
    return app_lat, floor_lat


def run_ack(
    desk: Desk,
    procs: Processes,
    *,
    clicks: int = 200,
    concurrency: int = 50,
    warmup: int = 50,
    zendesk_delay: float = 5.0,
) -> AckResult:
    """Clicks on cases in state NEW (left by the intake run) against soporte and the floor:
    first with no RQ worker running (the web process alone: what it does between the ack and
    the next request), then beside two workers that take the clicks as they come."""
    new_cases = [t for t in desk.zendesk.ticket_ids if _state(desk, t) is State.NEW]
    needed = warmup + 3 * clicks
    if len(new_cases) < needed:
        raise BenchError(f"ack bench needs {needed} cases in NEW, found {len(new_cases)}")
    warm, rest = new_cases[:warmup], new_cases[warmup:needed]
    alone, beside, slow = rest[:clicks], rest[clicks : 2 * clicks], rest[2 * clicks :]

    app, app_url = start_gunicorn(desk, procs, "gunicorn-app", APP_TARGET)
    floor, floor_url = start_gunicorn(desk, procs, "gunicorn-floor", FLOOR_TARGET)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        wait_booted(procs, "gunicorn-app", app_url)
        wait_booted(procs, "gunicorn-floor", floor_url)
        urls = (f"{app_url}/slack/events", f"{floor_url}/slack/events")
        counter = iter(range(1, 1_000_000))

        def batch(tickets: list[int]) -> list[Request]:
            return [signed_click(desk, t, next(counter)) for t in tickets]

        # Warm both: Bolt's first request in each process calls auth.test, once.
        # The floor never changes a case, so it can take the same clicks.
        fire(urls[0], batch(warm), concurrency)
        fire(urls[1], batch(warm), concurrency)

        desk.zendesk.reset_requests()
        app_lat, floor_lat = _interleaved(
            desk, urls, batch, alone, concurrency, "soporte", workers=False
        )
        app_lat.zendesk_calls = desk.zendesk.count()

        workers = start_workers(desk, procs, 2, "rq-ack", DESK_WORKER)
        app_lat.decided = _wait_decided(desk, alone)
        _wait_decided(desk, warm)
        beside_label = "soporte, 2 RQ workers taking the clicks"
        app_beside, floor_beside = _interleaved(
            desk, urls, batch, beside, concurrency, beside_label, workers=True
        )
        app_beside.decided = _decided(desk, beside)

        desk.zendesk.faults.delay(zendesk_delay)
        try:
            slow_ms, slow_bad = fire(urls[0], batch(slow), concurrency)
            decided = _wait_decided(desk, slow)
            app_slow = Latency("soporte, Zendesk slow", slow_ms, slow_bad, decided=decided)
        finally:
            desk.zendesk.faults.clear()
    finally:
        for worker in workers:
            procs.stop(worker)
        procs.stop(app)
        procs.stop(floor)
    return AckResult(clicks, concurrency, app_lat, floor_lat, app_beside, floor_beside, app_slow)


def ack_failures(result: AckResult) -> list[str]:
    """What went wrong in an ack run: an answer other than 200, or an acked click not taken."""
    failures = []
    measured = (result.app, result.floor, result.app_beside_workers, result.app_zendesk_slow)
    for lat in measured:
        if lat.non_200:
            failures.append(f"{lat.label}: {lat.non_200} non-200 answers")
        if lat.decided is not None and lat.decided < len(lat.samples_ms):
            failures.append(f"{lat.label}: {len(lat.samples_ms) - lat.decided} clicks not taken")
    return failures


def _state(desk: Desk, ticket_id: int) -> State | None:
    record = desk.rt.store.get(ticket_id)
    return record.case.state if record else None


def open_new_cases(desk: Desk, count: int) -> None:
    """`count` tickets in Zendesk, each a case in NEW (as the intake opens them)."""
    for ticket_id in desk.seed_tickets(count):
        ticket, _ = desk.rt.zendesk.fetch_ticket(ticket_id)
        record = CaseRecord(case=Case(ticket_id, opened_at=desk.rt.now()), ticket=ticket)
        open_case(desk.rt, record, tell_earlier=False)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.ack`: only the ack figures, on a desk of new cases (faster than
    `./run bench`, which measures the same after its other sections)."""
    from bench.__main__ import _ack_rows  # the rows `./run bench` prints

    parser = argparse.ArgumentParser(prog="python -m bench.ack", description=main.__doc__)
    parser.add_argument("--clicks", type=int, default=200, help="clicks per ack run (200)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clicks (50)")
    parser.add_argument("--runs", type=int, default=1, help="consecutive runs (1)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="soporte-bench-ack-"))
    (workdir / "logs").mkdir()
    procs = Processes(workdir / "logs")
    server = EmbeddedRedis(workdir / "redis").start()
    ratios: list[float] = []
    failures: list[str] = []
    try:
        for run in range(1, args.runs + 1):
            with open_desk(server.url) as desk:
                open_new_cases(desk, 50 + 3 * args.clicks)
                result = run_ack(desk, procs, clicks=args.clicks, concurrency=args.concurrency)
            print(f"run {run}:")
            for row in _ack_rows(result):
                print(f"  {row}")
            ratios.append(result.p99_ratio)
            failures += ack_failures(result)
    finally:
        procs.stop_all()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print("p99 ratios: " + ", ".join(f"{r:.2f}×" for r in ratios))
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
