"""The Zendesk fake, exercised through the real zenpy client and its requests session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, TicketAudit
from zenpy.lib.exception import APIException, RecordNotFoundException

from testkit.fakes.zendesk_api import ZendeskFake, sign_webhook, webhook_headers

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seed:
    org: int
    user: int
    ticket: int


@pytest.fixture
def fake() -> Iterator[ZendeskFake]:
    """A default account, except the export's one-minute holdback (tested on its own below)."""
    with ZendeskFake(export_lag_seconds=0) as server:
        yield server


@pytest.fixture
def zd(fake: ZendeskFake, monkeypatch: pytest.MonkeyPatch) -> Zenpy:
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", fake.netloc)
    return Zenpy(subdomain="fake", email=fake.email, token=fake.token)


@pytest.fixture
def seed(fake: ZendeskFake) -> Seed:
    org = fake.add_organization("Acme")
    user = fake.add_user("Ann Customer", "ann@acme.test", org)
    ticket = fake.add_ticket("Printer on fire", "It is on fire.\nPlease help.", user)
    return Seed(org, user, ticket)


def test_ids_and_urls(fake: ZendeskFake, seed: Seed) -> None:
    assert (seed.org, seed.user, seed.ticket) == (360000001, 500001, 1001)
    assert fake.url == f"http://127.0.0.1:{fake.port}"
    assert fake.netloc == f"127.0.0.1:{fake.port}"
    assert fake.add_ticket("second", "x", seed.user) == 1002


def test_get_ticket(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    ticket = zd.tickets(id=seed.ticket)
    assert ticket.id == seed.ticket
    assert ticket.subject == "Printer on fire"
    assert ticket.status == "new"
    assert ticket.requester_id == seed.user
    assert ticket.organization_id == seed.org
    assert ticket.requester.name == "Ann Customer"
    assert ticket.organization.name == "Acme"
    assert ticket.via.channel == "email"
    datetime.strptime(ticket.updated_at, "%Y-%m-%dT%H:%M:%SZ")
    assert fake.requests[0].path == f"/api/v2/tickets/{seed.ticket}.json"
    with pytest.raises(RecordNotFoundException):
        zd.tickets(id=999999)


def test_show_many_tickets(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    other = fake.add_ticket("Other", "other", seed.user)
    tickets = list(zd.tickets(ids=[seed.ticket, other, 4242]))
    assert [t.id for t in tickets] == [seed.ticket, other]
    assert fake.requests[-1].query == {"ids": f"{seed.ticket},{other},4242"}


def test_update_public_reply(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    before = fake.ticket(seed.ticket)["updated_at"]
    ticket = zd.tickets(id=seed.ticket)
    ticket.comment = Comment(body="We are on it.", public=True)
    ticket.status = "pending"
    ticket.additional_tags = ["soporte", "slack"]
    audit = zd.tickets.update(ticket)

    assert isinstance(audit, TicketAudit)
    assert audit.ticket.status == "pending"
    assert audit.audit.events[0]["type"] == "Comment"
    put = fake.requests[-1]
    assert (put.method, put.path) == ("PUT", f"/api/v2/tickets/{seed.ticket}.json")
    assert put.body == {
        "ticket": {
            "id": seed.ticket,
            "status": "pending",
            "comment": {"body": "We are on it.", "public": True},
            "additional_tags": ["soporte", "slack"],
        }
    }
    stored = fake.ticket(seed.ticket)
    assert stored["status"] == "pending"
    assert stored["tags"] == ["soporte", "slack"]
    assert stored["updated_at"] > before
    reply = fake.public_comments(seed.ticket)[-1]
    assert reply["body"] == reply["plain_body"] == "We are on it."
    assert reply["author_id"] == fake.agent_id
    assert "<p>We are on it.</p>" in reply["html_body"]
    assert fake.internal_notes(seed.ticket) == []


def test_internal_note_and_tag_edits(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    fake.set_ticket(seed.ticket, tags=["vip", "old"])
    ticket = zd.tickets(id=seed.ticket)
    ticket.comment = Comment(html_body="<p>Checked <b>logs</b></p>", public=False)
    ticket.additional_tags = ["triaged"]
    ticket.remove_tags = ["old"]
    zd.tickets.update(ticket)

    note = fake.internal_notes(seed.ticket)[0]
    assert note["public"] is False
    assert note["body"] == "Checked logs"
    assert note["html_body"] == "<p>Checked <b>logs</b></p>"
    assert len(fake.public_comments(seed.ticket)) == 1
    assert fake.ticket(seed.ticket)["tags"] == ["vip", "triaged"]
    assert fake.ticket(seed.ticket)["status"] == "new"


def test_safe_update_conflict(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    ticket = zd.tickets(id=seed.ticket)
    stale = ticket.updated_at
    fake.add_user_comment(seed.ticket, "any news?")
    assert fake.ticket(seed.ticket)["updated_at"] > stale

    ticket.status = "solved"
    ticket.assignee_id = fake.agent_id
    ticket.safe_update = True
    ticket.updated_stamp = stale
    with pytest.raises(APIException) as excinfo:
        zd.tickets.update(ticket)
    assert excinfo.value.response.status_code == 409
    assert excinfo.value.response.json()["error"] == "UpdateConflict"
    assert fake.ticket(seed.ticket)["status"] == "new"

    ticket.updated_stamp = fake.ticket(seed.ticket)["updated_at"]
    zd.tickets.update(ticket)
    assert fake.ticket(seed.ticket)["status"] == "solved"


def test_closed_ticket_rejects_updates(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    fake.set_ticket(seed.ticket, status="closed")
    ticket = zd.tickets(id=seed.ticket)
    ticket.comment = Comment(body="late reply")
    with pytest.raises(APIException) as excinfo:
        zd.tickets.update(ticket)
    assert excinfo.value.response.status_code == 422
    assert excinfo.value.response.json()["error"] == "RecordInvalid"
    assert len(fake.comments(seed.ticket)) == 1


def test_user_reply_reopens_and_updated_at_strictly_increases(
    fake: ZendeskFake, seed: Seed
) -> None:
    stamps = [fake.ticket(seed.ticket)["updated_at"]]
    fake.set_ticket(seed.ticket, status="pending")
    stamps.append(fake.ticket(seed.ticket)["updated_at"])
    fake.add_user_comment(seed.ticket, "still broken")
    stamps.append(fake.ticket(seed.ticket)["updated_at"])
    assert stamps == sorted(set(stamps))
    assert fake.ticket(seed.ticket)["status"] == "open"
    assert [c["body"] for c in fake.public_comments(seed.ticket)][-1] == "still broken"
    assert fake.comments(seed.ticket)[-1]["author_id"] == seed.user


def test_mark_as_spam(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    url = f"{fake.url}/api/v2/tickets/{seed.ticket}/mark_as_spam.json"
    response = zd.tickets.session.put(url, timeout=5)
    assert response.status_code == 200
    assert response.json() == {}
    assert fake.ticket(seed.ticket)["status"] == "deleted"
    assert "spam" in fake.ticket(seed.ticket)["tags"]
    assert fake.user(seed.user)["suspended"] is True
    with pytest.raises(RecordNotFoundException):
        zd.tickets(id=seed.ticket)


def test_users_and_organizations(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    nameless = fake.add_user(None, "anon@example.com")
    users = list(zd.users(ids=[seed.user, nameless]))
    assert [(u.id, u.name, u.email) for u in users] == [
        (seed.user, "Ann Customer", "ann@acme.test"),
        (nameless, None, "anon@example.com"),
    ]
    orgs = list(zd.organizations(ids=[seed.org]))
    assert [o.name for o in orgs] == ["Acme"]
    assert zd.users(id=seed.user).organization_id == seed.org
    assert zd.organizations(id=seed.org).name == "Acme"
    assert zd.users.me().id == fake.agent_id
    with pytest.raises(RecordNotFoundException):
        zd.users(id=1)
    assert fake.count("GET", "/show_many") == 2


def test_comments_cursor_and_offset_pagination(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    for n in range(120):
        fake.add_user_comment(seed.ticket, f"reply {n}")
    bodies = [c.body for c in zd.tickets.comments(ticket=seed.ticket)]
    assert len(bodies) == 121
    assert bodies[0].startswith("It is on fire")
    assert bodies[-1] == "reply 119"
    pages = [r for r in fake.requests if r.path.endswith("/comments.json")]
    assert [r.query.get("page[size]") for r in pages] == ["100", "100"]
    assert "page[after]" in pages[1].query

    session = zd.tickets.session
    url = f"{fake.url}/api/v2/tickets/{seed.ticket}/comments.json?per_page=50&page=3"
    page = session.get(url, timeout=5).json()
    assert page["count"] == 121
    assert [c["body"] for c in page["comments"]] == [f"reply {n}" for n in range(99, 120)]
    assert page["next_page"] is None
    assert "page=2" in page["previous_page"]


def _page(session: requests.Session, url: str) -> dict:
    response = session.get(url, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_incremental_cursor_export(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    other_org = fake.add_organization("Globex")
    bob = fake.add_user("Bob", "bob@globex.test", other_org)
    base = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    fake.set_ticket(seed.ticket, updated_at=base - timedelta(hours=1))
    ids = [seed.ticket]
    for n in range(4):
        requester = bob if n % 2 else seed.user
        ids.append(fake.add_ticket(f"t{n}", "d", requester, created_at=base + timedelta(minutes=n)))

    session = zd.tickets.session
    start = int((base - timedelta(days=1)).timestamp())
    url = (
        f"{fake.url}/api/v2/incremental/tickets/cursor.json"
        f"?start_time={start}&include=users,organizations&per_page=2"
    )
    pages = []
    while True:
        page = _page(session, url)
        pages.append(page)
        if page["end_of_stream"]:
            break
        url = page["after_url"]
    assert [[t["id"] for t in p["tickets"]] for p in pages] == [ids[:2], ids[2:4], ids[4:]]
    assert [p["end_of_stream"] for p in pages] == [False, False, True]
    assert pages[0]["after_url"].startswith(f"{fake.url}/api/v2/incremental/tickets/cursor.json?")
    assert "include=users,organizations" in pages[0]["after_url"]
    assert "per_page=2" in pages[0]["after_url"]
    assert {u["id"] for u in pages[1]["users"]} == {seed.user, bob}
    assert {o["id"] for o in pages[1]["organizations"]} == {seed.org, other_org}
    assert pages[0]["tickets"][0]["updated_at"] == "2026-11-24T09:00:00Z"

    saved = pages[-1]["after_url"]
    assert _page(session, saved)["tickets"] == []
    fake.set_ticket(ids[1], status="solved", assignee_id=fake.agent_id)
    again = _page(session, saved)
    assert [t["id"] for t in again["tickets"]] == [ids[1]]
    assert again["tickets"][0]["status"] == "solved"
    assert again["end_of_stream"] is True
    assert again["users"][0]["id"] == seed.user

    via_zenpy = zd.tickets.incremental(
        start_time=start, include=["users", "organizations"], per_page=2
    )
    assert [t.id for t in via_zenpy] == [*ids[:1], *ids[2:], ids[1]]


def test_export_lag_and_rate_limit(fake: ZendeskFake, seed: Seed) -> None:
    fake.export_lag_seconds = 60
    old = fake.add_ticket("old", "d", seed.user, created_at=datetime.now(UTC) - timedelta(hours=1))
    session = requests.Session()
    session.auth = (f"{fake.email}/token", fake.token)
    url = f"{fake.url}/api/v2/incremental/tickets/cursor.json?start_time=0"
    assert [t["id"] for t in _page(session, url)["tickets"]] == [old]

    fake.export_rate_limit_per_minute = 1
    limited = session.get(url, timeout=5)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1


def test_retry_after_429_is_retried_by_zenpy(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    fake.faults.fail_next(f"/tickets/{seed.ticket}", method="GET", status=429, retry_after=1)
    started = time.monotonic()
    assert zd.tickets(id=seed.ticket).id == seed.ticket
    assert time.monotonic() - started >= 1
    assert [r.status for r in fake.requests] == [429, 200]


def test_500_raises_and_has_no_effect(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    ticket = zd.tickets(id=seed.ticket)
    fake.faults.fail_next("/tickets/", method="PUT", status=500)
    ticket.status = "solved"
    ticket.assignee_id = fake.agent_id
    with pytest.raises(APIException) as excinfo:
        zd.tickets.update(ticket)
    assert excinfo.value.response.status_code == 500
    assert fake.ticket(seed.ticket)["status"] == "new"
    assert fake.requests[-1].status == 500
    zd.tickets.update(ticket)
    assert fake.ticket(seed.ticket)["status"] == "solved"


def test_drop_after_accept_applies_change(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    ticket = zd.tickets(id=seed.ticket)
    fake.faults.drop_after_accept("/tickets/", method="PUT")
    ticket.comment = Comment(body="did this land?", public=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        zd.tickets.update(ticket)
    assert fake.public_comments(seed.ticket)[-1]["body"] == "did this land?"
    assert fake.requests[-1].status == 0
    assert zd.tickets(id=seed.ticket).id == seed.ticket


def test_delay_is_concurrent_and_times_out(fake: ZendeskFake, seed: Seed) -> None:
    fake.faults.delay(0.3)
    session = requests.Session()
    session.auth = (f"{fake.email}/token", fake.token)
    url = f"{fake.url}/api/v2/tickets/{seed.ticket}.json"
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get(url, timeout=0.1)

    statuses: list[int] = []

    def fetch() -> None:
        statuses.append(requests.get(url, auth=session.auth, timeout=5).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    assert time.monotonic() - started < 0.9
    fake.faults.delay(0)


def test_bad_auth_and_unknown_route(fake: ZendeskFake, seed: Seed, monkeypatch) -> None:
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", fake.netloc)
    wrong = Zenpy(subdomain="fake", email=fake.email, token="nope")
    with pytest.raises(APIException) as excinfo:
        wrong.tickets(id=seed.ticket)
    assert excinfo.value.response.status_code == 401
    assert excinfo.value.response.json() == {"error": "Couldn't authenticate you"}
    assert requests.get(f"{fake.url}/api/v2/tickets/1001.json", timeout=5).status_code == 401

    auth = (f"{fake.email}/token", fake.token)
    missing = requests.get(f"{fake.url}/api/v2/nope/nothing.json", auth=auth, timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"] == "InvalidEndpoint"
    assert fake.count(path_contains="/nope/") == 1


def test_sign_webhook() -> None:
    body = b'{"ticket_id": 1001}'
    expected = base64.b64encode(
        hmac.new(b"s3cret", b"2026-11-24T10:00:00Z" + body, hashlib.sha256).digest()
    ).decode()
    assert sign_webhook("s3cret", body, "2026-11-24T10:00:00Z") == expected
    headers = webhook_headers("s3cret", body, "2026-11-24T10:00:00Z")
    assert headers["X-Zendesk-Webhook-Signature"] == expected
    assert headers["X-Zendesk-Webhook-Signature-Timestamp"] == "2026-11-24T10:00:00Z"


def test_standalone_server() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "testkit.fakes.zendesk_api", "--seed-tickets", "3"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = proc.stdout.readline()
        url = banner.split()[3]
        response = requests.get(
            f"{url}/api/v2/tickets/show_many.json?ids=1001,1002,1003",
            auth=("bot@example.com/token", "zd-test-token"),
            timeout=5,
        )
        assert [t["id"] for t in response.json()["tickets"]] == [1001, 1002, 1003]
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# --- the rules of a default Zendesk account --------------------------------------------------


def _put(fake: ZendeskFake, ticket_id: int, **fields: object) -> requests.Response:
    """A raw PUT /api/v2/tickets/{id}.json with `fields` as the ticket object."""
    return requests.put(
        f"{fake.url}/api/v2/tickets/{ticket_id}.json",
        json={"ticket": fields},
        auth=(f"{fake.email}/token", fake.token),
        timeout=5,
    )


def _get(fake: ZendeskFake, path: str, **params: object) -> requests.Response:
    return requests.get(
        f"{fake.url}/api/v2/{path}",
        params=params,
        auth=(f"{fake.email}/token", fake.token),
        timeout=5,
    )


def test_a_default_account_is_a_default_zendesk_account() -> None:
    with ZendeskFake() as fake:
        me = _get(fake, "users/me.json").json()["user"]
        assert (me["id"], me["role"], me["active"]) == (fake.agent_id, "admin", True)
        assert fake.export_lag_seconds == 60
        assert fake.export_rate_limit_per_minute == 10
        assert not fake.auto_assign_on_solve and not fake.hold_enabled
        statuses = _get(fake, "custom_statuses.json").json()["custom_statuses"]
        active = {s["status_category"] for s in statuses if s["active"]}
        assert active == {"new", "open", "pending", "solved"}


def test_solving_needs_an_assignee_who_is_an_agent(fake: ZendeskFake, seed: Seed) -> None:
    refused = _put(fake, seed.ticket, status="solved", comment={"body": "listo"})
    assert refused.status_code == 422
    assert refused.json()["error"] == "RecordInvalid"
    assert "status" in refused.json()["details"]
    assert fake.ticket(seed.ticket)["status"] == "new"
    assert len(fake.comments(seed.ticket)) == 1, "a refused update writes nothing"

    not_an_agent = _put(fake, seed.ticket, status="solved", assignee_id=seed.user)
    assert not_an_agent.status_code == 422
    assert not_an_agent.json()["details"]["assignee"][0]["description"] == "Assignee: is invalid"

    agent = fake.add_agent("Ana Agente", "ana.agente@example.com")
    assert _put(fake, seed.ticket, status="solved", assignee_id=agent).status_code == 200
    assert fake.ticket(seed.ticket)["assignee_id"] == agent
    assert fake.ticket(seed.ticket)["status"] == "solved"


def test_auto_assign_on_solve_is_an_account_option(seed: Seed) -> None:
    with ZendeskFake(auto_assign_on_solve=True) as fake:
        user = fake.add_user("Ann", "ann@acme.test")
        tid = fake.add_ticket("x", "y", user)
        assert _put(fake, tid, status="solved").status_code == 200
        assert fake.ticket(tid)["assignee_id"] == fake.agent_id


def test_assigning_a_new_ticket_opens_it(fake: ZendeskFake, seed: Seed) -> None:
    assert _put(fake, seed.ticket, assignee_id=fake.agent_id).status_code == 200
    assert fake.ticket(seed.ticket)["status"] == "open"


def test_closed_tickets_take_only_tags_subject_and_priority(fake: ZendeskFake, seed: Seed) -> None:
    fake.set_ticket(seed.ticket, status="closed", assignee_id=fake.agent_id)
    assert _put(fake, seed.ticket, additional_tags=["late"], priority="low").status_code == 200
    assert _put(fake, seed.ticket, subject="Renamed").status_code == 200
    for refused in (
        {"comment": {"body": "a note", "public": False}},
        {"status": "solved"},
        {"assignee_id": fake.agent_id, "additional_tags": ["x"]},
    ):
        answer = _put(fake, seed.ticket, **refused)
        assert answer.status_code == 422, refused
        assert answer.json()["details"]["status"][0]["description"].startswith("Status: closed")
    ticket = fake.ticket(seed.ticket)
    assert ticket["tags"] == ["late"] and ticket["subject"] == "Renamed"
    assert len(fake.comments(seed.ticket)) == 1


def test_hold_is_refused_unless_the_account_enabled_it(seed: Seed) -> None:
    with ZendeskFake() as fake:
        user = fake.add_user("Ann", "ann@acme.test")
        tid = fake.add_ticket("x", "y", user)
        assert _put(fake, tid, status="hold").status_code == 422
        assert fake.ticket(tid)["status"] == "new"
    with ZendeskFake(hold_enabled=True) as fake:
        user = fake.add_user("Ann", "ann@acme.test")
        tid = fake.add_ticket("x", "y", user)
        assert _put(fake, tid, status="hold").status_code == 200
        held = _get(fake, "custom_statuses.json", status_categories="hold", active="true")
        assert len(held.json()["custom_statuses"]) == 1


def test_a_ticket_never_goes_back_to_new(fake: ZendeskFake, seed: Seed) -> None:
    assert _put(fake, seed.ticket, status="open").status_code == 200
    refused = _put(fake, seed.ticket, status="new")
    assert refused.status_code == 422
    assert fake.ticket(seed.ticket)["status"] == "open"


def test_the_requesters_comment_on_a_closed_ticket_makes_a_follow_up(
    fake: ZendeskFake, seed: Seed
) -> None:
    fake.set_ticket(seed.ticket, status="closed", assignee_id=fake.agent_id)
    fake.add_user_comment(seed.ticket, "Vuelve a fallar")
    assert fake.ticket(seed.ticket)["status"] == "closed"
    assert len(fake.comments(seed.ticket)) == 1
    [follow_up] = fake.follow_ups(seed.ticket)
    ticket = fake.ticket(follow_up)
    assert ticket["status"] == "new"
    assert ticket["via"]["source"]["rel"] == "follow_up"
    assert ticket["via"]["source"]["from"]["ticket_id"] == seed.ticket
    assert ticket["via_followup_source_id"] == seed.ticket
    assert ticket["requester_id"] == seed.user
    assert fake.comments(follow_up)[0]["body"] == "Vuelve a fallar"


def test_comments_newest_first_in_pages_of_100(zd: Zenpy, fake: ZendeskFake, seed: Seed) -> None:
    for n in range(120):
        fake.add_user_comment(seed.ticket, f"reply {n}")
    first = _get(
        fake, f"tickets/{seed.ticket}/comments.json", sort_order="desc", **{"page[size]": 500}
    ).json()
    assert len(first["comments"]) == 100
    assert first["comments"][0]["body"] == "reply 119"
    assert first["meta"]["has_more"] is True
    rest = zd.tickets.session.get(first["links"]["next"], timeout=5).json()
    assert [c["body"] for c in rest["comments"]][-1].startswith("It is on fire")
    assert len(rest["comments"]) == 21 and rest["meta"]["has_more"] is False
    offset = _get(fake, f"tickets/{seed.ticket}/comments.json").json()
    assert len(offset["comments"]) == 100 and offset["next_page"]


def test_update_metadata_is_kept_on_its_audit(fake: ZendeskFake, seed: Seed) -> None:
    answer = _put(
        fake,
        seed.ticket,
        comment={"body": "Hola", "public": True},
        metadata={"soporte_marker": "r-1"},
    )
    assert answer.json()["audit"]["metadata"]["custom"] == {"soporte_marker": "r-1"}
    _put(fake, seed.ticket, comment={"body": "nota", "public": False})
    audits = _get(fake, f"tickets/{seed.ticket}/audits.json", sort_order="desc").json()["audits"]
    assert [a["metadata"]["custom"] for a in audits] == [{}, {"soporte_marker": "r-1"}]
    assert audits[1]["events"][0]["body"] == "Hola"
    assert fake.ticket(seed.ticket)["tags"] == [], "no tag was needed to mark the update"

    too_big = _put(fake, seed.ticket, comment={"body": "x"}, metadata={"k": "v" * 1100})
    assert too_big.status_code == 422
    unchanged = _put(fake, seed.ticket, metadata={"soporte_marker": "r-2"})
    assert unchanged.status_code == 200 and "audit" not in unchanged.json()
    assert len(fake.audits(seed.ticket)) == 2


def test_comment_authored_by_another_agent(fake: ZendeskFake, seed: Seed) -> None:
    agent = fake.add_agent("Ana Agente", "ana.agente@example.com")
    _put(fake, seed.ticket, comment={"body": "Hola", "author_id": agent}, assignee_id=agent)
    assert fake.comments(seed.ticket)[-1]["author_id"] == agent
    assert _put(fake, seed.ticket, comment={"body": "x", "author_id": 999}).status_code == 422


def test_the_export_is_for_admins_only() -> None:
    with ZendeskFake(api_user_role="agent") as fake:
        refused = _get(fake, "incremental/tickets/cursor.json", start_time=0)
        assert refused.status_code == 403
        assert refused.json()["error"] == "Forbidden"
        assert _get(fake, "users/me.json").json()["user"]["role"] == "agent"


def test_the_export_allows_ten_calls_a_minute_and_holds_back_a_minute() -> None:
    with ZendeskFake() as fake:
        user = fake.add_user("Ann", "ann@acme.test")
        old = fake.add_ticket("old", "d", user, created_at=datetime.now(UTC) - timedelta(hours=1))
        fresh = fake.add_ticket("fresh", "d", user)
        statuses = []
        for _ in range(11):
            answer = _get(fake, "incremental/tickets/cursor.json", start_time=0)
            statuses.append(answer.status_code)
        assert statuses == [200] * 10 + [429]
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
        fake.export_rate_limit_per_minute = None
        seen = _get(fake, "incremental/tickets/cursor.json", start_time=0).json()["tickets"]
        assert [t["id"] for t in seen] == [old], f"{fresh} is inside the last minute"


def test_search_users_by_email(fake: ZendeskFake, seed: Seed) -> None:
    agent = fake.add_agent("Ana Agente", "Ana.Agente@example.com")
    found = _get(fake, "users/search.json", query="email:ana.agente@example.com").json()
    assert [(u["id"], u["role"]) for u in found["users"]] == [(agent, "agent")]
    assert _get(fake, "users/search.json", query="email:nadie@example.com").json()["users"] == []


def test_show_ticket_sideloads_requester_and_organization(fake: ZendeskFake, seed: Seed) -> None:
    data = _get(fake, f"tickets/{seed.ticket}.json", include="users,organizations").json()
    assert data["ticket"]["id"] == seed.ticket
    assert [u["id"] for u in data["users"]] == [seed.user]
    assert [o["id"] for o in data["organizations"]] == [seed.org]
