"""Distributed-crawl helpers: start ``crawler crawl --redis`` workers, read what they stored."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from redis import Redis

from crawler.siteserver import RequestRecord

#: Every worker: no AutoThrottle pauses (local server), fast beats, a short worker timeout.
WORKER_SETTINGS = (
    "AUTOTHROTTLE_ENABLED=False",
    "CRAWLER_REDIS_HEARTBEAT=0.5",
    "CRAWLER_REDIS_WORKER_TIMEOUT=4",
)


@dataclass
class Worker:
    """One ``crawler crawl`` process (in its own process group, with its extraction pool)."""

    process: subprocess.Popen[bytes]
    log: Path
    output: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the worker and its pool: no chance to flush, settle or unregister."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def describe(self) -> str:
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        return f"{self.output.read_text(errors='replace')}\n--- log tail ---\n{tail}"


def start_worker(
    folder: Path,
    name: str,
    command: Sequence[str],
    db_url: str,
    redis_url: str | None,
    namespace: str,
    settings: Sequence[str] = (),
) -> Worker:
    """``crawler COMMAND --db DB [--redis URL]`` (``crawl URL``, ``run-due --sources F``)
    with `WORKER_SETTINGS` and ``settings``."""
    args = [sys.executable, "-m", "crawler", *command, "--db", db_url, "--quiet"]
    if redis_url:
        args += ["--redis", redis_url]
    for setting in (*WORKER_SETTINGS, f"CRAWLER_REDIS_NAMESPACE={namespace}", *settings):
        args += ["-s", setting]
    log, output = folder / f"{name}.log", folder / f"{name}.out"
    args += ["--log-file", str(log)]
    env = {**os.environ, "CRAWLER_EXTRACT_WORKERS": "1"}
    with output.open("wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    return Worker(process, log, output)


def finish(workers: Sequence[Worker], timeout: float = 120) -> None:
    """Wait for every worker; each must exit 0."""
    deadline = time.monotonic() + timeout
    for worker in workers:
        status = worker.wait(max(1.0, deadline - time.monotonic()))
        assert status == 0, worker.describe()


def rows(db_url: str, query: str) -> list[tuple[Any, ...]]:
    """The rows ``query`` returns from the database at ``db_url``."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def stored_articles(db_url: str) -> Counter[str]:
    """How many rows each stored canonical URL path has."""
    return Counter(
        urlsplit(url).path for (url,) in rows(db_url, "select canonical_url from articles")
    )


def fetches(log: Sequence[RequestRecord], site: str, paths: set[str]) -> Counter[str]:
    """GET requests per path of ``paths`` on ``site`` in the server's request log."""
    return Counter(r.path for r in log if r.site == site and r.method == "GET" and r.path in paths)


def run_stats(db_url: str) -> dict[int, dict[str, Any]]:
    """Each recorded crawl's final Scrapy stats, by worker pid."""
    found = rows(db_url, "select pid, stats from crawl_runs")
    return {pid: stats if isinstance(stats, dict) else json.loads(stats) for pid, stats in found}


def held_by(redis: Redis, namespace: str, pid: int) -> int:
    """Requests taken or unsaved by the worker with process id ``pid`` (any host)."""
    total = 0
    for kind in ("taken", "unsaved"):
        for key in redis.scan_iter(match=f"{namespace}:*:{kind}:*:{pid}:*"):
            total += int(redis.zcard(key))
    return total


def registered(redis: Redis, namespace: str, pid: int) -> bool:
    """Whether the worker with process id ``pid`` is registered in a frontier."""
    return any(
        f":{pid}:" in member.decode()
        for key in redis.scan_iter(match=f"{namespace}:*:workers")
        for member in redis.zrange(key, 0, -1)
    )


def connected(redis: Redis, pid: int) -> bool:
    """Whether Redis still has a connection of the worker with process id ``pid`` (workers
    name their connections). Once it has none, Redis has run every command it sent."""
    return any(f":{pid}:" in client.get("name", "") for client in redis.client_list())


def wait_for(
    condition: Callable[[], bool], worker: Worker | None, timeout: float, what: str
) -> None:
    """Poll ``condition`` every 50 ms (while ``worker`` runs); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(f"the worker ended before {what}:\n{worker.describe()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
