"""What the bench ran on: the machine, library versions, and the load others put on it meanwhile."""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import psutil

_PACKAGES = ("scrapy", "trafilatura", "lxml", "dateparser", "sqlalchemy", "psycopg", "numpy")


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, OS, Python and the versions of the libraries that matter."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            names = (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name"))
            model = next(names, "")
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


class LoadMeter:
    """Machine-wide CPU busy time over a phase, to tell how much of it was someone else's."""

    def __enter__(self) -> LoadMeter:
        self.loadavg_start = os.getloadavg()[0]
        self.start = time.perf_counter()
        self.busy_start = _busy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.start
        self.busy = _busy() - self.busy_start
        self.loadavg_end = os.getloadavg()[0]

    def result(self, own_cpu: float) -> dict[str, float]:
        """Cores busy on average, and the part not explained by ``own_cpu`` seconds."""
        return {
            "busy_cores": self.busy / self.wall,
            "others_cores": max(0.0, self.busy - own_cpu) / self.wall,
            "loadavg_start": self.loadavg_start,
            "loadavg_end": self.loadavg_end,
        }


def _busy() -> float:
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq"))
