"""Scale-out, as compose.yaml runs it with `--scale web=2 --scale worker=3`: two gunicorn
web processes and three RQ workers (each with --with-scheduler; one holds the scheduler) on
one Redis, real fakes. Tickets announced by webhooks to either web process and by two
polls at once, then one click per card to either web process: every ticket gets exactly
one card, the right one, and every click is decided once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from blocks import ids
from bot.adapters.embedded_redis import free_port
from bot.domain.lifecycle import State
from testkit.desk_process import send_all
from testkit.example_desk import MUNICIPALIDAD_NAME, ROOT
from testkit.waiting import wait_for
from tests.harness import AGENTS_CHANNEL, Desk
from tests.support.concurrency import prepare
from tests.support.remote_desk import RemoteDesk
from tests.support.workers import Workers
from workers.cards import CARD_EVENT

pytestmark = pytest.mark.slow
TICKETS = 40


@pytest.fixture
def webs(desk_env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Two gunicorn processes serving the app (one worker, 8 threads each)."""
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    env = {**desk_env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    for n in (1, 2):
        port = free_port()
        log = tmp_path / f"web-{n}.log"
        with log.open("wb") as out:
            argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
            argv += ["--workers", "1", "--threads", "8", "--no-control-socket"]
            proc = subprocess.Popen(
                [*argv, "app:wsgi_from_env()"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append((proc, f"http://127.0.0.1:{port}"))

    def answering(url: str) -> bool:
        try:
            requests.get(f"{url}/healthz", timeout=1)
        except requests.RequestException:
            return False
        return True

    try:
        for proc, url in started:
            wait_for(lambda u=url: answering(u), 30, f"gunicorn at {url}")
            assert proc.poll() is None
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            proc.wait(20)


def test_two_web_processes_three_workers_one_redis(
    desk: Desk, desk_env: dict[str, str], workers: Workers, webs: list[str]
) -> None:
    for _ in range(3):
        workers.start(desk_env)
    remotes = [RemoteDesk(desk.rt, desk.slack, desk.zendesk, url) for url in webs]
    org = desk.zendesk.add_organization(MUNICIPALIDAD_NAME)
    tids = [
        desk.new_ticket(subject=f"Caso número {n}", email=f"u{n}@example.com", org_id=org)
        for n in range(TICKETS)
    ]
    webhooks = [
        prepare(remotes[n % 2].webhook, {"ticket_id": tid}) for n, tid in enumerate(tids[::2])
    ]
    assert set(send_all(webhooks)) == {202}
    desk.rt.queue.enqueue("workers.intake.poll_intake")  # rq cron and a second poll at once
    desk.rt.queue.enqueue("workers.intake.poll_intake")
    wait_for(
        lambda: all((r := desk.case(t)) is not None and r.card for t in tids),
        90,
        "every ticket's card",
        detail=lambda: f"{sum(1 for t in tids if (r := desk.case(t)) and r.card)} carded",
    )
    time.sleep(1)  # a duplicate would be posted by now
    cards = [m for m in desk.slack.messages(AGENTS_CHANNEL) if not m.get("thread_ts")]
    per_ticket = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("ticket_id") for m in cards
    )
    assert sorted(per_ticket) == sorted(tids), "a card lost, or one for a ticket not asked"
    assert set(per_ticket.values()) == {1}, "a ticket with two cards"
    for message in cards:
        tid = message["metadata"]["event_payload"]["ticket_id"]
        assert message["metadata"]["event_type"] == CARD_EVENT
        assert f"Caso número {tids.index(tid)}" in json.dumps(message["blocks"], ensure_ascii=False)
        assert desk.case(tid).card.ts == message["ts"], "the case points at its own card"

    clicks = [prepare(remotes[n % 2].click, ids.Action.SPAM, t) for n, t in enumerate(tids)]
    assert send_all(clicks).count(200) == TICKETS
    wait_for(
        lambda: all(desk.case(t).case.state is State.SPAM for t in tids),
        60,
        "every click decided",
    )
    wait_for(
        lambda: all(desk.zendesk.ticket(t)["status"] in ("solved", "closed") for t in tids),
        60,
        "every ticket closed in Zendesk",
    )
    notes = Counter(t for t in tids for n in desk.zendesk.internal_notes(t) if "Spam" in n["body"])
    assert set(notes.values()) == {1}, "a decision noted twice"
