"""The GitHub tracker adapter against the local GitHub fake: filing, finding, faults."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest

from bot.adapters.trackers import (
    TrackerError,
    TrackerIssue,
    TrackerUnavailable,
    ensure_issue,
    tracker_client,
)
from bot.adapters.trackers import github as github_adapter
from bot.adapters.trackers.github import MAX_BODY, GitHubTracker
from bot.domain.catalog import Tracker
from testkit.fakes.github_api import GitHubFake

TOKEN = "ghp_test_secret_token"
REPO = "unholster/pulso"
TRACKER = Tracker("github", REPO, ("soporte",))
MARKER = "soporte-ticket-1234"
COMMENT = f"<!-- {MARKER} -->"


@pytest.fixture
def github() -> Iterator[GitHubFake]:
    with GitHubFake(token=TOKEN) as fake:
        yield fake


def client_for(fake: GitHubFake, tracker: Tracker = TRACKER, token: str = TOKEN) -> GitHubTracker:
    client = tracker_client(tracker, {"GITHUB_TOKEN": token, "GITHUB_API_URL": fake.url})
    assert isinstance(client, GitHubTracker)
    return client


def escalate(client: GitHubTracker, marker: str = MARKER) -> TrackerIssue:
    return ensure_issue(
        client,
        title="Error al exportar",
        body="El usuario reporta…",
        marker=marker,
        labels=("soporte",),
    )


def test_create_issue_sends_marker_labels_and_token(github):
    issue = client_for(github).create_issue(
        title="Error  al\nexportar", body="Detalle", marker=MARKER, labels=("soporte", "bug")
    )
    assert issue == TrackerIssue(url=f"https://github.com/{REPO}/issues/1", key=f"{REPO}#1")
    [stored] = github.issues(REPO)
    assert stored["title"] == "Error al exportar"
    assert stored["body"] == f"Detalle\n\n{COMMENT}"
    assert [label["name"] for label in stored["labels"]] == ["soporte", "bug"]
    [request] = github.requests
    assert (request.method, request.path, request.status) == ("POST", f"/repos/{REPO}/issues", 201)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_find_issue_by_its_marker(github):
    client = client_for(github)
    created = client.create_issue(title="T", body="B", marker=MARKER, labels=("soporte",))
    client.create_issue(title="T", body="B", marker=f"{MARKER}5", labels=("soporte",))
    assert client.find_issue(MARKER) == created
    assert client.find_issue("soporte-ticket-123") is None
    query = github.requests[2].query
    assert query["state"] == "all" and query["labels"] == "soporte"
    assert (query["sort"], query["direction"], query["per_page"]) == ("created", "desc", "100")


def test_find_issue_looks_past_the_first_page(github):
    github.add_issue(REPO, "old", f"x\n\n{COMMENT}", labels=("soporte",))
    for n in range(150):
        github.add_issue(REPO, f"filler {n}", labels=("soporte",))
    assert client_for(github).find_issue(MARKER).key == f"{REPO}#1"
    assert [r.query["page"] for r in github.requests] == ["1", "2"]


def test_find_issue_when_github_dropped_the_labels(github):
    github.add_issue(REPO, "unlabelled", f"x\n\n{COMMENT}")
    assert client_for(github).find_issue(MARKER).key == f"{REPO}#1"


def test_ensure_issue_twice_files_one_issue(github):
    client = client_for(github)
    assert escalate(client) == escalate(client)
    assert len(github.issues(REPO)) == 1
    assert [r.method for r in github.requests].count("POST") == 1


def test_ensure_issue_retried_after_a_lost_response_files_one_issue(github):
    client = client_for(github)
    github.faults.drop_after_accept("/repos/", method="POST")
    with pytest.raises(TrackerUnavailable):
        escalate(client)
    assert len(github.issues(REPO)) == 1
    issue = escalate(client_for(github))
    assert issue.key == f"{REPO}#1"
    assert len(github.issues(REPO)) == 1


def test_bad_token_is_a_tracker_error(github):
    with pytest.raises(TrackerError) as info:
        escalate(client_for(github, token="ghp_wrong_token"))
    assert not isinstance(info.value, TrackerUnavailable)
    assert "GITHUB_TOKEN" in str(info.value) and "401" in str(info.value)
    assert "ghp_wrong_token" not in str(info.value)


@pytest.mark.parametrize(("status", "message"), [(403, "403"), (404, "not found"), (422, "422")])
def test_refusals_are_tracker_errors(github, status, message):
    github.faults.fail_next("/repos/", status, method="POST")
    with pytest.raises(TrackerError) as info:
        client_for(github).create_issue(title="T", body="B", marker=MARKER, labels=())
    assert not isinstance(info.value, TrackerUnavailable)
    assert message in str(info.value)
    assert github.issues(REPO) == []


@pytest.mark.parametrize(("method", "status"), [("GET", 503), ("GET", 429), ("POST", 403)])
def test_outages_and_rate_limits_are_retried(github, method, status):
    github.faults.fail_next("/repos/", status, method=method, retry_after=7)
    with pytest.raises(TrackerUnavailable) as info:
        escalate(client_for(github))
    assert info.value.retry_after == 7
    assert str(status) in str(info.value)
    assert escalate(client_for(github)).key == f"{REPO}#1"


def test_primary_rate_limit_waits_for_the_reset(github):
    reset = int(time.time()) + 120
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    github.faults.fail_next("/repos/", 403, method="GET", headers=headers)
    with pytest.raises(TrackerUnavailable) as info:
        escalate(client_for(github))
    assert 100 < info.value.retry_after <= 120


def test_server_error_without_retry_after_has_a_default(github):
    github.faults.fail_next("/repos/", 502, method="GET")
    with pytest.raises(TrackerUnavailable) as info:
        escalate(client_for(github))
    assert info.value.retry_after == 60


def test_unreachable_github_is_retried():
    fake = GitHubFake(token=TOKEN).start()
    client = client_for(fake)
    fake.stop()
    with pytest.raises(TrackerUnavailable, match="cannot reach GitHub"):
        escalate(client)


def test_silent_github_times_out(monkeypatch):
    monkeypatch.setattr(github_adapter, "TIMEOUT", 0.3)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        env = {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}",
        }
        with pytest.raises(TrackerUnavailable, match=r"did not answer within 0\.3 s"):
            escalate(tracker_client(TRACKER, env))


@pytest.mark.parametrize("env", [{}, {"GITHUB_TOKEN": "  "}])
def test_missing_token_names_the_variable(env):
    with pytest.raises(TrackerError, match="GITHUB_TOKEN is not set"):
        tracker_client(TRACKER, env)


def test_bad_api_url_names_the_variable():
    with pytest.raises(TrackerError, match="GITHUB_API_URL"):
        tracker_client(TRACKER, {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": "api.github.com"})


def test_default_api_url():
    assert tracker_client(TRACKER, {"GITHUB_TOKEN": TOKEN}).api_url == "https://api.github.com"


def test_unknown_kind():
    with pytest.raises(TrackerError, match="unknown tracker kind 'jira'"):
        tracker_client(Tracker("jira", "PULSO"), {})


def test_token_never_reaches_logs_or_repr(github, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(github)
    escalate(client)
    github.faults.fail_next("/repos/", 401, method="GET")
    with pytest.raises(TrackerError):
        escalate(client)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)


@pytest.mark.parametrize("marker", ["", "ticket 1", "a-->b", "a--b", "-x"])
def test_markers_must_fit_in_a_comment(github, marker):
    with pytest.raises(ValueError, match="marker"):
        client_for(github).find_issue(marker)


def test_long_bodies_are_clipped_keeping_the_marker(github):
    client = client_for(github)
    client.create_issue(title="T" * 300, body="x" * 70000, marker=MARKER, labels=())
    [stored] = github.issues(REPO)
    assert len(stored["body"]) == MAX_BODY and stored["body"].endswith(COMMENT)
    assert len(stored["title"]) == 256
    assert client.find_issue(MARKER) is not None
