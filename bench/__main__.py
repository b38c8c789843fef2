"""`python -m bench` (or `./run bench`): run every benchmark locally and print the figures."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bench import business_time
from bench.ack import AckResult, Latency, Versus, ack_failures, run_ack
from bench.ack import main as ack_main
from bench.dashboard import run_dashboard_bench
from bench.desk import BenchError, Processes, open_desk
from bench.intake import IntakeResult, run_intake
from bench.memory import RQ, WEB, MemoryWatch, memory_row
from bench.reply import reply_row, run_reply
from bench.resilience import resilience_rows, run_resilience
from bench.serve import GUNICORN_THREADS, GUNICORN_WORKERS
from bot.adapters.embedded_redis import EmbeddedRedis

LABEL = 40


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _progress(text: str) -> None:
    print(f"… {text}", file=sys.stderr, flush=True)


def _row(label: str, *fields: str) -> str:
    return f"{label:<{LABEL}} " + "   ".join(fields)


def _intake_rows(r: IntakeResult) -> list[str]:
    rows = [
        _row(
            f"intake {r.tickets} tickets",
            f"zendesk calls {r.zendesk_calls}",
            f"slack postMessage {r.post_message_calls} (all calls {r.slack_calls})",
            f"cards {r.cards}",
            f"duplicates {r.duplicates}",
            f"missing {r.missing}",
            f"wall {r.wall:.1f} s",
            f"{r.per_second:.0f} tickets/s",
        ),
        _row(
            "  second poll, same tickets",
            f"zendesk calls {r.second_zendesk_calls}",
            f"new cards {r.second_new_cards}",
            f"duplicates after both {r.duplicates_after_second}",
            f"poll said {r.second_poll or '{}'}",
        ),
    ]
    return rows


def _limited_row(r: IntakeResult) -> str:
    cap = r.rate_cap or 1.0
    return _row(
        f"intake {r.tickets} at {cap:g} msg/s/channel",
        f"cards {r.cards}",
        f"429s {r.rate_limited}",
        f"job retries {r.job_retries}",
        f"duplicates {r.duplicates}",
        f"wall {r.wall:.1f} s",
        f"{r.per_second:.2f} cards/s = {r.per_second / cap:.0%} of cap",
    )


def _latency_row(label: str, lat: Latency) -> str:
    fields = [
        f"p50 {lat.p(50):6.1f} ms",
        f"p95 {lat.p(95):6.1f} ms",
        f"p99 {lat.p(99):6.1f} ms",
        f"max {lat.p(100):6.1f} ms",
    ]
    if lat.non_200 is not None:
        fields.append(f"non-200 {lat.non_200}")
    if lat.decided is not None:
        fields.append(f"decided {lat.decided}/{len(lat.samples_ms)}")
    if lat.zendesk_calls is not None:
        fields.append(f"zendesk calls {lat.zendesk_calls}")
    if lat.drains is not None:
        fields.append(f"drains {lat.drains}")
    return _row(label, *fields)


def _cpu_row(label: str, v: Versus) -> str:
    mine, theirs = v.mine.cpu_per_click_ms or 0, v.theirs.cpu_per_click_ms or 0
    spent = f"({mine:.2f} / {theirs:.2f} ms, the gunicorn workers' user + system time)"
    return _row(label, f"{v.cpu:.2f}×   {spent}")


def _ack_rows(r: AckResult) -> list[str]:
    shape = f"{r.clicks} clicks, {r.concurrency} concurrent"
    return [
        _latency_row(f"ack soporte ({shape})", r.app),
        _latency_row("ack floor (Bolt, ack only)", r.floor),
        _row("ack p99 soporte / floor", f"{r.vs_floor.p99:.2f}×"),
        _row("  control: floor / same floor", f"{r.vs_control.p99:.2f}×   (a second floor server)"),
        _cpu_row("CPU per click, soporte / floor", r.vs_floor),
        _latency_row("ack floor answering from a middleware", r.middleware_floor),
        _row("ack p99 soporte / that floor", f"{r.vs_middleware_floor.p99:.2f}×"),
        _cpu_row("CPU per click, soporte / that floor", r.vs_middleware_floor),
        _latency_row("ack soporte, beside 2 RQ workers", r.app_beside_workers),
        _latency_row("ack floor, beside 2 RQ workers", r.floor_beside_workers),
        _row("ack p99 ratio, beside the workers", f"{r.beside_workers.p99:.2f}×"),
        _cpu_row("CPU per click, beside the workers", r.beside_workers),
        _latency_row(f"  click → decided, rounds of {r.concurrency}", r.click_to_decided),
        _latency_row("ack soporte, Zendesk answers +5 s", r.app_zendesk_slow),
    ]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "section",
        nargs="?",
        choices=("all", "resilience", "targets", "ack"),
        default="all",
        help="all (default): the figures below; resilience: the desk under faults; "
        "targets: business time, the target figures and calibration at 10,000 cases (README); "
        "ack: five consecutive ack runs, soporte and the floor interleaved",
    )
    parser.add_argument("--tickets", type=int, default=1000, help="intake size (1000)")
    parser.add_argument("--limited", type=int, default=60, help="rate-limited intake size (60)")
    parser.add_argument("--clicks", type=int, default=200, help="clicks per ack run (200)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clicks (50)")
    parser.add_argument(
        "--replies", type=int, default=30, help="sequential modal submissions timed to Zendesk (30)"
    )
    parser.add_argument(
        "--worker-class",
        metavar="DOTTED",
        default="workers.worker.DeskWorker",
        help="`rq worker --worker-class` for the intake runs (default: the Procfile's)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if args.section == "resilience":
        return run_resilience_section(args.keep)
    if args.section == "targets":
        return run_targets_section()
    if args.section == "ack":
        return ack_main(["--runs", "5", "--clicks", str(args.clicks)])

    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="soporte-bench-"))
    logs = workdir / "logs"
    logs.mkdir()
    procs = Processes(logs)
    redis_server: EmbeddedRedis | None = None
    status = 0
    try:
        redis_server = EmbeddedRedis(workdir / "redis").start()
        # Peak memory: the RQ workers during the big intake, gunicorn during the click runs.
        watch = MemoryWatch(procs, {"rq-intake": RQ, "gunicorn-app": WEB, "gunicorn-reply": WEB})
        with open_desk(redis_server.url) as desk, watch.running() as memory:
            _progress(f"intake of {args.tickets} tickets with 2 RQ workers")
            intake = run_intake(desk, procs, args.tickets, worker_class=args.worker_class)
            _progress(f"click to reply in Zendesk, {args.replies} submissions one at a time")
            reply = run_reply(desk, procs, clicks=args.replies, worker_class=args.worker_class)
            _progress(f"ack latency, {args.clicks} clicks × 3 runs (gunicorn)")
            ack = run_ack(desk, procs, clicks=args.clicks, concurrency=args.concurrency)
        # Alone, on a fresh desk: beside the big intake it loses ~10% and slows that one ~25%.
        with open_desk(redis_server.url) as desk:
            _progress(f"intake of {args.limited} tickets, Slack at 1 message/s per channel")
            limited = run_intake(
                desk,
                procs,
                args.limited,
                rate_limit=1.0,
                second_poll=False,
                timeout=150,
                worker_class=args.worker_class,
            )
        _progress("/soporte estado with 10,000 cases on record")
        dashboard = run_dashboard_bench(redis_url=redis_server.url)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        status = 1
    except (KeyboardInterrupt, SystemExit):
        print("bench interrupted; stopping what it started", file=sys.stderr)
        status = 130
    finally:
        procs.stop_all()
        if redis_server is not None:
            redis_server.stop()
        if args.keep or status:
            print(f"logs kept in {logs}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if status:
        return status

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    workers = f"rq worker -w {args.worker_class}"
    print(
        f"soporte bench — {now}, {_cores()} cores, Python {platform.python_version()}, "
        f"2 RQ workers ({workers}), gunicorn {GUNICORN_WORKERS}×{GUNICORN_THREADS}"
    )
    for line in [*_intake_rows(intake), _limited_row(limited), *_ack_rows(ack)]:
        print(line)
    for label, figures in [reply_row(reply), *dashboard, memory_row(memory)]:
        print(f"{label:<{LABEL}} {figures}")
    for line in business_time.run():
        print(line)
    print(f"(bench took {time.monotonic() - began:.0f} s)")
    failures = []
    if intake.duplicates_after_second or limited.duplicates:
        failures.append("duplicate cards")
    if intake.missing or limited.missing:
        failures.append("tickets without a card")
    if intake.second_new_cards:
        failures.append("the second poll posted cards")
    failures += ack_failures(ack)
    if reply.non_200 or reply.missing:
        failures.append(f"click to reply: {reply.non_200} non-200, {reply.missing} not in Zendesk")
    if not (memory.web_worker and memory.rq_parent and memory.rq_horse):
        failures.append("peak memory: a gunicorn worker, RQ worker or work horse never sampled")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


def run_targets_section() -> int:
    """`./run bench targets`: bench/business_time.py, then `/soporte estado` (with its target
    figures) and `/soporte calibración` over HTTP with 10,000 cases and fixes."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"soporte bench targets — {now}, {_cores()} cores, Python {platform.python_version()}")
    for line in business_time.run():
        print(line)
    with tempfile.TemporaryDirectory(prefix="soporte-bench-") as workdir:
        redis_server = EmbeddedRedis(Path(workdir) / "redis").start()
        try:
            for label, figures in run_dashboard_bench(redis_url=redis_server.url):
                print(f"{label:<{LABEL + 4}} {figures}")
        finally:
            redis_server.stop()
    return 0


def run_resilience_section(keep: bool) -> int:
    """`./run bench resilience`: the figures of bench/resilience.py."""
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="soporte-bench-"))
    redis_server = EmbeddedRedis(workdir / "redis").start()
    status = 0
    try:
        with open_desk(redis_server.url) as desk:
            _progress("the desk under faults: worker SIGKILL, Redis restart, 300 MB, 200 clicks")
            result = run_resilience(desk, redis_server, workdir)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        status = 1
    except (KeyboardInterrupt, SystemExit):
        print("bench interrupted; stopping what it started", file=sys.stderr)
        status = 130
    finally:
        redis_server.stop()
        if keep or status:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if status:
        return status
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"soporte bench resilience — {now}, {_cores()} cores, Python {platform.python_version()}")
    for label, figures in resilience_rows(result):
        print(f"{label:<{LABEL}} {figures}")
    print(f"(bench took {time.monotonic() - began:.0f} s)")
    lost = result.sent_twice or result.never_sent or result.lost or result.accepted != result.clicks
    if lost:
        print("FAILED: replies sent twice or never, or clicks lost")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
