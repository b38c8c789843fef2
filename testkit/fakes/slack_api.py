"""Local HTTP fake of the Slack Web API subset soporte uses, with fault injection.

Point the real client at it and inspect what it recorded::

    with SlackFake() as fake:
        client = WebClient(token=fake.token, base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.messages("C1")[0]["text"] == "hi"

Faults are injected through ``fake.faults`` (testkit/fakes/faults.py).

Standalone (for benchmarks): ``python -m testkit.fakes.slack_api --port 8099``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

from testkit.fakes import slack_rules
from testkit.fakes.faults import Fault, Faults
from testkit.fakes.http_server import Answer, FakeServer, Request

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.json"
TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-test"
# How long a trigger_id lives and how often it opens a view:
# https://docs.slack.dev/interactivity/handling-user-interaction#modal_responses ("trigger_id
# ... expires in 3 seconds" and can be used once; views.open answers expired_trigger_id,
# exchanged_trigger_id and invalid_trigger_id, https://docs.slack.dev/reference/methods/views.open).
TRIGGER_TTL = 3.0
# The bot scopes each method needs ("Required scopes" on each method's page,
# https://docs.slack.dev/reference/methods/<method>); methods missing here need none
# (auth.test, chat.getPermalink, views.*). Per channel type: C public, G private.
METHOD_SCOPES: dict[str, dict[str, str]] = {
    "chat.postMessage": {"*": "chat:write"},
    "chat.update": {"*": "chat:write"},
    "chat.postEphemeral": {"*": "chat:write"},
    "users.info": {"*": "users:read"},
    "conversations.members": {"C": "channels:read", "G": "groups:read"},
    "conversations.info": {"C": "channels:read", "G": "groups:read"},
    "conversations.history": {"C": "channels:history", "G": "groups:history"},
    "conversations.replies": {"C": "channels:history", "G": "groups:history"},
}
JSON_PARAMS = frozenset({"blocks", "attachments", "view", "metadata", "user_auth_blocks"})
PERMALINK_BASE = "https://fake.slack.com/archives"
APP_ID = "AFAKEAPP"
STATUS_ERRORS = {500: "internal_error", 503: "service_unavailable"}

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Call:
    """One request the fake received.

    ``failed`` is True whenever the answer was not ``ok`` (injected fault or API error);
    ``dropped`` is True when the call was processed but the connection was cut;
    ``retry_after`` is the Retry-After of a 429 answer.
    """

    method: str
    params: dict[str, Any]
    at: float
    failed: bool = False
    error: str | None = None
    status: int = 200
    dropped: bool = False
    retry_after: int | None = None


class ApiError(Exception):
    """Raised inside a method implementation to answer ``{"ok": false, "error": code}``
    (with ``response_metadata.messages`` and other fields Slack adds, when given)."""

    def __init__(self, error: str, messages: list[str] | None = None, **fields: Any) -> None:
        super().__init__(error)
        self.error = error
        self.fields: dict[str, Any] = dict(fields)
        if messages:
            self.fields["response_metadata"] = {"messages": messages}


def _error(code: str, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"ok": False, "error": code}, headers or {})


def _refusal(fault: Fault) -> Answer:
    """An injected failure, answered as Slack answers it.

    https://docs.slack.dev/apis/web-api/rate-limits: a rate-limited call answers HTTP 429
    with a Retry-After header (seconds) and ``"error": "ratelimited"``. An error code with
    status 200 (or 429) is Slack's usual ``HTTP 200 {"ok": false, "error": code}``; any
    other status is that HTTP status with a JSON error body."""
    if fault.error is not None and fault.status in (200, 429):
        return _error(fault.error)
    if fault.status == 429:
        retry_after = 1 if fault.retry_after is None else fault.retry_after
        return _error("ratelimited", 429, {"Retry-After": str(retry_after), **fault.headers})
    default = STATUS_ERRORS.get(fault.status, "fatal_error")
    return _error(fault.error or default, fault.status, fault.headers)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _ts_key(ts: str) -> Decimal:
    return Decimal(ts)


def _decode_params(params: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode a JSON or form-encoded body; raise ValueError when it is not decodable."""
    if not body:
        return {}
    text = body.decode("utf-8")
    if content_type.startswith("application/json"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        return data
    return dict(parse_qsl(text, keep_blank_values=True))


class SlackFake:
    """A thread-safe, in-memory Slack Web API served over local HTTP."""

    def __init__(
        self,
        token: str = TOKEN,
        app_token: str = APP_TOKEN,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0TEST",
        *,
        team: str = "Fake Team",
        bot_name: str = "soporte",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.team = team
        self.bot_name = bot_name
        self._clock = clock
        self._lock = threading.RLock()
        self.faults = Faults()
        self._server = FakeServer("slack-fake", self._serve, self.faults, host=host, port=port)
        self._last_ts_us = 0
        self._seq = 0
        self._users: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._custom: dict[str, Handler] = {}
        self._socket_mode: Any = None
        self._bot_channels: set[str] = set()
        app = manifest if manifest is not None else json.loads(MANIFEST.read_text("utf-8"))
        self.scopes = frozenset(app.get("oauth_config", {}).get("scopes", {}).get("bot", []))
        home = app.get("features", {}).get("app_home", {})
        self.messages_tab = bool(home.get("messages_tab_enabled"))
        self._methods: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
        }
        self._clear()

    def _clear(self) -> None:
        self._calls: list[Call] = []
        self._posted: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._closed_views: set[str] = set()
        self._home: dict[str, dict[str, Any]] = {}
        self._responses: list[tuple[str, Any]] = []
        self._expired_triggers: set[str] = set()
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._channel_spacing: float | None = None
        self._last_post: dict[str, float] = {}
        self.faults.clear()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SlackFake:
        """Bind the server and serve in a daemon thread."""
        if not self._server.started:
            self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.stop()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def __enter__(self) -> SlackFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (0 before ``start``)."""
        return self._server.port

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``."""
        return f"{self._server.url}/api/"

    def response_url(self, key: str) -> str:
        """A response_url whose POSTs are recorded under ``key``."""
        return f"{self._server.url}/response/{key}"

    # -- seeding -----------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        tz: str = "America/Santiago",
        email: str | None = None,
        *,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """Seed a user answered by ``users.info``."""
        real = real_name or name
        try:
            offset = ZoneInfo(tz).utcoffset(datetime.now())
            tz_offset = int(offset.total_seconds()) if offset else 0
            tz_label = datetime.now(ZoneInfo(tz)).tzname() or tz
        except (KeyError, ValueError):
            tz_offset, tz_label = 0, tz
        profile: dict[str, Any] = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
        }
        if email is not None:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real,
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
        }
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def invite_bot(self, *channels: str) -> None:
        """Add the bot to `channels` (/invite): a default bot is in no channel."""
        with self._lock:
            self._bot_channels.update(channels)
            for channel in channels:
                self._channels.setdefault(channel, {})

    def issue_trigger(self, age: float = 0.0) -> str:
        """A trigger_id as Slack puts in a click, a command or a submission it sends now (or
        sent `age` seconds ago)."""
        with self._lock:
            trigger = f"{self._next_id('T')}.{int(self._clock())}.{random.getrandbits(64):016x}"
            self._triggers[trigger] = time.monotonic() - age
            return trigger

    def set_members(self, channel: str, user_ids: Iterable[str]) -> None:
        """Seed the member list answered by ``conversations.members``."""
        with self._lock:
            self._members[channel] = list(user_ids)
            self._channels.setdefault(channel, {})

    def add_channel(
        self, channel: str, name: str | None = None, *, is_private: bool = False
    ) -> None:
        """Seed a channel answered by ``conversations.info``."""
        with self._lock:
            self._channels[channel] = {"name": name, "is_private": is_private}

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U0HUMAN",
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        ts: str | None = None,
    ) -> str:
        """Seed a message as if a person had posted it; return its ts."""
        with self._lock:
            message: dict[str, Any] = {"type": "message", "user": user, "text": text}
            if blocks is not None:
                message["blocks"] = blocks
            if metadata is not None:
                message["metadata"] = metadata
            return self._store_message(channel, message, thread_ts, ts)

    def on(self, method: str, handler: Handler) -> None:
        """Serve ``method`` with ``handler(params) -> response fields`` (may raise ApiError)."""
        with self._lock:
            self._custom[method] = handler

    # -- Slack behaviours tests turn on ---------------------------------------------------------

    def rate_limit_channel(self, per_second: float | None) -> None:
        """Allow at most ``per_second`` chat.postMessage per channel (``None`` disables)."""
        with self._lock:
            self._channel_spacing = 1.0 / per_second if per_second else None
            self._last_post.clear()

    def expire_trigger(self, trigger_id: str) -> None:
        """Make views.open/push with ``trigger_id`` answer ``expired_trigger_id``."""
        with self._lock:
            self._expired_triggers.add(trigger_id)

    def close_view(self, view_id: str) -> None:
        """Mark a view closed so views.update answers ``not_found``."""
        with self._lock:
            self._closed_views.add(view_id)

    # -- inspection --------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request received, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Requests received for ``method``."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def count(self, method: str) -> int:
        """Number of requests received for ``method`` (failed ones included)."""
        return len(self.calls_to(method))

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level and thread messages of ``channel`` in post order, as currently stored."""
        with self._lock:
            return copy.deepcopy(self._posted.get(channel, []))

    def app_home_messages(self, user: str) -> list[dict[str, Any]]:
        """What `user` can read in the app's Messages tab: the bot's DMs to them, or nothing
        when the app's manifest leaves the Messages tab off (the DM has nowhere to show)."""
        with self._lock:
            if not self.messages_tab:
                return []
            return copy.deepcopy(self._posted.get(f"D{user[1:]}", []))

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The stored message ``ts`` of ``channel``, or None."""
        with self._lock:
            found = self._find(channel, ts)
            return copy.deepcopy(found) if found else None

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict]:
        """Ephemeral messages, optionally filtered by channel and/or user."""
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if (channel is None or e["channel"] == channel)
                and (user is None or e["user"] == user)
            ]

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Modal views by id (closed ones included; see ``is_closed``)."""
        with self._lock:
            return copy.deepcopy(self._views)

    def is_closed(self, view_id: str) -> bool:
        """Whether ``close_view`` was called for ``view_id``."""
        with self._lock:
            return view_id in self._closed_views

    def published(self, user_id: str) -> dict[str, Any] | None:
        """The latest Home tab view published for ``user_id``."""
        with self._lock:
            view = self._home.get(user_id)
            return copy.deepcopy(view) if view else None

    def responses(self, key: str | None = None) -> list[Any]:
        """Bodies POSTed to response URLs (all keys when ``key`` is None)."""
        with self._lock:
            return [copy.deepcopy(b) for k, b in self._responses if key is None or k == key]

    def responses_by_key(self) -> list[tuple[str, Any]]:
        """(key, body) of every POST to a response URL, in order."""
        with self._lock:
            return [(k, copy.deepcopy(b)) for k, b in self._responses]

    def reset(self) -> None:
        """Clear recordings, stored messages/views and faults; keep seeded users and channels."""
        with self._lock:
            self._clear()

    # -- request handling --------------------------------------------------------------------

    def _serve(self, request: Request) -> Answer:
        parts = urlsplit(request.target)
        content_type = request.header("Content-Type").lower()
        if parts.path.startswith("/api/"):
            method = unquote(parts.path[len("/api/") :]).strip("/")
            auth = request.header("Authorization")
            token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
            return self._handle_api(method, token, parts.query, content_type, request)
        if parts.path.startswith("/response/"):
            key = unquote(parts.path[len("/response/") :])
            return self._handle_response_url(key, content_type, request)
        return _error("not_found", status=404)

    def _handle_api(
        self, method: str, token: str | None, query: str, content_type: str, request: Request
    ) -> Answer:
        params: dict[str, Any] | None = dict(parse_qsl(query, keep_blank_values=True))
        try:
            params.update(_parse_body(content_type, request.body))
        except ValueError:
            params = None
        if params is not None:
            token = token or params.pop("token", None)
            params.pop("token", None)
            _decode_params(params)
        with self._lock:
            call = Call(method, params if params is not None else {}, request.at)
            self._calls.append(call)
            answer = self._dispatch(method, token, params, request)
            call.status = answer.status
            call.dropped = answer.drop
            if "Retry-After" in answer.headers:
                call.retry_after = int(answer.headers["Retry-After"])
            if isinstance(answer.body, dict) and not answer.body.get("ok"):
                call.failed = True
                call.error = answer.body.get("error")
            return answer

    def _dispatch(
        self, method: str, token: str | None, params: dict[str, Any] | None, request: Request
    ) -> Answer:
        # https://docs.slack.dev/reference/methods/apps.connections.open: only an app-level
        # token (xapp-) opens a Socket Mode connection, and an app-level token calls nothing
        # else; either way the other token type answers `not_allowed_token_type`.
        app_level = method == "apps.connections.open"
        if token not in (self.token, self.app_token):
            return _error("invalid_auth")
        if (token == self.app_token) != app_level:
            return _error("not_allowed_token_type")
        if params is None:
            return _error("invalid_json")
        fault = self.faults.take(request)
        if fault is not None and fault.kind == "fail":
            return _refusal(fault)
        limited = self._channel_limit_reply(method, params)
        if limited is not None:
            return limited
        impl = self._custom.get(method) or self._methods.get(method)
        if impl is None:
            return _error("unknown_method")
        needed = self._needed_scope(method, params)
        if needed and needed not in self.scopes:
            # https://docs.slack.dev/authentication/tokens#scopes: a method called without
            # its scope answers missing_scope, naming the scope `needed`.
            body = {"ok": False, "error": "missing_scope", "needed": needed}
            body["provided"] = ",".join(sorted(self.scopes))
            return Answer(200, body)
        dropped = fault is not None
        try:
            result = impl(params)
        except ApiError as exc:
            return Answer(200, {"ok": False, "error": exc.error, **exc.fields}, drop=dropped)
        return Answer(200, {"ok": True, **result}, drop=dropped)

    def _handle_response_url(self, key: str, content_type: str, request: Request) -> Answer:
        with self._lock:
            fault = self.faults.take(request)
            if fault is not None and fault.kind == "fail":
                return _refusal(fault)
            try:
                payload: Any = _parse_body(content_type or "application/json", request.body)
            except ValueError:
                payload = request.body.decode("utf-8", "replace")
            if isinstance(payload, dict):
                # https://docs.slack.dev/interactivity/handling-user-interaction#message_responses:
                # a response_url message follows chat.postMessage's rules; a refused one
                # answers HTTP 400 with the error.
                _decode_params(payload)
                refused = slack_rules.message_errors(payload.get("text"), payload.get("blocks"))
                if refused:
                    return Answer(400, refused[0])
            self._responses.append((key, payload))
            return Answer(200, "ok", drop=fault is not None)

    @staticmethod
    def _needed_scope(method: str, params: dict[str, Any]) -> str | None:
        scopes = METHOD_SCOPES.get(method)
        if not scopes:
            return None
        channel = str(params.get("channel") or "")
        return scopes.get("*") or scopes.get(channel[:1]) or scopes.get("C")

    def _channel_limit_reply(self, method: str, params: dict[str, Any]) -> Answer | None:
        if method != "chat.postMessage" or self._channel_spacing is None:
            return None
        channel = str(params.get("channel", ""))
        now = time.monotonic()
        last = self._last_post.get(channel)
        if last is not None and now - last < self._channel_spacing:
            wait = max(1, math.ceil(self._channel_spacing - (now - last)))
            return _error("ratelimited", 429, {"Retry-After": str(wait)})
        self._last_post[channel] = now
        return None

    # -- storage helpers ---------------------------------------------------------------------

    def _next_ts(self) -> str:
        micros = max(int(self._clock() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}FAKE{self._seq:06d}"

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self._posted.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _store_message(
        self, channel: str, message: dict[str, Any], thread_ts: str | None, ts: str | None = None
    ) -> str:
        if ts is None:
            ts = self._next_ts()
        else:
            micros = int(Decimal(ts) * 1_000_000)
            self._last_ts_us = max(self._last_ts_us, micros)
        message["ts"] = ts
        self._channels.setdefault(channel, {})
        if thread_ts and thread_ts != ts:
            message["thread_ts"] = thread_ts
            parent = self._find(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if message.get("user") and message["user"] not in users:
                    users.append(message["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = ts
        self._posted.setdefault(channel, []).append(message)
        return ts

    @staticmethod
    def _is_top_level(message: dict[str, Any]) -> bool:
        thread_ts = message.get("thread_ts")
        if not thread_ts or thread_ts == message["ts"]:
            return True
        return message.get("subtype") == "thread_broadcast"

    @staticmethod
    def _window(messages: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
        inclusive = _truthy(params.get("inclusive", False))
        oldest = Decimal(str(params["oldest"])) if params.get("oldest") else None
        latest = Decimal(str(params["latest"])) if params.get("latest") else None
        selected = []
        for message in messages:
            ts = _ts_key(message["ts"])
            if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
                continue
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                continue
            selected.append(message)
        return selected

    @staticmethod
    def _page(items: list[Any], params: dict[str, Any], default_limit: int) -> tuple[list, str]:
        limit = int(params.get("limit") or default_limit)
        start = int(params["cursor"]) if str(params.get("cursor") or "").isdigit() else 0
        page = items[start : start + limit] if limit > 0 else items[start:]
        end = start + len(page)
        return page, (str(end) if end < len(items) else "")

    # -- methods -----------------------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": self.team,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def attach_socket_mode(self, server: Any) -> None:
        """Serve `apps.connections.open` with URLs of `server` (tests/fakes/socket_mode.py)."""
        with self._lock:
            self._socket_mode = server

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._socket_mode is None:
            # Not a Slack error: the test did not attach a SocketModeServer.
            raise ApiError("fake_has_no_socket_mode_server")
        return {"url": self._socket_mode.issue_url()}

    def _message_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        fields = {k: params[k] for k in ("text", "blocks", "attachments") if k in params}
        if "blocks" in fields and not isinstance(fields["blocks"], list):
            raise ApiError("invalid_blocks")
        # docs.slack.dev/reference/methods/chat.postMessage and chat.update, errors:
        # "no_text: No message text provided" (one of text, blocks or attachments is required).
        if not any(fields.get(k) for k in ("text", "blocks", "attachments")):
            raise ApiError("no_text")
        refused = slack_rules.message_errors(fields.get("text"), fields.get("blocks"))
        if refused:
            raise ApiError(*refused)
        if isinstance(params.get("metadata"), dict):
            fields["metadata"] = params["metadata"]
        return fields

    def _in_channel(self, channel: str) -> None:
        # https://docs.slack.dev/reference/methods/chat.postMessage: not_in_channel, "Cannot
        # post user messages to a channel they are not in" (without chat:write.public, which
        # soporte does not ask for); conversations.history answers the same to a bot.
        if channel[:1] in ("C", "G") and channel not in self._bot_channels:
            raise ApiError("not_in_channel")

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            raise ApiError("channel_not_found")
        if channel[:1] in ("U", "W"):
            # https://docs.slack.dev/reference/methods/chat.postMessage#app_home: a user ID
            # as channel posts in the app's DM with that user (its Messages tab).
            channel = f"D{channel[1:]}"
        self._in_channel(channel)
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": "",
            **self._message_fields(params),
        }
        if params.get("username"):
            message["username"] = params["username"]
        thread_ts = params.get("thread_ts") or None
        if thread_ts and _truthy(params.get("reply_broadcast", False)):
            message["subtype"] = "thread_broadcast"
        ts = self._store_message(channel, message, thread_ts)
        return {"channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        message = self._find(channel, ts) if channel and ts else None
        if message is None:
            raise ApiError("message_not_found")
        # docs.slack.dev/reference/methods/chat.update, errors: "cant_update_message:
        # Authenticated user does not have permission to update this message" (not its own).
        if message.get("bot_id") != self.bot_id:
            raise ApiError("cant_update_message")
        message.update(self._message_fields(params))
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, user = params.get("channel"), params.get("user")
        if not channel:
            raise ApiError("channel_not_found")
        if not user:
            raise ApiError("user_not_found")
        # https://docs.slack.dev/reference/methods/chat.postEphemeral: the bot must be in the
        # channel (not_in_channel) and so must the user (user_not_in_channel).
        self._in_channel(channel)
        members = self._members.get(channel)
        if members is not None and user not in members:
            raise ApiError("user_not_in_channel")
        fields = self._message_fields(params)
        ts = self._next_ts()
        entry = {"channel": channel, "user": user, "ts": ts, "text": "", **fields}
        if params.get("thread_ts"):
            entry["thread_ts"] = params["thread_ts"]
        self._ephemerals.append(entry)
        return {"message_ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("message_ts")
        message = self._find(channel, ts) if channel and ts else None
        if message is None:
            raise ApiError("message_not_found")
        link = f"{PERMALINK_BASE}/{channel}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _build_view(self, view: Any, **extra: Any) -> dict[str, Any]:
        if not isinstance(view, dict) or not view.get("type"):
            raise ApiError("invalid_arguments")
        # https://docs.slack.dev/reference/methods/views.open (and push, update, publish):
        # a view that breaks a Block Kit limit answers invalid_arguments with the reasons.
        refused = slack_rules.view_errors(view)
        if refused:
            raise ApiError("invalid_arguments", refused)
        built: dict[str, Any] = {
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": self.bot_id,
            **copy.deepcopy(view),
            **extra,
        }
        built["hash"] = f"{int(self._clock())}.{self._next_id('H')}"
        return built

    def _check_trigger(self, params: dict[str, Any]) -> str:
        """The trigger of a views.open/push, refused as Slack refuses it (TRIGGER_TTL)."""
        trigger = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger:
            raise ApiError("invalid_arguments")
        issued = self._triggers.get(trigger)
        if issued is None:
            raise ApiError("invalid_trigger_id")
        if trigger in self._used_triggers:
            raise ApiError("exchanged_trigger_id")
        if trigger in self._expired_triggers or time.monotonic() - issued > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        return trigger

    def _open_view(self, params: dict[str, Any], previous: str | None) -> dict[str, Any]:
        trigger = self._check_trigger(params)
        view = params.get("view")
        external_id = view.get("external_id") if isinstance(view, dict) else None
        # docs.slack.dev/reference/methods/views.open, errors: "duplicate_external_id: the
        # given external_id has already been used"; external_id "must be unique for all views
        # on a team".
        if external_id and self._view_by_external_id(external_id) is not None:
            raise ApiError("duplicate_external_id")
        view_id = self._next_id("V")
        built = self._build_view(view, id=view_id, previous_view_id=previous)
        built["root_view_id"] = view_id
        self._used_triggers.add(trigger)
        self._views[view_id] = built
        return {"view": copy.deepcopy(built)}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open_view(params, None)

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open_view(params, None)

    def _view_by_external_id(self, external_id: str) -> str | None:
        for view_id, view in self._views.items():
            if view.get("external_id") == external_id and view_id not in self._closed_views:
                return view_id
        return None

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id") or (
            self._view_by_external_id(params["external_id"]) if params.get("external_id") else None
        )
        if not view_id or view_id not in self._views or view_id in self._closed_views:
            raise ApiError("not_found")
        current = self._views[view_id]
        # docs.slack.dev/reference/methods/views.update, errors: "hash_conflict: the provided
        # hash doesn't match the current stored value" (modals: avoiding race conditions).
        if params.get("hash") and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view = self._build_view(
            params.get("view"),
            id=view_id,
            root_view_id=current.get("root_view_id", view_id),
            previous_view_id=current.get("previous_view_id"),
        )
        self._views[view_id] = view
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise ApiError("invalid_arguments")
        current = self._home.get(user_id)
        # docs.slack.dev/reference/methods/views.publish, errors: "hash_conflict", as for
        # views.update: the hash must match the view's current state.
        if current and params.get("hash") and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view_id = current["id"] if current else self._next_id("V")
        view = self._build_view(params.get("view"), id=view_id)
        self._home[user_id] = view
        return {"view": copy.deepcopy(view)}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(params.get("user") or "")
        if user is None:
            raise ApiError("user_not_found")
        answer = copy.deepcopy(user)
        if "users:read.email" not in self.scopes:
            # https://docs.slack.dev/reference/methods/users.info: profile.email is only
            # there with the users:read.email scope.
            answer["profile"].pop("email", None)
        return {"user": answer}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        members = self._members.get(params.get("channel") or "")
        if members is None:
            raise ApiError("channel_not_found")
        page, cursor = self._page(members, params, 100)
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        self._in_channel(str(params.get("channel") or ""))
        channel = params.get("channel")
        if not channel:
            raise ApiError("channel_not_found")
        top = [m for m in self._posted.get(channel, []) if self._is_top_level(m)]
        ordered = sorted(self._window(top, params), key=lambda m: _ts_key(m["ts"]), reverse=True)
        page, cursor = self._page(ordered, params, 100)
        return {
            "messages": copy.deepcopy(page),
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        self._in_channel(str(params.get("channel") or ""))
        channel, ts = params.get("channel"), params.get("ts")
        message = self._find(channel, ts) if channel and ts else None
        if message is None:
            raise ApiError("thread_not_found")
        root_ts = message.get("thread_ts") or message["ts"]
        parent = self._find(channel, root_ts)
        replies = [
            m for m in self._posted[channel] if m.get("thread_ts") == root_ts and m["ts"] != root_ts
        ]
        replies = sorted(self._window(replies, params), key=lambda m: _ts_key(m["ts"]))
        thread = ([parent] if parent else []) + replies
        page, cursor = self._page(thread, params, 1000)
        return {
            "messages": copy.deepcopy(page),
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel") or ""
        info = self._channels.get(channel)
        if info is None:
            raise ApiError("channel_not_found")
        return {
            "channel": {
                "id": channel,
                "name": info.get("name") or channel.lower(),
                "is_channel": True,
                "is_private": bool(info.get("is_private")),
                "is_archived": False,
                # https://api.slack.com/types/conversation: is_member says whether the caller
                # (the bot the token belongs to) is a member of the conversation.
                "is_member": channel in self._bot_channels,
            }
        }


def main(argv: list[str] | None = None) -> None:
    """Serve a SlackFake in the foreground until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args(argv)
    fake = SlackFake(token=args.token, host=args.host, port=args.port)
    fake._server.bind()
    print(fake.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.serve_forever()


if __name__ == "__main__":
    main()
