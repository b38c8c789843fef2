"""The composition root: what a process needs to do the desk's work (settings, catalogue,
Redis, the case store, the queue, the Slack and Zendesk clients), built once from the
environment.

It is also a service locator: `get_runtime()` hands the RQ jobs the process-wide `Runtime`,
and whoever receives a `Runtime` takes from it the adapters it uses.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import redis
from rq import Queue
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.adapters.case_store import CaseStore
from bot.adapters.catalog_reader import load_catalog
from bot.adapters.queue import RqJobs
from bot.adapters.settings import Settings, load_settings
from bot.adapters.zendesk import ZendeskGateway
from bot.domain.catalog import Catalog

log = logging.getLogger(__name__)
QUEUE_NAME = "soporte"
CLICK_QUEUE_NAME = "soporte-clicks"
# The queues a worker reads, in its order: a click is taken before the desk's other work.
WORKER_QUEUES = (CLICK_QUEUE_NAME, QUEUE_NAME)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The desk's ports over the real services (bot/services/ports.py `Ports`, and more)."""

    settings: Settings
    catalog: Catalog
    redis: redis.Redis

    def now(self) -> datetime:
        return utcnow()

    @cached_property
    def store(self) -> CaseStore:
        return CaseStore(self.redis)

    @cached_property
    def queue(self) -> Queue:
        return Queue(QUEUE_NAME, connection=self.redis)

    @cached_property
    def click_queue(self) -> Queue:
        """Where a click's step waits for a worker (bot/services/clicks.py)."""
        return Queue(CLICK_QUEUE_NAME, connection=self.redis)

    def worker_queues(self) -> list[Queue]:
        """The queues a worker reads, in WORKER_QUEUES' order."""
        by_name = {QUEUE_NAME: self.queue, CLICK_QUEUE_NAME: self.click_queue}
        return [by_name[name] for name in WORKER_QUEUES]

    @cached_property
    def jobs(self) -> RqJobs:
        return RqJobs(self.queue)

    @cached_property
    def slack(self) -> WebClient:
        return slack_client(self.settings)

    @cached_property
    def zendesk(self) -> ZendeskGateway:
        s = self.settings
        return ZendeskGateway(
            s.zendesk_url, s.zendesk_email, s.zendesk_token, self.catalog.zendesk_agent_url
        )


def slack_client(settings: Settings) -> WebClient:
    """The Slack Web API client; it waits out 429s as long as Slack's Retry-After says."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=30,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=5)],
    )


_runtime: Runtime | None = None


def build_runtime(env: dict[str, str] | None = None) -> Runtime:
    env = dict(os.environ if env is None else env)
    settings = load_settings(env)
    catalog = load_catalog(settings.catalog_path)
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set (app.py starts an embedded Redis and sets it)")
    return Runtime(settings, catalog, redis_client(settings.redis_url))


def redis_client(url: str) -> redis.Redis:
    """The desk's Redis client: an outage fails a call within seconds instead of hanging it.

    No call the desk makes blocks in Redis (the RQ workers' own blocking dequeue uses the
    connection `rq worker --url` builds), so a 10 s socket timeout only ends dead waits."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=3, socket_timeout=10, health_check_interval=30
    )


def get_runtime() -> Runtime:
    """The process-wide runtime (workers build it on first use)."""
    global _runtime
    if _runtime is None:
        _runtime = build_runtime()
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime
