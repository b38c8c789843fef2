"""Nothing secret or private leaks into logs, and ticket text stays in the two
channels where it belongs. Every other fault test's logs are scanned for the desk's secrets
by the suite itself, after its last test (tests/faults/conftest.py)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from blocks import ids
from bot.composition import utcnow
from bot.domain.lifecycle import State
from testkit.example_desk import MAINTAINER, PULSO_CHANNEL
from testkit.waiting import wait_for
from tests.harness import (
    AGENTS_CHANNEL,
    SIGNING_SECRET,
    STRANGER,
    Desk,
    option,
    text_value,
)
from tests.support.flows import diagnose
from tests.support.leaks import desk_secrets, leaks_in
from tests.support.workers import WorkerProcess, Workers

EMAIL = "zoe.quintana.7f3k@cliente-privado.example"
BODY = "TEXTO-PRIVADO-7Q2X no puedo exportar el informe mensual"
COMMENT = "COMENTARIO-PRIVADO-5K9 adjunto la captura del error"
BODY_MARKERS = ("TEXTO-PRIVADO-7Q2X", "COMENTARIO-PRIVADO-5K9")
ALLOWED_CHANNELS = {AGENTS_CHANNEL, PULSO_CHANNEL}


# A job retried soon (a channel's pacing lock was busy under load) is still work to wait for.
RETRY_HORIZON = 5


def settle(desk: Desk, worker: WorkerProcess) -> None:
    """Wait until the worker process has run everything queued or due within seconds (and
    it is still alive)."""

    def idle() -> bool:
        assert worker.alive(), worker.output()[-2000:]
        soon = int(time.time() + RETRY_HORIZON)
        return all(
            queue.count == 0
            and not queue.intermediate_queue.get_job_ids()
            and len(StartedJobRegistry(queue=queue)) == 0
            and not ScheduledJobRegistry(queue=queue).get_jobs_to_schedule(soon)
            for queue in desk.rt.worker_queues()
        )

    def idle_twice() -> bool:
        if not idle():
            return False
        time.sleep(0.15)
        return idle()

    wait_for(idle_twice, 20, "the worker to run the queued jobs", interval=0.1)


def slack_outputs(desk: Desk) -> list[tuple[str, str, str]]:
    """(kind, channel or user, JSON) of everything the bot sent to Slack."""
    found = []
    for call in desk.slack.calls:
        where = str(call.params.get("channel") or call.params.get("user_id") or "")
        found.append((call.method, where, json.dumps(call.params, ensure_ascii=False)))
    for key, body in desk.slack.responses_by_key():
        found.append(("response_url", key, json.dumps(body, ensure_ascii=False)))
    return found


def run_flow(desk: Desk, worker: WorkerProcess, steps: list[Callable[[], Any]]) -> None:
    for step in steps:
        step()
        desk.listeners.wait_idle()
        settle(desk, worker)


@pytest.mark.slow
def test_no_secret_or_email_in_logs_and_ticket_text_only_in_its_channels(
    desk: Desk, desk_env: dict[str, str], workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    """A representative flow with a distinctive requester e-mail and ticket text
    (webhook and intake, card, escalation, Mantenedor, diagnosis, the user's new comment
    relayed both ways, the initial response, a stranger opening the Home), its jobs run by
    a real worker process. Then every log line of the flow (this test at DEBUG, its worker
    process) and everything the bot sent to Slack is scanned: no secret anywhere, no
    requester e-mail in any log, and the ticket's text only in the agents' channel and the
    product channel."""
    caplog.set_level(logging.DEBUG)
    worker = workers.start(desk_env)
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(
        subject="Falla al exportar", body=BODY, name="Zoe Quintana", email=EMAIL, org_id=org
    )

    def escalate() -> None:
        desk.click(ids.Action.ESCALATE, tid)
        desk.submit(
            desk.opened_view(),
            {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value("Ver el export.")},
        )

    def diagnosis() -> None:
        diagnose(desk, tid)

    def respond() -> None:
        desk.click(ids.Action.RESPOND, tid)
        review = desk.submit(
            desk.opened_view(),
            {
                ids.Block.REQUIRED_INFO: text_value(""),
                ids.Block.USEFUL_INFO: text_value("El navegador que usa."),
                ids.Block.PLAIN_DIAGNOSIS: text_value("El informe es demasiado grande."),
                ids.Block.EXPECTED_DATE: {
                    "type": "datepicker",
                    "selected_date": (utcnow() + timedelta(days=3)).date().isoformat(),
                },
                ids.Block.WORKAROUND: text_value(""),
            },
        ).json()["view"]
        [reply] = [b for b in review["blocks"] if b.get("block_id") == ids.Block.REPLY]
        desk.submit(review, {ids.Block.REPLY: text_value(reply["element"]["initial_value"])})

    home = {"type": "app_home_opened", "user": STRANGER, "tab": "home", "channel": "D0STRANGER"}
    run_flow(
        desk,
        worker,
        [
            lambda: desk.webhook({"ticket_id": tid}),
            lambda: desk.rt.queue.enqueue("workers.intake.poll_intake"),
            escalate,
            lambda: desk.click_in_thread(ids.Action.TAKE_CASE, tid, MAINTAINER),
            diagnosis,
            lambda: desk.zendesk.add_user_comment(tid, COMMENT),
            lambda: desk.webhook({"ticket_id": tid}),
            respond,
            lambda: desk.event(home, f"Ev0HOME{int(time.time())}"),
        ],
    )
    worker.stop()
    record = desk.case(tid)
    assert record.case.state is State.IN_PROGRESS, "the flow ran to the initial response"
    assert any(COMMENT[:20] in m["text"] for m in desk.thread(tid))
    assert any(COMMENT[:20] in m["text"] for m in desk.escalation_thread(tid))

    # --- logs -------------------------------------------------------------------------------
    own = [r.getMessage() for r in caplog.records] + [
        f"{r.exc_text or ''}" for r in caplog.records if r.exc_text
    ]
    assert "post_card" in worker.output(), "the worker's own log was captured"
    everything = {"this test": "\n".join(own), "its worker": worker.output()}
    assert desk_secrets(desk_env)["SLACK_SIGNING_SECRET"] == SIGNING_SECRET
    assert leaks_in(everything, desk_secrets(desk_env)) == []
    with_email = [where for where, text in everything.items() if EMAIL in text]
    assert with_email == [], f"the requester's e-mail appears in {with_email}"

    # --- what the bot sent to Slack ---------------------------------------------------------
    outputs = slack_outputs(desk)
    sent = {f"{kind} {where}": text for kind, where, text in outputs}
    assert leaks_in(sent, desk_secrets(desk_env)) == [], "a secret sent to Slack"
    carrying = [(k, where) for k, where, text in outputs if any(m in text for m in BODY_MARKERS)]
    assert {where for _, where in carrying} >= {AGENTS_CHANNEL, PULSO_CHANNEL}, carrying
    outside = [
        (kind, where)
        for kind, where in carrying
        if where not in ALLOWED_CHANNELS and kind not in ("views.open", "views.update")
    ]
    assert outside == [], f"ticket text outside the agents' and product channels: {outside}"
    stranger_home = [
        text for kind, where, text in outputs if kind == "views.publish" and where == STRANGER
    ]
    assert stranger_home, "the stranger's Home was published"
    assert not [t for t in stranger_home if any(m in t for m in BODY_MARKERS)]


@pytest.mark.slow
def test_requester_email_in_the_users_own_words_stays_out_of_logs(
    desk: Desk, desk_env: dict[str, str], workers: Workers
) -> None:
    """The user answers with their address at the start of the message ("Mi
    correo es …"), as people do. Relaying it to the card's thread must not write the
    requester's e-mail to the worker's log (as the Procfile runs it: INFO). `rq worker` logs
    every job's description; bot.adapters.queue.describe keeps texts out of it."""
    email = "zq7k@priv.cl"  # a short address: RQ cuts each logged argument at 75 characters
    worker = workers.start(desk_env)
    tid = desk.new_ticket(subject="Falla", body="Hola", email=email)
    run_flow(
        desk,
        worker,
        [
            lambda: desk.rt.queue.enqueue("workers.intake.poll_intake"),
            lambda: desk.zendesk.add_user_comment(tid, f"Mi correo es {email}, escríbanme."),
            lambda: desk.webhook({"ticket_id": tid}),
        ],
    )
    worker.stop()
    assert any("Mi correo es" in m["text"] for m in desk.thread(tid)), "the relay happened"
    assert email not in worker.output()
