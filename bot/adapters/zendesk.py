"""The Zendesk gateway: every call the desk makes to Zendesk, through zenpy."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from zenpy import Zenpy
from zenpy.lib.exception import APIException, RecordNotFoundException

from bot.domain.case import Attachment, Ticket
from bot.domain.plain_text import excerpt

logging.getLogger("zenpy").setLevel(logging.WARNING)

EXPORT_PAGE_SIZE = 1000
PAGE_SIZE = 100
SOPORTE_TAG = "soporte"
# The key of the desk's marker in an update's custom audit metadata (≤ 1 KB per update).
MARKER_KEY = "soporte_marker"
AGENT_ROLES = ("agent", "admin")


class UpdateConflict(Exception):
    """The ticket changed since it was read (Zendesk safe_update answered 409)."""


@dataclass(frozen=True)
class ExportPage:
    tickets: list[Ticket]
    statuses: dict[int, str]
    updated: dict[int, datetime]
    after_cursor: str | None
    end_of_stream: bool


def _time(raw: str | None) -> datetime:
    if not raw:
        return datetime.now(UTC)
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def follow_up_source(raw: dict[str, Any]) -> int | None:
    """The closed ticket a follow-up ticket continues (Via object: source.rel "follow_up")."""
    if raw.get("via_followup_source_id"):
        return int(raw["via_followup_source_id"])
    source = (raw.get("via") or {}).get("source") or {}
    if source.get("rel") == "follow_up":
        earlier = (source.get("from") or {}).get("ticket_id")
        return int(earlier) if earlier else None
    return None


def reply_marker(reply_id: str) -> str:
    """The marker that proves a reply reached the ticket (in the same update's audit)."""
    return f"r-{reply_id}"


@dataclass(frozen=True)
class TicketUpdate:
    """One comment on a ticket and what changes with it, in a single Zendesk update."""

    body: str
    public: bool = False
    author_id: int | None = None
    status: str | None = None
    assignee_id: int | None = None
    tags: tuple[str, ...] = ()
    expected_stamp: str | None = None


class ZendeskGateway:
    """Every URL is built here from `base_url`; zenpy only sends the requests (its own URL
    building, which reads ZENPY_FORCE_* from the process environment, is never used)."""

    def __init__(self, base_url: str, email: str, token: str, agent_url: str | None = None):
        parts = urlsplit(base_url)
        subdomain = parts.netloc.split(".")[0] or "zendesk"
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.agent_url = (agent_url or f"{self.base_url}/agent/tickets/").rstrip("/") + "/"
        self.client = Zenpy(
            subdomain=subdomain, email=email, token=token, timeout=30, disable_cache=True
        )
        self._api = self.client.tickets

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        url = f"{self.base_url}/api/v2/{path}"
        response = self._api._call_api(
            self._api.session.get, url, params=params or None, timeout=self._api.timeout
        )
        return response.json()

    def ticket_url(self, ticket_id: int) -> str:
        return f"{self.agent_url}{ticket_id}"

    def _to_ticket(self, raw: dict, users: dict[int, dict], orgs: dict[int, dict]) -> Ticket:
        requester = users.get(raw.get("requester_id") or 0, {})
        org_id = raw.get("organization_id")
        org = orgs.get(org_id or 0, {})
        return Ticket(
            id=int(raw["id"]),
            subject=(raw.get("subject") or raw.get("raw_subject") or "").strip(),
            requester_id=raw.get("requester_id"),
            requester_name=(requester.get("name") or "").strip() or None,
            requester_email=requester.get("email"),
            organization_id=org_id,
            organization_name=org.get("name"),
            excerpt=excerpt(raw.get("description")),
            created_at=_time(raw.get("created_at")),
            url=self.ticket_url(int(raw["id"])),
            follow_up_of=follow_up_source(raw),
            priority=raw.get("priority") or None,
            type=raw.get("type"),
            tags=tuple(raw.get("tags") or ()),
        )

    def export_page(self, cursor: str | None, start_time: int) -> ExportPage:
        """One page of the cursor-based incremental ticket export, users and orgs sideloaded."""
        params: dict[str, Any] = {"include": "users,organizations", "per_page": EXPORT_PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = start_time
        data = self._get("incremental/tickets/cursor.json", **params)
        users = {u["id"]: u for u in data.get("users", [])}
        orgs = {o["id"]: o for o in data.get("organizations", [])}
        raw_tickets = data.get("tickets", [])
        return ExportPage(
            tickets=[self._to_ticket(t, users, orgs) for t in raw_tickets],
            statuses={int(t["id"]): t.get("status", "") for t in raw_tickets},
            updated={int(t["id"]): _time(t.get("updated_at")) for t in raw_tickets},
            after_cursor=data.get("after_cursor") or cursor,
            end_of_stream=bool(data.get("end_of_stream", True)),
        )

    def raw_ticket(self, ticket_id: int) -> dict[str, Any]:
        return self._get(f"tickets/{ticket_id}.json")["ticket"]

    def ticket_or_none(self, ticket_id: int) -> dict[str, Any] | None:
        """The ticket, or None when Zendesk no longer has it (deleted, e.g. marked as spam)."""
        try:
            return self.raw_ticket(ticket_id)
        except RecordNotFoundException:
            return None

    def fetch_ticket(self, ticket_id: int) -> tuple[Ticket, dict[str, Any]]:
        """A ticket with its requester and organisation sideloaded, in one call (webhooks)."""
        data = self._get(f"tickets/{ticket_id}.json", include="users,organizations")
        users = {u["id"]: u for u in data.get("users", [])}
        orgs = {o["id"]: o for o in data.get("organizations", [])}
        return self._to_ticket(data["ticket"], users, orgs), data["ticket"]

    def _pages(self, path: str, key: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
        """Cursor-paginated list, page by page (at most 100 items a page)."""
        data = self._get(path, **{"page[size]": PAGE_SIZE, **params})
        while True:
            yield data.get(key, [])
            next_url = (data.get("links") or {}).get("next")
            if not (data.get("meta") or {}).get("has_more") or not next_url:
                return
            response = self._api._call_api(
                self._api.session.get, next_url, timeout=self._api.timeout
            )
            data = response.json()

    def comments_since(self, ticket_id: int, since: datetime | None) -> list[dict[str, Any]]:
        """The ticket's comments created at or after `since` (all when None), oldest first.

        Read newest first, so a ticket's latest words are on the first page however many
        comments it has; paging stops at the first comment older than `since`."""
        found: list[dict[str, Any]] = []
        for page in self._pages(
            f"tickets/{ticket_id}/comments.json", "comments", sort_order="desc"
        ):
            for comment in page:
                if since is not None and _time(comment.get("created_at")) < since:
                    return found[::-1]
                found.append(comment)
        return found[::-1]

    def report_attachments(self, ticket_id: int) -> tuple[Attachment, ...]:
        """The files of the ticket's first comment (the user's report), as Ticket Comments
        lists them; inline images and deleted files left out."""
        data = self._get(f"tickets/{ticket_id}/comments.json", **{"page[size]": 1})
        first = (data.get("comments") or [{}])[0]
        return tuple(
            Attachment(
                name=str(a.get("file_name") or "archivo"),
                url=str(a.get("content_url") or ""),
                size=int(a.get("size") or 0),
            )
            for a in first.get("attachments") or ()
            if not a.get("inline") and not a.get("deleted")
        )

    def marker_written(self, ticket_id: int, marker: str, since: datetime) -> bool:
        """Whether an update since `since` carried `marker` in its audit's custom metadata."""
        for page in self._pages(f"tickets/{ticket_id}/audits.json", "audits", sort_order="desc"):
            for audit in page:
                custom = (audit.get("metadata") or {}).get("custom") or {}
                if custom.get(MARKER_KEY) == marker:
                    return True
                if _time(audit.get("created_at")) < since:
                    return False
        return False

    def update(self, ticket_id: int, change: TicketUpdate, marker: str) -> dict[str, Any]:
        """One ticket update: a comment, its status/assignee/tags, and `marker` in the custom
        metadata of the update's audit (Tickets API, "Setting Metadata"). Returns the ticket.

        With `expected_stamp` Zendesk refuses the update (UpdateConflict) if the ticket
        changed since it was read (safe_update)."""
        comment: dict[str, Any] = {"body": change.body, "public": change.public}
        if change.author_id is not None:
            comment["author_id"] = change.author_id
        data: dict[str, Any] = {
            "comment": comment,
            "metadata": {MARKER_KEY: marker},
            "additional_tags": [SOPORTE_TAG, *change.tags],
        }
        if change.status:
            data["status"] = change.status
        if change.assignee_id is not None:
            data["assignee_id"] = change.assignee_id
        if change.expected_stamp:
            data["safe_update"] = True
            data["updated_stamp"] = change.expected_stamp
        url = f"{self.base_url}/api/v2/tickets/{ticket_id}.json"
        try:
            response = self._api._call_api(
                self._api.session.put, url, json={"ticket": data}, timeout=self._api.timeout
            )
        except APIException as exc:
            answer = getattr(exc, "response", None)
            if answer is not None and answer.status_code == 409:
                raise UpdateConflict(str(ticket_id)) from exc
            raise
        return response.json()["ticket"]

    def me(self) -> dict[str, Any]:
        """The API user (users/me): id, name, role, active."""
        return self._get("users/me.json")["user"]

    def agent_by_email(self, email: str) -> dict[str, Any] | None:
        """The active agent or admin with this e-mail address, if the account has one."""
        users = self._get("users/search.json", query=f"email:{email}").get("users", [])
        for user in users:
            same = (user.get("email") or "").lower() == email.lower()
            usable = user.get("active", True) and not user.get("suspended")
            if same and usable and user.get("role") in AGENT_ROLES:
                return user
        return None

    def active_statuses(self, category: str) -> list[dict[str, Any]]:
        """The account's active ticket statuses of a status category (custom ticket statuses)."""
        data = self._get("custom_statuses.json", status_categories=category, active="true")
        return [s for s in data.get("custom_statuses", []) if s.get("active")]

    def mark_as_spam(self, ticket_id: int) -> None:
        """Zendesk's own mark-as-spam: deletes the ticket and suspends the requester."""
        url = f"{self.base_url}/api/v2/tickets/{ticket_id}/mark_as_spam.json"
        self._api._call_api(self._api.session.put, url, timeout=self._api.timeout)
