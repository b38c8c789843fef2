"""End to end: intake (poll and webhook), bad input, Slack/Zendesk faults, signatures,
permissions and start-up.

Every assertion looks at what the fake Slack recorded (calls, stored messages, ephemerals)
and what the fake Zendesk holds (tickets, recorded requests), plus the case store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from rq import SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from blocks import ids
from bot.domain import desk_texts as texts
from bot.domain.lifecycle import State
from testkit.fakes.zendesk_api import FIRST_ORG_ID, webhook_headers
from tests.harness import (
    AGENT,
    AGENTS_CHANNEL,
    OTHER_AGENT,
    SIGNING_SECRET,
    STRANGER,
    WEBHOOK_SECRET,
    Desk,
    slack_signature,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CATALOG = ROOT / "catalog.example.toml"
CURSOR_KEY = "soporte:intake:cursor"
CARD_EVENT = "soporte_case"
TICKET_URL = "https://unholster.zendesk.com/agent/tickets/{}"

# The catalogue's organisations, in the order their Zendesk ids (360000001…) are handed out.
MUNICIPALIDAD = "Municipalidad de Ejemplo"  # 360000001: Pulso, Portal de Transparencia
MINISTERIO = "Ministerio de Ejemplo"  # 360000002: Monitor Mercado Público
FUNDACION = "Fundación Ejemplo"  # 360000003: all three


# --- helpers -------------------------------------------------------------------------------


def catalog_orgs(desk: Desk) -> list[int]:
    """Create the catalogue's three organisations in the fake, so their ids line up."""
    made = [desk.zendesk.add_organization(n) for n in (MUNICIPALIDAD, MINISTERIO, FUNDACION)]
    assert made == [FIRST_ORG_ID, FIRST_ORG_ID + 1, FIRST_ORG_ID + 2]
    assert made[0] == 360000001
    return made


def cards_of(desk: Desk, ticket_id: int) -> list[dict[str, Any]]:
    """Top-level messages in the agents' channel that are the card of `ticket_id`."""
    found = []
    for message in desk.slack.messages(AGENTS_CHANNEL):
        if message.get("thread_ts") not in (None, message["ts"]):
            continue
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") == CARD_EVENT and str(payload.get("ticket_id")) == str(ticket_id):
            found.append(message)
    return found


def top_level(desk: Desk) -> list[dict[str, Any]]:
    return [m for m in desk.slack.messages(AGENTS_CHANNEL) if m.get("thread_ts") in (None, m["ts"])]


def assert_one_card(desk: Desk, ticket_id: int) -> dict[str, Any]:
    cards = cards_of(desk, ticket_id)
    assert len(cards) == 1, f"ticket {ticket_id}: {len(cards)} cards"
    record = desk.case(ticket_id)
    assert record is not None and record.card is not None
    assert record.card.ts == cards[0]["ts"] and record.card.channel == AGENTS_CHANNEL
    return cards[0]


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every Block Kit text object ({"type": plain_text|mrkdwn, "text": …}) under `node`."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def posted_to_agents(desk: Desk) -> list[dict[str, Any]]:
    """The params of every chat.postMessage/chat.update the bot sent to the agents' channel."""
    return [
        c.params
        for c in desk.slack.calls
        if c.method in ("chat.postMessage", "chat.update")
        and c.params.get("channel") == AGENTS_CHANNEL
    ]


def block_by_type(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in message.get("blocks", []) if b.get("type") == kind]


def assert_fits_slack_limits(message: dict[str, Any]) -> None:
    for header in block_by_type(message, "header"):
        assert 0 < len(header["text"]["text"]) <= 150
    for section in block_by_type(message, "section"):
        if "text" in section:
            assert 0 < len(section["text"]["text"]) <= 3000
        for field in section.get("fields", []):
            assert 0 < len(field["text"]) <= 2000
    for context in block_by_type(message, "context"):
        for element in context["elements"]:
            assert len(element.get("text", "")) <= 3000
    assert len(message.get("text", "")) <= 4000


def poll(desk: Desk) -> dict[str, int]:
    """One run of the periodic intake through RQ; returns what poll_intake counted."""
    job = desk.rt.queue.enqueue("workers.intake.poll_intake")
    desk.run_jobs()
    result = job.return_value()
    assert isinstance(result, dict), f"poll job did not finish: {job.get_status()}"
    return result


def run_ready_jobs(desk: Desk) -> None:
    """Run only what is queued now (scheduled retries stay scheduled)."""
    SimpleWorker(desk.rt.worker_queues(), connection=desk.rt.redis).work(
        burst=True, with_scheduler=False, logging_level="WARNING"
    )


def export_requests(desk: Desk) -> list[Any]:
    return [r for r in desk.zendesk.requests if "incremental" in r.path]


def post_webhook(desk: Desk, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{desk.url}/zendesk/webhook", data=body, headers=headers)


def assert_nothing_done(desk: Desk) -> None:
    """Nothing enqueued, no case written, and (after running whatever there is) no card."""
    assert desk.rt.queue.count == 0
    assert len(ScheduledJobRegistry(queue=desk.rt.queue)) == 0
    assert desk.rt.redis.keys("rq:job:*") == []
    assert desk.rt.redis.keys("soporte:*") == []
    desk.run_jobs()
    assert desk.slack.count("chat.postMessage") == 0


# --- intake: one card, with what the agent needs --------------------------------------------


def test_card_shows_ticket_requester_organisation_products_excerpt_and_link(desk: Desk) -> None:
    muni, ministerio, _ = catalog_orgs(desk)
    tid = desk.new_ticket(
        subject="No puedo entrar a Pulso",
        body="Me sale error 500 al iniciar sesión.\n\nGracias.",
        name="Ana Pérez",
        email="ana@example.com",
        org_id=muni,
    )
    other = desk.new_ticket(
        subject="Alertas de licitaciones",
        body="No llegan las alertas.",
        name="Bruno Díaz",
        email="bruno@ministerio.example",
        org_id=ministerio,
    )
    desk.intake()
    desk.intake()

    assert len(top_level(desk)) == 2
    card = assert_one_card(desk, tid)
    blocks = json.dumps(card["blocks"], ensure_ascii=False)
    assert block_by_type(card, "header")[0]["text"]["text"] == f"#{tid} · No puedo entrar a Pulso"
    assert "No puedo entrar a Pulso" in card["text"]
    for shown in (
        "Ana Pérez",
        "ana@example.com",
        MUNICIPALIDAD,
        "Pulso, Portal de Transparencia",
        "Me sale error 500 al iniciar sesión.",
        f"<{TICKET_URL.format(tid)}|Abrir en Zendesk>",
        "Por clasificar",
    ):
        assert shown in blocks, f"{shown!r} missing from the card"
    assert "Monitor Mercado Público" not in blocks
    actions = next(b for b in card["blocks"] if b.get("block_id") == ids.Block.CARD_ACTIONS)
    assert [e["action_id"] for e in actions["elements"]] == [
        ids.Action.INFORMATION,
        ids.Action.DOCUMENTED_ACTION,
        ids.Action.ESCALATE,
        ids.Action.MORE_OPTIONS,
        ids.Action.SPAM,
    ]
    assert all(e["value"] == str(tid) for e in actions["elements"] if e["type"] == "button")
    assert_fits_slack_limits(card)

    second = json.dumps(assert_one_card(desk, other)["blocks"], ensure_ascii=False)
    for shown in ("Bruno Díaz", "bruno@ministerio.example", MINISTERIO, "Monitor Mercado Público"):
        assert shown in second
    assert "Pulso" not in second


@pytest.mark.parametrize(
    "route",
    ["poll, poll", "webhook, poll", "poll, webhook", "webhook x3", "webhook, poll, webhook"],
)
def test_a_new_ticket_gets_exactly_one_card(desk: Desk, route: str) -> None:
    tid = desk.new_ticket()
    for step in route.split(", "):
        if step == "poll":
            desk.intake()
        elif step == "webhook":
            assert desk.webhook({"ticket_id": tid}).status_code == 202
            desk.run_jobs()
        else:  # the same delivery three times: twice while queued, once after
            assert desk.webhook({"ticket_id": tid}).status_code == 202
            assert desk.webhook({"ticket_id": tid}).status_code == 202
            desk.run_jobs()
            assert desk.webhook({"ticket_id": tid}).status_code == 202
            desk.run_jobs()
    assert_one_card(desk, tid)
    assert len(top_level(desk)) == 1
    assert desk.slack.count("chat.postMessage") == 1
    record = desk.case(tid)
    assert record.case.state is State.NEW and record.case.timeline == ()


# --- intake: the cursor ---------------------------------------------------------------------


def test_saved_cursor_makes_the_next_poll_see_only_newer_changes(desk: Desk) -> None:
    first = desk.new_ticket(subject="Primero")
    assert poll(desk) == {"new": 1}
    cursor = desk.rt.redis.get(CURSOR_KEY)
    assert cursor

    second = desk.new_ticket(subject="Segundo")
    assert poll(desk) == {"new": 1}

    exports = export_requests(desk)
    assert "start_time" in exports[0].query and "cursor" not in exports[0].query
    assert exports[1].query.get("cursor") == cursor.decode()
    assert "start_time" not in exports[1].query
    assert desk.rt.redis.get(CURSOR_KEY) != cursor
    assert_one_card(desk, first)
    assert_one_card(desk, second)
    assert "Segundo" in desk.card_text(second)


def test_a_lost_cursor_never_gives_a_second_card(desk: Desk) -> None:
    first = desk.new_ticket(subject="Antes del corte")
    assert poll(desk) == {"new": 1}
    desk.rt.redis.delete(CURSOR_KEY)  # as if the worker died before saving it
    second = desk.new_ticket(subject="Después del corte")

    counts = poll(desk)
    assert counts.get("new") == 1  # only the second ticket is new
    desk.intake()
    assert_one_card(desk, first)
    assert_one_card(desk, second)
    assert len(top_level(desk)) == 2


def test_a_failed_export_page_keeps_the_cursor_and_loses_nothing(desk: Desk) -> None:
    first = desk.new_ticket(subject="Uno")
    desk.intake()
    cursor = desk.rt.redis.get(CURSOR_KEY)
    second = desk.new_ticket(subject="Dos")

    desk.zendesk.faults.fail_next("incremental", status=500)
    desk.intake()  # the poll job fails; cron runs it again next minute
    assert len(FailedJobRegistry(queue=desk.rt.queue)) == 1
    assert desk.rt.redis.get(CURSOR_KEY) == cursor
    assert cards_of(desk, second) == []

    desk.intake()
    desk.intake()
    assert_one_card(desk, first)
    assert_one_card(desk, second)
    assert len(top_level(desk)) == 2


def test_intake_reads_the_incremental_export_with_sideloads(desk: Desk) -> None:
    orgs = catalog_orgs(desk)
    tickets = [
        desk.new_ticket(
            subject=f"Ticket {n}",
            body=f"Problema número {n}",
            name=f"Cliente {n}",
            email=f"cliente{n}@example.com",
            org_id=orgs[n % 3],
        )
        for n in range(30)
    ]
    desk.zendesk.reset_requests()
    desk.intake()

    exports = export_requests(desk)
    assert 1 <= len(exports) <= 2
    assert all(
        set(r.query.get("include", "").split(",")) >= {"users", "organizations"} for r in exports
    )
    others = [r.path for r in desk.zendesk.requests if "incremental" not in r.path]
    assert not [p for p in others if "/users/" in p or "/organizations/" in p], others
    # one read per new card: the report's attachments (issue 12), never per ticket otherwise
    assert sorted(others) == sorted(f"/api/v2/tickets/{tid}/comments.json" for tid in tickets)

    names = {0: MUNICIPALIDAD, 1: MINISTERIO, 2: FUNDACION}
    for n, tid in enumerate(tickets):
        text = desk.card_text(tid)
        assert f"Cliente {n}" in text and f"cliente{n}@example.com" in text
        assert names[n % 3] in text
        assert_one_card(desk, tid)
    assert len(top_level(desk)) == 30


# --- intake: bad input -----------------------------------------------------------------------


def test_ticket_without_organisation(desk: Desk) -> None:
    tid = desk.new_ticket(org=None)
    desk.intake()
    text = desk.card_text(tid)
    assert "Sin organización" in text
    assert "ninguno registrado" in text
    assert_fits_slack_limits(assert_one_card(desk, tid))


def test_ticket_with_an_empty_body(desk: Desk) -> None:
    tid = desk.new_ticket(body="")
    desk.intake()
    card = assert_one_card(desk, tid)
    assert "no trae texto" in desk.card_text(tid)
    assert_fits_slack_limits(card)


def test_html_body_shows_text_without_tags(desk: Desk) -> None:
    raw_html = desk.new_ticket(
        subject="Correo HTML",
        body=(
            "<html><head><style>p {color: red}</style></head><body>"
            "<div><p>Hola <strong>equipo</strong>,</p><p>No carga el <a href='x'>panel</a>.</p>"
            "<script>alert('x')</script></div></body></html>"
        ),
    )
    user = desk.zendesk.add_user("Eva Html", "eva@example.com")
    html_comment = desk.zendesk.add_ticket(
        "Correo HTML 2", "", user, html_body="<p>Buenas <b>tardes</b></p><p>Sigue caído.</p>"
    )
    desk.intake()

    text = desk.card_text(raw_html)
    assert "Hola" in text and "equipo" in text and "panel" in text
    for tag in ("<p>", "&lt;p&gt;", "strong", "<div", "&lt;div", "script", "alert", "color: red"):
        assert tag not in text, f"{tag!r} shown on the card"
    second = desk.card_text(html_comment)
    assert "Buenas" in second and "tardes" in second and "Sigue caído." in second
    assert "<b>" not in second and "&lt;b&gt;" not in second and "&lt;p&gt;" not in second
    assert_one_card(desk, raw_html)
    assert_one_card(desk, html_comment)


def test_a_50000_character_body_still_gets_a_card_within_slack_limits(desk: Desk) -> None:
    words = ("Texto muy largo del usuario. " * 2000)[:50_000]
    markup = ("<&> " * 12_500)[:50_000]
    lines = ("línea\n" * 9000)[:50_000]
    tids = [
        desk.new_ticket(subject=f"Largo {n}", body=body)
        for n, body in enumerate((words, markup, lines))
    ]
    assert all(len(desk.zendesk.ticket(t)["description"]) >= 40_000 for t in tids)
    desk.intake()

    assert not [c for c in desk.slack.calls_to("chat.postMessage") if c.failed]
    for tid in tids:
        card = assert_one_card(desk, tid)
        assert_fits_slack_limits(card)
        for section in block_by_type(card, "section"):
            if "text" in section:
                assert len(section["text"]["text"]) <= 3000
    assert "Texto muy largo del usuario." in desk.card_text(tids[0])


def test_requester_without_a_name(desk: Desk) -> None:
    tid = desk.new_ticket(name=None, email="sin.nombre@example.com")
    desk.intake()
    text = desk.card_text(tid)
    assert "(sin nombre)" in text
    assert "sin.nombre@example.com" in text
    assert "None" not in text
    assert_fits_slack_limits(assert_one_card(desk, tid))


def _mention_ticket(desk: Desk) -> int:
    org = desk.zendesk.add_organization("<!channel> S.A.")
    tid = desk.new_ticket(
        subject="Urgente <!channel> avisen a <@U123>",
        body="Hola <!channel>, por favor <@U123> revise esto & lo otro <!here>.",
        name="<@U123> Pérez",
        org_id=org,
    )
    desk.intake()
    assert_one_card(desk, tid)
    return tid


RAW_TOKENS = ("<!channel>", "<@U123>", "<!here>")


def test_mentions_in_subject_and_body_are_escaped_where_slack_parses_markup(desk: Desk) -> None:
    _mention_ticket(desk)
    sent = posted_to_agents(desk)
    assert sent
    for params in sent:
        parsed = [params["text"]] + [
            o["text"] for o in text_objects(params["blocks"]) if o["type"] == "mrkdwn"
        ]
        joined = "\n".join(parsed)
        for raw in RAW_TOKENS:
            assert raw not in joined, f"raw {raw} in a mrkdwn text or the notification text"
        assert "&lt;!channel&gt;" in params["text"]
        assert "&lt;@U123&gt;" in joined


def test_raw_mentions_only_ever_appear_in_plain_text(desk: Desk) -> None:
    """Slack never parses plain_text for mentions: outside it, mentions are escaped."""
    _mention_ticket(desk)
    for params in posted_to_agents(desk):
        for block in params["blocks"]:
            if block["type"] == "header":
                assert block["text"]["type"] == "plain_text"
                continue
            for raw in RAW_TOKENS:
                assert raw not in json.dumps(block, ensure_ascii=False)


# --- intake under Zendesk and Slack faults ---------------------------------------------------


def test_zendesk_429_during_the_poll_is_waited_out(desk: Desk) -> None:
    tids = [desk.new_ticket(subject=f"T{n}") for n in range(3)]
    desk.zendesk.faults.fail_next("incremental", status=429, retry_after=1)
    desk.intake()
    desk.run_jobs(horizon=3)
    desk.intake()

    statuses = [r.status for r in export_requests(desk)]
    assert statuses[0] == 429 and 200 in statuses
    for tid in tids:
        assert_one_card(desk, tid)
    assert len(top_level(desk)) == 3


def test_zendesk_500_during_poll_and_webhook_loses_no_ticket_and_duplicates_none(
    desk: Desk,
) -> None:
    polled = [desk.new_ticket(subject=f"Sondeo {n}") for n in range(3)]
    desk.zendesk.faults.fail_next("incremental", status=500)
    desk.intake()
    assert top_level(desk) == []

    hooked = desk.new_ticket(subject="Por webhook")
    desk.zendesk.faults.fail_next(f"tickets/{hooked}", status=500)
    desk.zendesk.faults.fail_next("users/", status=429, retry_after=1)
    assert desk.webhook({"ticket_id": hooked}).status_code == 202
    desk.run_jobs(horizon=3)  # the ingest job is retried after 1 s
    assert_one_card(desk, hooked)

    desk.intake()  # the next cron run
    desk.run_jobs(horizon=3)
    desk.intake()
    for tid in [*polled, hooked]:
        assert_one_card(desk, tid)
    assert len(top_level(desk)) == 4
    failed = [r for r in desk.zendesk.requests if r.status >= 500]
    assert len(failed) == 2


def test_slack_429_on_the_card_post(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.slack.faults.fail_next("chat.postMessage", status=429, retry_after=1)
    desk.intake()
    desk.run_jobs(horizon=3)

    posts = desk.slack.calls_to("chat.postMessage")
    assert posts[0].status == 429
    assert_one_card(desk, tid)
    assert len(top_level(desk)) == 1


def test_slack_drops_the_connection_after_accepting_the_card(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.slack.faults.drop_after_accept("chat.postMessage")
    desk.intake()
    desk.run_jobs(horizon=4)

    assert desk.slack.calls_to("chat.postMessage")[0].dropped
    assert_one_card(desk, tid)
    assert len(top_level(desk)) == 1
    desk.intake()
    assert_one_card(desk, tid)


def test_lost_card_response_in_a_busy_channel_still_gives_one_card(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.slack.faults.drop_after_accept("chat.postMessage")
    desk.rt.queue.enqueue("workers.intake.poll_intake")
    run_ready_jobs(desk)  # post_card fails after Slack stored the card; retry in 1 s
    assert desk.slack.calls_to("chat.postMessage")[0].dropped
    assert desk.case(tid).card is None
    for n in range(250):  # a busy morning in the agents' channel before the retry
        desk.slack.add_message(AGENTS_CHANNEL, f"mensaje {n}", user=AGENT)
    desk.run_jobs(horizon=4)
    assert len(cards_of(desk, tid)) == 1


# --- the Zendesk webhook ---------------------------------------------------------------------


def test_signed_webhook_creates_the_card(desk: Desk) -> None:
    tid = desk.new_ticket(subject="Llegó por webhook")
    response = desk.webhook({"ticket_id": tid})
    assert response.status_code == 202
    desk.run_jobs()
    card = assert_one_card(desk, tid)
    assert "Llegó por webhook" in json.dumps(card["blocks"], ensure_ascii=False)
    assert "Ana Pérez" in desk.card_text(tid)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _refused_webhooks(tid: int) -> dict[str, tuple[bytes, dict[str, str]]]:
    body = json.dumps({"ticket_id": tid}).encode()
    now = datetime.now(UTC)
    return {
        "bad signature": (body, webhook_headers("not-the-secret", body, _stamp(now))),
        "missing headers": (body, {"Content-Type": "application/json"}),
        "signature without timestamp": (
            body,
            {
                "Content-Type": "application/json",
                "X-Zendesk-Webhook-Signature": webhook_headers(WEBHOOK_SECRET, body, _stamp(now))[
                    "X-Zendesk-Webhook-Signature"
                ],
            },
        ),
        "stale timestamp (2 h old)": (
            body,
            webhook_headers(WEBHOOK_SECRET, body, _stamp(now - timedelta(hours=2))),
        ),
        "unsigned JSON garbage": (
            b'{"ticket_id": 1001, \x00\xff garbage',
            {"Content-Type": "application/json"},
        ),
    }


def test_webhook_without_a_valid_signature_is_refused_and_does_nothing(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.zendesk.reset_requests()
    for kind, (body, headers) in _refused_webhooks(tid).items():
        response = post_webhook(desk, body, headers)
        assert response.status_code == 401, kind
    assert_nothing_done(desk)
    assert desk.zendesk.requests == []
    assert desk.case(tid) is None


def test_signed_webhook_without_a_ticket_id_is_a_bad_request(desk: Desk) -> None:
    desk.new_ticket()
    for payload in ({}, {"ticket": {}}, {"ticket_id": "abc"}, {"ticket_id": 0}, [1, 2], "x"):
        response = desk.webhook(payload)
        assert response.status_code == 400, payload
    assert_nothing_done(desk)
    assert desk.zendesk.requests == []


# --- Slack request signatures ----------------------------------------------------------------


def test_clicks_with_a_bad_slack_signature_are_refused(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = desk.new_ticket()
    desk.intake()
    before = desk.case(tid)
    desk.zendesk.reset_requests()
    calls_before = len(desk.slack.calls)

    wrong_secret = desk.click(ids.Action.SPAM, tid, secret="not-the-signing-secret")
    six_minutes_old = desk.click(ids.Action.SPAM, tid, timestamp=int(time.time()) - 360)

    sent: dict[str, Any] = {}

    def capture(url: str, data: bytes, headers: dict[str, str]) -> None:
        sent.update(url=url, data=data, headers=headers)

    with monkeypatch.context() as m:
        m.setattr(requests, "post", capture)
        desk.click(ids.Action.SPAM, tid)
    signed = sent["headers"]
    assert signed["X-Slack-Signature"] == slack_signature(
        SIGNING_SECRET, signed["X-Slack-Request-Timestamp"], sent["data"].decode()
    )
    edited = sent["data"].replace(AGENT.encode(), OTHER_AGENT.encode())
    assert edited != sent["data"]
    edited_body = requests.post(sent["url"], data=edited, headers=signed)

    assert wrong_secret.status_code == 401
    assert six_minutes_old.status_code == 401
    assert edited_body.status_code == 401
    desk.run_jobs()
    assert desk.case(tid) == before
    assert desk.case(tid).case.state is State.NEW
    assert desk.zendesk.requests == []
    assert desk.slack.calls[calls_before:] == []
    assert desk.zendesk.ticket(tid)["status"] == "new"

    # the very same click, correctly signed, is accepted (so the refusals above were the
    # signature's doing)
    assert requests.post(sent["url"], data=sent["data"], headers=signed).status_code == 200


# --- permissions -----------------------------------------------------------------------------


def test_a_non_agent_cannot_use_any_triage_button(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.intake()
    before = desk.case(tid)
    desk.zendesk.reset_requests()

    for action_id in ids.TRIAGE_ACTIONS:
        response = desk.click(action_id, tid, user=STRANGER)
        assert response.status_code == 200, action_id
        desk.run_jobs()
        told = desk.ephemerals(STRANGER)
        assert told[-1:] == [texts.NOT_AN_AGENT], f"{action_id}: stranger was told {told}"
        assert desk.case(tid) == before, action_id
        assert desk.slack.count("views.open") == 0, action_id
        assert desk.slack.count("chat.update") == 0, action_id
        assert desk.zendesk.requests == [], action_id

    assert desk.case(tid).case.state is State.NEW
    assert len(desk.ephemerals(STRANGER)) == len(ids.TRIAGE_ACTIONS)
    assert "No tienes permiso" in desk.ephemerals(STRANGER)[0]
    assert desk.ephemerals(AGENT) == []


# --- start-up --------------------------------------------------------------------------------


def _clean_env(**extra: str) -> dict[str, str]:
    prefixes = ("SLACK_", "ZENDESK_", "SOPORTE_", "REDIS_", "RESOLUTION_", "INTAKE_", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(extra)
    return env


def _start_app(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )
    return done, time.monotonic() - started


ZENDESK_ENV = {
    "ZENDESK_URL": "http://127.0.0.1:9",
    "ZENDESK_EMAIL": "bot@example.com",
    "ZENDESK_TOKEN": "zd-test-token",
    "REDIS_URL": "redis://127.0.0.1:9/0",
}


def test_start_without_slack_variables_names_them_and_the_manifest() -> None:
    done, took = _start_app(_clean_env(SOPORTE_CATALOG=str(EXAMPLE_CATALOG), **ZENDESK_ENV))
    assert done.returncode != 0
    assert took < 15
    assert "SLACK_BOT_TOKEN" in done.stderr
    assert "SLACK_SIGNING_SECRET" in done.stderr
    assert "manifest.json" in done.stderr
    assert "Traceback" not in done.stderr


def test_start_with_a_malformed_catalogue_names_file_line_and_reason(tmp_path: Path) -> None:
    text = EXAMPLE_CATALOG.read_text(encoding="utf-8")
    good = 'products = ["mercado-publico"]'
    assert text.count(good) == 1
    bad = text.replace(good, 'products = ["mercado-publico", "no-existe"]')
    line = next(n for n, row in enumerate(bad.splitlines(), 1) if "no-existe" in row)
    path = tmp_path / "catalogo-roto.toml"
    path.write_text(bad, encoding="utf-8")

    env = _clean_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SOPORTE_CATALOG=str(path),
        **ZENDESK_ENV,
    )
    done, took = _start_app(env)
    assert done.returncode != 0
    assert took < 15
    assert str(path) in done.stderr
    assert f"{path}:{line}" in done.stderr
    assert "no-existe" in done.stderr and "unknown product" in done.stderr
    assert "Traceback" not in done.stderr
