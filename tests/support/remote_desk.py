"""The harness's `Desk` pointed at a desk running in other processes (`python app.py`,
testkit/desk_process.py) instead of an in-process server: the same signed clicks,
submissions, commands and webhooks, while the desk's own RQ workers run the jobs."""

from __future__ import annotations

from bot.composition import Runtime
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from tests.harness import Desk


class _NoListeners:
    def wait_idle(self, timeout: float = 10.0) -> None:
        """The desk's listeners run in its own processes: tests wait on what they see."""


class RemoteDesk(Desk):
    """The harness's helpers aimed at a desk running in other processes."""

    def __init__(self, rt: Runtime, slack: SlackFake, zendesk: ZendeskFake, url: str) -> None:
        self.rt, self.slack, self.zendesk, self.url = rt, slack, zendesk, url
        self.listeners = _NoListeners()  # type: ignore[assignment]
        self._triggers = 0

    def close(self) -> None:
        self.rt.redis.close()
