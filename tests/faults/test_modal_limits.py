"""What agents type at the limits. Empty, blank and over-long input is refused in
the modal; emoji and right-to-left text reach the user intact; Slack markup typed by an
agent (or written by the end user) never pings anyone; HTML never breaks a card."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from blocks import ids
from bot.domain.lifecycle import State
from tests.harness import AGENTS_CHANNEL, Desk, option, text_value
from tests.support.flows import carded_ticket, escalate, submit_unsupported, user_replies

INJECTED = ("<!channel>", "<!here>", "<!everyone>", "<@U0INJECT99>", "<#C0INJECT77>")
MARKUP = " ".join(INJECTED)
EMOJI_RTL = "Hola 👋🏽 — مرحبا بكم في الدعم — שלום ‏עולם‏ — familia 👨‍👩‍👧 — ñandú ✅"
HTML = '<b>negrita</b><script>alert("x")</script> & <a href="javascript:x">enlace</a> </div>'


def checked() -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": ids.CHECKED_VALUE}]}


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def parsed_by_slack(desk: Desk) -> list[tuple[str, str]]:
    """(where, text) for every text the bot sent that Slack parses for markup: message and
    ephemeral `text`, mrkdwn objects in blocks and views, response_url bodies."""
    found: list[tuple[str, str]] = []
    for call in desk.slack.calls:
        params = call.params
        where = f"{call.method} {params.get('channel', '')}"
        if isinstance(params.get("text"), str):
            found.append((where, params["text"]))
        for node in (params.get("blocks"), params.get("view")):
            found += [(where, o["text"]) for o in text_objects(node) if o["type"] == "mrkdwn"]
    for key, body in desk.slack.responses_by_key():
        if isinstance(body, dict):
            found.append((f"response_url {key}", str(body.get("text", ""))))
            found += [(key, o["text"]) for o in text_objects(body) if o["type"] == "mrkdwn"]
    return found


def test_empty_blank_and_overlong_input_is_refused_inline(desk: Desk) -> None:
    """For each decision modal and the escalation modal: an empty or
    whitespace-only required text, and any text of 3,001 characters (optional fields too),
    is refused with that field highlighted; nothing is sent and the case stays NEW."""
    long = "x" * 3001
    cases = [
        (ids.Action.WRONG_RECIPIENT, {ids.Block.REPLY: text_value("")}, ids.Block.REPLY),
        (ids.Action.UNSUPPORTED, {ids.Block.REPLY: text_value(" \n\t \u3000")}, ids.Block.REPLY),
        (
            ids.Action.INFORMATION,
            {ids.Block.PRODUCT: option("pulso"), ids.Block.REPLY: text_value(long)},
            ids.Block.REPLY,
        ),
        (
            ids.Action.PERSON,
            {ids.Block.PERSON: option(ids.NO_PERSON_VALUE), ids.Block.REPLY: text_value(long)},
            ids.Block.REPLY,
        ),
        (
            ids.Action.DOCUMENTED_ACTION,
            {
                ids.Block.PROCEDURE: option("pulso:reset-password"),
                ids.Block.CHECKED: checked(),
                ids.Block.REPLY: text_value("   "),
            },
            ids.Block.REPLY,
        ),
        (
            ids.Action.ESCALATE,
            {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value("\n\n  ")},
            ids.Block.NOTES,
        ),
        (
            ids.Action.ESCALATE,
            {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value(long)},
            ids.Block.NOTES,
        ),
    ]
    tid = carded_ticket(desk)
    desk.zendesk.reset_requests()
    for action, values, field in cases:
        desk.click(action, tid)
        answer = desk.submit(desk.opened_view(), values)
        assert answer.status_code == 200, (action, field)
        body = answer.json()
        assert body["response_action"] == "errors", (action, field)
        assert field in body["errors"], (action, field, body["errors"])
        if long in json.dumps(values):
            assert "3.000" in body["errors"][field], "the limit is named"
    desk.run_jobs()
    assert desk.case(tid).case.state is State.NEW
    assert user_replies(desk, tid) == []
    assert [r for r in desk.zendesk.requests if r.method == "PUT"] == []


def test_3000_characters_emoji_and_rtl_reach_the_user_intact(desk: Desk) -> None:
    """A reply of exactly 3,000 characters mixing emoji (with skin tones and
    joiners) and Arabic/Hebrew text is accepted and reaches Zendesk character for character."""
    reply = (EMOJI_RTL + "\n") * 60
    reply = reply[: 3000 - len(EMOJI_RTL)] + EMOJI_RTL
    reply = reply[:3000]
    assert len(reply) == 3000
    tid = carded_ticket(desk)
    answer = submit_unsupported(desk, tid, reply)
    assert answer.status_code == 200 and not answer.content
    desk.run_jobs()
    [received] = user_replies(desk, tid)
    assert received.startswith(reply.strip()), "the agent's text arrived unchanged"
    sent = [r for r in desk.zendesk.requests if r.method == "PUT" and r.body]
    comments = [r.body["ticket"]["comment"] for r in sent if r.body["ticket"].get("comment")]
    assert comments[0]["body"].startswith(reply), "sent as typed, not re-encoded"
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION


def test_slack_markup_in_replies_and_notes_never_pings(desk: Desk) -> None:
    """`<!channel>`, `<!here>`, `<!everyone>`, a user and a channel mention typed
    by the end user (subject, body, a later comment) and by agents (a reply, a person note,
    escalation notes): whatever the bot posts in Slack shows them escaped; Zendesk gets the
    agent's text as typed."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    first = desk.new_ticket(
        subject=f"Urgente {MARKUP}", body=f"Hola {MARKUP} revisen", org_id=org, name=MARKUP
    )
    second = desk.new_ticket(subject="Otro", body=f"{MARKUP}", org_id=org, email="b@example.com")
    third = desk.new_ticket(subject="Tercero", body="Hola", org_id=org, email="c@example.com")
    desk.intake()

    submit_unsupported(desk, first, f"Respuesta {MARKUP}")
    desk.click(ids.Action.PERSON, second)
    desk.submit(
        desk.opened_view(),
        {ids.Block.PERSON: option(ids.NO_PERSON_VALUE), ids.Block.REPLY: text_value(MARKUP)},
    )
    desk.run_jobs()
    escalate(desk, third, notes=f"Notas {MARKUP}")
    desk.zendesk.add_user_comment(first, f"No funcionó {MARKUP}")
    desk.intake()

    assert MARKUP in user_replies(desk, first)[0], "Zendesk gets what the agent typed"
    assert MARKUP in user_replies(desk, second)[0]
    assert any("No funcionó" in m["text"] for m in desk.thread(first)), "the relay happened"
    texts = parsed_by_slack(desk)
    assert any(AGENTS_CHANNEL in where for where, _ in texts)
    assert any("C0PULSO001" in where for where, _ in texts), "the escalation was posted"
    leaks = [(where, raw) for where, text in texts for raw in INJECTED if raw in text]
    assert leaks == [], leaks[:5]
    assert any("&lt;!channel&gt;" in text for _, text in texts), "shown, escaped"


def test_html_in_a_ticket_body_and_in_a_reply_never_breaks_a_card(desk: Desk) -> None:
    """HTML in the end user's e-mail and in the agent's reply: the card shows
    text (no tag is parsed by Slack), every card post and update is accepted and within
    Slack's limits, and the reply goes to Zendesk as plain text (Zendesk escapes it)."""
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    user = desk.zendesk.add_user("Eva Html", "eva@example.com", organization_id=org)
    tid = desk.zendesk.add_ticket("Correo <b>HTML</b>", "", user, html_body=f"<p>{HTML}</p>")
    desk.intake()
    submit_unsupported(desk, tid, f"Respuesta {HTML}")
    desk.run_jobs()

    cards = [
        c
        for c in desk.slack.calls
        if c.method in ("chat.postMessage", "chat.update")
        and c.params.get("channel") == AGENTS_CHANNEL
        and not c.params.get("thread_ts")
    ]
    assert len(cards) >= 2 and all(c.status == 200 and not c.failed for c in cards)
    for call in cards:
        for block in call.params["blocks"]:
            for obj in text_objects(block):
                assert 0 < len(obj["text"]) <= 3000
                if obj["type"] == "mrkdwn":
                    assert "<script" not in obj["text"] and "<b>" not in obj["text"]
    assert "Respuesta" in user_replies(desk, tid)[0]
    [put] = [
        r
        for r in desk.zendesk.requests
        if r.method == "PUT" and (r.body or {}).get("ticket", {}).get("comment", {}).get("public")
    ]
    assert "html_body" not in put.body["ticket"]["comment"], "sent as text, never as HTML"
    stored = desk.zendesk.public_comments(tid)[-1]["html_body"]
    assert "<script>" not in stored and "&lt;script&gt;" in stored
    assert desk.case(tid).case.state is State.AWAITING_CONFIRMATION
