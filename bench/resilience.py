"""`./run bench resilience`: the desk as `./run app` runs it, under the faults of issue 9.

`python app.py` (supervisor, gunicorn 2×8, an RQ worker with its scheduler, rq cron) on a
Redis the bench owns, the fakes in this process. Measured:

- a worker SIGKILLed while replies wait: seconds until supervisor's replacement runs, and
  until the last pending reply is in Zendesk; replies sent twice or never;
- Redis stopped for 5 s and started again (same port, same append-only file): seconds from
  its return until a ticket announced then has its card (the desk works), and until
  /healthz says 200;
- one unsigned 300 MB POST to /slack/events: the web workers' peak resident memory
  (VmHWM) before and after, the answer and how long it took;
- 200 signed clicks (Spam, each on its own card) released together: answered 200,
  decided (the case is SPAM), lost (refused, reset, or never decided).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.ack import signed_click
from bench.desk import BenchError, Desk, wait_for
from bench.reply import REPLY, signed_submission
from bot.adapters.embedded_redis import EmbeddedRedis
from bot.domain.lifecycle import State
from testkit.desk_process import (
    DeskProcess,
    PreparedRequest,
    children_of,
    post_unread,
    send_all,
    vmhwm_kib,
)
from testkit.example_desk import WEBHOOK_SECRET
from testkit.fakes.zendesk_api import webhook_headers

Request = tuple[str, dict[str, str]]


@dataclass
class ResilienceResult:
    replies: int
    pending_at_kill: int
    replaced_s: float
    last_reply_s: float
    sent_twice: int
    never_sent: int
    redis_down_s: float
    carded_after_redis_s: float
    healthy_after_redis_s: float
    web_before_kib: int
    web_after_kib: int
    post_answer: str
    post_s: float
    clicks: int
    accepted: int
    decided: int
    lost: int


def _post(url: str, request: Request) -> int:
    body, headers = request
    try:
        return requests.post(url, data=body.encode(), headers=headers, timeout=60).status_code
    except requests.RequestException:
        return 0


def _carded(desk: Desk, url: str, tickets: list[int]) -> None:
    for tid in tickets:
        body = f'{{"ticket_id": {tid}}}'.encode()
        requests.post(
            f"{url}/zendesk/webhook", data=body, headers=webhook_headers(WEBHOOK_SECRET, body)
        )
    wait_for(
        f"{len(tickets)} cards",
        lambda: all((r := desk.rt.store.get(t)) is not None and r.card for t in tickets),
        timeout=180,
    )


def _sent(desk: Desk, tid: int) -> int:
    return sum(1 for c in desk.zendesk.public_comments(tid) if c["body"].startswith(REPLY[:40]))


def run_resilience(desk: Desk, redis_server: EmbeddedRedis, workdir: Path) -> ResilienceResult:
    process = DeskProcess({**desk.env, "REDIS_URL": redis_server.url}, workdir).start()
    try:
        process.wait_healthy(90)
        return _measure(desk, process, redis_server)
    except AssertionError as exc:
        raise BenchError(f"{exc}\n{process.output()[-3000:]}") from None
    finally:
        process.terminate()
        process.kill_leftovers()


def _measure(desk: Desk, process: DeskProcess, redis_server: EmbeddedRedis) -> ResilienceResult:
    events = f"{process.url}/slack/events"

    # --- a worker SIGKILLed while replies wait --------------------------------------------
    replies = desk.seed_tickets(30, tag="k")
    _carded(desk, process.url, replies)
    desk.zendesk.faults.delay(0.1)
    for n, tid in enumerate(replies):
        if _post(events, signed_submission(tid, 10_000 + n)) != 200:
            raise BenchError("a submission was refused")
    wait_for("a first reply", lambda: any(_sent(desk, t) for t in replies), timeout=60)
    worker = process.pid_of("worker")
    pending = sum(1 for t in replies if not _sent(desk, t))
    os.kill(worker, signal.SIGKILL)
    killed = time.monotonic()
    wait_for(
        "the replacement worker",
        lambda: (
            process.pid_of("worker") not in (0, worker)
            and process.supervisor.states().get("worker") == "RUNNING"
        ),
        timeout=60,
    )
    replaced = time.monotonic() - killed
    wait_for("every pending reply", lambda: all(_sent(desk, t) for t in replies), timeout=180)
    last_reply = time.monotonic() - killed
    desk.zendesk.faults.delay(0)
    time.sleep(2)
    counts = [_sent(desk, t) for t in replies]

    # --- Redis down for 5 s -----------------------------------------------------------------
    process.wait_healthy(90)
    redis_server.stop()
    stopped = time.monotonic()
    time.sleep(5)
    redis_server.start()  # the same port and append-only file
    down = time.monotonic() - stopped
    back = time.monotonic()
    [probe] = desk.seed_tickets(1, tag="r")
    _carded(desk, process.url, [probe])  # the desk works again: a new ticket gets its card
    carded_after = time.monotonic() - back
    process.wait_healthy(180)
    healthy_after = time.monotonic() - back

    # --- one unsigned 300 MB POST -----------------------------------------------------------
    workers = children_of(process.pid_of("web"))
    before = max(vmhwm_kib(p) for p in workers)
    started = time.monotonic()
    sent, first = post_unread(process.port, 300 * 1024 * 1024)
    took = time.monotonic() - started
    answer = f"{first.decode('latin-1') or 'connection reset'} after {sent // 2**20} MiB sent"
    after = max(vmhwm_kib(p) for p in workers)

    # --- 200 clicks at once -----------------------------------------------------------------
    clicked = desk.seed_tickets(200, tag="c")
    _carded(desk, process.url, clicked)
    clicks = [signed_click(desk, t, 20_000 + n) for n, t in enumerate(clicked)]
    statuses = send_all([PreparedRequest(events, b.encode(), h) for b, h in clicks])
    wait_for(
        "the clicks to be decided",
        lambda: all(desk.rt.store.get(t).case.state is State.SPAM for t in clicked),
        timeout=120,
    )
    decided = sum(1 for t in clicked if desk.rt.store.get(t).case.state is State.SPAM)
    return ResilienceResult(
        replies=len(replies),
        pending_at_kill=pending,
        replaced_s=replaced,
        last_reply_s=last_reply,
        sent_twice=sum(c > 1 for c in counts),
        never_sent=sum(c == 0 for c in counts),
        redis_down_s=down,
        carded_after_redis_s=carded_after,
        healthy_after_redis_s=healthy_after,
        web_before_kib=before,
        web_after_kib=after,
        post_answer=answer,
        post_s=took,
        clicks=len(clicked),
        accepted=statuses.count(200),
        decided=decided,
        lost=len(clicked) - decided,
    )


def resilience_rows(r: ResilienceResult) -> list[tuple[str, str]]:
    return [
        (
            f"worker SIGKILL, {r.replies} replies",
            f"{r.pending_at_kill} pending at the kill   replacement running {r.replaced_s:.1f} s   "
            f"last pending reply sent {r.last_reply_s:.1f} s   "
            f"sent twice {r.sent_twice}   never sent {r.never_sent}",
        ),
        (
            "Redis stopped, started again",
            f"down {r.redis_down_s:.1f} s   after it came back: a new ticket carded in "
            f"{r.carded_after_redis_s:.1f} s, /healthz 200 in {r.healthy_after_redis_s:.1f} s",
        ),
        (
            "unsigned 300 MB POST",
            f"web worker VmHWM {r.web_before_kib / 1024:.0f} → {r.web_after_kib / 1024:.0f} MiB   "
            f"answer: {r.post_answer} in {r.post_s:.2f} s",
        ),
        (
            f"{r.clicks} clicks at once",
            f"accepted {r.accepted}   decided {r.decided}   lost {r.lost}",
        ),
    ]
