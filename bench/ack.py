"""Ack latency: signed Spam-button clicks against the app under gunicorn, and against floors."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.desk import (
    BenchError,
    Desk,
    Processes,
    open_desk,
    percentile,
    start_workers,
    wait_for,
)
from bench.serve import APP_TARGET, Request, fire, start_gunicorn, wait_booted
from blocks import ids
from bot.adapters import click_inbox, keys
from bot.adapters.embedded_redis import EmbeddedRedis
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import Case, State
from bot.services.transitions import open_case
from testkit.desk_process import children_of, cpu_seconds
from testkit.example_desk import AGENT, AGENTS_CHANNEL
from testkit.slack_requests import click_payload, interactive_body, signed_headers

FLOOR_TARGET = "bench.floor_app:wsgi_from_env()"
MIDDLEWARE_FLOOR_TARGET = "bench.floor_app:wsgi_from_env(in_middleware=True)"
DESK_WORKER = "workers.worker.DeskWorker"  # the Procfile's `rq worker -w`


@dataclass
class Latency:
    label: str
    samples_ms: list[float]
    non_200: int | None  # None: not an HTTP figure
    decided: int | None = None
    zendesk_calls: int | None = None
    cpu_ms: float | None = None  # the server's CPU time (user + system) over its rounds
    drains: int | None = None  # drain jobs the clicks queued (bot/adapters/click_inbox.py)

    @property
    def cpu_per_click_ms(self) -> float | None:
        return self.cpu_ms / len(self.samples_ms) if self.cpu_ms is not None else None

    def p(self, pct: float) -> float:
        return percentile(self.samples_ms, pct)


@dataclass
class AckResult:
    clicks: int
    concurrency: int
    app: Latency
    floor: Latency
    control: Latency  # a second floor server: what the ratio is when nothing differs
    middleware_floor: Latency  # Bolt answering from a middleware, as soporte does
    app_beside_workers: Latency
    floor_beside_workers: Latency
    click_to_decided: Latency  # beside the workers: from the round's first click
    app_zendesk_slow: Latency

    @property
    def vs_floor(self) -> Versus:
        return Versus(self.app, self.floor)

    @property
    def vs_middleware_floor(self) -> Versus:
        """soporte / the floor that answers from a middleware: the desk's own work."""
        return Versus(self.app, self.middleware_floor)

    @property
    def vs_control(self) -> Versus:
        return Versus(self.control, self.floor)

    @property
    def beside_workers(self) -> Versus:
        return Versus(self.app_beside_workers, self.floor_beside_workers)


@dataclass(frozen=True)
class Versus:
    """One server's clicks against another's: p99 and CPU per click (the cost the p99 ratio
    measures through the noise)."""

    mine: Latency
    theirs: Latency

    @property
    def p99(self) -> float:
        return self.mine.p(99) / self.theirs.p(99)

    @property
    def cpu(self) -> float:
        mine, theirs = self.mine.cpu_per_click_ms, self.theirs.cpu_per_click_ms
        return mine / theirs if mine and theirs else float("nan")


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


def _decided(desk: Desk, tickets: list[int]) -> int:
    records = (desk.rt.store.get(t) for t in tickets)
    return sum(1 for r in records if r is not None and r.case.state is State.SPAM)


def _wait_decided(desk: Desk, tickets: list[int]) -> int:
    """The workers take the clicks' steps after the ack: give them a moment for every one."""
    deadline = time.monotonic() + max(30, len(tickets) / 10)
    while (done := _decided(desk, tickets)) < len(tickets) and time.monotonic() < deadline:
        time.sleep(0.05)
    return done


def _decision_times(desk: Desk, tickets: list[int], started: float) -> list[float]:
    """Until every click of the round is decided: how long after the round's first click
    each case was seen decided (polled every 10 ms)."""
    times: dict[int, float] = {}
    deadline = time.monotonic() + 30
    while len(times) < len(tickets) and time.monotonic() < deadline:
        for ticket in tickets:
            if ticket not in times and _state(desk, ticket) is State.SPAM:
                times[ticket] = (time.perf_counter() - started) * 1000
        time.sleep(0.01)
    return list(times.values())


def _drains(desk: Desk) -> int:
    """Drain jobs queued so far (their hashes outlive them by a day): how the clicks of a
    burst shared them."""
    return sum(1 for _ in desk.rt.redis.scan_iter(f"rq:job:{keys.drain_clicks_job('*')}"))


def _wait_recorded(desk: Desk, count: int) -> None:
    """Until the clicks inbox holds `count` clicks: the listeners' work after the ack is done."""
    redis = desk.rt.redis
    wait_for(
        f"{count} clicks in the inbox",
        lambda: click_inbox.waiting(redis) >= count,
        timeout=30,
        interval=0.005,
    )


@dataclass
class Side:
    """One app under measurement: where its clicks go, its figures, and what ends its round
    (the work after the ack, which must not spill into the next app's round)."""

    url: str
    latency: Latency
    settle: Callable[[list[int], float], object] = lambda tickets, started: None
    pids: list[int] = field(default_factory=list)  # whose CPU time the round is charged

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)


def _interleaved(
    sides: list[Side],
    batch: Callable[[list[int]], list[Request]],
    tickets: list[int],
    concurrency: int,
) -> None:
    """The apps in turn, a round of `concurrency` clicks each, so that all see the same load
    from whatever else runs on the machine (run one after the other, the ratio measured the
    machine as much as the app); who goes first rotates from round to round."""
    for n, start in enumerate(range(0, len(tickets), concurrency)):
        round_ = tickets[start : start + concurrency]
        turn = n % len(sides)
        for side in sides[turn:] + sides[:turn]:
            requests_ = batch(round_)
            cpu = side.cpu()
            started = time.perf_counter()
            ms, bad = fire(side.url, requests_, concurrency)
            side.latency.samples_ms += ms
            side.latency.non_200 += bad
            side.settle(round_, started)
            if side.pids:
                spent = (side.cpu() - cpu) * 1000
                side.latency.cpu_ms = (side.latency.cpu_ms or 0.0) + spent


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

    servers = {
        name: start_gunicorn(desk, procs, f"gunicorn-{name}", target)
        for name, target in (
            ("app", APP_TARGET),
            ("floor", FLOOR_TARGET),
            ("floor-b", FLOOR_TARGET),
            ("floor-mw", MIDDLEWARE_FLOOR_TARGET),
        )
    }
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for name, (_, url) in servers.items():
            wait_booted(procs, f"gunicorn-{name}", url)
        app_url, floor_url, control_url, mw_url = (
            f"{url}/slack/events" for _, url in servers.values()
        )
        pids = {name: children_of(proc.pid) for name, (proc, _) in servers.items()}
        counter = iter(range(1, 1_000_000))

        def batch(tickets: list[int]) -> list[Request]:
            return [signed_click(desk, t, next(counter)) for t in tickets]

        # Warm each: Bolt's first request in each process calls auth.test, once.
        # The floor never changes a case, so it can take the same clicks.
        for url in (app_url, floor_url, control_url, mw_url):
            fire(url, batch(warm), concurrency)
        recorded = [click_inbox.waiting(desk.rt.redis)]

        def queued(tickets: list[int], started: float) -> None:
            recorded[0] += len(tickets)
            _wait_recorded(desk, recorded[0])

        desk.zendesk.reset_requests()
        app_lat, floor_lat = Latency("soporte", [], 0), Latency("floor", [], 0)
        control = Latency("floor, second server", [], 0)
        mw_floor = Latency("floor answering from a middleware", [], 0)
        sides = [
            Side(floor_url, floor_lat, pids=pids["floor"]),
            Side(app_url, app_lat, queued, pids["app"]),
            Side(control_url, control, pids=pids["floor-b"]),
            Side(mw_url, mw_floor, pids=pids["floor-mw"]),
        ]
        _interleaved(sides, batch, alone, concurrency)
        app_lat.zendesk_calls = desk.zendesk.count()

        workers = start_workers(desk, procs, 2, "rq-ack", DESK_WORKER)
        app_lat.decided = _wait_decided(desk, alone)
        _wait_decided(desk, warm)
        app_beside = Latency("soporte, beside 2 RQ workers", [], 0)
        floor_beside = Latency("floor, beside 2 RQ workers", [], 0)
        to_decided = Latency("click → case decided by a worker", [], None)

        def taken_by_workers(tickets: list[int], started: float) -> None:
            to_decided.samples_ms += _decision_times(desk, tickets, started)

        taken = Side(app_url, app_beside, taken_by_workers, pids["app"])
        drains = _drains(desk)
        _interleaved(
            [Side(floor_url, floor_beside, pids=pids["floor"]), taken], batch, beside, concurrency
        )
        app_beside.decided = _decided(desk, beside)
        app_beside.drains = _drains(desk) - drains

        desk.zendesk.faults.delay(zendesk_delay)
        try:
            slow_ms, slow_bad = fire(app_url, batch(slow), concurrency)
            decided = _wait_decided(desk, slow)
            app_slow = Latency("soporte, Zendesk slow", slow_ms, slow_bad, decided=decided)
        finally:
            desk.zendesk.faults.clear()
    finally:
        for worker in workers:
            procs.stop(worker)
        for proc, _ in servers.values():
            procs.stop(proc)
    return AckResult(
        clicks,
        concurrency,
        app_lat,
        floor_lat,
        control,
        mw_floor,
        app_beside,
        floor_beside,
        to_decided,
        app_slow,
    )


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


# What `python -m bench.ack` lists run by run at the end.
RUN_SERIES: dict[str, Callable[[AckResult], float]] = {
    "p99 ratios": lambda r: r.vs_floor.p99,
    "p99 soporte / floor answering from a middleware": lambda r: r.vs_middleware_floor.p99,
    "control (floor / same floor)": lambda r: r.vs_control.p99,
    "CPU per click, soporte / floor": lambda r: r.vs_floor.cpu,
    "p99 ratios beside 2 RQ workers": lambda r: r.beside_workers.p99,
}


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
    series: dict[str, list[float]] = {label: [] for label in RUN_SERIES}
    failures: list[str] = []
    try:
        for run in range(1, args.runs + 1):
            with open_desk(server.url) as desk:
                open_new_cases(desk, 50 + 3 * args.clicks)
                result = run_ack(desk, procs, clicks=args.clicks, concurrency=args.concurrency)
            print(f"run {run}:")
            for row in _ack_rows(result):
                print(f"  {row}")
            for label, figure in RUN_SERIES.items():
                series[label].append(figure(result))
            failures += ack_failures(result)
    finally:
        procs.stop_all()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    for label, figures in series.items():
        print(f"{label}: " + ", ".join(f"{r:.2f}×" for r in figures))
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
