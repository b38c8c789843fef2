"""A job that Zendesk or Slack refuses for good ends at once and tells the agents, once."""

from __future__ import annotations

from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from blocks import ids
from tests.harness import AGENTS_CHANNEL, Desk, text_value


def test_a_webhook_for_a_ticket_zendesk_does_not_have_ends_its_job_and_tells_the_agents(
    desk: Desk,
) -> None:
    assert desk.webhook({"ticket_id": 99999}).status_code == 202
    desk.run_jobs(horizon=3)

    asked = [r for r in desk.zendesk.requests if "/tickets/99999" in r.path]
    assert [r.status for r in asked] == [404], "asked once, not retried for an hour"
    assert len(FailedJobRegistry(queue=desk.rt.queue)) == 1
    assert len(ScheduledJobRegistry(queue=desk.rt.queue)) == 0
    told = [m["text"] for m in desk.slack.messages(AGENTS_CHANNEL) if "#99999" in m["text"]]
    assert len(told) == 1
    assert "404" in told[0] and "webhook" in told[0]

    desk.webhook({"ticket_id": 99999, "again": True})  # Zendesk says so once more
    desk.run_jobs()
    assert len([m for m in desk.slack.messages(AGENTS_CHANNEL) if "#99999" in m["text"]]) == 1


def test_a_card_slack_no_longer_has_is_not_updated_for_an_hour_and_the_thread_is_told(
    desk: Desk,
) -> None:
    tid = desk.new_ticket()
    desk.intake()
    desk.slack.faults.fail_next("chat.update", status=200, error="message_not_found")
    desk.click(ids.Action.UNSUPPORTED, tid)
    desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro producto.")})
    desk.run_jobs(horizon=3)

    failed = FailedJobRegistry(queue=desk.rt.queue)
    assert [j.split("-")[0] for j in failed.get_job_ids()] == ["card"]
    thread = [m["text"] for m in desk.thread(tid)]
    assert any("actualizar la tarjeta" in t and "message_not_found" in t for t in thread)
    assert desk.case(tid).replies[0].sent_at is not None, "the reply itself went out"


def test_a_zendesk_outage_is_still_retried(desk: Desk) -> None:
    desk.zendesk.faults.fail_next("/tickets/", method="GET", status=503)
    tid = desk.zendesk.add_ticket("Hola", "Ayuda", desk.zendesk.add_user("A", "a@example.com"))
    desk.webhook({"ticket_id": tid})
    desk.run_jobs(horizon=3)
    assert desk.case(tid) is not None and desk.case(tid).card is not None
    assert len(FailedJobRegistry(queue=desk.rt.queue)) == 0
