"""Serving and clicking for the HTTP benchmarks: gunicorn as the Procfile's `web` line runs
it, and many signed requests fired at once with plain clients."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlsplit

from bench.desk import Desk, Processes, wait_for, wait_http
from bot.adapters.embedded_redis import free_port
from bot.adapters.supervision import read_procfile

WEB = shlex.split(read_procfile()["web"])  # the Procfile's gunicorn line, as the bench serves


def _web_option(name: str) -> str:
    return WEB[WEB.index(name) + 1]


GUNICORN_WORKERS = int(_web_option("--workers"))
GUNICORN_THREADS = int(_web_option("--threads"))
APP_TARGET = WEB[-1]  # app:wsgi_from_env()

Request = tuple[str, dict[str, str]]


def fire(url: str, batch: list[Request], concurrency: int) -> tuple[list[float], int]:
    """POST every request with `concurrency` clients; (latencies in ms, non-200 answers).

    Each click is one plain http.client request on a connection of its own, as Slack's are:
    the clients share the machine's two cores with the servers, and a requests.Session per
    click spent more CPU in the client than the servers spend answering (its share of the
    cores went into every latency as noise)."""
    where = urlsplit(url)

    def one(request: Request) -> tuple[float, int]:
        body, headers = request
        data = body.encode()
        started = time.perf_counter()
        connection = HTTPConnection(where.hostname, where.port, timeout=30)
        try:
            connection.request("POST", where.path, body=data, headers=headers)
            answer = connection.getresponse()
            answer.read()
            status = answer.status
        except (OSError, HTTPException):
            status = 0
        finally:
            connection.close()
        return (time.perf_counter() - started) * 1000, status

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(one, batch))
    return [ms for ms, _ in answers], sum(status != 200 for _, status in answers)


def start_gunicorn(
    desk: Desk, procs: Processes, name: str, target: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as the Procfile runs it (`env` overrides settings, e.g. SLACK_CHANNEL_RATE)."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(GUNICORN_WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        "--no-control-socket",  # gunicorn 27 would share ~/.gunicorn/gunicorn.ctl between both
        target,
    ]
    proc = procs.start(name, args, {**desk.process_env(), **(env or {})})
    return proc, f"http://127.0.0.1:{port}"


def wait_booted(procs: Processes, name: str, url: str) -> None:
    """Both gunicorn workers booted and the port answering."""
    wait_for(
        f"{name} workers to boot",
        lambda: procs.log_tail(name, 200).count("Booting worker") >= GUNICORN_WORKERS,
        timeout=30,
        interval=0.1,
        check=procs.check_alive,
    )
    wait_http(f"{url}/healthz", timeout=30, check=procs.check_alive)
