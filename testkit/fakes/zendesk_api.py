"""In-memory fake of the Zendesk Support API v2 subset used by soporte.

Serves real HTTP on 127.0.0.1 so the genuine zenpy client (pointed here with
``ZENPY_FORCE_SCHEME=http`` and ``ZENPY_FORCE_NETLOC=<fake.netloc>``) and plain
``requests`` calls exercise the same code paths as production. Tests seed and
inspect the store directly and inject faults through ``fake.faults`` (error statuses,
dropped connections, slow responses: testkit/fakes/faults.py).

A default fake account behaves like a default Zendesk account, and every refusal below
cites the Zendesk documentation it comes from:

- the API user (``AGENT_ID``, "Soporte Bot") is an **admin**; ``api_user_role="agent"``
  builds an account whose API user is a plain agent;
- no auto-assign on solve (``auto_assign_on_solve=False``), no ``hold`` status
  (``hold_enabled=False``);
- the incremental export is admin-only, leaves out the last minute (``export_lag_seconds``
  60) and allows 10 requests a minute, then 429 with Retry-After.

The test harness (tests/conftest.py) opts out of the one-minute holdback explicitly: an
intake test cannot wait a real minute per ticket. Tests of the holdback set it back.

Run standalone with ``python -m testkit.fakes.zendesk_api --port 8765 --seed-tickets 500``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hmac
import html
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from testkit.fakes.faults import Fault, Faults
from testkit.fakes.http_server import Answer, FakeServer, Request

__all__ = ["Req", "ZendeskFake", "sign_webhook", "webhook_headers"]

API_PREFIX = "/api/v2/"
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
# https://support.zendesk.com/hc/en-us/articles/4408894213018 (About native system ticket
# rules): "If an end user comments on a ticket with a status set to Pending, Solved, or
# On-hold, the ticket status is changed to Open".
REOPENING_STATUSES = ("pending", "solved", "hold")
# Same page: "Only the tags, subject, and priority fields can be edited on closed tickets."
CLOSED_EDITABLE = frozenset(
    {"id", "tags", "additional_tags", "remove_tags", "subject", "priority"}
    | {"safe_update", "updated_stamp"}
)
AGENT_ROLES = ("agent", "admin")
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
# "You can make up to 10 requests per minute to these endpoints."
EXPORT_RATE_LIMIT = 10
# https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api
# "any items that were created or changed within the minute prior to your request are
# excluded."
EXPORT_HOLDBACK_SECONDS = 60
# https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/ ("Setting
# Metadata"): "On each such audit, you can add up to 1 kilobyte of custom metadata."
MAX_AUDIT_METADATA = 1024
FIRST_ORG_ID = 360000001
FIRST_USER_ID = 500001
FIRST_TICKET_ID = 1001
AGENT_ID = 400001
FIRST_COMMENT_ID = 20000000001
FIRST_AUDIT_ID = 30000000001
MAX_EXPORT_PAGE = 1000
MAX_CURSOR_PAGE = 100
EMAIL = "bot@example.com"
TOKEN = "zd-test-token"

Response = tuple[int, Any, dict[str, str]]

_ERROR_BODIES: dict[int, dict[str, str]] = {
    400: {"error": "InvalidValue", "description": "Bad request"},
    401: {"error": "Couldn't authenticate you"},
    403: {
        "error": "Forbidden",
        "description": "You do not have access to this page. Please contact the account "
        "owner of this help desk for further help.",
    },
    404: {"error": "RecordNotFound", "description": "Not found"},
    409: {"error": "UpdateConflict", "description": "Injected conflict"},
    422: {"error": "RecordInvalid", "description": "Record validation errors"},
    429: {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed API requests per minute exceeded",
    },
    500: {"error": "InternalError", "description": "Something went wrong on our side"},
    502: {"error": "BadGateway", "description": "Bad gateway"},
    503: {"error": "ServiceUnavailable", "description": "Service temporarily unavailable"},
}


@dataclass
class Req:
    """One served HTTP request; ``status`` 0 means the connection was dropped. ``at`` is
    when it arrived, ``answered_at`` when its answer left (or its connection was cut)."""

    method: str
    path: str
    query: dict[str, str]
    body: dict | None
    status: int
    request: Request = field(repr=False, compare=False)

    @property
    def at(self) -> float:
        return self.request.at

    @property
    def answered_at(self) -> float | None:
        return self.request.answered_at

    @property
    def ticket(self) -> dict[str, Any]:
        """The ``ticket`` object of the request's body ({} when there is none)."""
        return (self.body or {}).get("ticket") or {}


def sign_webhook(secret: str, body: bytes, timestamp: str) -> str:
    """Zendesk webhook signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_headers(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Headers Zendesk sends with a signed webhook delivery of ``body``."""
    ts = timestamp or _iso(int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": sign_webhook(secret, body, ts),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
    }


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _to_ts(value: datetime | str | int | float) -> int:
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _encode_cursor(*parts: object) -> str:
    raw = ":".join(str(p) for p in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[str]:
    padded = cursor + "=" * (-len(cursor) % 4)
    return base64.urlsafe_b64decode(padded.encode()).decode().split(":")


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in items if str(i)))


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def _text_to_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()] or [""]
    inner = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f'<div class="zd-comment" dir="auto">{inner}</div>'


@dataclass
class _Ticket:
    id: int
    subject: str
    description: str
    requester_id: int
    organization_id: int | None
    created_ts: int
    updated_ts: int
    status: str = "new"
    priority: str | None = None
    type: str | None = None
    assignee_id: int | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    via: dict = field(default_factory=lambda: {"channel": "email", "source": {"rel": None}})
    followup_source_id: int | None = None
    deleted: bool = False


def _refusal(fault: Fault) -> _HTTPError:
    """An injected failure as Zendesk answers it: the status with Zendesk's error body, and
    Retry-After (seconds) when given, as a 429 from the rate limits has it
    (https://developer.zendesk.com/api-reference/introduction/rate-limits/)."""
    headers = dict(fault.headers)
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    return _HTTPError(fault.status, headers=headers)


class _HTTPError(Exception):
    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else _ERROR_BODIES.get(status, {"error": "Error"})
        self.headers = headers or {}


class ZendeskFake:
    """Local Zendesk Support API v2 fake with an inspectable store and fault injection."""

    def __init__(
        self,
        email: str = EMAIL,
        token: str = TOKEN,
        *,
        export_lag_seconds: int = EXPORT_HOLDBACK_SECONDS,
        export_rate_limit_per_minute: int | None = EXPORT_RATE_LIMIT,
        auto_assign_on_solve: bool = False,
        hold_enabled: bool = False,
        api_user_role: str = "admin",
    ) -> None:
        self.email = email
        self.token = token
        self.export_lag_seconds = export_lag_seconds
        self.export_rate_limit_per_minute = export_rate_limit_per_minute
        # Admin Center > Objects and rules > Tickets > Settings: "Auto-assign tickets upon
        # solve" and "Enable On-hold status" are both off on a new account.
        self.auto_assign_on_solve = auto_assign_on_solve
        self.hold_enabled = hold_enabled
        self.agent_id = AGENT_ID
        self._lock = threading.RLock()
        self.faults = Faults()
        self._server = FakeServer("zendesk-fake", self._serve, self.faults)
        self._orgs: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._tickets: dict[int, _Ticket] = {}
        self._next_org = FIRST_ORG_ID
        self._next_user = FIRST_USER_ID
        self._next_ticket = FIRST_TICKET_ID
        self._next_comment = FIRST_COMMENT_ID
        self._next_audit = FIRST_AUDIT_ID
        self._last_ts = 0
        self._cursor_floor = 0
        self._requests: list[Req] = []
        self._export_hits: list[float] = []
        ts = self._tick()
        self._users[AGENT_ID] = self._user_json(
            AGENT_ID, "Soporte Bot", email, None, api_user_role, ts
        )
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("GET", re.compile(r"tickets/show_many"), self._get_tickets_many),
            ("GET", re.compile(r"tickets/(\d+)"), self._get_ticket),
            ("PUT", re.compile(r"tickets/(\d+)"), self._put_ticket),
            ("GET", re.compile(r"tickets/(\d+)/comments"), self._get_comments),
            ("GET", re.compile(r"tickets/(\d+)/audits"), self._get_audits),
            ("PUT", re.compile(r"tickets/(\d+)/mark_as_spam"), self._put_spam),
            ("GET", re.compile(r"users/me"), self._get_me),
            ("GET", re.compile(r"users/show_many"), self._get_users_many),
            ("GET", re.compile(r"users/search"), self._search_users),
            ("GET", re.compile(r"users/(\d+)"), self._get_user),
            ("GET", re.compile(r"organizations/show_many"), self._get_orgs_many),
            ("GET", re.compile(r"organizations/(\d+)"), self._get_org),
            ("GET", re.compile(r"incremental/tickets/cursor"), self._get_export),
            ("GET", re.compile(r"custom_statuses"), self._get_custom_statuses),
        ]

    # lifecycle

    def start(self, port: int = 0) -> ZendeskFake:
        """Bind `port` (a free one by default) on 127.0.0.1 and serve from a daemon thread."""
        if self._server.started:
            raise RuntimeError("ZendeskFake already started")
        self._server = FakeServer("zendesk-fake", self._serve, self.faults, port=port)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and shut down every open client connection."""
        self._server.stop()

    def __enter__(self) -> ZendeskFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Bound TCP port (only while started)."""
        if not self._server.started:
            raise RuntimeError("ZendeskFake not started")
        return self._server.port

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}"

    # clock

    def _tick(self, ticket: _Ticket | None = None) -> int:
        """Next change timestamp: never behind the wall clock, any handed-out export
        cursor, or the ticket's own previous updated_at."""
        with self._lock:
            ts = max(int(time.time()), self._last_ts, self._cursor_floor + 1)
            if ticket is not None:
                ts = max(ts, ticket.updated_ts + 1)
            self._last_ts = ts
            return ts

    def _now(self) -> int:
        return max(int(time.time()), self._last_ts)

    # seeding

    def add_organization(self, name: str) -> int:
        """Create an organization and return its id."""
        with self._lock:
            org_id = self._next_org
            self._next_org += 1
            ts = self._tick()
            self._orgs[org_id] = {
                "id": org_id,
                "name": name,
                "details": "",
                "notes": "",
                "domain_names": [],
                "tags": [],
                "shared_tickets": False,
                "shared_comments": False,
                "organization_fields": {},
                "external_id": None,
                "group_id": None,
                "created_at": _iso(ts),
                "updated_at": _iso(ts),
            }
            return org_id

    def add_user(
        self,
        name: str | None,
        email: str,
        organization_id: int | None = None,
        role: str = "end-user",
    ) -> int:
        """Create a user and return its id (``name`` None is served as JSON null)."""
        with self._lock:
            if organization_id is not None and organization_id not in self._orgs:
                raise ValueError(f"unknown organization {organization_id}")
            user_id = self._next_user
            self._next_user += 1
            self._users[user_id] = self._user_json(
                user_id, name, email, organization_id, role, self._tick()
            )
            return user_id

    def add_agent(self, name: str, email: str, role: str = "agent") -> int:
        """Create an agent (or admin) of the account and return its id."""
        if role not in AGENT_ROLES:
            raise ValueError(f"{role!r} is not an agent role")
        return self.add_user(name, email, role=role)

    def _user_json(
        self, user_id: int, name: str | None, email: str, org_id: int | None, role: str, ts: int
    ) -> dict:
        return {
            "id": user_id,
            "name": name,
            "email": email,
            "role": role,
            "organization_id": org_id,
            "active": True,
            "verified": True,
            "suspended": False,
            "locale": "en-US",
            "time_zone": "UTC",
            "phone": None,
            "photo": None,
            "tags": [],
            "user_fields": {},
            "external_id": None,
            "created_at": _iso(ts),
            "updated_at": _iso(ts),
        }

    def add_ticket(
        self,
        subject: str,
        description: str,
        requester_id: int,
        organization_id: int | None = None,
        created_at: datetime | None = None,
        html_body: str | None = None,
        files: Iterable[tuple[str, str]] = (),
    ) -> int:
        """Create a "new" ticket whose first public comment (by the requester) is
        ``description`` (or ``html_body``), with ``files`` ((file name, content type)) attached;
        organization defaults to the requester's."""
        with self._lock:
            requester = self._users.get(requester_id)
            if requester is None:
                raise ValueError(f"unknown user {requester_id}")
            ticket_id = self._next_ticket
            self._next_ticket += 1
            ts = _to_ts(created_at) if created_at is not None else self._tick()
            org_id = (
                organization_id if organization_id is not None else requester["organization_id"]
            )
            ticket = _Ticket(
                id=ticket_id,
                subject=subject,
                description="",
                requester_id=requester_id,
                organization_id=org_id,
                created_ts=ts,
                updated_ts=ts,
            )
            comment = self._make_comment(description, html_body, True, requester_id, ts)
            comment["attachments"] = [self._attachment(name, kind) for name, kind in files]
            ticket.description = comment["body"]
            ticket.comments.append(comment)
            self._tickets[ticket_id] = ticket
            return ticket_id

    def _attachment(self, file_name: str, content_type: str) -> dict:
        """An attachment as Ticket Comments list it (developer.zendesk.com/api-reference/
        ticketing/tickets/ticket-attachments, "JSON format": id, file_name, content_url,
        content_type, size, inline, deleted, thumbnails; content_url is "a full URL where the
        attachment image file can be downloaded")."""
        self._next_comment += 1
        attachment_id = 900_000 + self._next_comment
        token = sha256(f"{attachment_id}".encode()).hexdigest()[:25]
        return {
            "id": attachment_id,
            "url": f"{self._base()}/api/v2/attachments/{attachment_id}.json",
            "file_name": file_name,
            "content_url": f"{self._base()}/attachments/token/{token}/?name={file_name}",
            "mapped_content_url": f"{self._base()}/attachments/token/{token}/?name={file_name}",
            "content_type": content_type,
            "size": 1024,
            "width": None,
            "height": None,
            "inline": False,
            "deleted": False,
            "malware_access_override": False,
            "malware_scan_result": "malware_not_found",
            "thumbnails": [],
        }

    def add_user_comment(
        self, ticket_id: int, body: str, author_id: int | None = None, public: bool = True
    ) -> int:
        """Append a comment (by the requester unless ``author_id`` says otherwise). An end
        user's comment reopens pending/solved/hold tickets; on a closed one it makes a
        follow-up ticket (see ``follow_ups``). Returns the comment id."""
        with self._lock:
            ticket = self._ticket(ticket_id)
            if ticket.status == "closed":
                return self._follow_up(ticket, body)
            ts = self._tick(ticket)
            author = author_id if author_id is not None else ticket.requester_id
            comment = self._make_comment(body, None, public, author, ts)
            ticket.comments.append(comment)
            end_user = self._users.get(author, {}).get("role") == "end-user"
            if end_user and ticket.status in REOPENING_STATUSES:
                ticket.status = "open"
            ticket.updated_ts = ts
            return comment["id"]

    def _follow_up(self, closed: _Ticket, body: str) -> int:
        """About native system ticket rules (support.zendesk.com/hc/en-us/articles/
        4408894213018): "Requesters can create a follow-up request that references a closed
        ticket, but they can't reopen the closed ticket." The follow-up is a new ticket whose
        via.source.rel is "follow_up" (Via object reference, developer.zendesk.com/
        documentation/ticketing/reference-guides/via-object-reference) and whose
        ``via_followup_source_id`` is the closed ticket (Tickets API, JSON format)."""
        new_id = self.add_ticket(closed.subject, body, closed.requester_id, closed.organization_id)
        follow_up = self._tickets[new_id]
        follow_up.followup_source_id = closed.id
        follow_up.via = {
            "channel": "email",
            "source": {
                "from": {"ticket_id": closed.id, "subject": closed.subject},
                "to": {},
                "rel": "follow_up",
            },
        }
        return follow_up.comments[0]["id"]

    def follow_ups(self, ticket_id: int) -> list[int]:
        """Ids of the follow-up tickets of a closed ticket."""
        with self._lock:
            return [t.id for t in self._tickets.values() if t.followup_source_id == ticket_id]

    def set_ticket(self, ticket_id: int, **fields: Any) -> dict:
        """Agent-side change (status, tags, assignee_id, priority, ...); bumps updated_at
        unless ``updated_at`` itself is given. Returns the ticket JSON."""
        with self._lock:
            ticket = self._ticket(ticket_id)
            explicit = fields.pop("updated_at", None)
            for name, value in fields.items():
                if name == "status" and value not in STATUSES:
                    raise ValueError(f"invalid status {value!r}")
                if name == "created_at":
                    ticket.created_ts = _to_ts(value)
                elif name == "tags":
                    ticket.tags = _dedupe(value)
                elif name in {"subject", "raw_subject"}:
                    ticket.subject = value
                elif hasattr(ticket, name) and name not in {"id", "comments"}:
                    setattr(ticket, name, value)
                else:
                    raise ValueError(f"unsupported ticket field {name!r}")
            ticket.updated_ts = _to_ts(explicit) if explicit is not None else self._tick(ticket)
            return self._ticket_json(ticket)

    def set_user(self, user_id: int, **fields: Any) -> dict:
        """Change stored user attributes (e.g. suspended, name); returns the user JSON."""
        with self._lock:
            user = self._users[user_id]
            user.update(fields)
            user["updated_at"] = _iso(self._tick())
            return self._user_out(user)

    # inspection

    def ticket(self, ticket_id: int) -> dict:
        """Ticket JSON exactly as the API serves it (a deleted one with status "deleted")."""
        with self._lock:
            return self._ticket_json(self._ticket(ticket_id, deleted_too=True))

    def audits(self, ticket_id: int) -> list[dict]:
        """Every audit of a ticket, oldest first."""
        with self._lock:
            return copy.deepcopy(self._ticket(ticket_id, deleted_too=True).audits)

    def comments(self, ticket_id: int) -> list[dict]:
        """All comments of a ticket, oldest first."""
        with self._lock:
            return [
                self._comment_json(c) for c in self._ticket(ticket_id, deleted_too=True).comments
            ]

    def public_comments(self, ticket_id: int) -> list[dict]:
        """Public comments of a ticket, oldest first."""
        return [c for c in self.comments(ticket_id) if c["public"]]

    def internal_notes(self, ticket_id: int) -> list[dict]:
        """Private comments (internal notes) of a ticket, oldest first."""
        return [c for c in self.comments(ticket_id) if not c["public"]]

    def user(self, user_id: int) -> dict:
        """User JSON."""
        with self._lock:
            return self._user_out(self._users[user_id])

    def organization(self, org_id: int) -> dict:
        """Organization JSON."""
        with self._lock:
            return self._org_out(self._orgs[org_id])

    @property
    def ticket_ids(self) -> list[int]:
        """Ids of all stored tickets, ascending."""
        with self._lock:
            return sorted(self._tickets)

    @property
    def requests(self) -> list[Req]:
        """Every request served so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def ticket_updates(self, ticket_id: int | None = None) -> list[Req]:
        """The ticket updates served (PUT tickets/{id}, not mark_as_spam), in order."""
        suffix = f"/tickets/{ticket_id}.json" if ticket_id is not None else None
        return [
            r
            for r in self.requests
            if r.method == "PUT"
            and re.search(r"/tickets/\d+\.json$", r.path)
            and (suffix is None or r.path.endswith(suffix))
        ]

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        """Number of recorded requests matching the method and path substring."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (path_contains is None or path_contains in r.path)
        )

    def reset_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    # request plumbing

    def _base(self) -> str:
        return self.url if self._server.started else "http://127.0.0.1"

    def _authorized(self, headers: dict[str, str]) -> bool:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except ValueError:
            return False
        return hmac.compare_digest(decoded, f"{self.email}/token:{self.token}")

    def _serve(self, request: Request) -> Answer:
        method, path, query = request.method, request.path, request.query
        body: dict | None = None
        drop = False
        try:
            if request.body:
                try:
                    body = json.loads(request.body)
                except ValueError as exc:
                    raise _HTTPError(
                        400, {"error": "InvalidJSON", "description": str(exc)}
                    ) from exc
            if not self._authorized(request.headers):
                raise _HTTPError(401)
            fault = self.faults.take(request)
            if fault is not None and fault.kind == "fail":
                raise _refusal(fault)
            drop = fault is not None
            status, payload, out_headers = self._route(method, path, query, body)
        except _HTTPError as err:
            status, payload, out_headers = err.status, err.body, err.headers
        with self._lock:
            recorded = body if isinstance(body, dict) else None
            served = Req(method, path, query, recorded, 0 if drop else status, request)
            self._requests.append(served)
        # Every API answer carries the account's rate limit and what is left of it
        # (https://developer.zendesk.com/api-reference/introduction/rate-limits/).
        headers = {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699", **out_headers}
        return Answer(status, payload, headers, drop=drop)

    def _route(self, method: str, path: str, query: dict[str, str], body: dict | None) -> Response:
        if not path.startswith(API_PREFIX):
            raise _HTTPError(404, {"error": "InvalidEndpoint", "description": "Not found"})
        resource = path[len(API_PREFIX) :].removesuffix("/").removesuffix(".json")
        known_path = False
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(resource)
            if match is None:
                continue
            known_path = True
            if route_method == method:
                with self._lock:
                    return handler(*match.groups(), query=query, body=body)
        if known_path:
            raise _HTTPError(405, {"error": "MethodNotAllowed", "description": method})
        raise _HTTPError(404, {"error": "InvalidEndpoint", "description": "Not found"})

    # store helpers

    def _ticket(self, ticket_id: int | str, *, deleted_too: bool = False) -> _Ticket:
        ticket = self._tickets.get(int(ticket_id))
        if ticket is None or (ticket.deleted and not deleted_too):
            raise _HTTPError(404)
        return ticket

    def _ticket_json(self, t: _Ticket) -> dict:
        return {
            "id": t.id,
            "url": f"{self._base()}/api/v2/tickets/{t.id}.json",
            "external_id": None,
            "subject": t.subject,
            "raw_subject": t.subject,
            "description": t.description,
            "status": "deleted" if t.deleted else t.status,
            "priority": t.priority,
            "type": t.type,
            "requester_id": t.requester_id,
            "submitter_id": t.requester_id,
            "assignee_id": t.assignee_id,
            "organization_id": t.organization_id,
            "group_id": None,
            "collaborator_ids": [],
            "follower_ids": [],
            "tags": list(t.tags),
            "custom_fields": copy.deepcopy(t.custom_fields),
            "via": copy.deepcopy(t.via),
            "via_followup_source_id": t.followup_source_id,
            "is_public": any(c["public"] for c in t.comments),
            "has_incidents": False,
            "created_at": _iso(t.created_ts),
            "updated_at": _iso(t.updated_ts),
        }

    def _user_out(self, user: dict) -> dict:
        return {**copy.deepcopy(user), "url": f"{self._base()}/api/v2/users/{user['id']}.json"}

    def _org_out(self, org: dict) -> dict:
        url = f"{self._base()}/api/v2/organizations/{org['id']}.json"
        return {**copy.deepcopy(org), "url": url}

    def _comment_json(self, comment: dict) -> dict:
        out = {k: copy.deepcopy(v) for k, v in comment.items() if not k.startswith("_")}
        out["created_at"] = _iso(comment["_ts"])
        return out

    def _make_comment(
        self, body: str | None, html_body: str | None, public: bool, author_id: int, ts: int
    ) -> dict:
        if html_body:
            plain = _html_to_text(html_body)
            markup = html_body
        else:
            plain = (body or "").strip()
            markup = _text_to_html(plain)
        comment_id = self._next_comment
        self._next_comment += 1
        return {
            "id": comment_id,
            "type": "Comment",
            "author_id": author_id,
            "body": plain,
            "html_body": markup,
            "plain_body": plain,
            "public": bool(public),
            "attachments": [],
            "via": {"channel": "api"},
            "metadata": {"system": {}, "custom": {}},
            "_ts": ts,
        }

    # endpoints

    def _get_ticket(self, ticket_id: str, query: dict[str, str], **_: Any) -> Response:
        """Show Ticket; ``include=users,organizations`` sideloads (Side-Loading guide,
        developer.zendesk.com/documentation/ticketing/using-the-zendesk-api/side_loading)."""
        ticket = self._ticket(ticket_id)
        payload: dict[str, Any] = {"ticket": self._ticket_json(ticket)}
        include = {p.strip() for p in query.get("include", "").split(",") if p.strip()}
        if "users" in include:
            ids = dict.fromkeys(i for i in (ticket.requester_id, ticket.assignee_id) if i)
            payload["users"] = [self._user_out(self._users[i]) for i in ids if i in self._users]
        if "organizations" in include:
            org = self._orgs.get(ticket.organization_id or 0)
            payload["organizations"] = [self._org_out(org)] if org else []
        return 200, payload, {}

    def _ids(self, query: dict[str, str]) -> list[int]:
        try:
            return [int(i) for i in query.get("ids", "").split(",") if i.strip()]
        except ValueError as exc:
            raise _HTTPError(400, {"error": "InvalidValue", "description": "ids"}) from exc

    def _get_tickets_many(self, query: dict[str, str], **_: Any) -> Response:
        tickets = [
            self._ticket_json(self._tickets[i]) for i in self._ids(query) if i in self._tickets
        ]
        return (
            200,
            {"tickets": tickets, "next_page": None, "previous_page": None, "count": len(tickets)},
            {},
        )

    def _get_user(self, user_id: str, **_: Any) -> Response:
        user = self._users.get(int(user_id))
        if user is None:
            raise _HTTPError(404)
        return 200, {"user": self._user_out(user)}, {}

    def _get_me(self, **_: Any) -> Response:
        return 200, {"user": self._user_out(self._users[AGENT_ID])}, {}

    def _search_users(self, query: dict[str, str], **_: Any) -> Response:
        """Users API, "Search Users": ``query`` takes the search syntax; ``email:<address>``
        matches the address exactly (case-insensitive), anything else a part of a name or
        e-mail."""
        raw = query.get("query", "").strip()
        if not raw:
            raise _HTTPError(400, {"error": "InvalidValue", "description": "query required"})
        if raw.lower().startswith("email:"):
            wanted = raw[6:].strip().strip('"').lower()
            found = [u for u in self._users.values() if (u["email"] or "").lower() == wanted]
        else:
            low = raw.lower()
            found = [
                u
                for u in self._users.values()
                if low in (u["name"] or "").lower() or low in (u["email"] or "").lower()
            ]
        users = [self._user_out(u) for u in found[:100]]
        return (
            200,
            {"users": users, "next_page": None, "previous_page": None, "count": len(users)},
            {},
        )

    def _get_custom_statuses(self, query: dict[str, str], **_: Any) -> Response:
        """Custom ticket statuses API, "List Custom Ticket Statuses": one default status per
        category; "The "hold" status category and its corresponding system ticket status are
        optional", inactive unless the account enabled it."""
        categories = ("new", "open", "pending", "hold", "solved")
        statuses = [
            {
                "id": 100 + n,
                "status_category": category,
                "agent_label": category.capitalize() if category != "hold" else "On-hold",
                "end_user_label": category.capitalize(),
                "active": category != "hold" or self.hold_enabled,
                "default": True,
            }
            for n, category in enumerate(categories)
        ]
        wanted = {c for c in query.get("status_categories", "").split(",") if c}
        if wanted:
            statuses = [st for st in statuses if st["status_category"] in wanted]
        if query.get("active") in ("true", "false"):
            active = query["active"] == "true"
            statuses = [st for st in statuses if st["active"] is active]
        return 200, {"custom_statuses": statuses}, {}

    def _get_users_many(self, query: dict[str, str], **_: Any) -> Response:
        users = [self._user_out(self._users[i]) for i in self._ids(query) if i in self._users]
        return (
            200,
            {"users": users, "next_page": None, "previous_page": None, "count": len(users)},
            {},
        )

    def _get_org(self, org_id: str, **_: Any) -> Response:
        org = self._orgs.get(int(org_id))
        if org is None:
            raise _HTTPError(404)
        return 200, {"organization": self._org_out(org)}, {}

    def _get_orgs_many(self, query: dict[str, str], **_: Any) -> Response:
        orgs = [self._org_out(self._orgs[i]) for i in self._ids(query) if i in self._orgs]
        return (
            200,
            {"organizations": orgs, "next_page": None, "previous_page": None, "count": len(orgs)},
            {},
        )

    def _put_ticket(self, ticket_id: str, body: dict | None, **_: Any) -> Response:
        ticket = self._ticket(ticket_id)
        data = (body or {}).get("ticket")
        if not isinstance(data, dict):
            raise _HTTPError(
                400, {"error": "InvalidValue", "description": "ticket object required"}
            )
        if ticket.status == "closed" and set(data) - CLOSED_EDITABLE:
            # About native system ticket rules (support.zendesk.com/hc/en-us/articles/
            # 4408894213018): "Tickets with a status set to Closed can't be updated in most
            # cases ... Only the tags, subject, and priority fields can be edited".
            raise _HTTPError(422, self._invalid("status", "Status: closed prevents ticket update"))
        if data.get("safe_update"):
            # Tickets API, "Protecting against ticket update collisions": with safe_update
            # and an updated_stamp older than the ticket's updated_at, the update is refused
            # with 409 UpdateConflict.
            stamp = data.get("updated_stamp")
            try:
                stale = stamp is None or _to_ts(stamp) != ticket.updated_ts
            except (TypeError, ValueError):
                stale = True
            if stale:
                raise _HTTPError(
                    409,
                    {
                        "error": "UpdateConflict",
                        "description": "Safe Update prevented the update due to outdated "
                        "ticket data. Please fetch the latest ticket data and try again.",
                    },
                )
        status = data.get("status")
        self._check_status(ticket, status)
        assignee = data.get("assignee_id", ticket.assignee_id)
        if "assignee_id" in data and assignee is not None:
            user = self._users.get(int(assignee))
            if user is None or user["role"] not in AGENT_ROLES:
                # The shape Zendesk answers an assignee who is not an agent with (recorded in
                # facetoe/zenpy issue #628).
                raise _HTTPError(
                    422,
                    {
                        "error": "RecordInvalid",
                        "description": "Record validation errors",
                        "details": {
                            "assignee": [
                                {"description": "Assignee: is invalid", "error": "InvalidValue"}
                            ]
                        },
                    },
                )
        if status in ("solved", "closed") and assignee is None:
            # About native system ticket rules: "A ticket's status can't be set to Solved by
            # an end user or agent without an assignee. If the setting auto assign tickets
            # upon solve is turned on ... the system automatically makes the agent who
            # solved the ticket the assignee."
            if not self.auto_assign_on_solve:
                raise _HTTPError(
                    422, self._invalid("status", "Status: solved requires an assignee")
                )
            assignee = AGENT_ID
        comment_data = data.get("comment")
        if comment_data is not None:
            if not isinstance(comment_data, dict):
                comment_data = {"body": str(comment_data)}
            if not (comment_data.get("body") or comment_data.get("html_body") or "").strip():
                raise _HTTPError(422, self._invalid("comment", "Comment: body can't be blank"))
            author = comment_data.get("author_id")
            if author is not None and int(author) not in self._users:
                raise _HTTPError(422, self._invalid("comment", "Comment: author is invalid"))
        metadata = data.get("metadata") or {}
        if len(json.dumps(metadata)) > MAX_AUDIT_METADATA:
            # The documented limit; Zendesk does not document the refusal's wording.
            raise _HTTPError(422, self._invalid("metadata", "Metadata: is too large (1 KB)"))

        changes: list[tuple[str, Any, Any]] = []

        def change(name: str, new: Any) -> None:
            old = getattr(ticket, name)
            if new != old:
                changes.append((name, new, old))
                setattr(ticket, name, new)

        if ticket.status == "new" and assignee is not None and status in (None, "new"):
            # About native system ticket rules: "When a New ticket is assigned to an agent,
            # the ticket status automatically changes to Open".
            status = "open"
        if status is not None:
            change("status", status)
        change("assignee_id", assignee)
        for name in ("priority", "type"):
            if name in data:
                change(name, data[name])
        if "subject" in data:
            change("subject", data["subject"])
        tags = _dedupe(data["tags"]) if "tags" in data else list(ticket.tags)
        tags = _dedupe([*tags, *data.get("additional_tags", [])])
        removed = {str(t) for t in data.get("remove_tags", [])}
        change("tags", [t for t in tags if t not in removed])
        if isinstance(data.get("custom_fields"), list):
            merged = {f["id"]: dict(f) for f in ticket.custom_fields}
            merged.update({f["id"]: dict(f) for f in data["custom_fields"] if "id" in f})
            change("custom_fields", list(merged.values()))

        ts = self._tick(ticket)
        events: list[dict] = []
        if comment_data is not None:
            comment = self._make_comment(
                comment_data.get("body"),
                comment_data.get("html_body"),
                comment_data.get("public", True),
                int(comment_data.get("author_id") or AGENT_ID),
                ts,
            )
            ticket.comments.append(comment)
            events.append({k: v for k, v in comment.items() if not k.startswith("_")})
        for name, new, old in changes:
            events.append(
                {
                    "id": self._new_event_id(),
                    "type": "Change",
                    "field_name": name,
                    "value": new,
                    "previous_value": old,
                }
            )
        audit = None
        if events:
            # "Setting Metadata": "If your update does not change the ticket, this will not
            # create an Audit and will not save your metadata."
            ticket.updated_ts = ts
            audit = {
                "id": self._next_audit,
                "ticket_id": ticket.id,
                "created_at": _iso(ts),
                "author_id": int((comment_data or {}).get("author_id") or AGENT_ID),
                "metadata": {"system": {"client": "zenpy"}, "custom": copy.deepcopy(metadata)},
                "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
                "events": events,
            }
            self._next_audit += 1
            ticket.audits.append(audit)
        payload: dict[str, Any] = {"ticket": self._ticket_json(ticket)}
        if audit is not None:
            payload["audit"] = copy.deepcopy(audit)
        return 200, payload, {}

    def _check_status(self, ticket: _Ticket, status: Any) -> None:
        if status is None:
            return
        if status not in STATUSES:
            raise _HTTPError(422, self._invalid("status", f"Status: {status} is not valid"))
        if status == "hold" and not self.hold_enabled:
            # Custom ticket statuses API: "The "hold" status category and its corresponding
            # system ticket status are optional"; a new account has it off (Admin Center >
            # Tickets > Settings > "Enable On-hold status").
            raise _HTTPError(422, self._invalid("status", "Status: hold is not available"))
        if status == "new" and ticket.status != "new":
            # About native system ticket rules: "After a ticket's status has been changed
            # from New, it can never be set back to New."
            raise _HTTPError(422, self._invalid("status", "Status: can't be set back to new"))

    def _new_event_id(self) -> int:
        event_id = self._next_comment
        self._next_comment += 1
        return event_id

    @staticmethod
    def _invalid(field_name: str, description: str) -> dict:
        return {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field_name: [{"description": description}]},
        }

    def _put_spam(self, ticket_id: str, **_: Any) -> Response:
        """Tickets API, "Mark Ticket as Spam and Suspend Requester"; in Zendesk Support
        (support.zendesk.com, "Marking a ticket as spam and suspending the requester") the
        ticket is deleted and its requester suspended: the API then answers 404 for it."""
        ticket = self._ticket(ticket_id)
        ticket.tags = _dedupe([*ticket.tags, "spam"])
        ticket.deleted = True
        ticket.updated_ts = self._tick(ticket)
        requester = self._users.get(ticket.requester_id)
        if requester is not None:
            requester["suspended"] = True
            requester["updated_at"] = _iso(ticket.updated_ts)
        return 200, {}, {}

    def _page_url(self, path: str, params: dict[str, Any]) -> str:
        return f"{self._base()}{API_PREFIX}{path}?{urlencode(params, safe='[],')}"

    def _get_comments(self, ticket_id: str, query: dict[str, str], **_: Any) -> Response:
        """Ticket Comments API, "List Comments": oldest first unless sort_order=desc, cursor
        or offset pagination, at most 100 a page."""
        ticket = self._ticket(ticket_id)
        comments = [self._comment_json(c) for c in ticket.comments]
        return self._paged(comments, f"tickets/{ticket.id}/comments.json", "comments", query)

    def _get_audits(self, ticket_id: str, query: dict[str, str], **_: Any) -> Response:
        """Ticket Audits API, "List Audits for a Ticket": cursor or offset pagination,
        "Returns a maximum of 100 records per page", sort_order "asc" (default) or "desc"."""
        ticket = self._ticket(ticket_id)
        audits = copy.deepcopy(ticket.audits)
        return self._paged(audits, f"tickets/{ticket.id}/audits.json", "audits", query)

    def _paged(self, items: list[dict], path: str, key: str, query: dict[str, str]) -> Response:
        comments = items
        if query.get("sort_order") == "desc":
            comments.reverse()
        extra = {k: v for k, v in query.items() if k in ("include_inline_images", "sort_order")}
        if any(k.startswith("page[") for k in query):
            return 200, self._cursor_page(comments, path, query, extra, key), {}
        try:
            page = max(1, int(query.get("page", 1)))
            per_page = min(MAX_CURSOR_PAGE, max(1, int(query.get("per_page", 100))))
        except ValueError as exc:
            raise _HTTPError(400) from exc
        start = (page - 1) * per_page
        chunk = comments[start : start + per_page]
        more = start + per_page < len(comments)
        payload = {
            key: chunk,
            "next_page": self._page_url(path, {**extra, "page": page + 1, "per_page": per_page})
            if more
            else None,
            "previous_page": self._page_url(path, {**extra, "page": page - 1, "per_page": per_page})
            if page > 1
            else None,
            "count": len(comments),
        }
        return 200, payload, {}

    def _cursor_page(
        self,
        items: list[dict],
        path: str,
        query: dict[str, str],
        extra: dict[str, str],
        key: str = "comments",
    ) -> dict:
        try:
            size = min(MAX_CURSOR_PAGE, max(1, int(query.get("page[size]", 100))))
        except ValueError as exc:
            raise _HTTPError(400) from exc
        index = {item["id"]: pos for pos, item in enumerate(items)}
        try:
            if query.get("page[after]"):
                start = index[int(_decode_cursor(query["page[after]"])[0])] + 1
                end = start + size
            elif query.get("page[before]"):
                end = index[int(_decode_cursor(query["page[before]"])[0])]
                start = max(0, end - size)
            else:
                start, end = 0, size
        except (KeyError, ValueError) as exc:
            raise _HTTPError(400, {"error": "InvalidPaginationParameter"}) from exc
        chunk = items[start:end]
        has_more = end < len(items) if not query.get("page[before]") else start > 0
        after = _encode_cursor(chunk[-1]["id"]) if chunk else None
        before = _encode_cursor(chunk[0]["id"]) if chunk else None
        return {
            key: chunk,
            "meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
            "links": {
                "next": self._page_url(path, {**extra, "page[size]": size, "page[after]": after})
                if after and end < len(items)
                else None,
                "prev": self._page_url(path, {**extra, "page[size]": size, "page[before]": before})
                if before and start > 0
                else None,
            },
        }

    def _get_export(self, query: dict[str, str], **_: Any) -> Response:
        if self._users[AGENT_ID]["role"] != "admin":
            # Incremental Exports API, every endpoint: "Allowed for: Admins". An agent gets
            # 403 Forbidden (support.zendesk.com community post 4428358191514 records it).
            raise _HTTPError(403)
        self._check_export_rate()
        try:
            per_page = min(MAX_EXPORT_PAGE, max(1, int(query.get("per_page", MAX_EXPORT_PAGE))))
            if query.get("cursor"):
                direction, ts, tid = _decode_cursor(query["cursor"])
                position = (int(ts), int(tid))
            elif query.get("start_time") not in (None, ""):
                direction, position = "a", (int(query["start_time"]), 0)
            else:
                raise _HTTPError(
                    400, {"error": "InvalidValue", "description": "start_time or cursor required"}
                )
        except (ValueError, UnicodeDecodeError) as exc:
            raise _HTTPError(400, {"error": "InvalidCursor", "description": str(exc)}) from exc
        horizon = self._now() - self.export_lag_seconds if self.export_lag_seconds > 0 else None
        visible = sorted(
            (t for t in self._tickets.values() if horizon is None or t.updated_ts <= horizon),
            key=lambda t: (t.updated_ts, t.id),
        )
        if direction == "b":
            earlier = [t for t in visible if (t.updated_ts, t.id) < position]
            page = earlier[-per_page:]
            end_of_stream = False
            last = position
        else:
            later = [t for t in visible if (t.updated_ts, t.id) > position]
            page = later[:per_page]
            end_of_stream = len(later) <= per_page
            last = (page[-1].updated_ts, page[-1].id) if page else position
        if page:
            self._cursor_floor = max(self._cursor_floor, page[-1].updated_ts)
        include = {p.strip() for p in query.get("include", "").split(",") if p.strip()}
        after_cursor = _encode_cursor("a", *last)
        before_cursor = _encode_cursor("b", page[0].updated_ts, page[0].id) if page else None
        link_params: dict[str, Any] = {"per_page": per_page}
        if query.get("include"):
            link_params["include"] = query["include"]
        path = "incremental/tickets/cursor.json"
        payload: dict[str, Any] = {
            "tickets": [self._ticket_json(t) for t in page],
            "after_cursor": after_cursor,
            "after_url": self._page_url(path, {"cursor": after_cursor, **link_params}),
            "before_cursor": before_cursor,
            "before_url": self._page_url(path, {"cursor": before_cursor, **link_params})
            if before_cursor
            else None,
            "end_of_stream": end_of_stream,
        }
        if "users" in include:
            user_ids = dict.fromkeys(t.requester_id for t in page)
            payload["users"] = [
                self._user_out(self._users[u]) for u in user_ids if u in self._users
            ]
        if "organizations" in include:
            org_ids = dict.fromkeys(t.organization_id for t in page if t.organization_id)
            payload["organizations"] = [
                self._org_out(self._orgs[o]) for o in org_ids if o in self._orgs
            ]
        return 200, payload, {}

    def _check_export_rate(self) -> None:
        now = time.monotonic()
        self._export_hits = [t for t in self._export_hits if now - t < 60]
        limit = self.export_rate_limit_per_minute
        if limit is not None and len(self._export_hits) >= limit:
            wait = max(1, math.ceil(60 - (now - self._export_hits[0])))
            raise _HTTPError(429, headers={"Retry-After": str(wait)})
        self._export_hits.append(now)


def _seed(fake: ZendeskFake, tickets: int) -> None:
    orgs = [fake.add_organization(f"Org {n}") for n in range(1, 6)]
    users = [
        fake.add_user(f"Customer {n}", f"customer{n}@example.com", orgs[n % len(orgs)])
        for n in range(1, min(tickets, 50) + 1)
    ]
    start = int(time.time()) - tickets * 60
    for n in range(tickets):
        fake.add_ticket(
            f"Seeded ticket {n + 1}",
            f"Seeded description {n + 1}\n\nPlease help.",
            users[n % len(users)],
            created_at=datetime.fromtimestamp(start + n * 60, UTC),
        )


def main(argv: list[str] | None = None) -> None:
    """Serve a fake Zendesk until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed-tickets", type=int, default=0)
    parser.add_argument("--email", default=EMAIL)
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--export-lag", type=int, default=EXPORT_HOLDBACK_SECONDS)
    args = parser.parse_args(argv)
    fake = ZendeskFake(args.email, args.token, export_lag_seconds=args.export_lag)
    if args.seed_tickets:
        _seed(fake, args.seed_tickets)
    fake.start(args.port)
    print(
        f"zendesk fake on {fake.url} (email={fake.email} token={fake.token} "
        f"tickets={len(fake.ticket_ids)})",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
