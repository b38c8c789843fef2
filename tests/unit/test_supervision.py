"""`./run app` runs exactly the Procfile's processes, under supervisor, each restartable."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from bot.adapters.embedded_redis import EmbeddedRedis
from bot.adapters.preflight import StartupRefused
from bot.adapters.supervision import (
    START_RETRIES,
    desk_programs,
    expand,
    read_procfile,
    supervisor_config,
)
from bot.composition import CLICK_QUEUE_NAME, QUEUE_NAME, WORKER_QUEUES

ROOT = Path(__file__).resolve().parents[2]
ENV = {"PORT": "4100", "REDIS_URL": "redis://:p%40ss@db:6379/0"}


def test_the_procfile_has_the_processes_of_the_process_model() -> None:
    procfile = read_procfile()
    assert set(procfile) == {"web", "worker", "cron", "socket"}
    assert procfile["web"].startswith("gunicorn ") and "app:wsgi_from_env()" in procfile["web"]
    assert "-w workers.worker.DeskWorker --with-scheduler" in procfile["worker"]
    assert procfile["cron"].startswith("rq cron ")
    assert procfile["socket"] == "python app.py socket"


def test_the_worker_reads_the_click_queue_before_the_desks() -> None:
    """A click's step is taken ahead of the backlog (bot/services/clicks.py)."""
    assert read_procfile()["worker"].split()[-len(WORKER_QUEUES) :] == list(WORKER_QUEUES)
    assert WORKER_QUEUES == (CLICK_QUEUE_NAME, QUEUE_NAME)


def test_the_compose_worker_reads_the_same_queues() -> None:
    lines = (ROOT / "compose.yaml").read_text().splitlines()
    block = lines[lines.index("  worker:") :]
    start = block.index("    command:") + 1
    items = []
    for line in block[start:]:
        if not line.startswith("      - "):
            break
        items.append(line.removeprefix("      - ").split("#")[0].strip())
    assert items[-len(WORKER_QUEUES) :] == list(WORKER_QUEUES)


def test_commands_are_expanded_from_the_environment() -> None:
    words = expand("rq worker --url $REDIS_URL ${PORT}", ENV)
    assert words[1:] == ["worker", "--url", ENV["REDIS_URL"], "4100"]
    assert Path(words[0]).parent == Path(sys.executable).parent
    assert expand("python app.py socket", ENV)[0] == sys.executable
    with pytest.raises(StartupRefused, match="SLACK_APP_TOKEN"):
        expand("echo $SLACK_APP_TOKEN", ENV)


def test_http_mode_with_redis_url_runs_web_worker_cron(tmp_path: Path) -> None:
    names = [p.name for p in desk_programs(ENV, None, tmp_path)]
    assert names == ["worker", "cron", "web"]


def test_socket_mode_and_the_embedded_redis_add_their_processes(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", port=4101)
    env = {**ENV, "SLACK_APP_TOKEN": "xapp-1"}
    programs = desk_programs(env, redis, tmp_path)
    assert [p.name for p in programs] == ["redis", "worker", "cron", "web", "socket"]
    assert "--pidfile" in programs[0].argv


def test_every_program_restarts_with_backoff_and_stops_with_its_group(tmp_path: Path) -> None:
    programs = desk_programs(ENV, EmbeddedRedis(tmp_path / "r", port=4102), tmp_path)
    parser = configparser.RawConfigParser()
    parser.read_string(supervisor_config(programs, tmp_path))
    assert parser.get("supervisord", "nodaemon") == "true"
    for program in programs:
        section = f"program:{program.name}"
        assert parser.get(section, "autorestart") == "true"
        assert parser.get(section, "startretries") == str(START_RETRIES)
        assert parser.get(section, "stopasgroup") == "true"
        assert parser.get(section, "killasgroup") == "true"
    assert parser.get("program:redis", "autostart") == "true"
    assert parser.get("program:web", "autostart") == "false", "started once Redis answers"
    assert "p%%40ss" in parser.get("program:worker", "command"), "% escaped for supervisor"
