"""Faults of the issue "the desk keeps itself running and shuts out strangers", each against
the real processes: `python app.py` (what `./run app` runs) with supervisor, gunicorn, an RQ
worker with its scheduler and rq cron, on a Redis this module can stop and start again.

One desk serves the whole module (starting one costs seconds on 2 cores); the tests run in
file order and each leaves the desk as it found it: running, every part healthy.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from blocks import ids
from bot.adapters.embedded_redis import EmbeddedRedis, free_port
from bot.composition import build_runtime
from bot.domain import access
from bot.domain.lifecycle import State
from handlers.common import OUTAGE
from testkit.desk_process import (
    DeskProcess,
    PreparedRequest,
    alive,
    children_of,
    group_of,
    post_unread,
    send_all,
    vmhwm_kib,
)
from testkit.example_desk import MUNICIPALIDAD_NAME, invite_desk_bot
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from testkit.waiting import wait_for
from tests.harness import (
    AGENT,
    AGENTS_CHANNEL,
    OTHER_AGENT,
    STRANGER,
    desk_environment,
    text_value,
)
from tests.support.concurrency import prepare
from tests.support.remote_desk import RemoteDesk

pytestmark = pytest.mark.slow
REPLY = "Ese producto no es parte de nuestro soporte."


class Live:
    def __init__(self, desk: RemoteDesk, process: DeskProcess, redis: EmbeddedRedis, env):
        self.desk, self.process, self.redis, self.env = desk, process, redis, env
        self.org = desk.zendesk.add_organization(MUNICIPALIDAD_NAME)

    def carded(self, count: int = 1, **fields: Any) -> list[int]:
        """New tickets told by webhook; returns once the desk has posted every card."""
        tids = []
        for n in range(count):
            email = f"u{time.monotonic_ns()}-{n}@example.com"
            tids.append(self.desk.new_ticket(org_id=self.org, email=email, **fields))
        for tid in tids:
            assert self.desk.webhook({"ticket_id": tid}).status_code == 202
        wait_for(
            lambda: all((r := self.desk.case(t)) is not None and r.card for t in tids),
            60,
            f"{count} cards",
        )
        return tids


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("live-desk")
    redis = EmbeddedRedis(workdir / "redis", port=free_port()).start()
    with SlackFake() as slack, ZendeskFake(export_lag_seconds=0) as zendesk:
        invite_desk_bot(slack)  # as the README asks: the bot is in the desk's channels
        slack.add_user(AGENT, "ana.agente", real_name="Ana Agente")
        slack.add_user(OTHER_AGENT, "beto.agente", real_name="Beto Agente")
        env = desk_environment(slack, zendesk, redis.url, INTAKE_INTERVAL_SECONDS="10")
        process = DeskProcess(env, workdir).start()
        rt = build_runtime(env)
        desk = RemoteDesk(rt, slack, zendesk, process.url)
        try:
            process.wait_healthy(60)
            yield Live(desk, process, redis, env)
        finally:
            process.terminate()
            process.kill_leftovers()
            desk.close()
            redis.stop()


def spam_click(desk: RemoteDesk, tid: int) -> PreparedRequest:
    return prepare(desk.click, ids.Action.SPAM, tid)


# --- strangers -----------------------------------------------------------------------------


def test_a_stranger_gets_no_case_detail(live: Live) -> None:
    [tid] = live.carded(subject="Exportación rota", body="TEXTO-DEL-USUARIO-4K")
    shown = live.desk.command(f"estado {tid}", user=STRANGER).json()
    assert shown["text"] == access.CASE_CLOSED.format(ticket_id=tid)
    assert "Exportación rota" not in str(shown) and "TEXTO-DEL-USUARIO-4K" not in str(shown)
    assert live.desk.command("estado", user=STRANGER).json()["text"] == access.STRANGER
    assert "Exportación rota" in str(live.desk.command(f"estado {tid}", user=AGENT).json())


# --- junk, oversized bodies, nothing logged -------------------------------------------


def raw(live: Live, head: str, body: bytes = b"", wait: float = 15) -> str:
    with socket.create_connection(("127.0.0.1", live.process.port), timeout=wait) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        try:
            return sock.recv(4096).decode("latin-1")
        except OSError:
            return ""


def test_junk_gets_a_quiet_4xx(live: Live) -> None:
    port = live.process.port
    for length in ("abc", "-1"):
        head = (
            f"POST /zendesk/webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
        )
        status = raw(live, head, b'{"ticket_id": 1}').split(" ", 2)[1]
        assert status.startswith("4"), length
    started = time.monotonic()
    longer = (
        f"POST /zendesk/webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n"
    )
    assert raw(live, longer, b'{"ticket', wait=20).split(" ", 2)[1] == "408"
    assert time.monotonic() - started < 15, "the held thread was let go"

    url = f"{live.process.url}/slack/events"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert requests.post(url, data=b"payload=%7Bnot-json", headers=form).status_code == 401
    for body in ('{"type":"block_actions","user":{"id":"U1"},"actions":[]}',):
        signed = prepare(live.desk.post_signed, "payload=" + body, form["Content-Type"])
        assert signed.send().status_code == 400
    output = live.process.output()
    assert "Traceback" not in output


def test_a_300_mb_unsigned_post_is_refused_unread_and_unlogged(live: Live) -> None:
    workers = children_of(live.process.pid_of("web"))
    before = max(vmhwm_kib(p) for p in workers)
    size = 300 * 1024 * 1024
    marker = b"CUERPO-RECHAZADO-5Q"
    sent, answer = post_unread(live.process.port, size, marker)
    assert sent < size, "the server read the whole 300 MB"
    assert answer == b"" or b" 413 " in answer, answer
    after = max(vmhwm_kib(p) for p in workers if alive(p))
    assert after - before < 20 * 1024, f"web worker grew by {(after - before) // 1024} MiB"
    time.sleep(0.5)
    assert marker.decode() not in live.process.output()
    assert "over the 1048576 limit" in live.process.output()


# --- a 404 ends the job ----------------------------------------------------------------------


def test_a_webhook_for_a_missing_ticket_asks_zendesk_once(live: Live) -> None:
    missing = 987654
    assert live.desk.webhook({"ticket_id": missing}).status_code == 202
    wait_for(
        lambda: any(f"#{missing}" in m["text"] for m in live.desk.slack.messages(AGENTS_CHANNEL)),
        20,
        "the agents to be told",
    )
    time.sleep(3)  # RQ's first retry would come 1 s after the failure
    asked = [r for r in live.desk.zendesk.requests if f"/tickets/{missing}" in r.path]
    assert [r.status for r in asked] == [404]


# --- a burst of clicks -------------------------------------------------------------------------


def test_sixty_simultaneous_clicks_are_all_taken(live: Live) -> None:
    tids = live.carded(60)
    statuses = send_all([spam_click(live.desk, tid) for tid in tids])
    assert statuses.count(200) == 60, statuses
    wait_for(
        lambda: all(live.desk.case(t).case.state is State.SPAM for t in tids),
        30,
        "every click to be decided",
    )


# --- a replayed submission -------------------------------------------------------------------


def test_a_replayed_submission_takes_effect_once(live: Live) -> None:
    [tid] = live.carded()
    views = live.desk.slack.count("views.open")
    live.desk.click(ids.Action.UNSUPPORTED, tid)
    wait_for(lambda: live.desk.slack.count("views.open") > views, 10, "the modal")
    view = live.desk.opened_view()
    submission = prepare(live.desk.submit, view, {ids.Block.REPLY: text_value(REPLY)})
    statuses = send_all([submission, submission, submission])
    assert statuses == [200, 200, 200]
    wait_for(lambda: live.desk.case(tid).replies[0].sent_at is not None, 20, "the reply")
    time.sleep(1)
    assert submission.send().status_code == 200
    time.sleep(1)
    sent = [c for c in live.desk.zendesk.public_comments(tid) if c["body"].startswith(REPLY)]
    assert len(sent) == 1
    assert len(live.desk.case(tid).replies) == 1


# --- a killed worker ---------------------------------------------------------------------------


def _scheduler_pid(worker: int) -> int | None:
    """RQ's scheduler: the worker's child in the worker's group (a horse leads its own)."""
    same_group = [p for p in children_of(worker) if group_of(p) == worker]
    return same_group[0] if same_group else None


def test_a_sigkilled_worker_is_replaced_and_every_reply_sent_once(
    live: Live,
) -> None:
    tids = live.carded(6)
    live.desk.zendesk.faults.delay(0.2)  # every Zendesk answer is slow: replies queue up
    try:
        for tid in tids:
            views = live.desk.slack.count("views.open")
            live.desk.click(ids.Action.UNSUPPORTED, tid)
            wait_for(lambda v=views: live.desk.slack.count("views.open") > v, 10, "a modal")
            live.desk.submit(live.desk.opened_view(), {ids.Block.REPLY: text_value(REPLY)})
        worker = live.process.pid_of("worker")
        scheduler = _scheduler_pid(worker)
        wait_for(
            lambda: sum(1 for t in tids if live.desk.case(t).replies[0].sent_at) >= 1,
            30,
            "a first reply",
        )
        pending = sum(1 for t in tids if not live.desk.case(t).replies[0].sent_at)
        assert pending >= 3, "the kill must leave replies waiting"
        os.kill(worker, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(
            lambda: (
                live.process.supervisor.states().get("worker") == "RUNNING"
                and live.process.pid_of("worker") != worker
            ),
            20,
            "supervisor to start a new worker",
        )
        replaced = time.monotonic() - killed
        wait_for(
            lambda: all(live.desk.case(t).replies[0].sent_at for t in tids),
            60,
            "every pending reply",
        )
        print(f"replaced {replaced:.1f} s, all sent {time.monotonic() - killed:.1f} s")
    finally:
        live.desk.zendesk.faults.delay(0)
    for tid in tids:
        sent = [c for c in live.desk.zendesk.public_comments(tid) if c["body"].startswith(REPLY)]
        assert len(sent) == 1, tid
    assert replaced < 10
    if scheduler is not None:
        wait_for(lambda: not alive(scheduler), 10, "the dead worker's scheduler to stop")
    print(f"healthy again in {live.process.wait_healthy(40):.1f} s")


# --- Redis restarts ---------------------------------------------------------------------


def test_a_click_during_a_redis_outage_is_answered_and_the_desk_comes_back(
    live: Live,
) -> None:
    [tid] = live.carded()
    click = spam_click(live.desk, tid)
    live.redis.stop()  # a Redis restart: down for 5 s, same port, same data
    down = time.monotonic()
    try:
        answer = click.send()
        assert answer.status_code == 200, answer.text
        told = lambda: [  # noqa: E731
            b
            for k, b in live.desk.slack.responses_by_key()
            if k.endswith(AGENT) and isinstance(b, dict) and b.get("text") == OUTAGE
        ]
        wait_for(told, 15, "the clicker to be told the click did not take")
        status, report = live.process.health()
        assert status == 503 and "redis" in report["failing"]
        time.sleep(max(0.0, 5 - (time.monotonic() - down)))
    finally:
        live.redis.start()  # the same port and append-only file
    healthy_after = live.process.wait_healthy(90)
    assert live.desk.case(tid).case.state is State.NEW, "the click during the outage did nothing"
    assert spam_click(live.desk, tid).send().status_code == 200
    wait_for(lambda: live.desk.case(tid).case.state is State.SPAM, 20, "the click after it")
    [after] = live.carded()
    assert live.desk.case(after).card is not None
    wait_for(
        lambda: (
            {live.process.supervisor.states()[p] for p in ("worker", "cron", "web")} == {"RUNNING"}
        ),
        30,
        "every process running (those that died with Redis restarted)",
    )
    print(f"healthy {healthy_after:.1f} s after Redis came back")


# --- one desk per Redis --------------------------------------------------------------------------


def test_a_second_desk_on_the_same_redis_refuses_to_start(live: Live, desk_dir: Path) -> None:
    second = DeskProcess(dict(live.env), desk_dir, name="second").start()
    assert second.popen is not None
    assert second.popen.wait(30) == 2
    out = second.output()
    assert "REDIS_URL: another desk is running here" in out
    assert f"pid {live.process.popen.pid}" in out
    assert not (second.data / "run" / "supervisord.pid").exists()
