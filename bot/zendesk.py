"""The Zendesk gateway: every call the desk makes to Zendesk, through zenpy."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from zenpy import Zenpy
from zenpy.lib.api_objects import Comment
from zenpy.lib.api_objects import Ticket as ZenpyTicket
from zenpy.lib.exception import APIException

from bot.plain_text import excerpt
from bot.records import Ticket

logging.getLogger("zenpy").setLevel(logging.WARNING)

EXPORT_PAGE_SIZE = 1000
SOPORTE_TAG = "soporte"


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


def reply_marker(reply_id: str) -> str:
    """The tag that proves a reply reached the ticket (written in the same update)."""
    return f"soporte_r_{reply_id}"


class ZendeskGateway:
    def __init__(self, base_url: str, email: str, token: str, agent_url: str | None = None):
        parts = urlsplit(base_url)
        os.environ["ZENPY_FORCE_SCHEME"] = parts.scheme or "https"
        os.environ["ZENPY_FORCE_NETLOC"] = parts.netloc
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

    def current_user(self) -> dict[str, Any]:
        """The API user (users/me): who the desk's credentials sign in as."""
        return self._get("users/me.json")["user"]

    def raw_ticket(self, ticket_id: int) -> dict[str, Any]:
        return self._get(f"tickets/{ticket_id}.json")["ticket"]

    def fetch_ticket(self, ticket_id: int) -> tuple[Ticket, dict[str, Any]]:
        """A ticket with its requester and organisation (for webhooks)."""
        raw = self.raw_ticket(ticket_id)
        users: dict[int, dict] = {}
        orgs: dict[int, dict] = {}
        if raw.get("requester_id"):
            user = self._get(f"users/{raw['requester_id']}.json")["user"]
            users[user["id"]] = user
        if raw.get("organization_id"):
            org = self._get(f"organizations/{raw['organization_id']}.json")["organization"]
            orgs[org["id"]] = org
        return self._to_ticket(raw, users, orgs), raw

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        return self._get(f"tickets/{ticket_id}/comments.json").get("comments", [])

    def add_comment_once(
        self,
        ticket_id: int,
        marker: str,
        body: str,
        *,
        public: bool,
        status: str | None = None,
        tags: tuple[str, ...] = (),
        expected_stamp: str | None = None,
        current: dict[str, Any] | None = None,
    ) -> bool:
        """Add a comment unless the marker tag shows an earlier attempt already did.

        The marker travels in the same update as the comment, so a retry after a crash
        (or a lost response) finds it and sends nothing. With `expected_stamp` the update
        is refused (UpdateConflict) if the ticket changed since it was read. True: it sent.
        """
        raw = current if current is not None else self.raw_ticket(ticket_id)
        if marker in raw.get("tags", []):
            return False
        update = ZenpyTicket(
            id=ticket_id,
            comment=Comment(body=body, public=public),
            additional_tags=[SOPORTE_TAG, marker, *tags],
        )
        if status:
            update.status = status
        if expected_stamp:
            update.safe_update = True
            update.updated_stamp = expected_stamp
        try:
            self.client.tickets.update(update)
        except APIException as exc:
            response = getattr(exc, "response", None)
            if response is not None and response.status_code == 409:
                raise UpdateConflict(str(ticket_id)) from exc
            raise
        return True

    def mark_as_spam(self, ticket_id: int) -> None:
        """Zendesk's own mark-as-spam: deletes the ticket and suspends the requester."""
        url = f"{self.base_url}/api/v2/tickets/{ticket_id}/mark_as_spam.json"
        self._api._call_api(self._api.session.put, url, timeout=self._api.timeout)
