"""Measuring a command's process tree: exact CPU time, sampled per-process CPU and peak memory.

The bench makes itself a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``): processes the
measured command leaves behind (a forkserver, its workers) are re-parented to the bench and
reaped by it, so ``RUSAGE_CHILDREN`` counts every process of the tree exactly. A sampler
thread reads the tree every ``interval`` seconds for peak RSS and PSS (summed over its
processes) and for each process's CPU (for the split between the Scrapy process and the
extraction workers); ``extra_pids`` adds processes outside the tree (PostgreSQL backends).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import psutil

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants this process's children; False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children_cpu() -> float:
    """User + system seconds of every child reaped so far (and of their reaped children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_orphans(keep: Iterable[int] = (), timeout: float = 15.0) -> None:
    """Wait until this process has no children but ``keep`` (orphans exit when their
    parent's pipe closes), killing any still alive after ``timeout``."""
    keep = set(keep)
    deadline = time.monotonic() + timeout
    while True:
        others = [c for c in psutil.Process().children() if c.pid not in keep]
        if not others:
            return
        for child in others:
            try:
                if time.monotonic() > deadline:
                    child.kill()
                os.waitpid(child.pid, os.WNOHANG)
            except (psutil.Error, ChildProcessError):
                pass
        time.sleep(0.05)


def _pss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@dataclass
class TreeStats:
    """What the sampler saw."""

    samples: int = 0
    peak_rss: int = 0
    peak_pss: int = 0
    peak_processes: int = 0
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    peak_rss_by_pid: dict[int, int] = field(default_factory=dict)
    extra: set[int] = field(default_factory=set)  # sampled processes outside the tree
    rss_series: list[tuple[float, int]] = field(default_factory=list)

    def cpu_of(self, pids: Iterable[int]) -> float:
        return sum(self.cpu_by_pid.get(pid, 0.0) for pid in pids)

    def peak_rss_by_role(self) -> dict[str, int]:
        """The largest RSS one process of each role reached (``workers``: how many there were)."""
        peaks: dict[str, int] = {}
        for pid, peak in self.peak_rss_by_pid.items():
            role = self.roles.get(pid, "other")
            peaks[role] = max(peak, peaks.get(role, 0))
        peaks["workers"] = sum(1 for role in self.roles.values() if role == "worker")
        return peaks


class TreeSampler:
    """Samples the tree of ``root`` (plus ``extra_pids()``) in a background thread."""

    def __init__(
        self,
        root: int,
        interval: float = 0.2,
        extra_pids: Callable[[], Iterable[int]] | None = None,
    ) -> None:
        self.root = root
        self.interval = interval
        self.extra_pids = extra_pids
        self.stats = TreeStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _processes(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.root)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = []
        for pid in self.stats.extra:
            try:
                tree.append(psutil.Process(pid))
            except psutil.Error:
                continue
        return tree

    def _run(self) -> None:
        refresh = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if self.extra_pids is not None and now >= refresh:
                with contextlib.suppress(Exception):  # a failed lookup must not stop sampling
                    self.stats.extra.update(self.extra_pids())
                refresh = now + 1.0
            self._sample(now)
            self._stop.wait(self.interval)

    def _role(self, process: psutil.Process) -> str:
        """main, worker (forked by the forkserver, same command line), forkserver,
        resource_tracker, database (``extra_pids``) or other."""
        if process.pid == self.root:
            return "main"
        if process.pid in self.stats.extra:
            return "database"
        if self.stats.roles.get(process.ppid()) == "forkserver":
            return "worker"
        command = " ".join(process.cmdline())
        return next((r for r in ("forkserver", "resource_tracker") if r in command), "other")

    def _sample(self, now: float) -> None:
        stats = self.stats
        rss = pss = count = 0
        for process in self._processes():
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    memory = process.memory_info().rss
                    if process.pid not in stats.roles:
                        stats.roles[process.pid] = self._role(process)
            except psutil.Error:
                continue
            stats.cpu_by_pid[process.pid] = times.user + times.system
            if process.pid in stats.extra:
                continue
            count += 1
            rss += memory
            stats.peak_rss_by_pid[process.pid] = max(
                memory, stats.peak_rss_by_pid.get(process.pid, 0)
            )
            pss += _pss_bytes(process.pid) or memory
        stats.samples += 1
        stats.peak_rss = max(stats.peak_rss, rss)
        stats.peak_pss = max(stats.peak_pss, pss)
        stats.peak_processes = max(stats.peak_processes, count)
        stats.rss_series.append((round(now - self._started, 2), rss))


@dataclass(frozen=True, slots=True)
class Measured:
    """One measured command: wall seconds, exact tree CPU, sampled split and memory."""

    returncode: int
    wall: float
    cpu: float
    root_cpu: float
    tree: TreeStats
    stdout: str
    stderr: str

    @property
    def other_cpu(self) -> float:
        """Tree CPU outside the root process (its children and grandchildren)."""
        return max(0.0, self.cpu - self.root_cpu)


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    keep: Iterable[int] = (),
    interval: float = 0.2,
    extra_pids: Callable[[], Iterable[int]] | None = None,
    timeout: float | None = None,
) -> Measured:
    """Run ``command`` to the end, measuring its whole process tree.

    ``keep``: pids of this process's other children (the bench site) that must not be
    waited for. Needs `become_subreaper` to have been called for exact CPU.
    """
    reap_orphans(keep)
    before = children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with TreeSampler(process.pid, interval, extra_pids) as sampler:
            stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:  # interrupted or timed out: leave no measured process behind
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
        process.kill()
        process.wait()
        raise
    wall = time.perf_counter() - start
    reap_orphans(keep)
    cpu = children_cpu() - before
    tree = sampler.stats
    return Measured(
        process.returncode, wall, cpu, tree.cpu_by_pid.get(process.pid, 0.0), tree, stdout, stderr
    )
