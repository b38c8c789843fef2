"""Helpers of the fault-injection suite (tests/faults): prepared signed requests fired
together, a Redis write witness, taps on the local fakes, real worker processes, waiting.

Kept here rather than in tests/harness.py so the suite never edits a file others change.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from blocks import ids
from tests.fakes.slack_api import SlackFake
from tests.fakes.zendesk_api import ZendeskFake
from tests.harness import AGENT, Desk, option, text_value

ROOT = Path(__file__).resolve().parents[2]

_PREPARE_LOCK = threading.Lock()


class PreparedRequest:
    """One signed HTTP request, built exactly as a Desk helper would send it, sent later."""

    def __init__(self, url: str, data: bytes, headers: dict[str, str]) -> None:
        self.url = url
        self.data = data
        self.headers = dict(headers)

    def send(self) -> requests.Response:
        return requests.post(self.url, data=self.data, headers=self.headers, timeout=30)


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


class Seen:
    """One request the Zendesk fake served, with when it arrived and when it was answered."""

    def __init__(self, at: float, method: str, path: str, body: dict | None) -> None:
        self.at = at
        self.done = at
        self.method = method
        self.path = path
        self.body = body
        self.status = 0

    @property
    def ticket(self) -> dict[str, Any]:
        return (self.body or {}).get("ticket") or {}

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} {self.status} at {self.at:.3f}>"


class ZendeskTap:
    """Wraps ZendeskFake's request handling (instance attribute, undone by `close`).

    Records each request with timestamps, and runs hooks matching (method, path, body):
    `before` hooks run before the fake applies the request, `after` hooks after it was
    applied but before the answer leaves (a response that is slow to come back).
    """

    def __init__(self, fake: ZendeskFake) -> None:
        self.fake = fake
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._hooks: list[list[Any]] = []
        self._original = fake._serve
        fake._serve = self._serve  # type: ignore[method-assign]

    def close(self) -> None:
        if self.fake.__dict__.get("_serve") == self._serve:
            del self.fake.__dict__["_serve"]

    def before(self, match: Any, action: Any, times: int = 1) -> None:
        with self._lock:
            self._hooks.append(["before", match, action, times])

    def after(self, match: Any, action: Any, times: int = 1) -> None:
        with self._lock:
            self._hooks.append(["after", match, action, times])

    def _take(self, when: str, method: str, path: str, body: dict | None) -> list[Any]:
        taken = []
        with self._lock:
            for hook in self._hooks:
                if hook[0] == when and hook[3] > 0 and hook[1](method, path, body):
                    hook[3] -= 1
                    taken.append(hook[2])
        return taken

    def _serve(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Any:
        path = target.split("?", 1)[0]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        seen = Seen(time.time(), method, path, body if isinstance(body, dict) else None)
        with self._lock:
            self.seen.append(seen)  # in arrival order
        for action in self._take("before", method, path, seen.body):
            action()
        outcome = self._original(method, target, headers, raw)
        seen.status = 0 if outcome is None else outcome[0]
        for action in self._take("after", method, path, seen.body):
            action()
        seen.done = time.time()
        return outcome

    def puts(self, ticket_id: int | None = None) -> list[Seen]:
        with self._lock:
            return [
                s
                for s in self.seen
                if s.method == "PUT"
                and "mark_as_spam" not in s.path
                and (ticket_id is None or s.path.endswith(f"/tickets/{ticket_id}.json"))
            ]


def ticket_put(ticket_id: int | None = None, *, safe: bool | None = None) -> Any:
    """A hook matcher: the PUT of a ticket update (optionally only safe_update ones)."""

    def match(method: str, path: str, body: dict | None) -> bool:
        if method != "PUT" or "/tickets/" not in path or "mark_as_spam" in path:
            return False
        if ticket_id is not None and not path.endswith(f"/tickets/{ticket_id}.json"):
            return False
        update = (body or {}).get("ticket") or {}
        return safe is None or bool(update.get("safe_update")) == safe

    return match


class SlackTap:
    """Wraps two SlackFake hooks (instance attributes, undone by `close`): records the
    Retry-After of every random 429, and can cut the connection of every n-th call."""

    def __init__(self, fake: SlackFake) -> None:
        from tests.fakes import slack_api

        self.fake = fake
        self._fault_class = slack_api._Fault
        self.retry_after: dict[int, int] = {}
        self._drop_every: dict[str, int] = {}
        self._counts: dict[str, int] = {}
        self._random = fake._random_429_reply
        self._take = fake._take_fault
        fake._random_429_reply = self._random_429_reply  # type: ignore[method-assign]
        fake._take_fault = self._take_fault  # type: ignore[method-assign]

    def close(self) -> None:
        for name in ("_random_429_reply", "_take_fault"):
            self.fake.__dict__.pop(name, None)

    def drop_every(self, method: str, n: int) -> None:
        """Process and store every n-th call to `method`, then cut the connection unanswered."""
        self._drop_every[method] = n

    def _random_429_reply(self, method: str) -> Any:
        reply = self._random(method)
        if reply is not None:
            # called with the fake's lock held, right after the call was recorded
            self.retry_after[id(self.fake._calls[-1])] = int(reply.headers["Retry-After"])
        return reply

    def _take_fault(self, method: str) -> Any:
        fault = self._take(method)
        if fault is None and method in self._drop_every:
            self._counts[method] = self._counts.get(method, 0) + 1
            if self._counts[method] % self._drop_every[method] == 0:
                return self._fault_class("drop", 1)
        return fault

    def retry_after_of(self, call: Any) -> int | None:
        return self.retry_after.get(id(call))


# --- small flows the fault tests share ------------------------------------------------------

MUNICIPALIDAD_NAME = "Municipalidad de Ejemplo"  # supports Pulso in catalog.example.toml


def carded_ticket(desk: Desk, **fields: Any) -> int:
    """A new ticket of the Municipalidad that went through the intake: it has its card."""
    org = desk.zendesk.add_organization(MUNICIPALIDAD_NAME)
    tid = desk.new_ticket(org_id=org, **fields)
    desk.intake()
    record = desk.case(tid)
    assert record is not None and record.card is not None
    return tid


def submit_unsupported(desk: Desk, tid: int, reply: str, user: str = AGENT) -> requests.Response:
    """Press "Producto no soportado" and send the modal with `reply` (jobs not run)."""
    desk.click(ids.Action.UNSUPPORTED, tid, user)
    return desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value(reply)}, user=user)


def user_replies(desk: Desk, tid: int) -> list[str]:
    """What the end user received: public comments after their own first message."""
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


PULSO_CHANNEL = "C0PULSO001"
MAINTAINER = "U0MANT0001"  # a Pulso maintainer in catalog.example.toml
CHANNEL_MEMBER = "U0MEMBER01"  # in the Pulso channel, not a catalogued maintainer


def escalate(desk: Desk, tid: int, notes: str = "Sospecho del worker de PDF.") -> None:
    """Escalate a carded ticket to Pulso and run the jobs: the product thread is open."""
    desk.click(ids.Action.ESCALATE, tid)
    view = desk.opened_view()
    desk.submit(view, {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value(notes)})
    desk.run_jobs()
    record = desk.case(tid)
    assert record is not None and record.escalation is not None and record.escalation.ts


def take(desk: Desk, tid: int, who: str = MAINTAINER) -> None:
    desk.click_in_thread(ids.Action.TAKE_CASE, tid, who)
    desk.run_jobs()


# --- real worker processes ------------------------------------------------------------------

APP_LOGGERS = ("soporte", "app", "bot", "handlers", "workers", "blocks")

# The worker subprocess: rq's own CLI, with the app's loggers at DEBUG on stderr (as a
# deployment that keeps logs would have them; `rq worker` only configures `rq.worker`).
_WORKER_MAIN = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.INFO, stream=sys.stderr,"
    " format='%(asctime)s %(levelname)s %(name)s %(message)s')\n"
    f"for name in {APP_LOGGERS!r}:\n"
    "    logging.getLogger(name).setLevel(logging.DEBUG)\n"
    "from rq.cli import main\n"
    "sys.exit(main(args=sys.argv[1:], prog_name='rq'))\n"
)

# Everything the fault suite logged, for the leak scan of fault 13.
SUITE_LOG_FILES: list[Path] = []
SUITE_RECORDS: list[str] = []


def procfile_worker_class() -> str | None:
    """The worker class the Procfile's `worker` process runs (`-w …`), if it names one."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            words = line.split()
            for flag in ("-w", "--worker-class"):
                if flag in words:
                    return words[words.index(flag) + 1]
    return None


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), children first found, grandchildren after."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class WorkerProcess:
    """One `rq worker` subprocess, in its own process group."""

    def __init__(self, popen: subprocess.Popen[bytes], log: Path) -> None:
        self.popen = popen
        self.log = log

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and everything it forked, as a crash of its machine would.

        RQ's work horse calls setpgrp(), so killing the worker's process group alone would
        leave the horse running the job to its end: its descendants are killed by pid."""
        if self.alive():
            family = _descendants(self.popen.pid)
            os.killpg(self.popen.pid, signal.SIGKILL)
            for pid in family:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, timeout: float = 15) -> None:
        """A warm shutdown (SIGTERM to the worker), as a deploy does."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class Workers:
    """Starts real worker processes with a given environment; kills leftovers at teardown."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[WorkerProcess] = []

    def start(
        self,
        env: dict[str, str],
        *,
        burst: bool = False,
        scheduler: bool = True,
        simple: bool = False,
    ) -> WorkerProcess:
        """`rq worker` as the Procfile runs it (its worker class), or with `simple` a
        SimpleWorker (no fork per job: for the runs of thousands of jobs)."""
        log = self.log_dir / f"worker-{len(self.started) + 1}.log"
        argv = ["worker", "--url", env["REDIS_URL"], "--logging_level", "INFO"]
        if burst:
            argv.append("--burst")
        if scheduler:
            argv.append("--with-scheduler")
        worker_class = "rq.worker.SimpleWorker" if simple else procfile_worker_class()
        if worker_class:
            argv += ["--worker-class", worker_class]
        argv.append("soporte")
        full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-c", _WORKER_MAIN, *argv],
                cwd=ROOT,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = WorkerProcess(popen, log)
        self.started.append(worker)
        SUITE_LOG_FILES.append(log)
        return worker

    def run_burst(self, env: dict[str, str], timeout: float = 60, **kwargs: Any) -> str:
        """One burst worker (scheduler included) until its queue is empty; its output."""
        worker = self.start(env, burst=True, **kwargs)
        try:
            code = worker.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise AssertionError(f"burst worker still running after {timeout}s") from None
        assert code == 0, worker.output()[-3000:]
        return worker.output()

    def kill_all(self) -> None:
        for worker in self.started:
            if worker.alive():
                worker.kill()


def wait_for(
    condition: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.05,
    detail: Callable[[], str] | None = None,
) -> Any:
    """Poll `condition` until it is truthy; fail naming `what` (and `detail()`, what the
    state was) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f": {detail()}" if detail else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)
