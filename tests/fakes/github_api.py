"""In-memory fake of the GitHub Issues REST subset used by the tracker adapter.

Serves real HTTP on 127.0.0.1: ``POST`` and ``GET /repos/{owner}/{name}/issues`` and
``GET /repos/{owner}/{name}`` (a repository is public unless ``set_private``). Checks
the bearer token, records every request, and injects faults: error statuses
(`fail_next`) and connections dropped after the request took effect (`drop_after_accept`).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

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


@dataclass
class _Fault:
    method: str
    times: int
    status: int = 0
    headers: dict[str, str] | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: GitHubFake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms stall between headers and body
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        outcome = self.server.fake._serve(self.command, self.path, dict(self.headers), raw)
        if outcome is None:
            self._abort()
            return
        status, payload, headers = outcome
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET

    def _abort(self) -> None:
        """Reset the TCP connection without writing a single response byte."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()


class GitHubFake:
    """Local GitHub Issues API with an inspectable store and fault injection."""

    def __init__(self, token: str = "gh-test-token") -> None:
        self.token = token
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._issues: dict[str, list[dict[str, Any]]] = {}
        self._private: set[str] = set()
        self._requests: list[Req] = []
        self._failures: list[_Fault] = []
        self._drops: list[_Fault] = []

    def start(self) -> GitHubFake:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("GitHubFake already started")
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GitHubFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, for GITHUB_API_URL (only while started)."""
        if self._server is None:
            raise RuntimeError("GitHubFake is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

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

    def fail_next(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` ``method`` requests with ``status`` and no side effect."""
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = str(retry_after)
        with self._lock:
            self._failures.append(_Fault(method.upper(), times, status, extra))

    def drop_after_accept(self, method: str, times: int = 1) -> None:
        """Apply the next ``times`` ``method`` requests, then drop the connection unanswered."""
        with self._lock:
            self._drops.append(_Fault(method.upper(), times))

    def _take(self, faults: list[_Fault], method: str) -> _Fault | None:
        for fault in faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _serve(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> Response | None:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            drop = False
            auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
            if auth != f"Bearer {self.token}":
                outcome = _error(401)
            elif (fault := self._take(self._failures, method)) is not None:
                outcome = _error(fault.status, fault.headers)
            else:
                drop = self._take(self._drops, method) is not None
                outcome = self._route(method, parts.path, query, body)
            self._requests.append(
                Req(method, parts.path, query, headers, body, 0 if drop else outcome[0])
            )
        return None if drop else outcome

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
        api = self.url if self._server is not None else "http://127.0.0.1"
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


def _error(status: int, headers: dict[str, str] | None = None) -> Response:
    message = _MESSAGES.get(status, "Error")
    if status == 403 and headers and "Retry-After" in headers:
        message = "You have exceeded a secondary rate limit. Please wait a few minutes."
    payload = {"message": message, "documentation_url": "https://docs.github.com/rest"}
    return status, payload, dict(headers or {})
