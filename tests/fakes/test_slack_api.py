"""Tests for the Slack Web API fake, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from testkit.fakes.slack_api import SlackFake

REPO_ROOT = Path(__file__).resolve().parents[2]
CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, urllib.error.URLError)
MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Ticket"}, "blocks": []}


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake() as running:
        running.invite_bot("C1", "C2")
        yield running


@pytest.fixture
def client(fake: SlackFake) -> WebClient:
    """A client without retry handlers, so every fault reaches the test."""
    return WebClient(token=fake.token, base_url=fake.url, timeout=5, retry_handlers=[])


def test_url_and_auth_test(fake: SlackFake, client: WebClient) -> None:
    assert fake.url == f"http://127.0.0.1:{fake.port}/api/"
    resp = client.auth_test()
    assert (resp["user_id"], resp["bot_id"], resp["team_id"]) == ("UBOT", "BBOT", "T0TEST")


def test_post_update_history_permalink_round_trip(fake: SlackFake, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*#1*"}}]
    metadata = {"event_type": "ticket", "event_payload": {"id": 1}}
    first = client.chat_postMessage(channel="C1", text="one", blocks=blocks, metadata=metadata)
    second = client.chat_postMessage(channel="C1", text="two")
    reply = client.chat_postMessage(channel="C1", text="in thread", thread_ts=first["ts"])
    assert first["ts"] < second["ts"] < reply["ts"]
    assert first["message"]["user"] == "UBOT"

    client.chat_update(channel="C1", ts=first["ts"], text="one edited")

    history = client.conversations_history(channel="C1", include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["two", "one edited"]
    parent = history["messages"][1]
    assert parent["blocks"] == blocks
    assert parent["metadata"] == metadata
    assert parent["reply_count"] == 1
    assert parent["thread_ts"] == first["ts"]

    limited = client.conversations_history(channel="C1", limit=1)
    assert [m["text"] for m in limited["messages"]] == ["two"]
    assert limited["has_more"] is True
    newer = client.conversations_history(channel="C1", oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["two"]

    thread = client.conversations_replies(channel="C1", ts=first["ts"])
    assert [m["text"] for m in thread["messages"]] == ["one edited", "in thread"]

    link = client.chat_getPermalink(channel="C1", message_ts=second["ts"])
    assert link["permalink"] == (
        f"https://fake.slack.com/archives/C1/p{second['ts'].replace('.', '')}"
    )

    assert [m["text"] for m in fake.messages("C1")] == ["one edited", "two", "in thread"]
    assert fake.message("C1", reply["ts"])["thread_ts"] == first["ts"]
    assert fake.count("chat.postMessage") == 3


def test_update_missing_message(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C1", ts="1.000001", text="x")
    assert info.value.response["error"] == "message_not_found"


def test_form_encoded_json_params_are_decoded(fake: SlackFake, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call(
        "chat.postMessage", params={"channel": "C2", "text": "t", "blocks": json.dumps(blocks)}
    )
    assert fake.calls_to("chat.postMessage")[0].params["blocks"] == blocks
    assert fake.messages("C2")[0]["blocks"] == blocks


def test_ephemeral(fake: SlackFake, client: WebClient) -> None:
    resp = client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert resp["message_ts"]
    assert [e["text"] for e in fake.ephemerals(user="U1")] == ["psst"]
    assert fake.ephemerals(channel="C9") == []


def test_views_open_update_and_not_found(fake: SlackFake, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger(), view=MODAL)["view"]
    assert opened["id"].startswith("V")
    assert opened["hash"]
    assert opened["title"]["text"] == "Ticket"

    updated = client.views_update(view_id=opened["id"], view={**MODAL, "callback_id": "cb"})
    assert updated["view"]["callback_id"] == "cb"
    assert fake.views[opened["id"]]["callback_id"] == "cb"

    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id="VNOPE", view=MODAL)
    assert info.value.response["error"] == "not_found"

    fake.close_view(opened["id"])
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=opened["id"], view=MODAL)
    assert info.value.response["error"] == "not_found"

    old = fake.issue_trigger()
    fake.expire_trigger(old)
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=old, view=MODAL)
    assert info.value.response["error"] == "expired_trigger_id"


def test_views_publish_keeps_latest(fake: SlackFake, client: WebClient) -> None:
    home = {"type": "home", "blocks": []}
    first = client.views_publish(user_id="U1", view=home)["view"]
    client.views_publish(user_id="U1", view={**home, "private_metadata": "v2"})
    assert fake.published("U1")["private_metadata"] == "v2"
    assert fake.published("U1")["id"] == first["id"]
    assert fake.published("U2") is None


def test_users_info(fake: SlackFake, client: WebClient) -> None:
    fake.add_user("U1", "ana", real_name="Ana Pérez", email="ana@example.com")
    user = client.users_info(user="U1")["user"]
    assert user["real_name"] == "Ana Pérez"
    assert user["tz"] == "America/Santiago"
    assert user["profile"]["email"] == "ana@example.com"
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U404")
    assert info.value.response["error"] == "user_not_found"


def test_conversations_members_and_info(fake: SlackFake, client: WebClient) -> None:
    fake.set_members("C1", ["U1", "U2", "U3"])
    fake.add_channel("C1", "soporte")
    assert client.conversations_members(channel="C1")["members"] == ["U1", "U2", "U3"]
    page = client.conversations_members(channel="C1", limit=2)
    assert page["response_metadata"]["next_cursor"]
    assert client.conversations_info(channel="C1")["channel"]["name"] == "soporte"
    with pytest.raises(SlackApiError) as info:
        client.conversations_members(channel="C404")
    assert info.value.response["error"] == "channel_not_found"


def test_ratelimit_surfaces_without_retry_handler(fake: SlackFake, client: WebClient) -> None:
    fake.faults.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1"
    assert info.value.response["error"] == "ratelimited"
    assert fake.messages("C1") == []
    assert fake.calls_to("chat.postMessage")[0].failed
    client.chat_postMessage(channel="C1", text="hi")
    assert len(fake.messages("C1")) == 1


def test_ratelimit_retried_by_handler(fake: SlackFake) -> None:
    client = WebClient(
        token=fake.token,
        base_url=fake.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake.faults.fail_next("chat.postMessage", status=429, retry_after=0)
    resp = client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"]
    assert [c.failed for c in fake.calls_to("chat.postMessage")] == [True, False]
    assert len(fake.messages("C1")) == 1


def test_error_and_server_faults(fake: SlackFake, client: WebClient) -> None:
    fake.faults.fail_next("chat.postMessage", error="channel_not_found")
    fake.faults.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="a")
    assert (info.value.response.status_code, info.value.response["error"]) == (
        200,
        "channel_not_found",
    )
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="b")
    assert info.value.response.status_code == 503
    assert client.chat_postMessage(channel="C1", text="c")["ok"]
    assert [m["text"] for m in fake.messages("C1")] == ["c"]


def test_drop_after_accept_stores_but_client_errors(fake: SlackFake, client: WebClient) -> None:
    fake.faults.drop_after_accept("chat.postMessage")
    with pytest.raises(CONNECTION_ERRORS):
        client.chat_postMessage(channel="C1", text="lost reply")
    assert [m["text"] for m in fake.messages("C1")] == ["lost reply"]
    assert fake.calls_to("chat.postMessage")[0].dropped
    assert client.chat_postMessage(channel="C1", text="next")["ok"]


def test_drop_after_accept_duplicates_with_default_retries(fake: SlackFake) -> None:
    default_client = WebClient(token=fake.token, base_url=fake.url, timeout=5)
    fake.faults.drop_after_accept("chat.postMessage")
    assert default_client.chat_postMessage(channel="C1", text="once?")["ok"]
    assert [m["text"] for m in fake.messages("C1")] == ["once?", "once?"]


def test_rate_limit_channel(fake: SlackFake, client: WebClient) -> None:
    fake.rate_limit_channel(1.0)
    client.chat_postMessage(channel="C1", text="a")
    client.chat_postMessage(channel="C2", text="b")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="c")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1"
    fake.rate_limit_channel(None)
    assert client.chat_postMessage(channel="C1", text="d")["ok"]


def test_random_429_is_seeded(fake: SlackFake, client: WebClient) -> None:
    def outcomes() -> list[str]:
        result = []
        for _ in range(20):
            try:
                client.auth_test()
                result.append("ok")
            except SlackApiError as exc:
                assert 1 <= int(exc.response.headers["Retry-After"]) <= 3
                result.append("429")
        return result

    fake.faults.random_429("auth.test", 0.5, retry_after=(1, 3), seed=7)
    first = outcomes()
    fake.faults.clear()
    fake.faults.random_429("auth.test", 0.5, retry_after=(1, 3), seed=7)
    assert outcomes() == first
    assert "ok" in first and "429" in first
    fake.faults.clear()
    assert client.auth_test()["ok"]


def test_invalid_token(fake: SlackFake) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=fake.url)
    with pytest.raises(SlackApiError) as info:
        bad.chat_postMessage(channel="C1", text="hi")
    assert info.value.response["error"] == "invalid_auth"
    assert fake.messages("C1") == []


def test_unknown_method_recorded(fake: SlackFake, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.reactions_add(channel="C1", timestamp="1.0", name="eyes")
    assert info.value.response["error"] == "unknown_method"
    assert fake.calls_to("reactions.add")[0].params["name"] == "eyes"


def test_response_url(fake: SlackFake) -> None:
    webhook = WebhookClient(fake.response_url("abc"))
    resp = webhook.send(text="done", replace_original=True)
    assert (resp.status_code, resp.body) == (200, "ok")
    assert fake.responses("abc") == [{"text": "done", "replace_original": True}]
    assert fake.responses("other") == []


def test_delay_and_reset(fake: SlackFake, client: WebClient) -> None:
    fake.add_user("U1", "ana")
    fake.faults.delay(0.1)
    started = time.monotonic()
    client.chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - started >= 0.1
    fake.reset()
    assert fake.calls == [] and fake.messages("C1") == []
    started = time.monotonic()
    assert client.users_info(user="U1")["ok"]
    assert time.monotonic() - started < 0.1


def test_concurrent_posts_get_unique_ts(fake: SlackFake, client: WebClient) -> None:
    def post(i: int) -> None:
        client.chat_postMessage(channel="C1", text=str(i))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [m["ts"] for m in fake.messages("C1")]
    assert len(set(stamps)) == 20
    assert stamps == sorted(stamps)


def test_standalone_module_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "testkit.fakes.slack_api", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip() if proc.stdout else ""
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/")
        assert WebClient(token="xoxb-test", base_url=url).auth_test()["ok"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# --- Slack's refusals, as documented (tests/fakes/slack_rules.py cites each) -----------------


def refused(call) -> dict:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response.data


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_block_limits_are_refused_with_slacks_errors(fake: SlackFake, client: WebClient) -> None:
    header = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    answer = refused(lambda: client.chat_postMessage(channel="C1", text="t", blocks=header))
    assert answer["error"] == "invalid_blocks"
    assert "[json-pointer:/blocks/0/text/text]" in answer["response_metadata"]["messages"][0]
    emoji = [{"type": "header", "text": {"type": "plain_text", "text": "🔥" * 10}}]
    assert (
        refused(lambda: client.chat_postMessage(channel="C1", text="t", blocks=emoji))["error"]
        == "invalid_blocks"
    ), "an emoji counts as its :shortcode:"
    many = [section("a")] * 51
    assert (
        refused(lambda: client.chat_postMessage(channel="C1", text="t", blocks=many))["error"]
        == "invalid_blocks"
    )
    long_blocks = [section("a" * 3000)] * 5
    assert (
        refused(lambda: client.chat_postMessage(channel="C1", text="t", blocks=long_blocks))[
            "error"
        ]
        == "msg_blocks_too_long"
    )
    assert (
        refused(lambda: client.chat_postMessage(channel="C1", text="a" * 40_001))["error"]
        == "msg_too_long"
    )
    option = {"text": {"type": "plain_text", "text": "o"}, "value": "v"}
    groups = [
        {"label": {"type": "plain_text", "text": f"g{i}"}, "options": [option] * 4}
        for i in range(30)
    ]
    select = {"type": "static_select", "action_id": "a", "option_groups": groups}
    view = {
        **MODAL,
        "blocks": [{"type": "section", "text": section("x")["text"], "accessory": select}],
    }
    answer = refused(lambda: client.views_open(trigger_id=fake.issue_trigger(), view=view))
    assert answer["error"] == "invalid_arguments"
    assert "100 options in all" in answer["response_metadata"]["messages"][0]
    title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    assert (
        refused(lambda: client.views_open(trigger_id=fake.issue_trigger(), view=title))["error"]
        == "invalid_arguments"
    )
    assert fake.messages("C1") == []


def test_trigger_ids_are_single_use_and_short_lived(fake: SlackFake, client: WebClient) -> None:
    trigger = fake.issue_trigger()
    client.views_open(trigger_id=trigger, view=MODAL)
    assert (
        refused(lambda: client.views_open(trigger_id=trigger, view=MODAL))["error"]
        == "exchanged_trigger_id"
    )
    assert (
        refused(lambda: client.views_open(trigger_id="made.up.trigger", view=MODAL))["error"]
        == "invalid_trigger_id"
    )
    late = fake.issue_trigger(age=3.1)
    assert (
        refused(lambda: client.views_open(trigger_id=late, view=MODAL))["error"]
        == "expired_trigger_id"
    )


def test_channel_membership_scopes_and_dms(fake: SlackFake, client: WebClient) -> None:
    assert (
        refused(lambda: client.chat_postMessage(channel="C0NOTIN01", text="x"))["error"]
        == "not_in_channel"
    )
    assert (
        refused(lambda: client.chat_postEphemeral(channel="C0NOTIN01", user="U1", text="x"))[
            "error"
        ]
        == "not_in_channel"
    )
    fake.set_members("C1", ["U1"])
    assert (
        refused(lambda: client.chat_postEphemeral(channel="C1", user="U2", text="x"))["error"]
        == "user_not_in_channel"
    )
    client.chat_postMessage(channel="U1", text="aviso")
    assert [m["text"] for m in fake.app_home_messages("U1")] == ["aviso"]
    with SlackFake(manifest={"oauth_config": {"scopes": {"bot": ["chat:write"]}}}) as bare:
        bare.invite_bot("C1")
        bare.add_user("U1", "ana", email="ana@example.com")
        other = WebClient(token=bare.token, base_url=bare.url, retry_handlers=[])
        answer = refused(lambda: other.users_info(user="U1"))
        assert (answer["error"], answer["needed"]) == ("missing_scope", "users:read")
        other.chat_postMessage(channel="U1", text="aviso")
        assert bare.app_home_messages("U1") == [], "no Messages tab: the user cannot see it"


def test_apps_connections_open_takes_only_the_app_level_token(fake: SlackFake) -> None:
    bot = WebClient(token=fake.token, base_url=fake.url, retry_handlers=[])
    assert (
        refused(lambda: bot.apps_connections_open(app_token=fake.token))["error"]
        == "not_allowed_token_type"
    )
    app = WebClient(token=fake.app_token, base_url=fake.url, retry_handlers=[])
    assert (
        refused(lambda: app.chat_postMessage(channel="C1", text="x"))["error"]
        == "not_allowed_token_type"
    )
