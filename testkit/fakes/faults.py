"""The one fault-injection mechanism of the local fakes (Slack, Zendesk, GitHub).

Every fake has a `faults` attribute, a `Faults`. Its rules match requests by `target`, a
substring of the request's path (for Slack, the Web API method name, e.g.
"chat.postMessage", or "/response/" for response URLs), and optionally by HTTP `method`
and a predicate on the `Request`. Rules are tried in the order they were added; the first
that matches takes the request:

- `fail_next`: answer with an error status and no side effect (the fake renders the error
  body as its service does);
- `drop_after_accept`, `drop_every`: apply the request, then cut the connection unanswered;
- `random_429`: answer a share of the requests 429 with a random Retry-After;
- `delay`: hold the answer after the request was applied;
- `before`: run an action just before the fake applies the request (a race made on purpose).

    slack.faults.fail_next("chat.postMessage", 429, retry_after=1)
    zendesk.faults.drop_after_accept("/tickets/", method="PUT")
    zendesk.faults.delay(3, f"/tickets/{tid}.json", method="PUT", times=1)
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from testkit.fakes.http_server import Request

Predicate = Callable[["Request"], bool]


@dataclass
class Fault:
    """What a rule decided for one request: `fail` (answer `status`) or `drop`."""

    kind: Literal["fail", "drop"]
    status: int = 0
    retry_after: int | None = None
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Rule:
    kind: Literal["fail", "drop", "random", "delay", "before"]
    target: str
    method: str | None
    when: Predicate | None
    times: int | None  # None: until cleared
    skip: int = 0
    every: int = 0
    seen: int = 0
    fault: Fault | None = None
    probability: float = 0.0
    retry_range: tuple[int, int] = (1, 30)
    rng: random.Random | None = None
    seconds: float = 0.0
    action: Callable[[], object] | None = None

    def matches(self, request: Request) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.target not in request.path:
            return False
        if self.method is not None and self.method != request.method:
            return False
        return self.when is None or self.when(request)

    def fires(self) -> bool:
        """Count one matching request; whether the rule acts on it."""
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.every and self.seen % self.every:
            return False
        if self.kind == "random":
            assert self.rng is not None
            if self.rng.random() >= self.probability:
                return False
        if self.times is not None:
            self.times -= 1
        return True


class Faults:
    """The faults one fake injects; thread-safe, shared by every connection it serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def _add(self, rule: _Rule) -> None:
        if rule.method is not None:
            rule.method = rule.method.upper()
        with self._lock:
            self._rules.append(rule)

    def fail_next(
        self,
        target: str = "",
        status: int = 429,
        *,
        method: str | None = None,
        times: int = 1,
        skip: int = 0,
        retry_after: int | None = None,
        error: str | None = None,
        headers: dict[str, str] | None = None,
        when: Predicate | None = None,
    ) -> None:
        """Answer the next `times` matching requests (after letting `skip` through) with
        `status` and no side effect; `retry_after` adds a Retry-After header, `error` names
        the service's error code where it has one (Slack)."""
        fault = Fault("fail", status, retry_after, error, dict(headers or {}))
        self._add(_Rule("fail", target, method, when, times, skip=skip, fault=fault))

    def drop_after_accept(
        self,
        target: str = "",
        *,
        method: str | None = None,
        times: int = 1,
        skip: int = 0,
        when: Predicate | None = None,
    ) -> None:
        """Apply the next `times` matching requests, then cut the connection unanswered."""
        self._add(_Rule("drop", target, method, when, times, skip=skip, fault=Fault("drop")))

    def drop_every(self, target: str, n: int, *, method: str | None = None) -> None:
        """Apply every `n`-th matching request, then cut its connection unanswered."""
        self._add(_Rule("drop", target, method, None, None, every=n, fault=Fault("drop")))

    def random_429(
        self,
        target: str,
        probability: float,
        *,
        retry_after: tuple[int, int] = (1, 30),
        seed: int = 0,
        method: str | None = None,
    ) -> None:
        """Answer a `probability` share of the matching requests 429, Retry-After drawn from
        `retry_after` (inclusive), reproducibly for one `seed`."""
        self._add(
            _Rule(
                "random",
                target,
                method,
                None,
                None,
                probability=probability,
                retry_range=retry_after,
                rng=random.Random(seed),
            )
        )

    def delay(
        self,
        seconds: float,
        target: str = "",
        *,
        method: str | None = None,
        times: int | None = None,
        when: Predicate | None = None,
    ) -> None:
        """Hold the answer of matching requests `seconds` after they were applied (every one
        until cleared, or the next `times`); `seconds` 0 removes the delays on `target`."""
        if seconds <= 0:
            with self._lock:
                self._rules = [
                    r for r in self._rules if not (r.kind == "delay" and r.target == target)
                ]
            return
        self._add(_Rule("delay", target, method, when, times, seconds=seconds))

    def before(
        self,
        target: str,
        action: Callable[[], object],
        *,
        method: str | None = None,
        times: int = 1,
        when: Predicate | None = None,
    ) -> None:
        """Run `action` just before the fake applies the next `times` matching requests."""
        self._add(_Rule("before", target, method, when, times, action=action))

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    # -- used by the fakes and their server ----------------------------------------------------

    def take(self, request: Request) -> Fault | None:
        """The failure or drop the rules decide for `request` (counted once per request)."""
        with self._lock:
            for rule in self._rules:
                if rule.kind not in ("fail", "drop", "random") or not rule.matches(request):
                    continue
                if not rule.fires():
                    continue
                if rule.kind == "random":
                    assert rule.rng is not None
                    return Fault("fail", 429, rule.rng.randint(*rule.retry_range))
                return rule.fault
        return None

    def actions_before(self, request: Request) -> list[Callable[[], object]]:
        """The `before` actions due for `request` (run by the server, outside the lock)."""
        return [r.action for r in self._due("before", request) if r.action is not None]

    def hold_for(self, request: Request) -> float:
        """Seconds to hold the answer to `request`."""
        return sum(r.seconds for r in self._due("delay", request))

    def _due(self, kind: str, request: Request) -> list[_Rule]:
        with self._lock:
            return [r for r in self._rules if r.kind == kind and r.matches(request) and r.fires()]
