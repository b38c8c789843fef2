"""`./run app`: the Procfile's processes under supervisor, one desk per data folder and Redis.

supervisor (supervisord) starts, watches and stops the processes: a child that dies is
restarted at once, and one that keeps failing to start is retried with a growing backoff
(1 s, 2 s, … up to START_RETRIES); SIGTERM and SIGINT stop them all, each with its process
group (no orphans). This module only writes supervisord's configuration from the Procfile,
holds the locks that keep a second desk out, and turns supervisor's FATAL state (a process
that gave up) into the desk's own exit: every child stopped, exit 1, the process named.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any

import redis
from supervisor.xmlrpc import SupervisorTransport

from bot.adapters import keys
from bot.adapters.embedded_redis import EmbeddedRedis, free_port
from bot.adapters.preflight import StartupRefused
from bot.composition import redis_client

log = logging.getLogger("soporte.desk")

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "Procfile"
START_RETRIES = 15  # supervisor waits 1 s, 2 s, … 15 s between attempts: about 2 minutes
STOP_WAIT = 25  # gunicorn's graceful timeout (10 s) and a job's warm shutdown fit in it
DESK_KEY = keys.DESK  # in Redis: the desk that runs on it (./run app)
DESK_TTL = 30
# How long each process must stay up for its start to count (gunicorn loads the app). The
# worker and cron get 5 s: without Redis they die only after importing rq and trying to
# connect, which takes over 2 s on a busy machine; counted as started, each death would
# reset supervisor's retries and the desk would stay half-alive for ever.
START_SECS = {"web": 3, "socket": 3, "worker": 5, "cron": 5, "redis": 1}
PRIORITY = {"redis": 1, "worker": 10, "cron": 20, "web": 30, "socket": 40}


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    """{process name: command line} of a Procfile."""
    processes = {}
    for raw in path.read_text().splitlines():
        name, sep, command = raw.partition(":")
        if sep and name.strip() and not raw.lstrip().startswith("#"):
            processes[name.strip()] = command.strip()
    return processes


_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def expand(command: str, env: Mapping[str, str]) -> list[str]:
    """The command's words with $VARS from `env`; `python` is this interpreter, and the
    other programs come from its virtualenv (as `./run` installed them)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in env:
            raise StartupRefused([f"Procfile needs {name}, which is not set"])
        return env[name]

    words = shlex.split(_VARIABLE.sub(value, command))
    bindir = Path(sys.executable).parent
    if words[0] in ("python", "python3"):
        words[0] = sys.executable
    elif (bindir / words[0]).exists():
        words[0] = str(bindir / words[0])
    return words


@dataclass(frozen=True)
class Program:
    name: str
    argv: list[str]


def desk_programs(
    env: Mapping[str, str], redis_server: EmbeddedRedis | None, run_dir: Path
) -> list[Program]:
    """What `./run app` runs: the Procfile's web, worker and cron (and socket in Socket
    Mode), plus the embedded Redis when REDIS_URL is unset."""
    wanted = ["worker", "cron", "web"] + (["socket"] if env.get("SLACK_APP_TOKEN") else [])
    procfile = read_procfile()
    programs = [Program(name, expand(procfile[name], env)) for name in wanted]
    if redis_server is not None:
        programs.insert(0, Program("redis", redis_server.command(run_dir / "redis.pid")))
    return programs


def supervisor_config(
    programs: list[Program], run_dir: Path, start_retries: int = START_RETRIES
) -> str:
    """supervisord's configuration: foreground, logs to stdout, a control socket in run_dir."""
    sock = run_dir / "supervisor.sock"
    lines = [
        "[unix_http_server]",
        f"file={sock}",
        "chmod=0700",
        "",
        "[supervisord]",
        "nodaemon=true",
        "logfile=/dev/stdout",
        "logfile_maxbytes=0",
        "loglevel=info",
        f"pidfile={run_dir / 'supervisord.pid'}",
        f"childlogdir={run_dir}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{sock}",
    ]
    for program in programs:
        lines += [
            "",
            f"[program:{program.name}]",
            "command=" + shlex.join(program.argv).replace("%", "%%"),
            f"directory={ROOT}",
            f"priority={PRIORITY.get(program.name, 50)}",
            f"autostart={'true' if program.name == 'redis' else 'false'}",
            "autorestart=true",
            f"startsecs={START_SECS.get(program.name, 2)}",
            f"startretries={start_retries}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"


# --- one desk at a time ---------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DataLock:
    """An exclusive lock on the data folder, held by supervisord for as long as it runs."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / "desk.lock"
        self.fd: int | None = None

    def acquire(self, about: dict[str, Any]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self.path.read_text() or "{}"
            os.close(fd)
            raise StartupRefused([f"{self.data_dir}: {describe_desk(holder)}"]) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(about).encode())
        self.fd = fd
        pidfile = self.data_dir / "run" / "redis.pid"
        if pidfile.exists() and (pid := int(pidfile.read_text().strip() or 0)) and _alive(pid):
            self.release()
            raise StartupRefused(
                [f"{self.data_dir}: the embedded Redis of an earlier desk still runs (pid {pid})"]
            )

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def describe_desk(raw: str) -> str:
    """'another desk is running here (pid …, host …, since …); stop it first'."""
    try:
        about = json.loads(raw)
    except ValueError:
        about = {}
    detail = ", ".join(
        f"{key} {about[key]}" for key in ("pid", "host", "data", "since") if about.get(key)
    )
    return f"another desk is running here ({detail or 'no details'}); stop it first"


# Only the desk that set the key may refresh or delete it.
_REFRESH = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


class RedisLock:
    """The desk's claim on a shared Redis (REDIS_URL): a key that expires unless refreshed."""

    def __init__(self, url: str, about: dict[str, Any]) -> None:
        self.client = redis_client(url)
        self.value = json.dumps(about)

    def acquire(self) -> None:
        if not self.client.set(DESK_KEY, self.value, nx=True, ex=DESK_TTL):
            holder = self.client.get(DESK_KEY) or b"{}"
            raise StartupRefused([f"REDIS_URL: {describe_desk(holder.decode())}"])

    def refresh(self) -> None:
        with contextlib.suppress(redis.RedisError):  # an outage: /healthz says so
            self.client.eval(_REFRESH, 1, DESK_KEY, self.value, DESK_TTL)

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):
            self.client.eval(_RELEASE, 1, DESK_KEY, self.value)


# --- running --------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the desk's launcher dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Supervisor:
    """supervisord as a child process, driven through its XML-RPC control socket."""

    def __init__(
        self,
        run_dir: Path,
        programs: list[Program],
        env: Mapping[str, str],
        start_retries: int = START_RETRIES,
    ) -> None:
        self.run_dir = run_dir
        self.programs = programs
        self.start_retries = start_retries
        self.env = dict(env)
        self.conf = run_dir / "supervisord.conf"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def rpc(self) -> Any:
        """supervisord's XML-RPC interface (a fresh connection for each call)."""
        transport = SupervisorTransport(None, None, f"unix://{self.run_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def start(self, keep_fds: tuple[int, ...]) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir / "supervisor.sock").unlink()
        fd = os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(supervisor_config(self.programs, self.run_dir, self.start_retries))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.conf)],
            env=self.env,
            pass_fds=keep_fds,
            preexec_fn=_die_with_parent,
            cwd=ROOT,
        )

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.rpc.getState()
                return
            except (OSError, HTTPException, xmlrpc.client.Fault):
                if self.process is None or self.process.poll() is not None:
                    raise StartupRefused(["supervisord did not start (see above)"]) from None
                if time.monotonic() > deadline:
                    raise StartupRefused(["supervisord did not answer within 15 s"]) from None
                time.sleep(0.1)

    def start_program(self, name: str) -> None:
        self.rpc.startProcess(name, False)

    def states(self) -> dict[str, str]:
        return {info["name"]: info["statename"] for info in self.rpc.getAllProcessInfo()}

    def stop(self, timeout: float = STOP_WAIT + 15) -> None:
        """SIGTERM supervisord: it stops every program (process groups), then exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def wait_for_redis(url: str, supervisor: Supervisor, timeout: float = 20.0) -> None:
    client = redis_client(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise StartupRefused(["the embedded Redis did not start (see above)"]) from None
            if supervisor.states().get("redis") == "FATAL":
                raise StartupRefused(["the embedded Redis cannot start (see above)"]) from None
            time.sleep(0.1)


class _Stop(Exception):
    pass


def run_desk(
    env: dict[str, str],
    data_dir: Path,
    redis_url: str | None,
    port: int,
    start_retries: int = START_RETRIES,
) -> int:
    """Run the desk until SIGTERM/SIGINT (exit 0) or a process gives up (exit 1)."""
    run_dir = data_dir / "run"
    about = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "data": str(data_dir),
        "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    lock = DataLock(data_dir)
    lock.acquire(about)
    shared: RedisLock | None = None
    embedded = None
    try:
        if redis_url:
            shared = RedisLock(redis_url, about)
            shared.acquire()
        else:
            embedded = EmbeddedRedis(data_dir / "redis", port=free_port())
            (data_dir / "redis").mkdir(parents=True, exist_ok=True)
            redis_url = embedded.url
        env = {**env, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
        programs = desk_programs(env, embedded, run_dir)
        supervisor = Supervisor(run_dir, programs, env, start_retries)
        return _supervise(supervisor, lock, shared, redis_url, embedded is not None, port)
    finally:
        if shared:
            shared.release()
        lock.release()


def _supervise(
    supervisor: Supervisor,
    lock: DataLock,
    shared: RedisLock | None,
    redis_url: str,
    embedded: bool,
    port: int,
) -> int:
    def on_signal(signum: int, _frame: Any) -> None:
        raise _Stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        assert lock.fd is not None
        supervisor.start(keep_fds=(lock.fd,))
        supervisor.wait_ready()
        if embedded:
            wait_for_redis(redis_url, supervisor)
        for program in supervisor.programs:
            if program.name != "redis":
                supervisor.start_program(program.name)
        log.info(
            "desk running: http://127.0.0.1:%s (/slack/events, /zendesk/webhook, /healthz)", port
        )
        beat = time.monotonic()
        while True:
            if supervisor.process is not None and supervisor.process.poll() is not None:
                log.error("supervisord exited unexpectedly (%s)", supervisor.process.returncode)
                return 1
            try:
                states = supervisor.states()
            except (OSError, HTTPException):  # supervisord is going away: the check above says
                time.sleep(0.5)
                continue
            failed = [name for name, state in states.items() if state == "FATAL"]
            if failed:
                log.error(
                    "%s kept failing to start (%d attempts); stopping the desk",
                    ", ".join(failed),
                    supervisor.start_retries + 1,
                )
                return 1
            if shared and time.monotonic() - beat > DESK_TTL / 3:
                shared.refresh()
                beat = time.monotonic()
            time.sleep(0.5)
    except _Stop:
        log.info("stopping the desk")
        return 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
