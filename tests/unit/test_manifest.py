"""manifest.json against the code: every Web API method the code calls has its scope, no
scope is there without a caller, every event a handler listens to is subscribed (and none
that no handler hears), and the surfaces the code uses are switched on."""

from __future__ import annotations

import json
import re
from pathlib import Path

from testkit.fakes.slack_api import METHOD_SCOPES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
SOURCES = [ROOT / "app.py", *(ROOT / d for d in ("bot", "handlers", "workers", "blocks"))]
# Scopes whose caller is not a Web API method call found by `called_methods`:
# commands — the /soporte slash command; users:read.email — profile.email in users.info,
# which maps a Slack agent to their Zendesk user (https://docs.slack.dev/reference/methods/users.info).
NOT_FROM_METHODS = {"commands", "users:read.email"}
# Events API: message.channels needs channels:history, message.groups groups:history
# (https://docs.slack.dev/reference/events/message.channels, .../message.groups).
EVENT_SCOPES = {"message.channels": "channels:history", "message.groups": "groups:history"}
# `@app.event("message")` hears messages of public and private channels (product channels
# may be either); the Home has its own event.
EVENT_SUBSCRIPTIONS = {"message": {"message.channels", "message.groups"}}


def source_text() -> str:
    files = [p for s in SOURCES for p in ([s] if s.is_file() else sorted(s.rglob("*.py")))]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def called_methods() -> set[str]:
    """Web API methods called through slack_sdk's WebClient (`client.chat_postMessage(`)."""
    calls = re.findall(
        r"\.(auth|apps|chat|conversations|users|views|reactions|files)_(\w+)\(", source_text()
    )
    return {f"{family}.{name}" for family, name in calls}


def listened_events() -> set[str]:
    return set(re.findall(r"app\.event\(\"(\w+)\"\)", source_text()))


def bot_scopes() -> set[str]:
    return set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_every_called_method_has_its_scope() -> None:
    methods = called_methods()
    assert {"chat.postMessage", "views.open", "chat.getPermalink", "users.info"} <= methods
    needed = {scope for m in methods for scope in METHOD_SCOPES.get(m, {}).values()}
    assert needed <= bot_scopes(), f"missing: {needed - bot_scopes()}"


def test_no_scope_without_a_caller() -> None:
    from_methods = {scope for m in called_methods() for scope in METHOD_SCOPES.get(m, {}).values()}
    from_events = {EVENT_SCOPES[e] for e in subscribed_events() if e in EVENT_SCOPES}
    unused = bot_scopes() - from_methods - from_events - NOT_FROM_METHODS
    assert not unused, f"scopes nothing uses: {unused}"
    assert "chat:write.public" not in bot_scopes() and "im:write" not in bot_scopes()


def subscribed_events() -> set[str]:
    return set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_every_listened_event_is_subscribed_and_nothing_else() -> None:
    expected = set()
    for event in listened_events():
        expected |= EVENT_SUBSCRIPTIONS.get(event, {event})
    assert expected == subscribed_events()


def test_the_surfaces_the_code_uses_are_enabled() -> None:
    code = source_text()
    commands = set(re.findall(r"app\.command\(\"(/\w+)\"\)", code))
    assert commands == {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"]
    if "app.options(" in code:
        # External selects ask the app for options at the options load URL (HTTP mode).
        assert interactivity["message_menu_options_url"].endswith("/slack/events")
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"]
    # Private notices for clicks on the Home go to the app's DM (chat.postMessage to a user
    # ID): without the Messages tab the user could not read them.
    assert home["messages_tab_enabled"] and home["messages_tab_read_only_enabled"]


def test_socket_mode_is_a_switch_of_the_same_manifest() -> None:
    assert MANIFEST["settings"]["socket_mode_enabled"] is False, "HTTP by default (README)"
    assert "apps_connections_open" not in source_text(), "slack_sdk opens the connection"
