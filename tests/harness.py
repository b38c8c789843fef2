"""The end-to-end harness: the real app, a real Redis, a real RQ worker, fake Slack and Zendesk.

Requests into the app are signed exactly as Slack signs them; jobs run in a real RQ worker;
the real slack_sdk and zenpy clients talk HTTP to the local fakes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from app import create_app, create_wsgi, serve_http
from blocks import ids
from bot.composition import Runtime
from bot.domain.case import CaseRecord
from tests.desk_calendar import always_open_catalog
from tests.fakes.slack_api import SlackFake
from tests.fakes.zendesk_api import ZendeskFake, sign_webhook

SIGNING_SECRET = "test-signing-secret"
WEBHOOK_SECRET = "test-webhook-secret"
AGENT = "U0AGENT001"
OTHER_AGENT = "U0AGENT002"
STRANGER = "U0STRANGER"
AGENTS_CHANNEL = "C0AGENTS01"
CATALOG = Path(__file__).resolve().parent.parent / "catalog.example.toml"


def desk_environment(
    slack: SlackFake, zendesk: ZendeskFake, redis_url: str, **extra: str
) -> dict[str, str]:
    """The environment of a desk wired to these fakes and this Redis (tests and bench)."""
    return {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "ZENDESK_URL": zendesk.url,
        "ZENDESK_EMAIL": "bot@example.com",
        "ZENDESK_TOKEN": "zd-test-token",
        "ZENDESK_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REDIS_URL": redis_url,
        "SOPORTE_CATALOG": str(always_open_catalog()),  # the scenarios mean the same at any hour
        "RESOLUTION_WINDOW": "7d",
        "INTAKE_START_TIME": "0",
        "SLACK_CHANNEL_RATE": "1000",
        **extra,
    }


def text_value(text: str) -> dict[str, Any]:
    """The state of a plain_text_input as Slack submits it."""
    return {"type": "plain_text_input", "value": text}


def option(value: str) -> dict[str, Any]:
    """The state of a static_select with `value` chosen."""
    return {"type": "static_select", "selected_option": {"value": value}}


def slack_signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with `body`, signed with `secret`."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(secret, ts, body),
    }


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity payload, form-encoded as Slack posts it."""
    return urlencode({"payload": json.dumps(payload)})


def _envelope(kind: str, user: str, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEST"},
        "api_app_id": "A0SOPORTE",
        "token": "legacy",
        "trigger_id": trigger_id,
    }


def click_payload(
    action_id: str,
    ticket_id: int,
    user: str,
    channel: str,
    ts: str,
    *,
    trigger_id: str,
    response_url: str,
) -> dict[str, Any]:
    """A `block_actions` payload: `user` pressed a button of a message in `channel`."""
    return {
        **_envelope("block_actions", user, trigger_id),
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel, "name": "canal"},
        "message": {"ts": ts, "text": "card"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": ids.Block.CARD_ACTIONS,
                "value": str(ticket_id),
                "action_ts": str(time.time()),
            }
        ],
    }


def submission_payload(
    callback_id: str,
    private_metadata: str,
    values: dict[str, dict[str, Any]],
    user: str,
    *,
    trigger_id: str,
    view_id: str = "V0TEST",
) -> dict[str, Any]:
    """A `view_submission` payload, with `values` as {block_id: element state}."""
    state = {block: {block: element} for block, element in values.items()}
    return {
        **_envelope("view_submission", user, trigger_id),
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "hash": "h",
        },
    }


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, able to tell when every listener has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=8)
        self._futures: list[Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self._futures.append(future)
        return future

    def wait_idle(self, timeout: float = 10.0) -> None:
        wait(list(self._futures), timeout=timeout)
        self._futures = [f for f in self._futures if not f.done()]


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
        registry = ScheduledJobRegistry(queue=self.rt.queue)
        while True:
            worker = SimpleWorker([self.rt.queue], connection=self.rt.redis)
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            due = registry.get_jobs_to_schedule(int(time.time() + horizon))
            if not due and self.rt.queue.count == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs still pending after {max_wait}s: {due}")
            if self.rt.queue.count == 0:
                time.sleep(0.2)

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
