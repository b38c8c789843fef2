"""1,000 closing windows, a Redis crash (persistence on) and every worker killed.

Each window fires exactly once and never before its deadline; a user who answers during
the window stops its clock, and the agent's next proposal opens a new window that fires
once, without the old timer firing too.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rq import SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from slack_sdk import WebClient

from bot.adapters.embedded_redis import EmbeddedRedis
from bot.adapters.queue import enqueue
from bot.composition import Runtime, build_runtime, set_runtime, utcnow
from bot.domain.case import CardRef, CaseRecord, Reply, Ticket
from bot.domain.lifecycle import Case, Event, State, apply
from bot.services.transitions import window_job_id
from bot.services.triage import Decision, decide, not_fixed
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from testkit.waiting import wait_for
from tests.harness import AGENT, AGENTS_CHANNEL, desk_environment
from tests.support.workers import Workers

WINDOWS = 1000
REPLYING = 10  # users who answer during their window
SCHEDULER_LOCK = "rq:scheduler-lock:soporte"


def seed(rt: Runtime, slack: SlackFake, zendesk: ZendeskFake, lead: float) -> dict[int, datetime]:
    """1,000 tickets pending in Zendesk, their cards in Slack, their cases in the store in
    AWAITING_CONFIRMATION and their expiry jobs scheduled, with deadlines spread over 5 s."""
    org = zendesk.add_organization("Municipalidad de Ejemplo")
    requesters = [zendesk.add_user(f"Cliente {n}", f"c{n}@example.com", org) for n in range(50)]
    # written an hour ago: a user's answer is never in the same (Zendesk, whole) second as
    # the ticket's first message, which the desk never counts as an answer
    created = datetime.fromtimestamp(int(time.time()) - 3600, UTC)
    tickets = []
    for n in range(WINDOWS):
        requester = requesters[n % len(requesters)]
        tid = zendesk.add_ticket(f"Caso {n}", f"Problema {n}", requester, created_at=created)
        # an explicit updated_at: each set_ticket would otherwise move the fake's clock on by
        # one second per ticket (it keeps updated_at strictly increasing per ticket)
        zendesk.set_ticket(tid, status="pending", tags=["soporte"], updated_at=int(time.time()))
        tickets.append((tid, requester))
    client = WebClient(token=slack.token, base_url=slack.url)
    with ThreadPoolExecutor(8) as pool:
        posted = list(
            pool.map(
                lambda t: client.chat_postMessage(channel=AGENTS_CHANNEL, text=f"#{t[0]}")["ts"],
                tickets,
            )
        )
    now = utcnow()
    first_deadline = now.timestamp() + lead  # after the slow part: every window is positive
    deadlines = {}
    for n, ((tid, requester), ts) in enumerate(zip(tickets, posted, strict=True)):
        deadline = datetime.fromtimestamp(first_deadline + 5 * n / WINDOWS, UTC)
        case = apply(
            Case(tid, opened_at=now),
            Event.UNSUPPORTED_PRODUCT,
            AGENT,
            now,
            "sembrado",
            window=deadline - now,
        )
        record = CaseRecord(
            case=case,
            ticket=Ticket(tid, f"Caso {n}", requester, "Cliente", None, org, None, "", created, ""),
            card=CardRef(AGENTS_CHANNEL, ts),
            replies=(Reply(uuid.uuid4().hex, case.decision.value, "Hola", AGENT, now, now),),
        )

        def schedule(pipe, record: CaseRecord, tid: int = tid, at: datetime = deadline) -> None:
            enqueue(
                rt.queue,
                "workers.timers.expire_window",
                tid,
                1,
                job_id=window_job_id(tid, 1),
                pipeline=pipe,
                at=at,
            )

        assert rt.store.create(record, then=schedule)
        deadlines[tid] = deadline
    return deadlines


def recover_like_rq_maintenance(rt: Runtime) -> dict[str, int]:
    """What RQ does for a crashed worker once its TTLs are over, done now instead of after
    minutes: abandoned jobs (heartbeat TTL: job_monitoring_interval + 60 s = 90 s) are
    retried or failed by StartedJobRegistry.cleanup; jobs stuck in the intermediate queue
    (> 1 min, seen by two maintenance passes) are failed into their retry; the dead
    scheduler's lock (interval + 60 s = 61 s) expires."""
    queue = rt.queue
    started = StartedJobRegistry(queue=queue)
    abandoned = len(started.get_job_ids(cleanup=False))
    started.cleanup(timestamp=time.time() + 3600)
    intermediate = queue.intermediate_queue
    stuck = intermediate.get_job_ids()
    for job_id in stuck:
        rt.redis.set(intermediate.get_first_seen_key(job_id), time.time() - 120)
    if stuck:
        intermediate.cleanup(SimpleWorker([queue], connection=rt.redis), queue)
    lock_ttl = rt.redis.ttl(SCHEDULER_LOCK)
    rt.redis.delete(SCHEDULER_LOCK)
    # A worker killed inside chat.postMessage leaves the channel's pacing lock held for its
    # 120 s timeout (workers/pacing.py); test_worker_killed_while_posting_... shows
    # what that does. Here it is expired with the others.
    pace_locks = list(rt.redis.scan_iter("soporte:pace-lock:*"))
    if pace_locks:
        rt.redis.delete(*pace_locks)
    return {
        "abandoned": abandoned,
        "stuck": len(stuck),
        "scheduler_lock_ttl": lock_ttl,
        "pace_locks": len(pace_locks),
    }


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_1000_windows_survive_a_redis_crash_and_killed_workers(
    slack: SlackFake, zendesk: ZendeskFake, tmp_path: Path, workers: Workers
) -> None:
    """1,000 windows whose deadlines fall over ~5 s, two real worker processes
    (`rq worker --with-scheduler`, SimpleWorker class: ~4,000 jobs, no fork each) expiring
    them. Ten users answer during their window; the agent proposes again (a second window).
    Once a third of the windows have expired, Redis is SIGKILLed (AOF on) and every worker
    too; Redis restarts on the same port and data directory, RQ's recovery of the dead
    workers' jobs and locks is fast-forwarded (see recover_like_rq_maintenance), and two
    new workers start.

    Every window fires exactly once and never before its deadline: one WINDOW_EXPIRED step
    at or after it, one accepted `solved` update in Zendesk per ticket (sent after the
    deadline), and no resolution at all for a window the user's answer closed."""
    data = tmp_path / "redis"
    server = EmbeddedRedis(data, persistent=True).start()
    try:
        env = desk_environment(slack, zendesk, server.url, RESOLUTION_WINDOW="3s")
        rt = build_runtime(env)
        set_runtime(rt)
        deadlines = seed(rt, slack, zendesk, lead=4)
        tids = sorted(deadlines)
        replying = tids[-REPLYING:]  # the latest deadlines: the answer comes in time
        assert len(ScheduledJobRegistry(queue=rt.queue)) == WINDOWS

        # The users answer before the workers start: their webhooks' jobs are queued ahead of
        # every expiry the scheduler moves into the queue, however slow the seeding was.
        answered = time.time()
        assert answered < min(deadlines[t] for t in replying).timestamp(), "answers in time"
        for tid in replying:
            zendesk.add_user_comment(tid, "No me sirvió, sigue fallando.")
            rt.queue.enqueue("workers.intake.ingest_ticket", tid, job_id=f"webhook-{tid}")
        running = [workers.start(env, simple=True), workers.start(env, simple=True)]
        wait_for(
            lambda: all(rt.store.get(t).case.state is State.USER_ANSWERED for t in replying),
            30,
            "the users' answers to stop their clocks",
        )
        time.sleep(max(0.0, answered + 2.1 - time.time()))  # the agent reads the answer first
        for tid in replying:
            not_fixed(rt, tid, AGENT, utcnow())  # the agent records "sigue el problema"
            decide(
                rt,
                tid,
                Decision(Event.UNSUPPORTED_PRODUCT, reply="Le escribimos de nuevo."),
                AGENT,
                utcnow(),
            )
            assert rt.store.get(tid).case.window_generation == 2
        second = {t: rt.store.get(t).case.window_deadline for t in replying}

        def resolved() -> int:  # one HVALS of the cases' summaries, not 1,000 GETs
            return sum(1 for summary in rt.store.summaries() if summary["state"] == "resolved")

        wait_for(lambda: resolved() >= WINDOWS // 3, 60, "a third of the windows", interval=0.25)
        server.kill()  # Redis crashes in the middle of the work
        for worker in running:
            worker.kill()
        assert not any(w.alive() for w in running)
        at_crash = len([p for p in zendesk.ticket_updates() if p.ticket.get("status") == "solved"])

        server = EmbeddedRedis(data, port=server.port, persistent=True).start()
        rt.redis.ping()
        survived = resolved()
        assert survived > 0, "the AOF brought the cases back"
        recovery = recover_like_rq_maintenance(rt)
        workers.start(env, simple=True)
        workers.start(env, simple=True)

        def state() -> str:
            states: dict[str, list[int]] = {}
            for t in tids:
                record = rt.store.get(t)
                states.setdefault(record.case.state.value, []).append(t)
            open_ = [t for s, ts in states.items() if s != "resolved" for t in ts]
            return (
                f"{ {s: len(ts) for s, ts in states.items()} } not resolved: {open_[:10]}; "
                f"queue {rt.queue.count}, scheduled {len(ScheduledJobRegistry(queue=rt.queue))}"
                f", failed {FailedJobRegistry(queue=rt.queue).get_job_ids()[:5]}"
            )

        wait_for(lambda: resolved() == WINDOWS, 60, "every window", interval=0.5, detail=state)
        wait_for(
            lambda: rt.queue.count == 0 and len(StartedJobRegistry(queue=rt.queue)) == 0,
            30,
            "the queue to drain",
        )
        records = {t: rt.store.get(t) for t in tids}
        failed = FailedJobRegistry(queue=rt.queue).get_job_ids()
    finally:
        set_runtime(None)
        workers.kill_all()
        server.stop()
    print(f"crash after {at_crash} solved updates; {survived} resolved in Redis; {recovery}")

    solved = [p for p in zendesk.ticket_updates() if p.ticket.get("status") == "solved"]
    accepted: dict[int, list[float]] = {}
    for put in solved:
        if put.status == 200:
            tid = int(put.path.rsplit("/", 1)[1].split(".")[0])
            accepted.setdefault(tid, []).append(put.at)
    assert sorted(accepted) == tids, "every ticket was solved in Zendesk"
    twice = {t: len(a) for t, a in accepted.items() if len(a) != 1}
    assert twice == {}, f"tickets solved more than once: {twice}"
    assert failed == []

    for tid in tids:
        deadline = second.get(tid, deadlines[tid])
        assert accepted[tid][0] >= deadline.timestamp(), f"ticket {tid} solved before its time"
        record = records[tid]
        expiries = [s for s in record.case.timeline if s.event is Event.WINDOW_EXPIRED]
        assert len(expiries) == 1, (tid, record.case.timeline)
        assert expiries[0].at >= deadline, f"ticket {tid} expired before its deadline"
        assert record.case.window_generation == (2 if tid in replying else 1)
        assert zendesk.ticket(tid)["status"] == "solved"
        notes = [n for n in zendesk.internal_notes(tid) if "venció el plazo" in n["body"]]
        assert len(notes) == 1, (tid, notes)

    for tid in replying:
        events = [s.event for s in records[tid].case.timeline]
        assert events.count(Event.USER_REPLIED) == 1
        assert events.index(Event.USER_REPLIED) < events.index(Event.WINDOW_EXPIRED)
        again = [c for c in zendesk.public_comments(tid) if "de nuevo" in c["body"]]
        assert len(again) == 1, "the second proposal reached the user once"
