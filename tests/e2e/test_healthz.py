"""/healthz names every part the desk needs and says 200 only when all of them work."""

from __future__ import annotations

import re

import requests
from rq import Worker

from bot.adapters.health import record_probe
from tests.harness import Desk


def health(desk: Desk) -> tuple[int, dict]:
    answer = requests.get(f"{desk.url}/healthz", timeout=5)
    return answer.status_code, answer.json()


def test_a_desk_without_workers_cron_or_probes_is_not_healthy(desk: Desk) -> None:
    status, report = health(desk)
    assert status == 503
    assert report["failing"] == ["workers", "scheduler", "cron", "intake", "zendesk", "slack"]
    assert report["checks"]["redis"]["ok"] is True
    assert report["checks"]["intake"]["detail"] == "no intake has run yet"


def test_the_probe_and_the_intake_clear_their_parts(desk: Desk) -> None:
    desk.intake()
    desk.rt.queue.enqueue("workers.health.probe_services")
    desk.run_jobs()
    _, report = health(desk)
    assert report["checks"]["intake"]["ok"] is True
    zendesk = report["checks"]["zendesk"]
    assert zendesk["ok"] is True
    # the probe ran moments ago: 0 s, or 1 s when the clock ticks between probe and read
    assert re.fullmatch(r"signed in as a Zendesk admin \(checked [01] s ago\)", zendesk["detail"])
    assert report["checks"]["slack"]["ok"] is True
    assert set(report["failing"]) == {"workers", "scheduler", "cron"}


def test_refused_credentials_show_in_the_zendesk_part(desk: Desk) -> None:
    desk.zendesk.token = "rotated-token"  # someone rotated the API token in Zendesk
    desk.rt.queue.enqueue("workers.health.probe_services")
    desk.run_jobs()
    _, report = health(desk)
    assert report["checks"]["zendesk"]["ok"] is False
    assert "401" in report["checks"]["zendesk"]["detail"]
    record_probe(desk.rt.redis, "slack", True, "ok", at=1.0)  # a probe from long ago
    _, report = health(desk)
    assert report["checks"]["slack"]["ok"] is False
    assert report["checks"]["slack"]["detail"].startswith("last checked")


def test_workers_that_do_not_read_the_click_queue_fail_the_workers_part(desk: Desk) -> None:
    """A deployment whose `rq worker` names only `soporte` would leave every click waiting."""
    old = Worker([desk.rt.queue], connection=desk.rt.redis, name="only-soporte")
    old.register_birth()
    old.heartbeat()
    try:
        _, report = health(desk)
        workers = report["checks"]["workers"]
        assert workers == {
            "ok": False,
            "detail": "no RQ worker reads soporte-clicks (its jobs wait)",
        }

        both = Worker(desk.rt.worker_queues(), connection=desk.rt.redis, name="as-the-procfile")
        both.register_birth()
        both.heartbeat()
        try:
            _, report = health(desk)
            assert report["checks"]["workers"]["ok"] is True
            assert report["checks"]["workers"]["detail"].startswith("2 alive")
        finally:
            both.register_death()
    finally:
        old.register_death()
