"""``crawler crawl --source NAME``: a source now, due or not, but never beside another run."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from crawler.leases import acquire_lease, release_lease
from crawler.schedule import system_clock
from crawler.siteserver import SiteServer
from crawler.storage import open_database
from tests.scheduling.helpers import FAST, article_urls, runs_of, write_sources

#: ``crawler crawl`` with ``--source NAME`` wired to `run_named_source`, as the crawl command does.
CRAWL_SOURCE = (
    "import sys; from crawler.cli import crawl, main; "
    "from crawler.cli.run_due import run_named_source; "
    "crawl.run = run_named_source; sys.exit(main(sys.argv[1:]))"
)


def crawl_source(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CRAWL_SOURCE, "crawl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_source_runs_now_even_when_not_due_but_not_while_leased(
    news_sites: SiteServer, tmp_path: Path, sqlite_url: str
) -> None:
    wordpress = news_sites.base_url("wordpress")
    sources = write_sources(
        tmp_path / "sources.toml",
        {"name": "blog", "feeds": [f"{wordpress}/feed/"], "schedule": "1d", "enabled": False},
    )
    database = open_database(sqlite_url)
    try:
        # a failed run just now: not due (1d), and no cut-off date for the feed's entries
        database.finish_run(database.start_run("feed", "blog"), "failed")
        acquire_lease(database.engine, "blog", "other:1:x", timedelta(minutes=5), system_clock())
    finally:
        database.close()
    args = ("--source", "blog", "--sources", str(sources), "--db", sqlite_url, *FAST)

    refused = crawl_source(*args)
    assert refused.returncode == 1
    assert "blog: skipped, crawled by other:1:x" in refused.stderr
    assert "blog was not crawled: another run holds it" in refused.stderr

    database = open_database(sqlite_url)
    try:
        release_lease(database.engine, "blog", "other:1:x")
    finally:
        database.close()
    done = crawl_source(*args, "--quiet")
    assert done.returncode == 0, done.stderr
    assert [run.source for run in runs_of(sqlite_url)] == ["blog", "blog"]
    assert len(article_urls(sqlite_url)) >= 10
