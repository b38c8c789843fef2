"""The end-to-end harness: the real app, a real Redis, a real RQ worker, fake Slack and Zendesk.

Requests into the app are signed exactly as Slack signs them; jobs run in a real RQ worker;
the real slack_sdk and zenpy clients talk HTTP to the local fakes.

What the benchmarks share with the tests (the fakes, the example desk, Slack's requests)
lives in `testkit/`; this module re-exports the names a test needs with its `Desk`, so a
test imports its harness from one place.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import requests
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from app import create_app, create_wsgi, serve_http
from bot.composition import Runtime
from bot.domain.case import CaseRecord
from testkit.example_desk import (
    AGENT,
    AGENTS_CHANNEL,
    CATALOG,
    OTHER_AGENT,
    STRANGER,
    WEBHOOK_SECRET,
    desk_environment,
)
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake, sign_webhook
from testkit.slack_requests import (
    SIGNING_SECRET,
    click_payload,
    interactive_body,
    option,
    signed_headers,
    slack_signature,
    submission_payload,
    text_value,
)

__all__ = [
    "AGENT",
    "AGENTS_CHANNEL",
    "CATALOG",
    "OTHER_AGENT",
    "SIGNING_SECRET",
    "STRANGER",
    "WEBHOOK_SECRET",
    "Desk",
    "TrackingExecutor",
    "click_payload",
    "desk_environment",
    "interactive_body",
    "option",
    "signed_headers",
    "slack_signature",
    "submission_payload",
    "text_value",
]


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, able to tell when every listener has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=8)
        self._futures: list[Future[Any]] = []
        self.submitted = 0  # listeners run so far

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self._futures.append(future)
        self.submitted += 1
        return future

    def wait_idle(self, timeout: float = 10.0) -> None:
        wait(list(self._futures), timeout=timeout)
        self._futures = [f for f in self._futures if not f.done()]


class BurstWorker(SimpleWorker):
    """RQ's SimpleWorker without the pub/sub channel it listens on for remote commands (kill
    the horse, stop): a burst run inside the test process receives none, and stopping that
    listener's thread costs a third of a second a run. Jobs run exactly as in any worker."""

    def subscribe(self) -> None:
        """No remote commands for a burst run in the test process."""

    def unsubscribe(self) -> None:
        """Nothing was subscribed."""


class Desk:
    """One running desk for a test: send it Slack and Zendesk traffic, run its jobs, look."""

    def __init__(self, rt: Runtime, slack: SlackFake, zendesk: ZendeskFake) -> None:
        self.rt = rt
        self.slack = slack
        self.zendesk = zendesk
        self.listeners = TrackingExecutor()
        app = create_app(rt, listener_executor=self.listeners)
        self.server = serve_http(create_wsgi(rt, app), 0, host="127.0.0.1")
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._triggers = 0

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.listeners.shutdown(wait=True)

    # --- Slack traffic, signed ----------------------------------------------------------

    def post_signed(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        sent = {
            **signed_headers(body, content_type, secret=secret, timestamp=timestamp),
            **(headers or {}),
        }
        response = requests.post(f"{self.url}/slack/events", data=body.encode(), headers=sent)
        self.listeners.wait_idle()
        return response

    def _interactive(self, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.post_signed(
            interactive_body(payload), "application/x-www-form-urlencoded", **kwargs
        )

    def _trigger(self) -> str:
        self._triggers += 1
        return self.slack.issue_trigger()

    def click(
        self, action_id: str, ticket_id: int, user: str = AGENT, **kwargs: Any
    ) -> requests.Response:
        """Press a card button as `user` does in Slack."""
        record = self.case(ticket_id)
        ts = record.card.ts if record and record.card else "1.0"
        return self._click(action_id, ticket_id, user, AGENTS_CHANNEL, ts, **kwargs)

    def click_in_thread(
        self, action_id: str, ticket_id: int, user: str, **kwargs: Any
    ) -> requests.Response:
        """Press a button of the escalation message in the product channel."""
        record = self.case(ticket_id)
        assert record and record.escalation and record.escalation.ts, "not escalated yet"
        esc = record.escalation
        return self._click(action_id, ticket_id, user, esc.channel, esc.ts, **kwargs)

    def _click(
        self, action_id: str, ticket_id: int, user: str, channel: str, ts: str, **kwargs: Any
    ) -> requests.Response:
        trigger = self._trigger()
        payload = click_payload(
            action_id,
            ticket_id,
            user,
            channel,
            ts,
            trigger_id=trigger,
            response_url=self.slack.response_url(f"click-{self._triggers}-{user}"),
        )
        return self._interactive(payload, **kwargs)

    def event(
        self, event: dict[str, Any], event_id: str, retry_num: int | None = None
    ) -> requests.Response:
        """Deliver an Events API callback (Slack retries carry X-Slack-Retry-Num)."""
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0TEST",
                "api_app_id": "A0SOPORTE",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post_signed(body, "application/json", headers=headers)

    def opened_view(self, index: int = -1) -> dict[str, Any]:
        return self.slack.calls_to("views.open")[index].params["view"]

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        user: str = AGENT,
        **kwargs: Any,
    ) -> requests.Response:
        """Submit a modal the app opened, with `values` as {block_id: element state}."""
        payload = submission_payload(
            view["callback_id"],
            view.get("private_metadata", ""),
            values,
            user,
            trigger_id=self._trigger(),
        )
        return self._interactive(payload, **kwargs)

    def command(self, text: str, user: str = AGENT, **kwargs: Any) -> requests.Response:
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0TEST",
                "channel_id": AGENTS_CHANNEL,
                "user_id": user,
                "command": "/soporte",
                "text": text,
                "response_url": self.slack.response_url("command"),
                "trigger_id": self._trigger(),
            }
        )
        return self.post_signed(body, "application/x-www-form-urlencoded", **kwargs)

    # --- Zendesk traffic -----------------------------------------------------------------

    def webhook(self, payload: Any, *, secret: str = WEBHOOK_SECRET) -> requests.Response:
        body = json.dumps(payload).encode()
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature": sign_webhook(secret, body, stamp),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
        return requests.post(f"{self.url}/zendesk/webhook", data=body, headers=headers)

    def new_ticket(
        self,
        subject: str = "No puedo entrar a Pulso",
        body: str = "Me sale error 500.",
        org: str | None = "Municipalidad de Ejemplo",
        name: str | None = "Ana Pérez",
        email: str = "ana@example.com",
        org_id: int | None = None,
    ) -> int:
        """A ticket as an end user creates it by e-mail."""
        if org_id is None and org is not None:
            org_id = self.zendesk.add_organization(org)
        user = self.zendesk.add_user(name, email, organization_id=org_id)
        return self.zendesk.add_ticket(subject, body, user)

    # --- jobs ----------------------------------------------------------------------------

    def run_jobs(self, horizon: float = 0.0, max_wait: float = 30.0) -> None:
        """Run every queued job; also wait for scheduled ones due within `horizon` seconds."""
        deadline = time.monotonic() + max_wait
        queues = self.rt.worker_queues()
        registries = [ScheduledJobRegistry(queue=queue) for queue in queues]
        while True:
            worker = BurstWorker(queues, connection=self.rt.redis)
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            due_by = int(time.time() + horizon)
            due = [job for r in registries for job in r.get_jobs_to_schedule(due_by)]
            queued = sum(queue.count for queue in queues)
            if not due and queued == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs still pending after {max_wait}s: {due}")
            if queued == 0:
                time.sleep(0.05)

    def intake(self) -> None:
        """One run of the periodic intake (as `rq cron` enqueues it), then its jobs."""
        self.rt.queue.enqueue("workers.intake.poll_intake")
        self.run_jobs()

    # --- looking -------------------------------------------------------------------------

    def case(self, ticket_id: int) -> CaseRecord | None:
        return self.rt.store.get(ticket_id)

    def cards(self) -> list[dict[str, Any]]:
        return [m for m in self.slack.messages(AGENTS_CHANNEL) if not m.get("thread_ts")]

    def card_of(self, ticket_id: int) -> dict[str, Any]:
        record = self.case(ticket_id)
        assert record and record.card, f"ticket {ticket_id} has no card"
        message = self.slack.message(record.card.channel, record.card.ts)
        assert message is not None
        return message

    def card_text(self, ticket_id: int) -> str:
        return json.dumps(self.card_of(ticket_id).get("blocks"), ensure_ascii=False)

    def thread(self, ticket_id: int) -> list[dict[str, Any]]:
        record = self.case(ticket_id)
        assert record and record.card
        return [
            m
            for m in self.slack.messages(record.card.channel)
            if m.get("thread_ts") == record.card.ts and m["ts"] != record.card.ts
        ]

    def escalation_thread(self, ticket_id: int) -> list[dict[str, Any]]:
        record = self.case(ticket_id)
        assert record and record.escalation and record.escalation.ts
        esc = record.escalation
        return [
            m
            for m in self.slack.messages(esc.channel)
            if m.get("thread_ts") == esc.ts and m["ts"] != esc.ts
        ]

    def ephemerals(self, user: str) -> list[str]:
        """What `user` was told privately: ephemerals and answers to their clicks."""
        direct = [e.get("text", "") for e in self.slack.ephemerals(user=user)]
        answers = [
            body.get("text", "")
            for key, body in self.slack.responses_by_key()
            if key.endswith(f"-{user}") and body.get("response_type") == "ephemeral"
        ]
        return direct + answers
