"""The desk as an operator runs it: `python app.py` (what `./run app` execs) in a subprocess,
its processes under supervisor, talking HTTP to the local fakes; requests fired at it
together, and what /proc says about its processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bot.adapters.embedded_redis import free_port
from bot.adapters.supervision import Supervisor
from testkit.example_desk import ROOT
from testkit.waiting import wait_for


class PreparedRequest:
    """One signed HTTP request, built now and sent later."""

    def __init__(self, url: str, data: bytes, headers: dict[str, str]) -> None:
        self.url = url
        self.data = data
        self.headers = dict(headers)

    def send(self) -> requests.Response:
        return requests.post(self.url, data=self.data, headers=self.headers, timeout=30)


class DeskProcess:
    """`python app.py` with `env`; its output goes to `workdir`/`name`.log."""

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
        return [self.popen.pid, *descendants(self.popen.pid)]

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


def send_all(prepared: list[PreparedRequest]) -> list[int]:
    """Fire every request at once (one thread each, released by a barrier); the statuses,
    0 for a connection the server reset or refused."""
    barrier = threading.Barrier(len(prepared))
    statuses = [0] * len(prepared)

    def fire(i: int) -> None:
        barrier.wait()
        try:
            statuses[i] = prepared[i].send().status_code
        except requests.RequestException:
            statuses[i] = 0

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(prepared))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


def post_unread(port: int, size: int, marker: bytes = b"") -> tuple[int, bytes]:
    """Start an unsigned POST of `size` bytes to /slack/events and send until the server
    stops reading; (bytes sent, the answer's first line, b"" if the connection was reset)."""
    chunk = (marker + b"x" * (65536 - len(marker))) * 16
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n"
    )
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:  # the server answered and closed: the rest is never read
            pass
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    return sent, answer.split(b"\r\n", 1)[0]


def descendants(pid: int) -> list[int]:
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


def _stat_fields(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def parent_of(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else 0


def group_of(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[2]) if fields else 0


def children_of(pid: int) -> list[int]:
    return [p for p in descendants(pid) if parent_of(p) == pid]


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (0 once it is gone)."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vmhwm_kib(pid: int) -> int:
    """The kernel's high-water mark of the process's resident memory."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("VmHWM")), 0)


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] != "Z"
