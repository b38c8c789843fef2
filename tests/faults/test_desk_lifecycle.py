"""Starting and stopping the desk as an operator does: `python app.py` (what `./run app`
execs) with the embedded Redis, then SIGTERM; a second desk on the same data folder; and
start-ups that must be refused before anything is launched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.adapters.embedded_redis import EmbeddedRedis, free_port
from testkit.desk_process import DeskProcess, alive
from testkit.example_desk import ROOT
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from testkit.waiting import wait_for
from tests.harness import desk_environment

pytestmark = pytest.mark.slow


def embedded_env(slack: SlackFake, zendesk: ZendeskFake) -> dict[str, str]:
    env = desk_environment(slack, zendesk, "")
    del env["REDIS_URL"]  # the desk starts its own, under supervisor
    return env


def test_sigterm_stops_every_process_and_the_next_start_is_the_only_desk(
    slack: SlackFake, zendesk: ZendeskFake, desk_dir: Path
) -> None:
    env = embedded_env(slack, zendesk)
    desk = DeskProcess(env, desk_dir).start()
    try:
        desk.wait_healthy(60)
        family = desk.family()
        programs = desk.supervisor.states()
        assert set(programs) == {"redis", "worker", "cron", "web"}
        assert len(family) >= 8, (
            "launcher, supervisord, valkey, rq worker (+ its scheduler), cron, gunicorn (+ 2)"
        )

        second = DeskProcess(env, desk_dir, name="second")
        second.data = desk.data  # the same data folder
        second.env["SOPORTE_DATA"] = str(desk.data)
        second.env["PORT"] = str(free_port())
        second.start()
        assert second.popen is not None and second.popen.wait(30) == 2
        assert "another desk is running here" in second.output()
        assert f"pid {desk.popen.pid}" in second.output()

        started = time.monotonic()
        assert desk.terminate() == 0
        stopped_in = time.monotonic() - started
        wait_for(lambda: not [p for p in family if alive(p)], 10, "every process to be gone")
        assert stopped_in < 30
        assert "stopping the desk" in desk.output()

        again = DeskProcess(env, desk_dir, name="again")
        again.data, again.env["SOPORTE_DATA"] = desk.data, str(desk.data)
        again.start()
        try:
            again.wait_healthy(60)
            valkeys = [p for p in again.family() if "valkey" in _cmdline(p)]
            assert len(valkeys) == 1, "one Redis on the data folder"
        finally:
            assert again.terminate() == 0
            again.kill_leftovers()
    finally:
        desk.kill_leftovers()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:{closed}/0"}, "REDIS_URL"),
        ({"ZENDESK_TOKEN": "not-the-token"}, "ZENDESK_EMAIL/ZENDESK_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-revoked"}, "SLACK_BOT_TOKEN"),
        ({"RESOLUTION_WINDOW": "10000000000000d"}, "RESOLUTION_WINDOW"),
        ({"RESOLUTION_WINDOW": "0.0001s"}, "RESOLUTION_WINDOW"),
        ({"SLACK_API_URL": "http://127.0.0.1:{closed}/api/"}, "SLACK_API_URL"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(
    slack: SlackFake,
    zendesk: ZendeskFake,
    tmp_path: Path,
    change: dict[str, str],
    variable: str,
) -> None:
    closed = free_port()
    env = {**embedded_env(slack, zendesk), "SOPORTE_DATA": str(tmp_path / "data")}
    env.update({k: v.format(closed=closed) for k, v in change.items()})
    env["PORT"] = str(free_port())
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
    assert lines[0] == "soporte cannot start:"
    problems = lines[1:]
    assert len(problems) == 1, problems
    assert problems[0].startswith(variable), problems
    assert "Traceback" not in run.stdout + run.stderr
    assert "not-the-token" not in run.stderr and "xoxb-revoked" not in run.stderr
    assert not (tmp_path / "data" / "run").exists(), "nothing was launched"
    assert time.monotonic() - started < 30


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZENDESK_"))}


def test_a_process_that_cannot_start_again_stops_the_whole_desk(
    slack: SlackFake, zendesk: ZendeskFake, desk_dir: Path
) -> None:
    """Never half-alive: Redis goes away for good, rq cron and the RQ worker die and cannot
    start again; once one of them has used its retries (2 here, 15 by default) every process
    is stopped and the desk exits 1 naming it. Which of the two gives up first is a race
    (usually cron; the worker on a loaded machine): either is the desk telling the truth."""
    redis = EmbeddedRedis(desk_dir / "redis", port=free_port(), persistent=False).start()
    env = desk_environment(
        slack, zendesk, redis.url, INTAKE_INTERVAL_SECONDS="10", SOPORTE_START_RETRIES="2"
    )
    desk = DeskProcess(env, desk_dir).start()
    try:
        desk.wait_healthy(60)
        family = desk.family()
        redis.stop()
        assert desk.popen is not None and desk.popen.wait(90) == 1
        gave_up = re.search(
            r"(cron|worker) kept failing to start \(3 attempts\); stopping the desk", desk.output()
        )
        assert gave_up, desk.output()[-3000:]
        wait_for(lambda: not [p for p in family if alive(p)], 10, "every process to be gone")
    finally:
        desk.kill_leftovers()
        redis.stop()
