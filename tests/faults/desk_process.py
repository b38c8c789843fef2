"""The desk as an operator runs it: `python app.py` (what `./run app` execs) in a subprocess,
its processes under supervisor, talking HTTP to the local fakes.

`RemoteDesk` is the harness's `Desk` pointed at that desk's gunicorn instead of an
in-process server: the same signed clicks, submissions, commands and webhooks, while the
desk's own RQ workers run the jobs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bot.embedded_redis import free_port
from bot.runtime import Runtime
from bot.supervision import Supervisor
from tests.fakes.slack_api import SlackFake
from tests.fakes.zendesk_api import ZendeskFake
from tests.faults.helpers import ROOT, SUITE_LOG_FILES, _descendants, wait_for
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


class DeskProcess:
    """`python app.py` with `env`; its output goes to a log file the leak scan reads."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "desk") -> None:
        self.port = int(env.get("PORT") or free_port())
        self.data = workdir / f"{name}-data"
        self.env = {
            **os.environ,
            **env,
            "PORT": str(self.port),
            "SOPORTE_DATA": str(self.data),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("SLACK_APP_TOKEN", None)
        self.log = workdir / f"{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.popen: subprocess.Popen[bytes] | None = None
        SUITE_LOG_FILES.append(self.log)

    def start(self) -> DeskProcess:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "app.py"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            answer = requests.get(f"{self.url}/healthz", timeout=3)
        except requests.RequestException:
            return 0, {}
        return answer.status_code, answer.json() if answer.content else {}

    def wait_healthy(self, timeout: float = 40) -> float:
        """Seconds until /healthz said 200."""
        started = time.monotonic()
        wait_for(
            lambda: self.health()[0] == 200,
            timeout,
            "the desk to be healthy",
            interval=0.2,
            detail=lambda: f"{self.health()}\n{self.output()[-3000:]}",
        )
        return time.monotonic() - started

    @property
    def supervisor(self) -> Supervisor:
        return Supervisor(self.data / "run", [], {})

    def pid_of(self, program: str) -> int:
        return int(self.supervisor.rpc.getProcessInfo(program)["pid"])

    def family(self) -> list[int]:
        assert self.popen is not None
        return [self.popen.pid, *_descendants(self.popen.pid)]

    def terminate(self, timeout: float = 45) -> int:
        """SIGTERM, as systemd or `timeout` sends it; the exit code."""
        assert self.popen is not None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout)

    def kill_leftovers(self) -> None:
        """Teardown: whatever a failing test left behind, by pid."""
        if self.popen is None:
            return
        for pid in reversed(self.family() if self.popen.poll() is None else []):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.popen.wait(5)


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
