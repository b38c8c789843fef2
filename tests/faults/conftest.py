"""Fixtures of the fault-injection suite: real RQ worker processes and log collection.

Worker processes are real `rq worker` runs (rq's own CLI) started with the desk's
environment; each builds its runtime from that environment, never from the test process.
Their output goes to files that the leak scan (fault 13) reads afterwards, together with
every log record the test process emitted during the fault suite (app loggers at DEBUG).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.helpers import APP_LOGGERS, SUITE_RECORDS, Workers


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            SUITE_RECORDS.append(self.format(record))
        except Exception:  # a record that cannot be formatted is still scanned raw
            SUITE_RECORDS.append(f"{record.msg!s} {record.args!r}")


@pytest.fixture(scope="package", autouse=True)
def collect_suite_logs() -> Iterator[None]:
    """Every log record of the fault suite, with the app's loggers at DEBUG."""
    handler = _Collector(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in APP_LOGGERS}
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    """Start real `rq worker` processes; any still running at teardown is killed."""
    running = Workers(tmp_path)
    yield running
    running.kill_all()
