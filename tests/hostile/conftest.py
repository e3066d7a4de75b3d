"""Fixtures of the hostile-web suite: the hostile server, canaries and a real crawl runner.

A crawl runs the probe spider with ``scrapy runspider`` in a subprocess under the project
settings (the Twisted reactor cannot restart inside pytest), samples its resident memory
while it runs, and returns its items, stats and log.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.hostile.bombs import BUILDERS
from tests.hostile.routes import default_routes
from tests.hostile.server import Canary, HostileServer

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("probe_spider.py")

#: Settings every test crawl starts from: short bounds so a hostile case ends quickly.
FAST = {
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "1",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "CRAWLER_RETRY_AFTER_MAX": "3",
    # Slow = nearly the timeout, so a loaded test machine does not make a healthy host slow.
    "CRAWLER_BREAKER_SLOW_SECONDS": "2.5",
    # The probe spider yields plain dicts: no article pipeline applies to them.
    "ITEM_PIPELINES": "{}",
}


@dataclass
class CrawlRun:
    """What one crawl produced."""

    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log: str
    seconds: float
    peak_rss: int
    peak_rss_total: int
    returncode: int

    def drops(self, reason: str) -> int:
        """The ``drop/<reason>`` counter."""
        return int(self.stats.get(f"drop/{reason}", 0))

    def fetched(self) -> set[str]:
        """URLs of every response that reached the spider."""
        return {item["url"] for item in self.items if "status" in item}

    def failed(self) -> dict[str, str]:
        """URL -> exception name for every request that ended in the errback."""
        return {item["url"]: item["error"] for item in self.items if "error" in item}


@dataclass
class CliRun:
    """What one ``crawler crawl`` run produced: exit status, output, log and summed stats."""

    returncode: int
    output: str
    log: str
    stats: dict[str, int]
    seconds: float
    peak_rss: int
    peak_rss_total: int
    db_url: str


def _dumped_stats(log: str) -> dict[str, int]:
    """Integer stats of every "Dumping Scrapy stats" block in a log, summed over spiders."""
    stats: dict[str, int] = {}
    for block in log.split("Dumping Scrapy stats:")[1:]:
        for line in block.split("}\n", 1)[0].splitlines():
            match = re.match(r"\s*[{ ]?'([^']+)': (\d+),?$", line)
            if match:
                stats[match[1]] = stats.get(match[1], 0) + int(match[2])
    return stats


def _rss(proc: psutil.Process) -> tuple[int, int]:
    """Resident memory of the crawler process, and of it with all its children."""
    try:
        main = proc.memory_info().rss
        children = sum(child.memory_info().rss for child in proc.children(recursive=True))
    except psutil.Error:
        return 0, 0
    return main, main + children


def _watch(popen: subprocess.Popen[bytes], timeout: float) -> tuple[float, int, int]:
    """Wait for ``popen``, sampling its memory; (seconds, peak RSS, peak RSS with children)."""
    started = time.monotonic()
    proc, peak, peak_total = psutil.Process(popen.pid), 0, 0
    while popen.poll() is None:
        main, total = _rss(proc)
        peak, peak_total = max(peak, main), max(peak_total, total)
        if time.monotonic() - started > timeout:
            popen.kill()
            popen.wait()
            pytest.fail(f"crawl did not finish within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started, peak, peak_total


def crawl(
    tmp_path: Path,
    urls: list[str],
    settings: dict[str, str] | None = None,
    follow: bool = True,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    args: dict[str, str] | None = None,
) -> CrawlRun:
    """Run the probe spider over ``urls`` and wait for it (at most ``timeout`` seconds)."""
    items_path, stats_path = tmp_path / "items.jsonl", tmp_path / "stats.json"
    merged = {**FAST, "CRAWLER_DB_URL": f"sqlite:///{tmp_path / 'news.db'}", **(settings or {})}
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(PROBE), "-o", f"{items_path}:jsonl"]
    cmd += ["-a", "urls=" + " ".join(urls), "-a", f"follow={int(follow)}"]
    cmd += ["-a", f"stats_path={stats_path}"]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    run_env.update({"SCRAPY_SETTINGS_MODULE": "crawler.settings", **(env or {})})
    log_path = tmp_path / "crawl.log"
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(cmd, cwd=REPO, env=run_env, stdout=log, stderr=log)
        seconds, peak, peak_total = _watch(popen, timeout)
    items = []
    if items_path.exists():
        items = [json.loads(line) for line in items_path.read_text().splitlines() if line]
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    log_text = log_path.read_text(errors="replace")
    return CrawlRun(items, stats, log_text, seconds, peak, peak_total, popen.returncode)


def crawl_cli(tmp_path: Path, args: list[str], timeout: float = 120.0) -> CliRun:
    """Run ``crawler crawl ARGS`` into a fresh SQLite file, with its log in ``tmp_path``."""
    db_url, log_path = f"sqlite:///{tmp_path / 'news.db'}", tmp_path / "crawl.log"
    cmd = [sys.executable, "-m", "crawler", "crawl", *args, "--db", db_url]
    cmd += ["--log-file", str(log_path), "--quiet"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    out_path = tmp_path / "output.txt"
    with open(out_path, "wb") as out:
        popen = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=out)
        seconds, peak, peak_total = _watch(popen, timeout)
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    output = out_path.read_text(errors="replace")
    return CliRun(
        popen.returncode, output, log, _dumped_stats(log), seconds, peak, peak_total, db_url
    )


@pytest.fixture(scope="session")
def bombs() -> dict[str, bytes]:
    """Compression bombs by encoding name, built once per session."""
    return {name: build() for name, build in BUILDERS.items()}


@pytest.fixture
def make_server(bombs: dict[str, bytes]) -> Iterator[Callable[..., HostileServer]]:
    """A factory of hostile servers (any loopback host), all stopped after the test."""
    servers: list[HostileServer] = []

    def make(host: str = "127.0.0.1") -> HostileServer:
        server = HostileServer(routes=default_routes(bombs), host=host).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def hostile(make_server: Callable[..., HostileServer]) -> HostileServer:
    """One hostile server on 127.0.0.1."""
    return make_server()


@pytest.fixture
def canaries() -> Iterator[dict[str, Canary]]:
    """Canary listeners on other loopback addresses: nothing may connect to them."""
    started = {host: Canary(host).start() for host in ("127.0.0.2", "127.0.0.3", "::1")}
    yield started
    for canary in started.values():
        canary.stop()


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliRun]:
    """``run_cli(args, timeout=120) -> CliRun``: ``crawler crawl`` in a subprocess."""
    return lambda args, timeout=120.0: crawl_cli(tmp_path, args, timeout)


@pytest.fixture
def run_crawl(tmp_path: Path) -> Callable[..., CrawlRun]:
    """``run_crawl(urls, settings=None, follow=True, timeout=90, env=None, args=None)``:
    a finished ``CrawlRun``."""
    counter = iter(range(1000))

    def run(urls: list[str], **kwargs: Any) -> CrawlRun:
        folder = tmp_path / f"crawl{next(counter)}"
        folder.mkdir()
        return crawl(folder, urls, **kwargs)

    return run
