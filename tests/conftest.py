"""Fixtures shared by every test: a real Redis for the session, fakes and a desk per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.adapters.embedded_redis import EmbeddedRedis
from bot.composition import build_runtime, set_runtime
from testkit.example_desk import invite_desk_bot
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from tests.harness import AGENT, OTHER_AGENT, Desk, desk_environment


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    with SlackFake() as fake:
        invite_desk_bot(fake)
        fake.add_user(AGENT, "ana.agente", real_name="Ana Agente")
        fake.add_user(OTHER_AGENT, "beto.agente", real_name="Beto Agente")
        yield fake


@pytest.fixture
def zendesk() -> Iterator[ZendeskFake]:
    """A default Zendesk account, except the export's one-minute holdback: waiting a real
    minute before each intake sees a ticket is impossible in tests (the holdback has tests
    of its own in tests/fakes and tests/faults)."""
    with ZendeskFake(export_lag_seconds=0) as fake:
        yield fake


@pytest.fixture
def desk_env(
    redis_url: str, slack: SlackFake, zendesk: ZendeskFake, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    env = desk_environment(slack, zendesk, redis_url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return env


@pytest.fixture
def desk(
    request: pytest.FixtureRequest, desk_env: dict[str, str], slack: SlackFake, zendesk: ZendeskFake
) -> Iterator[Desk]:
    """The running desk; `@pytest.mark.window("2s")` shortens the closing window and
    `@pytest.mark.env(NAME="value")` changes any other setting."""
    marker = request.node.get_closest_marker("window")
    if marker:
        desk_env = {**desk_env, "RESOLUTION_WINDOW": marker.args[0]}
    settings = request.node.get_closest_marker("env")
    if settings:
        desk_env = {**desk_env, **settings.kwargs}
    rt = build_runtime(desk_env)
    set_runtime(rt)
    running = Desk(rt, slack, zendesk)
    yield running
    running.close()
    set_runtime(None)
