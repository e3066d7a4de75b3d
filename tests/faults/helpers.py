"""Fault-test helpers: ``crawler crawl`` processes to kill, and what a crawl left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from crawler.siteserver import RequestRecord, SiteServer
from crawler.storage.engine import make_engine

#: Every fault crawl: no AutoThrottle pauses (local server), two extraction workers.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")


@dataclass
class Crawl:
    """One ``crawler crawl`` process in its own process group (its extraction pool too)."""

    process: subprocess.Popen[bytes]
    output: Path

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the crawl and its pool: no flush, no commit, no goodbye."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def signal(self, number: int) -> None:
        os.kill(self.process.pid, number)

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def crawl_args(url: str, db_url: str, *extra: str) -> list[str]:
    """The command line of a fault crawl of ``url``."""
    return [sys.executable, "-m", "crawler", "crawl", url, "--db", db_url, *FAST, *extra]


def start_crawl(args: Sequence[str], output: Path) -> Crawl:
    """Start ``args`` with stdout and stderr to ``output`` (appended: runs follow each other)."""
    env = {**os.environ, "CRAWLER_EXTRACT_WORKERS": "2"}
    with output.open("ab") as out:
        process = subprocess.Popen(
            list(args), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    return Crawl(process, output)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 20 ms; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def page_requests(server: SiteServer, site: str) -> Counter[str]:
    """How often each page of ``site`` was requested (robots.txt aside)."""
    return Counter(
        urlsplit(r.path).path
        for r in server.request_log()
        if r.site == site and urlsplit(r.path).path != "/robots.txt"
    )


def article_requests(log: Sequence[RequestRecord]) -> int:
    """Article pages requested (repeats counted)."""
    return sum(1 for r in log if urlsplit(r.path).path.startswith("/news/"))


def query(db_url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    """Rows of one SQL query on ``db_url``."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def stored_paths(db_url: str) -> list[str]:
    """The URL path of every article row (a path stored twice would appear twice)."""
    return [urlsplit(str(url)).path for (url,) in query(db_url, "SELECT url FROM articles")]


def frontier_states(db_url: str) -> dict[str, int]:
    """Frontier rows per state."""
    rows = query(db_url, "SELECT state, count(*) FROM frontier GROUP BY state")
    return {str(state): int(count) for state, count in rows}  # type: ignore[call-overload]


def done_without_row(db_url: str) -> list[str]:
    """Article URLs the frontier calls done (not dropped) that have no article row."""
    rows = query(
        db_url,
        "SELECT f.url FROM frontier f WHERE f.kind = 'article' AND f.state = 'done' "
        "AND f.last_error IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM article_urls u WHERE u.url_key = f.url_key)",
    )
    return [str(url) for (url,) in rows]
