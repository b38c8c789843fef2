"""Requests built now and fired together later, and a Redis write witness."""

from __future__ import annotations

import threading
from typing import Any

import requests

from testkit.desk_process import PreparedRequest
from tests.harness import Desk

_PREPARE_LOCK = threading.Lock()


def prepare(call: Any, *args: Any, **kwargs: Any) -> PreparedRequest:
    """`prepare(desk.click, ACTION, tid, user)`: the request `desk.click(...)` would send.

    `requests.post` is swapped for a recorder while the Desk helper builds and signs the
    request, so the payload, trigger id and response_url are the ones the helper makes.
    """
    sent: dict[str, Any] = {}

    def record(url: str, data: bytes, headers: dict[str, str], **_: Any) -> None:
        sent.update(url=url, data=data, headers=headers)

    with _PREPARE_LOCK:
        original = requests.post
        requests.post = record  # type: ignore[assignment]
        try:
            call(*args, **kwargs)
        finally:
            requests.post = original  # type: ignore[assignment]
    return PreparedRequest(sent["url"], sent["data"], sent["headers"])


def send_together(desk: Desk, prepared: list[PreparedRequest]) -> list[requests.Response]:
    """Send the requests from one thread each, released together by a barrier; then wait
    until every Bolt listener they started has finished."""
    barrier = threading.Barrier(len(prepared))
    responses: list[requests.Response | None] = [None] * len(prepared)

    def fire(index: int) -> None:
        barrier.wait()
        responses[index] = prepared[index].send()

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(prepared))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    desk.listeners.wait_idle()
    assert all(r is not None for r in responses), "a request did not complete"
    return [r for r in responses if r is not None]


def redis_state(connection: Any) -> tuple[int, dict[bytes, bytes | None]]:
    """(write counter, every key with its DUMP): equal before and after means nothing was
    written. The counter is Redis's own count of changes (`rdb_changes_since_last_save`)."""
    dirty = int(connection.info("persistence")["rdb_changes_since_last_save"])
    keys = {key: connection.dump(key) for key in connection.scan_iter(count=1000)}
    return dirty, keys
