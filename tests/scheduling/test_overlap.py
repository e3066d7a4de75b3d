"""Overlapping run-due invocations on one database, and a killed run's lease and jobdir."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.leases import live_leases
from crawler.schedule import system_clock
from crawler.siteserver import SiteServer
from crawler.storage import open_database
from crawler.storage.engine import make_engine
from tests.scheduling.helpers import (
    FAST,
    article_urls,
    crawler_command,
    run_crawler,
    runs_of,
    write_sources,
)


@contextmanager
def started(*args: str) -> Iterator[subprocess.Popen[str]]:
    """``crawler ARGS`` in its own process group, which is killed (workers too) on exit."""
    process = subprocess.Popen(
        crawler_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)


def expected_articles(server: SiteServer, site: str) -> list[str]:
    """The article paths of ``site`` by its expected.json."""
    expected = json.loads((server.site_dir(site) / "expected.json").read_text("utf-8"))
    return [article["path"] for article in expected["articles"]]


def article_requests(server: SiteServer, site: str) -> collections.Counter[str]:
    """How often each article page of ``site`` was requested."""
    articles = set(expected_articles(server, site))
    return collections.Counter(
        path
        for r in server.request_log()
        if r.site == site and (path := urlsplit(r.path).path) in articles
    )


def test_overlapping_run_due_processes_crawl_each_source_once(
    news_sites: SiteServer, tmp_path: Path, db_url: str
) -> None:
    defense, wordpress = news_sites.base_url("defense"), news_sites.base_url("wordpress")
    sources = write_sources(
        tmp_path / "sources.toml",
        {"name": "defense", "start_urls": [f"{defense}/"], "schedule": "1h"},
        {"name": "wordpress", "feeds": [f"{wordpress}/feed/"], "schedule": "1h"},
    )
    command = ("run-due", "--sources", str(sources), "--db", db_url, *FAST)
    with started(*command) as a, started(*command) as b, started(*command) as c:
        processes = [a, b, c]
        outputs = [p.communicate(timeout=180) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err for _, err in outputs]

    runs = runs_of(db_url)
    assert collections.Counter(run.source for run in runs) == {"defense": 1, "wordpress": 1}
    assert all(run.status == "completed" for run in runs)
    said = "".join(err for _, err in outputs)
    assert said.count("defense: crawling") == 1 and said.count("wordpress: crawling") == 1
    for site in ("defense", "wordpress"):
        requests = article_requests(news_sites, site)
        assert requests and max(requests.values()) == 1, requests
    urls = article_urls(db_url)
    assert len(urls) == len(set(urls))


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def leased(db_url: str) -> bool:
    engine = make_engine(db_url)
    try:
        return bool(live_leases(engine, system_clock()))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_killed_run_frees_its_source_after_the_lease_and_resumes_from_its_jobdir(
    news_sites: SiteServer, defense_sources: Path, tmp_path: Path, sqlite_url: str
) -> None:
    sources = defense_sources
    slow = ("-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    jobdir = str(tmp_path / "jobs")
    command = (
        *("run-due", "--sources", str(sources), "--db", sqlite_url, "--jobdir", jobdir),
        *("--lease-ttl", "10", "-s", "CRAWLER_DB_BATCH_SIZE=1", *FAST, *slow),
    )
    open_database(sqlite_url).close()  # create the tables the test polls
    with started(*command) as killed:  # SIGKILLed with its workers on leaving the block
        wait_for(lambda: len(article_urls(sqlite_url)) >= 5 or killed.poll() is not None, 60)
        assert killed.poll() is None, killed.communicate()
    stored_before_kill = set(article_urls(sqlite_url))

    blocked = run_crawler(*command)  # the dead run's lease still holds the source
    assert blocked.returncode == 0, blocked.stderr
    assert "defense: skipped, crawled by" in blocked.stderr

    wait_for(lambda: not leased(sqlite_url), timeout=15)  # until the lease expires
    news_sites.clear_log()
    resumed = run_crawler(*command)
    assert resumed.returncode == 0, resumed.stderr
    assert "took over the expired lease of source 'defense'" in resumed.stderr
    requested = article_requests(news_sites, "defense")
    stored_paths = {urlsplit(url).path for url in stored_before_kill}
    assert not stored_paths & set(requested)  # nothing stored before the kill is fetched again
    assert max(requested.values(), default=1) == 1
    urls = article_urls(sqlite_url)
    assert len(urls) == len(set(urls))  # each article stored once, and every one stored
    assert {urlsplit(url).path for url in urls} == set(expected_articles(news_sites, "defense"))
    assert stored_before_kill and set(urls) > stored_before_kill
    statuses = [run.status for run in runs_of(sqlite_url)]
    assert statuses == ["running", "completed"]  # the killed run never recorded an end
