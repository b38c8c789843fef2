"""The RQ worker the desk runs: `rq worker -w workers.worker.DeskWorker`.

RQ forks a work horse per job; importing the job modules here, in the parent, means each
fork starts with Slack, Zendesk and Block Kit code already loaded instead of importing it
again for every job (measured: about 7 cards a second without this, 30 with it). The modules
are those of every job in the registry (bot.adapters.queue.Job), so none is missed.

RQ runs its scheduler (timers, retries) in a child process of the worker. If the worker is
killed (SIGKILL, the OOM killer), that child would live on, an orphan still holding the
scheduler lock, so the worker that replaces it could not schedule. DeskWorker's scheduler
asks Linux to SIGTERM it when its worker dies: it stops, releases the lock, and the new
worker takes the scheduler at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import signal
import sys
from typing import Any

from rq import Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler

from bot.adapters.preflight import StartupRefused, local_problems
from bot.adapters.queue import Job

PR_SET_PDEATHSIG = 1
PRELOADED = tuple(importlib.import_module(module) for module in sorted({j.module for j in Job}))


class DeskScheduler(RQScheduler):
    """RQ's scheduler, stopped (SIGTERM: it releases its lock) when its worker dies."""

    def work(self) -> None:
        parent = os.getppid()
        with contextlib.suppress(Exception):  # not Linux: the lock expires on its own (61 s)
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the worker died before the request took hold
            return
        super().work()


class DeskWorker(Worker):
    """A standard RQ worker whose forks inherit the desk's job code, whose scheduler dies
    with it, and which refuses to start on settings the desk cannot work with."""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        try:
            local_problems(os.environ)
        except StartupRefused as refused:
            print(refused.report(), file=sys.stderr)
            sys.exit(2)
        return super().work(*args, **kwargs)

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """RQ's own `_start_scheduler`, with DeskScheduler in place of RQScheduler."""
        self.scheduler = DeskScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()
