"""The weekly summary, end to end: posted once in the agents' channel at the week's opening,
however often `rq cron` runs the job, and never twice after a lost answer.

The desk here opens only on today's weekday, all day: the week's first opening is today at
00:00 (desk time), which has passed, so the summary is due now.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from blocks import ids
from testkit.catalogs import WEEKDAYS
from tests.desk_calendar import desk_with
from tests.harness import AGENTS_CHANNEL, option, text_value
from tests.support.flows import escalate

SANTIAGO = ZoneInfo("America/Santiago")
TODAY = datetime.now(SANTIAGO).date()
OPENING = datetime.combine(TODAY, datetime.min.time(), tzinfo=SANTIAGO)
EVENT = "soporte_weekly_summary"


def today_only() -> str:
    hours = "".join(
        f'{day} = "00:00-24:00"\n' if n == TODAY.weekday() else f"{day} = []\n"
        for n, day in enumerate(WEEKDAYS)
    )
    return f"[calendar.hours]\n{hours}"


@pytest.fixture
def desk(desk_env, slack, zendesk, tmp_path) -> Iterator:
    with desk_with(desk_env, slack, zendesk, tmp_path, calendar=today_only()) as running:
        yield running


def summaries_posted(desk) -> list[dict]:
    return [
        m
        for m in desk.slack.messages(AGENTS_CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == EVENT
    ]


def run_cron_job(desk) -> None:
    desk.rt.queue.enqueue("workers.weekly_summary.post_weekly_summary")
    desk.run_jobs()


def last_week(desk) -> None:
    """Two tickets of last week: one answered with information, one escalated."""
    created = OPENING.astimezone(UTC) - timedelta(hours=1)
    tickets = []
    for n in range(2):
        user = desk.zendesk.add_user("Ana Pérez", f"ana{n}@example.com")
        tickets.append(desk.zendesk.add_ticket("Consulta", "Hola", user, created_at=created))
    desk.intake()
    info, escalated = tickets
    desk.click(ids.Action.INFORMATION, info)
    desk.submit(
        desk.opened_view(),
        {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value("Vea la guía.")},
    )
    escalate(desk, escalated, notes="Falla el PDF.")


def test_the_weekly_summary_is_posted_once(desk):
    last_week(desk)
    run_cron_job(desk)
    run_cron_job(desk)
    [message] = summaries_posted(desk)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "*Casos recibidos:* 2" in text
    assert "• Resolver con información: 1" in text and "• Escalar a responsable técnico: 1" in text
    assert "• Pulso: 1 (1 de menos de 1 día)" in text, "open escalations by product and age"
    assert "*Plazos · últimos 7 días*" in text
    assert message["metadata"]["event_payload"] == {"week": OPENING.date().isoformat()}
    assert desk.rt.redis.get(f"soporte:weekly-summary:{OPENING.date().isoformat()}").startswith(
        b"posted "
    )


def test_after_a_lost_answer_the_posted_summary_is_found_by_its_metadata(desk):
    key = f"soporte:weekly-summary:{OPENING.date().isoformat()}"
    # An earlier run claimed the week and posted, but never heard Slack's answer.
    desk.rt.redis.set(key, f"claimed {time.time() - 600}")
    desk.rt.slack.chat_postMessage(
        channel=AGENTS_CHANNEL,
        text="Resumen semanal",
        metadata={"event_type": EVENT, "event_payload": {"week": OPENING.date().isoformat()}},
    )
    run_cron_job(desk)
    assert len(summaries_posted(desk)) == 1, "found by its metadata: not posted again"
    assert desk.rt.redis.get(key).startswith(b"posted ")


def test_a_claim_that_never_posted_is_taken_over(desk):
    key = f"soporte:weekly-summary:{OPENING.date().isoformat()}"
    desk.rt.redis.set(key, f"claimed {time.time() - 600}")  # its worker died before posting
    run_cron_job(desk)
    run_cron_job(desk)
    assert len(summaries_posted(desk)) == 1


def test_a_fresh_claim_is_left_to_the_run_that_holds_it(desk):
    key = f"soporte:weekly-summary:{OPENING.date().isoformat()}"
    desk.rt.redis.set(key, f"claimed {time.time()}")  # another cron process is posting now
    run_cron_job(desk)
    assert summaries_posted(desk) == []
