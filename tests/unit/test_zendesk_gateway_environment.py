"""The Zendesk gateway is configured by its arguments alone: building one leaves the process
environment as it was, so two gateways in one process reach their own Zendesk."""

from __future__ import annotations

import os

from bot.adapters.zendesk import ZendeskGateway


def test_building_a_gateway_leaves_the_environment_unchanged() -> None:
    before = dict(os.environ)
    first = ZendeskGateway("http://127.0.0.1:9", "bot@example.com", "token")
    second = ZendeskGateway("https://acme.zendesk.com", "bot@example.com", "token")
    assert dict(os.environ) == before
    assert (first.base_url, second.base_url) == ("http://127.0.0.1:9", "https://acme.zendesk.com")
    assert first.ticket_url(7) == "http://127.0.0.1:9/agent/tickets/7"
