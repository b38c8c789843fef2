"""GitHub Issues adapter: files escalations through the REST API with `requests`.

Configured from the environment: `GITHUB_TOKEN` (a token allowed to read and write the
repository's issues) and optionally `GITHUB_API_URL` (GitHub Enterprise:
``https://HOST/api/v3``). The marker travels in the issue body as an HTML comment, which
GitHub keeps in the source but does not render.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from bot.adapters.trackers import TrackerError, TrackerIssue, TrackerUnavailable

if TYPE_CHECKING:
    from bot.domain.catalog import Tracker

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT = 15
PER_PAGE = 100
PAGES = 2
MAX_TITLE = 256
MAX_BODY = 65536
DEFAULT_RETRY_AFTER = 60.0
MARKER = re.compile(r"[A-Za-z0-9]+(?:[-_.:/#][A-Za-z0-9]+)*")


def marker_comment(marker: str) -> str:
    """The HTML comment that carries `marker` in an issue body."""
    if not MARKER.fullmatch(marker):
        raise ValueError(f"marker {marker!r} must be letters and digits joined by - _ . : / #")
    return f"<!-- {marker} -->"


class GitHubTracker:
    """Files and finds issues in one GitHub repository."""

    def __init__(
        self,
        repo: str,
        token: str,
        *,
        labels: tuple[str, ...] = (),
        api_url: str = DEFAULT_API_URL,
        session: requests.Session | None = None,
    ) -> None:
        self.repo = repo
        self.labels = labels
        self.api_url = api_url.rstrip("/")
        self._session = session or requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "soporte",
            }
        )

    @classmethod
    def from_env(cls, tracker: Tracker, env: Mapping[str, str]) -> GitHubTracker:
        """The adapter for `tracker`, with its token and API address from `env`."""
        token = env.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise TrackerError(
                f"GITHUB_TOKEN is not set: the github tracker for {tracker.repo} needs a token "
                "allowed to read and write that repository's issues"
            )
        api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TrackerError(f"GITHUB_API_URL {api_url!r} is not an http(s) URL")
        return cls(tracker.repo, token, labels=tracker.labels, api_url=api_url)

    def __repr__(self) -> str:
        return f"GitHubTracker(repo={self.repo!r}, api_url={self.api_url!r})"

    def create_issue(
        self, *, title: str, body: str, marker: str, labels: tuple[str, ...]
    ) -> TrackerIssue:
        """POST a new issue whose body ends with the marker comment."""
        comment = marker_comment(marker)
        title = " ".join(title.split())
        if not title:
            raise ValueError("an issue needs a title")
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1] + "…"
        room = MAX_BODY - len(comment) - 2
        if len(body) > room:
            body = body[: room - 1] + "…"
        payload: dict[str, Any] = {"title": title, "body": f"{body}\n\n{comment}"}
        if labels:
            payload["labels"] = list(labels)
        item = self._call("POST", "create an issue", json=payload)
        issue = self._issue(item)
        log.info("filed %s for %s", issue.key, marker)
        return issue

    def find_issue(self, marker: str) -> TrackerIssue | None:
        """The newest issue (open or closed) whose body carries the marker comment, or None.

        Looks at the newest issues with the tracker's labels, then at the newest issues of
        any label: GitHub silently drops labels the token may not set, and people relabel.
        """
        comment = marker_comment(marker)
        searches: list[dict[str, str]] = [{"labels": ",".join(self.labels)}] if self.labels else []
        searches.append({})
        for search in searches:
            for page in range(1, PAGES + 1):
                params = {
                    "state": "all",
                    "sort": "created",
                    "direction": "desc",
                    "per_page": str(PER_PAGE),
                    "page": str(page),
                    **search,
                }
                items = self._call("GET", "list issues", params=params)
                if not isinstance(items, list):
                    raise TrackerError(f"GitHub answered the issue list of {self.repo} oddly")
                for item in items:
                    if "pull_request" not in item and comment in (item.get("body") or ""):
                        return self._issue(item)
                if len(items) < PER_PAGE:
                    break
        return None

    def is_private(self) -> bool:
        """GET /repos/{owner}/{repo}: its `private` flag (REST API, "Get a repository")."""
        repo = self._call("GET", "read the repository", path="")
        return isinstance(repo, dict) and repo.get("private") is True

    def _issue(self, item: Any) -> TrackerIssue:
        try:
            return TrackerIssue(url=item["html_url"], key=f"{self.repo}#{item['number']}")
        except (TypeError, KeyError):
            raise TrackerError(f"GitHub answered without an issue number for {self.repo}") from None

    def _call(self, method: str, action: str, path: str = "/issues", **kwargs: Any) -> Any:
        url = f"{self.api_url}/repos/{self.repo}{path}"
        try:
            response = self._session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.Timeout:
            raise TrackerUnavailable(
                f"GitHub did not answer within {TIMEOUT} s ({action} in {self.repo})",
                DEFAULT_RETRY_AFTER,
            ) from None
        except requests.RequestException as exc:
            raise TrackerUnavailable(
                f"cannot reach GitHub at {self.api_url} ({action} in {self.repo}): "
                f"{type(exc).__name__}",
                DEFAULT_RETRY_AFTER,
            ) from None
        if response.status_code >= 300:
            raise self._failure(response, action)
        try:
            return response.json()
        except ValueError:
            raise TrackerError(
                f"GitHub answered {action} in {self.repo} with something that is not JSON; "
                f"is GITHUB_API_URL ({self.api_url}) the API address?"
            ) from None

    def _failure(self, response: requests.Response, action: str) -> TrackerError:
        status, headers = response.status_code, response.headers
        said = _message(response)
        limited = "Retry-After" in headers or headers.get("X-RateLimit-Remaining") == "0"
        if status == 429 or status >= 500 or (status == 403 and limited):
            wait = _retry_after(headers)
            return TrackerUnavailable(
                f"GitHub answered {status} to {action} in {self.repo} ({said}); "
                f"retry in {wait:.0f} s",
                wait,
            )
        if status == 401:
            return TrackerError(f"GitHub rejected GITHUB_TOKEN (401 {said}); renew the token")
        if status == 403:
            return TrackerError(
                f"GITHUB_TOKEN may not {action} in {self.repo} (403 {said}); it needs "
                "read and write access to the repository's issues"
            )
        if status == 404:
            return TrackerError(
                f"repository {self.repo} not found, or GITHUB_TOKEN cannot see it (404)"
            )
        if status == 410:
            return TrackerError(f"issues are disabled in {self.repo} (410)")
        return TrackerError(f"GitHub answered {status} to {action} in {self.repo}: {said}")


def _message(response: requests.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or response.reason or "no message")[:200]


def _retry_after(headers: Mapping[str, str]) -> float:
    raw = headers.get("Retry-After", "").strip()
    if raw.isdigit():
        return float(raw)
    if raw:
        try:
            return max(0.0, email.utils.parsedate_to_datetime(raw).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    reset = headers.get("X-RateLimit-Reset", "")
    if headers.get("X-RateLimit-Remaining") == "0" and reset.isdigit():
        return max(1.0, int(reset) - time.time())
    return DEFAULT_RETRY_AFTER
