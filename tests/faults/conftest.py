"""Fixtures of the fault-injection suite: real RQ worker processes, and the leak scan.

Worker processes are real `rq worker` runs (rq's own CLI) started with the desk's
environment; each builds its runtime from that environment, never from the test process.
Every log record the test process emits during the fault suite (the app's loggers at
DEBUG) is collected, and once the suite's last test has run, those records and every log
file the suite's processes wrote (`*.log` under the session's temporary directory: worker,
desk, gunicorn and supervisor logs) are scanned for the desk's secrets. The scan runs
after the last fault test whatever the order, so it covers every one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.leaks import APP_LOGGERS, desk_secrets, leaks_in
from tests.support.workers import Workers


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append(self.format(record))
        except Exception:  # a record that cannot be formatted is still scanned raw
            self.records.append(f"{record.msg!s} {record.args!r}")


@pytest.fixture(scope="package", autouse=True)
def scan_suite_logs_for_secrets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every log record and process log of the fault suite, with the app's loggers at
    DEBUG; after the suite, no secret of the desk in any of them."""
    collector = _Collector()
    collector.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(collector)
    levels = {name: logging.getLogger(name).level for name in APP_LOGGERS}
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield
    root.removeHandler(collector)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logs: dict[str, str] = {"the test process": "\n".join(collector.records)}
    for path in sorted(Path(tmp_path_factory.getbasetemp()).rglob("*.log")):
        logs[str(path)] = path.read_text(errors="replace")
    found = leaks_in(logs, desk_secrets())
    assert found == [], f"secrets in the fault suite's logs: {found}"


@pytest.fixture
def desk_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short working folder for a desk process: supervisor's control socket lives in it,
    and an AF_UNIX path holds at most 107 bytes (a test's tmp_path under a test worker's own
    folder can be longer)."""
    return tmp_path_factory.mktemp("desk")


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    """Start real `rq worker` processes; any still running at teardown is killed."""
    running = Workers(tmp_path)
    yield running
    running.kill_all()
