"""Escalation end to end: card → product thread → Mantenedor → diagnosis → user → RESOLVED."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from blocks import ids
from bot.composition import utcnow
from bot.domain.lifecycle import State
from testkit.example_desk import CHANNEL_MEMBER, MAINTAINER
from tests.harness import AGENT, STRANGER, text_value
from tests.support.flows import diagnose, escalate_new_ticket, take

PULSO_CHANNEL = "C0PULSO001"
OTHER_MAINTAINER = "U0MANT0002"


@pytest.fixture
def desk(desk_over_both):
    """Every scenario of this module runs over signed HTTP and over Socket Mode."""
    return desk_over_both


def user_messages(desk, tid: int) -> list[str]:
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


def respond(desk, tid: int, workaround: str = "") -> None:
    desk.click(ids.Action.RESPOND, tid)
    review = desk.submit(
        desk.opened_view(),
        {
            ids.Block.REQUIRED_INFO: text_value(""),
            ids.Block.USEFUL_INFO: text_value("El navegador que usa."),
            ids.Block.PLAIN_DIAGNOSIS: text_value(
                "El informe es demasiado grande para el sistema."
            ),
            ids.Block.EXPECTED_DATE: {
                "type": "datepicker",
                "selected_date": (utcnow() + timedelta(days=3)).date().isoformat(),
            },
            ids.Block.WORKAROUND: text_value(workaround),
        },
    ).json()
    assert review["response_action"] == "update", "the whole message is shown before it goes"
    [reply] = [b for b in review["view"]["blocks"] if b.get("block_id") == ids.Block.REPLY]
    desk.submit(review["view"], {ids.Block.REPLY: text_value(reply["element"]["initial_value"])})
    desk.run_jobs()


def test_escalation_opens_a_thread_in_the_product_channel(desk):
    tid = escalate_new_ticket(desk)
    record = desk.case(tid)
    assert record.case.state is State.ESCALATED
    [message] = [m for m in desk.slack.messages(PULSO_CHANNEL) if not m.get("thread_ts")]
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Error al exportar informe" in shown and "sospecho del worker" in shown
    assert ids.Action.TAKE_CASE in shown
    assert "<!channel>" not in shown, "the user's words must not ping the product channel"
    assert "Escalado" in desk.card_text(tid) and PULSO_CHANNEL in desk.card_text(tid)
    record = desk.case(tid)
    links = {c.params["message_ts"]: c for c in desk.slack.calls_to("chat.getPermalink")}
    assert set(links) == {record.card.ts, record.escalation.ts}, "one chat.getPermalink each"
    assert desk.slack.count("chat.getPermalink") == 2
    assert f"<{record.escalation.permalink}|Ver hilo del escalamiento>" in desk.card_text(tid)
    assert "https://slack.com/archives" not in desk.card_text(tid)
    zd = desk.zendesk.ticket(tid)
    # "waiting on maintainers" is `open` on a default account (no On-hold status there)
    assert zd["status"] == "open" and "soporte_escalado" in zd["tags"]
    assert zd["assignee_id"], "the escalating agent is the assignee, never the maintainer"
    assert any(
        "Escalado a mantenimiento de Pulso" in n["body"] for n in desk.zendesk.internal_notes(tid)
    )


def test_full_escalated_path_to_resolved(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    assert desk.case(tid).escalation.maintainer == MAINTAINER
    assert any(MAINTAINER in m["text"] for m in desk.escalation_thread(tid))
    assert any(MAINTAINER in m["text"] for m in desk.thread(tid))

    diagnose(desk, tid)
    desk.run_jobs()
    record = desk.case(tid)
    assert record.case.state is State.DIAGNOSED
    assert any("Diagnóstico" in m["text"] for m in desk.escalation_thread(tid))
    assert any("sin memoria" in m["text"] for m in desk.thread(tid))
    assert any("sin memoria" in n["body"] for n in desk.zendesk.internal_notes(tid))

    respond(desk, tid)
    [initial] = user_messages(desk, tid)
    assert "demasiado grande" in initial and "El navegador que usa." in initial
    assert "workaround" not in initial.lower() and "alternativa" not in initial.lower()
    assert desk.case(tid).case.state is State.IN_PROGRESS

    desk.click_in_thread(ids.Action.MARK_FIXED, tid, MAINTAINER)
    desk.submit(
        desk.opened_view(), {ids.Block.FIX_NOTE: text_value("Subimos la memoria.")}, user=MAINTAINER
    )
    desk.run_jobs()
    assert desk.case(tid).case.state is State.FIXED
    assert any("corregido" in m["text"] for m in desk.thread(tid))
    assert ids.Action.PROPOSE_RESOLUTION in desk.card_text(tid)

    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    view = desk.opened_view()
    assert "Subimos la memoria." in json.dumps(view, ensure_ascii=False)
    desk.submit(view, {ids.Block.REPLY: text_value("Ya corregimos el problema.")})
    desk.run_jobs()
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
    assert "7 días" in user_messages(desk, tid)[-1]
    assert desk.zendesk.ticket(tid)["status"] == "pending"

    desk.click(ids.Action.USER_CONFIRMED, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.RESOLVED
    assert desk.zendesk.ticket(tid)["status"] == "solved"
    assert len(user_messages(desk, tid)) == 2


def test_two_maintainers_race_one_owner(desk):
    tid = escalate_new_ticket(desk)
    barrier = threading.Barrier(2)

    def press(who: str) -> None:
        barrier.wait()
        desk.click_in_thread(ids.Action.TAKE_CASE, tid, who)

    threads = [threading.Thread(target=press, args=(u,)) for u in (MAINTAINER, OTHER_MAINTAINER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    desk.listeners.wait_idle()
    desk.run_jobs()
    owner = desk.case(tid).escalation.maintainer
    assert owner in (MAINTAINER, OTHER_MAINTAINER)
    loser = OTHER_MAINTAINER if owner == MAINTAINER else MAINTAINER
    told = desk.ephemerals(loser)
    assert told and owner in told[-1]
    owner_steps = [s for s in desk.case(tid).case.timeline if s.event.value == "take_case"]
    assert len(owner_steps) == 1


def test_only_maintainers_or_channel_members_take(desk):
    tid = escalate_new_ticket(desk)
    desk.slack.set_members(PULSO_CHANNEL, [MAINTAINER, CHANNEL_MEMBER])
    take(desk, tid, STRANGER)
    assert desk.case(tid).case.state is State.ESCALATED
    assert "responsables técnicos" in desk.ephemerals(STRANGER)[-1]
    desk.slack.faults.fail_next("conversations.members", error="internal_error")
    take(desk, tid, CHANNEL_MEMBER)
    assert desk.case(tid).case.state is State.ESCALATED, "a failed lookup must deny"
    take(desk, tid, CHANNEL_MEMBER)
    assert desk.case(tid).escalation.maintainer == CHANNEL_MEMBER


def test_only_the_owner_diagnoses(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    desk.click_in_thread(ids.Action.DIAGNOSE, tid, OTHER_MAINTAINER)
    desk.run_jobs()
    assert MAINTAINER in desk.ephemerals(OTHER_MAINTAINER)[-1]
    assert desk.case(tid).case.state is State.ASSIGNED


@pytest.mark.parametrize("estimate", ["pronto", "2020-01-01", ""])
def test_bad_estimate_is_refused_inline(desk, estimate):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    answer = diagnose(desk, tid, estimate).json()
    assert answer["response_action"] == "errors" and ids.Block.ESTIMATE in answer["errors"]
    assert desk.case(tid).case.state is State.ASSIGNED


def test_diagnosis_revisions_are_kept(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    diagnose(desk, tid, "3 días")
    diagnose(desk, tid, "2 semanas")
    desk.run_jobs()
    record = desk.case(tid)
    assert [d.estimate_text for d in record.escalation.diagnoses] == ["3 días", "2 semanas"]
    assert [s.event.value for s in record.case.timeline].count("diagnose") == 2


def test_relays_both_ways_and_retried_event_once(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    desk.zendesk.add_user_comment(tid, "Adjunto más detalles del error.")
    desk.intake()
    assert any("más detalles" in m["text"] for m in desk.thread(tid))
    assert any("más detalles" in m["text"] for m in desk.escalation_thread(tid))
    esc = desk.case(tid).escalation
    event = {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "text": "Ya veo el problema en los logs.",
        "ts": f"{time.time():.6f}",
        "thread_ts": esc.ts,
    }
    for retry in (None, 1, 2, 3):
        assert desk.event(event, "Ev0RELAY01", retry_num=retry).status_code == 200
    desk.run_jobs()
    relayed = [m for m in desk.thread(tid) if "logs" in m["text"]]
    assert len(relayed) == 1
    assert all("logs" not in c["body"] for c in desk.zendesk.public_comments(tid))


def test_unhappy_reply_reopens_and_tells_the_maintainer(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    diagnose(desk, tid)
    desk.run_jobs()
    respond(desk, tid)
    desk.click(ids.Action.PROPOSE_RESOLUTION, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("Ya está corregido.")})
    desk.run_jobs()
    desk.zendesk.add_user_comment(tid, "No, sigue fallando.")
    desk.intake()
    assert desk.case(tid).case.state is State.USER_ANSWERED, "the agent reads it first"
    assert any("sigue fallando" in m["text"] for m in desk.escalation_thread(tid))
    desk.click(ids.Action.NOT_FIXED, tid)
    desk.run_jobs()
    assert desk.case(tid).case.state is State.IN_PROGRESS
    assert any("problema sigue" in m["text"] for m in desk.escalation_thread(tid))


@pytest.mark.window("7d")
def test_non_agent_cannot_escalate_or_answer(desk):
    tid = escalate_new_ticket(desk)
    desk.click(ids.Action.RESPOND, tid, STRANGER)
    desk.run_jobs()
    assert desk.ephemerals(STRANGER)


def scheduled_at(desk, job_id: str) -> float | None:
    """When RQ will run a scheduled job (None if it is not scheduled)."""
    score = desk.rt.redis.zscore(desk.rt.queue.scheduled_job_registry.key, job_id)
    return score


def run_now(desk, func: str, *args) -> None:
    """Run a reminder job now, as RQ's scheduler would at its time."""
    desk.rt.queue.enqueue(func, *args)
    desk.run_jobs()


def test_unclaimed_escalation_pings_the_channel_until_taken(desk):
    tid = escalate_new_ticket(desk)
    due = scheduled_at(desk, f"remind-unclaimed-{tid}-1")
    assert due is not None and abs(due - (time.time() + 2 * 3600)) < 60
    run_now(desk, "workers.reminders.remind_unclaimed", tid, 1)
    pings = [m for m in desk.escalation_thread(tid) if "nadie lo ha tomado" in m["text"]]
    assert len(pings) == 1
    assert scheduled_at(desk, f"remind-unclaimed-{tid}-2") is not None, "it pings again later"
    take(desk, tid)
    run_now(desk, "workers.reminders.remind_unclaimed", tid, 2)
    pings = [m for m in desk.escalation_thread(tid) if "nadie lo ha tomado" in m["text"]]
    assert len(pings) == 1, "a taken case is not pinged"


@pytest.mark.env(REMIND_DIAGNOSIS_AFTER="90m")
def test_taken_case_without_diagnosis_pings_the_maintainer_until_diagnosed(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    due = scheduled_at(desk, f"remind-diagnosis-{tid}")
    assert due is not None and abs(due - (time.time() + 90 * 60)) < 60
    run_now(desk, "workers.reminders.remind_undiagnosed", tid)
    [ping] = [m for m in desk.escalation_thread(tid) if "aún no tiene diagnóstico" in m["text"]]
    assert MAINTAINER in ping["text"]
    diagnose(desk, tid)
    run_now(desk, "workers.reminders.remind_undiagnosed", tid)
    pings = [m for m in desk.escalation_thread(tid) if "aún no tiene diagnóstico" in m["text"]]
    assert len(pings) == 1, "a diagnosed case is not pinged"


def test_passed_estimate_pings_maintainer_and_agent(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    diagnose(desk, tid, "1 hora")
    desk.run_jobs()
    record = desk.case(tid)
    index = len(record.escalation.diagnoses)
    desk.rt.queue.enqueue("workers.reminders.remind_estimate", tid, index)
    desk.run_jobs()
    assert [m for m in desk.escalation_thread(tid) if "ya pasó" in m["text"]]
    assert [m for m in desk.thread(tid) if "ya pasó" in m["text"]]
    diagnose(desk, tid, "2 semanas")
    desk.run_jobs()
    before = len(desk.escalation_thread(tid))
    desk.rt.queue.enqueue("workers.reminders.remind_estimate", tid, index)
    desk.run_jobs()
    assert not [m for m in desk.escalation_thread(tid)[before:] if "ya pasó" in m["text"]], (
        "a revised estimate silences the old reminder"
    )


def test_user_without_news_reminds_the_agent_unless_updated(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    diagnose(desk, tid)
    desk.run_jobs()
    respond(desk, tid)
    replies = len(desk.case(tid).replies)
    due = scheduled_at(desk, f"remind-update-{tid}-{replies}")
    assert due is not None and abs(due - (time.time() + 3 * 86400)) < 60
    run_now(desk, "workers.reminders.remind_user_update", tid, replies)
    reminders = [m for m in desk.thread(tid) if "sin novedades" in m["text"]]
    assert len(reminders) == 1 and AGENT in reminders[0]["text"]
    respond(desk, tid, workaround="Exporte por partes.")
    run_now(desk, "workers.reminders.remind_user_update", tid, replies)
    assert len([m for m in desk.thread(tid) if "sin novedades" in m["text"]]) == 1


def thread_event(desk, tid: int, **fields) -> dict:
    esc = desk.case(tid).escalation
    return {
        "type": "message",
        "channel": esc.channel,
        "user": MAINTAINER,
        "ts": f"{time.time():.6f}",
        "thread_ts": esc.ts,
        **fields,
    }


def test_maintainer_screenshot_broadcast_mention_and_link_reach_the_agent(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    screenshot = {
        "id": "F0SHOT01",
        "name": "error-500.png",
        "title": "error 500 en exportación",
        "mimetype": "image/png",
        "permalink": "https://fake.slack.com/files/U0MANT0001/F0SHOT01/error-500.png",
    }
    events = [
        thread_event(desk, tid, subtype="file_share", text="Mira esto", files=[screenshot]),
        thread_event(
            desk,
            tid,
            subtype="thread_broadcast",
            text="<@U0MANT0002> revisa <https://logs.example.com/x|los logs> <!channel> <!here>",
        ),
    ]
    for n, event in enumerate(events):
        assert desk.event(event, f"Ev0SUBTYPE{n}").status_code == 200
    desk.run_jobs()
    shot = next(m["text"] for m in desk.thread(tid) if "Mira esto" in m["text"])
    assert f"<{screenshot['permalink']}|error 500 en exportación>" in shot
    broadcast = next(m["text"] for m in desk.thread(tid) if "revisa" in m["text"])
    assert "también lo envió al canal" in broadcast
    assert "<@U0MANT0002>" in broadcast and "<https://logs.example.com/x|los logs>" in broadcast
    assert "<!channel>" not in broadcast and "<!here>" not in broadcast
    assert "@channel" in broadcast and "@here" in broadcast


def test_edited_and_deleted_replies_rewrite_their_copy(desk):
    tid = escalate_new_ticket(desk)
    take(desk, tid)
    original = thread_event(desk, tid, text="Es el worker de PDF.")
    desk.event(original, "Ev0EDIT0001")
    desk.run_jobs()
    [copy] = [m for m in desk.thread(tid) if "worker de PDF" in m["text"]]
    edited = {**original, "text": "Es el worker de PDF, y la cola.", "edited": {"user": MAINTAINER}}
    change = thread_event(
        desk, tid, subtype="message_changed", message=edited, previous_message=original
    )
    del change["user"], change["thread_ts"]
    unfurl = {**change, "message": {**original, "attachments": [{"id": 1}]}}
    desk.event(change, "Ev0EDIT0002")
    desk.event(unfurl, "Ev0EDIT0003")
    desk.run_jobs()
    now = desk.slack.message(desk.case(tid).card.channel, copy["ts"])
    assert "y la cola" in now["text"] and "(editado)" in now["text"]
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": original["channel"],
        "hidden": True,
        "deleted_ts": original["ts"],
        "ts": f"{time.time():.6f}",
        "previous_message": edited,
    }
    desk.event(deleted, "Ev0EDIT0004")
    desk.run_jobs()
    now = desk.slack.message(desk.case(tid).card.channel, copy["ts"])
    assert "borró este mensaje" in now["text"] and "worker de PDF" not in now["text"]
    assert len([m for m in desk.thread(tid) if "hilo de mantenimiento" in m["text"]]) == 1
