"""In-memory fake of the GitHub Issues REST subset used by the tracker adapter.

Serves real HTTP on 127.0.0.1: ``POST`` and ``GET /repos/{owner}/{name}/issues`` and
``GET /repos/{owner}/{name}`` (a repository is public unless ``set_private``). Checks
the bearer token, records every request, and injects faults through ``fake.faults``
(testkit/fakes/faults.py): error statuses, connections dropped after the request took
effect.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from typing import Any, NamedTuple

from testkit.fakes.faults import Fault, Faults
from testkit.fakes.http_server import Answer, FakeServer, Request

__all__ = ["GitHubFake", "Req"]

ISSUES_PATH = re.compile(r"/repos/([A-Za-z0-9-]+/[A-Za-z0-9._-]+)/issues")
REPO_PATH = re.compile(r"/repos/([A-Za-z0-9-]+/[A-Za-z0-9._-]+)")

_MESSAGES: dict[int, str] = {
    401: "Bad credentials",
    403: "Resource not accessible by personal access token",
    404: "Not Found",
    422: "Validation Failed",
    429: "API rate limit exceeded",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}

Response = tuple[int, Any, dict[str, str]]


class Req(NamedTuple):
    """One recorded request; ``status`` 0 means the connection was dropped unanswered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


class GitHubFake:
    """Local GitHub Issues API with an inspectable store and fault injection."""

    def __init__(self, token: str = "gh-test-token") -> None:
        self.token = token
        self._lock = threading.RLock()
        self.faults = Faults()
        self._server = FakeServer("github-fake", self._serve, self.faults)
        self._issues: dict[str, list[dict[str, Any]]] = {}
        self._private: set[str] = set()
        self._requests: list[Req] = []

    def start(self) -> GitHubFake:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread."""
        if self._server.started:
            raise RuntimeError("GitHubFake already started")
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    def __enter__(self) -> GitHubFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, for GITHUB_API_URL (only while started)."""
        if not self._server.started:
            raise RuntimeError("GitHubFake is not started")
        return self._server.url

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """Copies of the repository's issues, oldest first."""
        with self._lock:
            return json.loads(json.dumps(self._issues.get(repo, [])))

    def add_issue(
        self, repo: str, title: str, body: str = "", labels: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Seed an issue as if someone had filed it."""
        with self._lock:
            return self._create(repo, {"title": title, "body": body, "labels": list(labels)})

    @property
    def requests(self) -> list[Req]:
        """Every request received, in order."""
        with self._lock:
            return list(self._requests)

    def _serve(self, request: Request) -> Answer:
        body = request.json()
        with self._lock:
            drop = False
            if request.header("Authorization") != f"Bearer {self.token}":
                outcome = _error(401)
            elif (fault := self.faults.take(request)) is not None and fault.kind == "fail":
                outcome = _refusal(fault)
            else:
                drop = fault is not None
                outcome = self._route(request.method, request.path, request.query, body)
            status, payload, headers = outcome
            self._requests.append(
                Req(
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    body,
                    0 if drop else status,
                )
            )
        return Answer(status, payload, headers, drop=drop)

    def set_private(self, repo: str, private: bool = True) -> None:
        """Make `repo` private (or public again)."""
        with self._lock:
            (self._private.add if private else self._private.discard)(repo)

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        match = ISSUES_PATH.fullmatch(path.rstrip("/"))
        repo_match = REPO_PATH.fullmatch(path.rstrip("/"))
        if match is None and repo_match is not None and method == "GET":
            # REST API "Get a repository": `private` true or false, `visibility` its name.
            repo = repo_match.group(1)
            private = repo in self._private
            visibility = "private" if private else "public"
            return 200, {"full_name": repo, "private": private, "visibility": visibility}, {}
        if match is None:
            return _error(404)
        repo = match.group(1)
        if method == "POST":
            if not isinstance(body, dict) or not str(body.get("title") or "").strip():
                return _error(422)
            return 201, self._create(repo, body), {}
        return 200, self._list(repo, query), {}

    def _create(self, repo: str, body: dict[str, Any]) -> dict[str, Any]:
        issues = self._issues.setdefault(repo, [])
        number = len(issues) + 1
        api = self.url if self._server.started else "http://127.0.0.1"
        issue = {
            "number": number,
            "url": f"{api}/repos/{repo}/issues/{number}",
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "title": body["title"],
            "body": body.get("body") or "",
            "labels": [{"name": name} for name in body.get("labels") or []],
            "state": "open",
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        issues.append(issue)
        return issue

    def _list(self, repo: str, query: dict[str, str]) -> list[dict[str, Any]]:
        state = query.get("state", "open")
        wanted = {name for name in query.get("labels", "").split(",") if name}
        found = [
            issue
            for issue in self._issues.get(repo, [])
            if state in ("all", issue["state"])
            and wanted <= {label["name"] for label in issue["labels"]}
        ]
        if query.get("direction", "desc") == "desc":
            found.reverse()
        per_page = min(100, int(query.get("per_page", 30)))
        start = (int(query.get("page", 1)) - 1) * per_page
        return found[start : start + per_page]


def _refusal(fault: Fault) -> Response:
    """An injected failure as GitHub answers it; a Retry-After (seconds) goes with the
    status, as GitHub sends it on its rate limits
    (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api)."""
    headers = dict(fault.headers)
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    return _error(fault.status, headers)


def _error(status: int, headers: dict[str, str] | None = None) -> Response:
    message = _MESSAGES.get(status, "Error")
    if status == 403 and headers and "Retry-After" in headers:
        message = "You have exceeded a secondary rate limit. Please wait a few minutes."
    payload = {"message": message, "documentation_url": "https://docs.github.com/rest"}
    return status, payload, dict(headers or {})
