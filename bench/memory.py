"""Peak memory of the desk's processes: gunicorn (master and workers), RQ (parent and horses).

A thread samples the process trees of the subprocesses the bench started, every 50 ms,
from /proc (no psutil): for each process its VmHWM, the kernel's own high-water mark of
the resident set, so a long-lived process's peak between two samples is not missed.

RQ forks a work horse per job; the horse calls setpgrp(), so a child of an RQ worker that
leads its own process group is a horse, and any other child is RQ's scheduler process.
Horses live for one job (tens of ms), so "largest horse" is the largest *sampled* one.
A horse's VmHWM starts at its resident size at the fork: the pages it shares with the
parent count, as they do in its RSS.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.desk import Processes

PROC = Path("/proc")
WEB, RQ = "web", "rq"


@dataclass
class MemoryResult:
    """Peaks in KiB (VmHWM), per role; 0 where nothing of that role was seen."""

    web_master: int = 0
    web_worker: int = 0
    rq_parent: int = 0
    rq_horse: int = 0
    rq_scheduler: int = 0
    horses_seen: int = 0
    web_workers_seen: int = 0
    samples: int = 0
    _horses: set[int] = field(default_factory=set, repr=False)
    _web_workers: set[int] = field(default_factory=set, repr=False)

    @property
    def web(self) -> int:
        return max(self.web_master, self.web_worker)

    @property
    def rq(self) -> int:
        return max(self.rq_parent, self.rq_horse)


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, process group) from /proc/<pid>/stat, None if it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    return int(fields[1]), int(fields[2])


def peak_kib(pid: int) -> int:
    """max(VmHWM, VmRSS) of a live process in KiB; 0 if it is gone or a zombie."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    peak = 0
    for line in text.splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            peak = max(peak, int(line.split()[1]))
    return peak


class MemoryWatch:
    """Sample, every `interval` s, the trees of the bench's subprocesses named in `roles`.

    `roles` maps a `Processes` name prefix to WEB (a gunicorn master) or RQ (`rq worker`);
    processes are picked up when the bench starts them and dropped when it stops them.
    """

    def __init__(self, procs: Processes, roles: Mapping[str, str], interval: float = 0.05) -> None:
        self.procs = procs
        self.roles = dict(roles)
        self.interval = interval
        self.result = MemoryResult()
        self._tree: dict[int, tuple[int, int]] = {}  # pid -> (ppid, pgrp), pruned each pass
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)

    def _role(self, name: str) -> str | None:
        return next((role for prefix, role in self.roles.items() if name.startswith(prefix)), None)

    def _refresh_tree(self) -> None:
        alive = {int(entry) for entry in os.listdir(PROC) if entry.isdigit()}
        for pid in list(self._tree):
            if pid not in alive:
                del self._tree[pid]
        for pid in alive - self._tree.keys():
            parents = _stat(pid)
            if parents is not None:
                self._tree[pid] = parents

    def sample(self) -> None:
        running = list(self.procs.running)
        roots = [(proc.pid, role) for name, proc in running if (role := self._role(name))]
        if not roots:
            return
        self._refresh_tree()
        r = self.result
        r.samples += 1
        for root, role in roots:
            if root not in self._tree:
                continue
            own = peak_kib(root)
            children = [(pid, pgrp) for pid, (ppid, pgrp) in self._tree.items() if ppid == root]
            if role == WEB:
                r.web_master = max(r.web_master, own)
                for pid, _ in children:
                    if kib := peak_kib(pid):
                        r.web_worker = max(r.web_worker, kib)
                        r._web_workers.add(pid)
                r.web_workers_seen = len(r._web_workers)
            else:
                r.rq_parent = max(r.rq_parent, own)
                for pid, pgrp in children:
                    kib = peak_kib(pid)
                    if not kib:
                        continue
                    if pgrp == pid:  # the work horse leads its own process group
                        r.rq_horse = max(r.rq_horse, kib)
                        r._horses.add(pid)
                    else:
                        r.rq_scheduler = max(r.rq_scheduler, kib)
                r.horses_seen = len(r._horses)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(Exception):  # a racing exit must not end the sampling
                self.sample()

    @contextlib.contextmanager
    def running(self) -> Iterator[MemoryResult]:
        self._thread.start()
        try:
            yield self.result
        finally:
            self._stop.set()
            self._thread.join(timeout=5)


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def memory_row(r: MemoryResult) -> tuple[str, str]:
    """(label, figures) for the bench table."""
    return (
        "peak memory (VmHWM, sampled every 50 ms)",
        f"web {mib(r.web)} MiB (master {mib(r.web_master)}, worker {mib(r.web_worker)})   "
        f"rq worker {mib(r.rq)} MiB (parent {mib(r.rq_parent)}, largest horse "
        f"{mib(r.rq_horse)} of {r.horses_seen} sampled)",
    )
