"""Real `rq worker` processes (rq's own CLI) started with a desk's environment; each builds
its runtime from that environment, never from the test process. Their output goes to log
files (`*.log` under the test's tmp_path), which the fault suite's leak scan reads."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.composition import WORKER_QUEUES
from testkit.desk_process import descendants
from testkit.example_desk import ROOT
from tests.support.leaks import APP_LOGGERS

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


def procfile_worker_class() -> str | None:
    """The worker class the Procfile's `worker` process runs (`-w …`), if it names one."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            words = line.split()
            for flag in ("-w", "--worker-class"):
                if flag in words:
                    return words[words.index(flag) + 1]
    return None


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
            family = descendants(self.popen.pid)
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
        argv += WORKER_QUEUES
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
