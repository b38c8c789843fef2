"""Click to reply: from the agent's modal submission to the public comment in Zendesk.

Two warm `rq worker -w workers.worker.DeskWorker` processes and the app under gunicorn
(both with SLACK_CHANNEL_RATE=1000, so the card refresh pacing plays no part) take the
"Producto no soportado" modal of cases in NEW, already carded by the intake. Each signed
`view_submission` is timed from the moment the bench sends it to the moment the Zendesk
fake holds the new public comment on the ticket (polled every 5 ms), one click at a time,
with the queue drained between clicks (nothing queued or running), so each is measured
alone.

The path measured: HTTP to gunicorn, Bolt's signature check, the decision recorded in
Redis with its follow-up jobs (before the ack), RQ picking `workers.replies.send_reply`,
the fork of its work horse, and zenpy's look-up and PUT of the comment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from rq.registry import ScheduledJobRegistry

from bench.desk import BenchError, Desk, Processes, percentile, start_workers, wait_for
from bench.serve import APP_TARGET, Request, fire, start_gunicorn, wait_booted
from blocks import ids
from bot.domain.button_values import ModalContext
from bot.domain.lifecycle import Event, State
from testkit.example_desk import AGENT
from testkit.slack_requests import interactive_body, signed_headers, submission_payload, text_value

REPLY = (
    "Hola. Gracias por escribirnos: ese producto no está dentro del soporte contratado por "
    "su organización. Si necesita ayuda con Pulso o el Portal de Transparencia, responda a "
    "este mensaje."
)
SLOW_MS = 2000.0
POLL = 0.005
PACE = {"SLACK_CHANNEL_RATE": "1000"}


@dataclass
class ReplyResult:
    clicks: int
    samples_ms: list[float]
    ack_ms: list[float]
    non_200: int
    missing: int

    def p(self, pct: float) -> float:
        return percentile(self.samples_ms, pct)

    @property
    def slow(self) -> int:
        return sum(ms > SLOW_MS for ms in self.samples_ms)


def signed_submission(ticket_id: int, n: int, text: str = REPLY) -> Request:
    """The "Producto no soportado" modal submitted, signed as tests/harness.py `Desk.submit`."""
    payload = submission_payload(
        ids.View.UNSUPPORTED,
        ModalContext(ticket_id, Event.UNSUPPORTED_PRODUCT.value).encode(),
        {ids.Block.REPLY: text_value(text)},
        AGENT,
        trigger_id=f"{n}.0000.trigger",
        view_id=f"V0BENCH{n}",
    )
    body = interactive_body(payload)
    return body, signed_headers(body, "application/x-www-form-urlencoded")


def _replied(desk: Desk, ticket_id: int, before: int) -> bool:
    comments = desk.zendesk.public_comments(ticket_id)
    return len(comments) > before and REPLY in comments[-1]["body"]


def _idle(desk: Desk) -> bool:
    """Nothing queued or running: the previous click's card refresh and note are done.

    The debounced Home refresh it scheduled is not waited for: RQ's scheduler promotes it
    within about a second, which would double the bench's time; when it lands during the
    next click it takes one of the two workers, as it would on a live desk.
    """
    queue = desk.rt.queue
    return queue.count == 0 and queue.started_job_registry.count == 0


def _settled(desk: Desk) -> bool:
    """Idle, and no scheduled job already due (the Home refreshes): nothing left half done."""
    due = ScheduledJobRegistry(queue=desk.rt.queue).get_jobs_to_schedule(int(time.time()))
    return _idle(desk) and not due


def _carded_new_cases(desk: Desk) -> list[int]:
    cases = []
    for tid in desk.zendesk.ticket_ids:
        record = desk.rt.store.get(tid)
        if record and record.card and record.case.state is State.NEW:
            cases.append(tid)
    return cases


def run_reply(
    desk: Desk,
    procs: Processes,
    *,
    clicks: int = 30,
    warmup: int = 6,
    timeout: float = 15.0,
    worker_class: str | None = None,
) -> ReplyResult:
    """Time `clicks` sequential modal submissions until each reply is a public comment."""
    cases = _carded_new_cases(desk)
    if len(cases) < warmup + clicks:
        raise BenchError(f"reply bench needs {warmup + clicks} carded NEW cases, has {len(cases)}")
    # From the end: the ack bench that follows takes its cases from the front.
    warm, measured = cases[-(warmup + clicks) : -clicks], cases[-clicks:]

    workers = start_workers(desk, procs, 2, "rq-reply", worker_class, env=PACE)
    web, url = start_gunicorn(desk, procs, "gunicorn-reply", APP_TARGET, env=PACE)
    events = f"{url}/slack/events"
    samples, acks, non_200, missing = [], [], 0, 0
    try:
        wait_booted(procs, "gunicorn-reply", url)
        # Warm: both gunicorn workers answer a submission, both RQ workers run jobs.
        before = {t: len(desk.zendesk.public_comments(t)) for t in warm}
        _, bad = fire(events, [signed_submission(t, n) for n, t in enumerate(warm)], 3)
        if bad:
            raise BenchError(f"{bad} of {warmup} warm-up submissions were not answered 200")
        wait_for(
            "the warm-up replies in Zendesk",
            lambda: all(_replied(desk, t, before[t]) for t in warm),
            30,
            check=procs.check_alive,
        )
        with requests.Session() as session:
            for n, tid in enumerate(measured, start=warmup):
                wait_for(
                    "the queue to empty",
                    lambda: _idle(desk),
                    30,
                    interval=0.01,
                    check=procs.check_alive,
                )
                comments = len(desk.zendesk.public_comments(tid))
                body, headers = signed_submission(tid, n)
                started = time.perf_counter()
                try:
                    status = session.post(
                        events, data=body.encode(), headers=headers, timeout=30
                    ).status_code
                except requests.RequestException:
                    status = 0
                acks.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    non_200 += 1
                    continue
                deadline = started + timeout
                while not _replied(desk, tid, comments):
                    if time.perf_counter() > deadline:
                        missing += 1
                        break
                    time.sleep(POLL)
                else:
                    samples.append((time.perf_counter() - started) * 1000)
            procs.check_alive()
        # Leave nothing half done behind (card refreshes, internal notes).
        wait_for("the queue to settle", lambda: _settled(desk), 30, check=procs.check_alive)
    finally:
        procs.stop(web)
        for worker in workers:
            procs.stop(worker)
    return ReplyResult(clicks, samples, acks, non_200, missing)


def reply_row(r: ReplyResult) -> tuple[str, str]:
    """(label, figures) for the bench table."""
    return (
        f"click → reply in Zendesk ({r.clicks} seq., warm)",
        f"p50 {r.p(50):6.1f} ms   p99 {r.p(99):6.1f} ms   max {r.p(100):6.1f} ms   "
        f"> 2 s {r.slow}   non-200 {r.non_200}   missing {r.missing}   "
        f"(ack p50 {percentile(r.ack_ms, 50):.1f} ms)",
    )
