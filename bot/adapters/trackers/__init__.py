"""Development-queue ("tracker") adapters: where escalated requirements are filed.

A product's `[products.<key>.tracker]` table names a registered `kind`; `tracker_client`
builds that kind's adapter. Escalation jobs call `ensure_issue`, which finds the issue a
previous attempt already filed (by its marker) before creating one, so a job retried
after a lost response still leaves exactly one issue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.domain.catalog import Tracker

__all__ = [
    "GITHUB_REPO",
    "TrackerClient",
    "TrackerError",
    "TrackerIssue",
    "TrackerKind",
    "TrackerUnavailable",
    "ensure_issue",
    "register",
    "tracker_client",
    "tracker_kinds",
]

GITHUB_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(?!\.\.?$)[A-Za-z0-9._-]{1,100}")
"""A GitHub repository as owner/name."""


@dataclass(frozen=True)
class TrackerIssue:
    """An issue in the development queue: its web address and its short key."""

    url: str
    key: str


class TrackerError(Exception):
    """The tracker refused the request or is misconfigured; retrying will not help."""


class TrackerUnavailable(TrackerError):
    """The tracker is down or rate-limiting: retry the job after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TrackerClient(Protocol):
    """What an adapter offers: file an issue, and find one filed earlier by its marker."""

    def create_issue(
        self, *, title: str, body: str, marker: str, labels: tuple[str, ...]
    ) -> TrackerIssue:
        """File an issue whose body carries `marker`, so `find_issue` can find it again."""
        ...

    def find_issue(self, marker: str) -> TrackerIssue | None:
        """The issue whose body carries `marker`, or None."""
        ...

    def is_private(self) -> bool:
        """Whether only the team can read the tracker (False when it cannot tell)."""
        ...


@dataclass(frozen=True)
class TrackerKind:
    """A registered adapter: how to check the catalogue's `repo` and how to build a client."""

    build: Callable[[Tracker, Mapping[str, str]], TrackerClient]
    repo: re.Pattern[str]
    repo_hint: str


_KINDS: dict[str, TrackerKind] = {}


def register(kind: str, spec: TrackerKind) -> None:
    """Make `kind` usable in the catalogue and in `tracker_client`."""
    _KINDS[kind] = spec


def tracker_kinds() -> Mapping[str, TrackerKind]:
    """The registered kinds, by name."""
    return MappingProxyType(_KINDS)


def tracker_client(tracker: Tracker, env: Mapping[str, str]) -> TrackerClient:
    """The adapter for `tracker.kind`, configured from `env`; raises `TrackerError`."""
    spec = _KINDS.get(tracker.kind)
    if spec is None:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise TrackerError(f"unknown tracker kind {tracker.kind!r}; known kinds: {known}")
    return spec.build(tracker, env)


def ensure_issue(
    client: TrackerClient, *, title: str, body: str, marker: str, labels: tuple[str, ...]
) -> TrackerIssue:
    """The issue carrying `marker`, filed now unless an earlier attempt already did."""
    return client.find_issue(marker) or client.create_issue(
        title=title, body=body, marker=marker, labels=labels
    )


def _github(tracker: Tracker, env: Mapping[str, str]) -> TrackerClient:
    from bot.adapters.trackers.github import GitHubTracker  # the adapter imports this module

    return GitHubTracker.from_env(tracker, env)


register("github", TrackerKind(_github, GITHUB_REPO, "a GitHub repository as owner/name"))
